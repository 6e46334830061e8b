"""Membership fees taken at the desk: the site's joining fee at registration, and again at
renewal where the site says so (`joining_fee_at_renewal`).

The rule (ours), the same at the page and the API:

- A site that charges a joining fee asks how it was settled: cash or card, or waived. Cash
  or card take the whole fee (a part payment is not taken: waive the fee instead, with a
  reason); a waived fee takes nothing and needs a reason, as a waived visit fee does.
- A site that charges none asks nothing, and refuses a fee sent to it.
- The fee is written with the registration (or renewal), in the same transaction. The
  cash-up of the till session open when it was taken counts it (visits' cash-up, which fills
  in `session_id` when the session closes); reports count it as joining fees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supermarket.auth.models import User
from supermarket.errors import InvalidInput
from supermarket.extensions import db
from supermarket.formatting import money
from supermarket.members.inputs import FeePayment
from supermarket.members.models import FeeKind, FeeMethod, Member, MembershipFee
from supermarket.models import utcnow
from supermarket.sites.calendar import local_date
from supermarket.sites.models import Site

FIELD = "joining_fee"


@dataclass(frozen=True)
class SettledFee:
    method: str
    amount_pence: int
    reason: str


def _refuse(message: str, inner: str | None = None, note: str | None = None) -> InvalidInput:
    error: Any = [note or message]
    fields = {FIELD: {inner: error} if inner else error}
    return InvalidInput(message, fields=fields)


def fee_due(site: Site, kind: FeeKind) -> int:
    """The fee the site takes for `kind` now: its joining fee, at renewal only where set."""
    settings = site.settings
    if kind is FeeKind.RENEWAL and not settings.joining_fee_at_renewal:
        return 0
    return settings.joining_fee_pence


def settle_fee(fee_pence: int, payment: FeePayment | None, *, kind: FeeKind) -> SettledFee | None:
    """The fee as settled, None where none is due; refused (422, naming `joining_fee`) where
    the payment does not follow the rule above."""
    what = "joining fee" if kind is FeeKind.JOINING else "joining fee, taken again at renewal,"
    if fee_pence == 0:
        if payment is not None:
            raise _refuse("This site charges no joining fee: leave joining_fee out.")
        return None
    if payment is None:
        raise _refuse(
            f"The {what} is {money(fee_pence)}: say whether it was paid in cash, by card or "
            "waived.",
            note=f"Say how the {money(fee_pence)} was paid: cash, card or waived.",
        )
    method = FeeMethod(payment.method)
    reason = " ".join(payment.reason.split())
    if method is FeeMethod.WAIVED:
        if payment.paid_pence:
            raise _refuse(
                "A waived fee takes no payment.",
                "paid_pence",
                "Leave it empty or 0 when the fee is waived.",
            )
        if not reason:
            raise _refuse(
                "Say why the joining fee is waived.", "reason", "Say why the fee is waived."
            )
        return SettledFee(method.value, 0, reason)
    paid = fee_pence if payment.paid_pence is None else payment.paid_pence
    if paid != fee_pence:
        raise _refuse(
            f"The {what} is {money(fee_pence)}: take it in full, or choose Waived and say why.",
            "paid_pence",
            f"Take the full {money(fee_pence)}, or choose Waived.",
        )
    return SettledFee(method.value, paid, reason)


def record_fee(
    member: Member, kind: FeeKind, fee_pence: int, settled: SettledFee, *, actor: User
) -> MembershipFee:
    """Write the fee taken for the member (the caller has checked the actor works there)."""
    now = utcnow()
    fee = MembershipFee(
        site_id=member.site_id,
        member_id=member.id,
        kind=kind.value,
        fee_pence=fee_pence,
        amount_pence=settled.amount_pence,
        method=settled.method,
        reason=settled.reason[:200],
        recorded_at=now,
        local_date=local_date(member.site, now),
        recorded_by_id=actor.id,
    )
    member.fees.append(fee)
    db.session.flush()
    return fee
