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
from supermarket.reporting.rollups import TypeSums, visit_type_sums
from supermarket.reporting.site_filter import in_sites


class PaymentSums(TypedDict):
    pay_as_you_feel_pence: int
    membership_fees_pence: int
    membership_fees_paid: int
    points_spent: int


def payment_sums(
    site_ids: Sequence[int], start: date, end: date, *, types: TypeSums | None = None
) -> dict[int, PaymentSums]:
    """Per site: pay_as_you_feel_pence, membership_fees_pence, membership_fees_paid and
    points_spent from start to end (the visits' from the daily rollup by type, the fees from
    the fees paid); `types` the period's visit_type_sums if already read."""
    found = {
        site_id: PaymentSums(
            pay_as_you_feel_pence=0, membership_fees_pence=0, membership_fees_paid=0, points_spent=0
        )
        for site_id in site_ids
    }
    if types is None:
        types = visit_type_sums(site_ids, start, end)
    for site_id, by_type in types.items():
        for sums in by_type.values():
            found[site_id]["pay_as_you_feel_pence"] += sums["pay_as_you_feel_pence"]
            found[site_id]["points_spent"] += sums["points_spent"]
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
