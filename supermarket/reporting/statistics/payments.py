"""The payment models' RAW figures of a period, per site: what pay-as-you-feel visits gave,
the membership fees paid (the annual or termly fee of visits paid by membership) and the
points spent. Internal only, like the rest of `statistics`; release/blocks.py decides what
may leave a site.

Definitions (the methods page repeats them):

- Pay as you feel: amounts given at pay-as-you-feel visits in the period (not voided); they
  are part of the fees paid at visits too.
- Membership fees: membership fees (kind `membership`) paid in the period, and how many were
  paid (waived ones take nothing and are not counted). Kept apart from joining fees.
- Points spent: the points the baskets of points visits (not voided) cost in the period; not
  money.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypedDict

from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.members.models import FeeKind, MembershipFee
from supermarket.reporting.site_filter import in_sites
from supermarket.visits.models import Visit

PAY_AS_YOU_FEEL = "pay_as_you_feel"


class PaymentSums(TypedDict):
    pay_as_you_feel_pence: int
    membership_fees_pence: int
    membership_fees_paid: int
    points_spent: int


def payment_sums(site_ids: Sequence[int], start: date, end: date) -> dict[int, PaymentSums]:
    """Per site: pay_as_you_feel_pence, membership_fees_pence, membership_fees_paid and
    points_spent from start to end (two grouped reads)."""
    found = {
        site_id: PaymentSums(
            pay_as_you_feel_pence=0, membership_fees_pence=0, membership_fees_paid=0, points_spent=0
        )
        for site_id in site_ids
    }
    visits = db.session.execute(
        select(
            Visit.site_id,
            func.coalesce(
                func.sum(Visit.amount_paid_pence).filter(Visit.payment_model == PAY_AS_YOU_FEEL),
                0,
            ),
            func.coalesce(func.sum(Visit.points_spent), 0),
        )
        .where(
            in_sites(Visit.site_id, site_ids),
            Visit.local_date.between(start, end),
            Visit.voided_at.is_(None),
        )
        .group_by(Visit.site_id)
    ).all()
    for site_id, given, points in visits:
        found[site_id]["pay_as_you_feel_pence"] = int(given)
        found[site_id]["points_spent"] = int(points)
    fees = db.session.execute(
        select(
            MembershipFee.site_id,
            func.coalesce(func.sum(MembershipFee.amount_pence), 0),
            func.count(MembershipFee.id),
        )
        .where(
            in_sites(MembershipFee.site_id, site_ids),
            MembershipFee.local_date.between(start, end),
            MembershipFee.kind == FeeKind.MEMBERSHIP.value,
            MembershipFee.amount_pence > 0,
        )
        .group_by(MembershipFee.site_id)
    ).all()
    for site_id, paid, count in fees:
        found[site_id]["membership_fees_pence"] = int(paid)
        found[site_id]["membership_fees_paid"] = int(count)
    return found
