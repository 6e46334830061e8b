"""How a visit is paid for, by its visit type's payment model (sites.settings.PAYMENT_MODELS).

- `flat_fee` (today's): the fee per visit in cash or by card, or waived (allowance's
  settle_payment). A visit with nothing due and nothing paid is recorded as `free`, not cash.
- `membership_fee`: visits cost nothing while the member's membership fee covers the day
  (recorded as `membership`). A fee covers a year (annual) or four months (termly) from the
  day it is paid, to the day before that date, or from the day after the fee it follows if
  paid early. When no fee covers today the check-in is refused (`membership_fee_due`, not
  overridable: the fee is what lets the household shop) unless the volunteer takes the fee
  with it: the payment sent with the site's membership fee as its amount (cash or card), or
  waived with a reason. The fee is recorded as a membership fee (`membership_fees`, kind
  `membership`), counted by the cash-up and the reports as such.
- `pay_as_you_feel`: any amount, nothing included, no reason asked. An amount given is
  recorded as cash or card; nothing given as `pay_as_you_feel` with 0. No fee is due.
- `points`: the household gets points at each visit (by its tier), the basket costs points
  by band, and points left over carry to the next visit up to the site's cap (visits.points).
  A basket costing more than the points available is refused (`points_exceeded`), which may be
  overridden with a reason like the allowance (by a manager where the site says so); the
  balance then goes to nothing, never below. No money is taken (`points`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput
from supermarket.extensions import db
from supermarket.formatting import money
from supermarket.members import services as members
from supermarket.members.models import FeeKind, FeeMethod, Member, MembershipFee
from supermarket.members.terms import add_months
from supermarket.sites.calendar import now_or, site_today
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings, VisitType
from supermarket.visits.models import PaymentMethod, Rule, Visit
from supermarket.visits.points import PointsEntry, PointsReason
from supermarket.visits.services.allowance import (
    Allowance,
    Basket,
    SettledPayment,
    allowance_for,
    settle_payment,
)
from supermarket.visits.services.requests import Payment
from supermarket.visits.services.rules import Problem

FLAT_FEE = "flat_fee"
MEMBERSHIP_FEE = "membership_fee"
PAY_AS_YOU_FEEL = "pay_as_you_feel"
POINTS = "points"
PERIOD_MONTHS = {"annual": 12, "termly": 4}


# --- points -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointsMove:
    """A points visit's arithmetic: the balance carried in, what expires over the cap, the
    credit for the visit, the basket's cost and what it spends (the cost, or all there was
    when a manager let a dearer basket through)."""

    balance: int
    expired: int
    credit: int
    cost: int

    @property
    def available(self) -> int:
        return self.balance - self.expired + self.credit

    @property
    def spent(self) -> int:
        return min(self.cost, self.available)

    @property
    def balance_after(self) -> int:
        return self.available - self.spent


def points_balance(member_id: int, site_id: int) -> int:
    """The member's points at the site: the newest ledger row's balance, or none."""
    found = db.session.scalar(
        select(PointsEntry.balance_after)
        .where(PointsEntry.member_id == member_id, PointsEntry.site_id == site_id)
        .order_by(PointsEntry.id.desc())
        .limit(1)
    )
    return int(found or 0)


def basket_points(settings: SiteSettings, allowance: Allowance, basket: Basket) -> int:
    """What a basket costs in points: each band's items at the band's cost (`band_costs`), or
    at `item_cost`; an uncounted (free) band costs nothing unless its cost is set."""
    scheme = settings.points
    cost = 0
    for band, count in basket.counts.items():
        if band in scheme.band_costs:
            cost += count * scheme.band_costs[band]
        elif allowance.limits.get(band) is not None:
            cost += count * scheme.item_cost
    return cost


def points_move(
    settings: SiteSettings, member_id: int, site_id: int, tier: str, cost: int = 0
) -> PointsMove:
    scheme = settings.points
    balance = points_balance(member_id, site_id)
    expired = max(0, balance - scheme.carry_over_cap)
    credit = scheme.credit_by_tier.get(tier, scheme.credit)
    return PointsMove(balance, expired, credit, cost)


def write_points(
    move: PointsMove, *, member_id: int, site_id: int, visit_id: int, today: date, now: datetime
) -> None:
    balance = move.balance
    steps = (
        (PointsReason.EXPIRE, -move.expired),
        (PointsReason.CREDIT, move.credit),
        (PointsReason.SPEND, -move.spent),
    )
    for reason, change in steps:
        if not change:
            continue
        balance += change
        db.session.add(
            PointsEntry(
                member_id=member_id,
                site_id=site_id,
                visit_id=visit_id,
                visit_local_date=today,  # the visit's: check-in records it on its day
                local_date=today,
                change=change,
                balance_after=balance,
                reason=reason.value,
                recorded_at=now,
            )
        )
    db.session.flush()


def give_back_points(visit: Visit, *, now: datetime) -> None:
    """A voided visit's points change undone (its expiry, credit and spend), the balance kept
    at nothing or more."""
    net = db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.change), 0)).where(
            PointsEntry.visit_id == visit.id
        )
    )
    if not net:
        return
    balance = points_balance(visit.member_id, visit.site_id)
    change = max(-int(net), -balance)
    db.session.add(
        PointsEntry(
            member_id=visit.member_id,
            site_id=visit.site_id,
            visit_id=visit.id,
            visit_local_date=visit.local_date,
            local_date=visit.local_date,
            change=change,
            balance_after=balance + change,
            reason=PointsReason.VOID.value,
            recorded_at=now,
        )
    )
    db.session.flush()


# --- membership fees ------------------------------------------------------------------------


def covered_until(member_id: int, site_id: int) -> date | None:
    """The last day the member's membership fees at the site cover, if any were paid."""
    return db.session.scalar(
        select(func.max(MembershipFee.covers_until)).where(
            MembershipFee.member_id == member_id,
            MembershipFee.site_id == site_id,
            MembershipFee.kind == FeeKind.MEMBERSHIP.value,
        )
    )


def new_cover(settings: SiteSettings, today: date, until: date | None) -> date:
    """The last day a membership fee paid today covers: a period from today, or from the day
    after the cover it renews while that still runs."""
    start = today if until is None or until < today else until + timedelta(days=1)
    return add_months(start, PERIOD_MONTHS[settings.membership_fee_period]) - timedelta(days=1)


@dataclass(frozen=True)
class MembershipFeeTaken:
    method: str
    amount_pence: int
    reason: str
    fee_pence: int
    covers_until: date


def record_membership_fee(
    taken: MembershipFeeTaken,
    *,
    member_id: int,
    site_id: int,
    actor_id: int | None,
    today: date,
    now: datetime,
) -> MembershipFee:
    fee = MembershipFee(
        site_id=site_id,
        member_id=member_id,
        kind=FeeKind.MEMBERSHIP.value,
        fee_pence=taken.fee_pence,
        amount_pence=taken.amount_pence,
        method=taken.method,
        reason=taken.reason[:200],
        covers_until=taken.covers_until,
        recorded_at=now,
        local_date=today,
        recorded_by_id=actor_id,
    )
    db.session.add(fee)
    db.session.flush()
    return fee


def take_membership_fee(
    site: Site, number: str, payment: Payment, *, actor: User, now: datetime | None = None
) -> MembershipFee:
    """Take a member's membership fee at the desk without a visit (paying ahead, or renewing
    before the last fee ends: the new one follows on from it). Staff of the site, for its
    own members; refused (422) where the site charges no membership fee."""
    ensure_works_at(actor, site)
    member = members.find_member_for_checkin(site, number, actor=actor, for_update=True)
    settings = site.settings
    if not settings.membership_fee_pence:
        raise InvalidInput(
            "This site charges no membership fee.",
            fields={"membership_fee_pence": ["Set the site's membership fee first."]},
        )
    now = now_or(now)
    today = site_today(site, now)
    taken = settle_membership_fee(settings, payment, today, covered_until(member.id, site.id))
    fee = record_membership_fee(
        taken, member_id=member.id, site_id=site.id, actor_id=actor.id, today=today, now=now
    )
    audit.record_on(
        "member.membership_fee_taken",
        "member",
        member.id,
        actor,
        site.id,
        method=taken.method,
        covers_until=taken.covers_until.isoformat(),
    )
    return fee


def settle_membership_fee(
    settings: SiteSettings, payment: Payment, today: date, until: date | None
) -> MembershipFeeTaken:
    """The membership fee as the desk took it: the whole fee in cash or by card, or waived
    with a reason (as a joining fee is)."""
    fee = settings.membership_fee_pence
    reason = " ".join((payment.reason or "").split())
    method = FeeMethod(payment.method or FeeMethod.CASH.value)
    cover = new_cover(settings, today, until)
    if method is FeeMethod.WAIVED:
        if payment.amount_pence:
            raise InvalidInput(
                "A waived fee takes no payment.",
                fields={"payment": {"amount_pence": ["Leave it empty or 0."]}},
            )
        if not reason:
            raise InvalidInput(
                "Say why the membership fee is waived.",
                fields={"payment": {"reason": ["Give a reason."]}},
            )
        return MembershipFeeTaken(method.value, 0, reason, fee, cover)
    paid = fee if payment.amount_pence is None else payment.amount_pence
    if paid != fee:
        raise InvalidInput(
            f"The membership fee is {money(fee)}: take it in full, or waive it and say why.",
            fields={"payment": {"amount_pence": [f"Take the full {money(fee)}, or waive it."]}},
        )
    return MembershipFeeTaken(method.value, paid, reason, fee, cover)


# --- settling a visit ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settled:
    """A visit's payment by its type's model: what the visit row records, the rule in the
    way (membership fee due, over the points), and what check-in writes once the visit is
    stored (a membership fee taken with it, the points ledger)."""

    model: str
    payment: SettledPayment
    fee_pence: int
    points: PointsMove | None = None
    membership_fee: MembershipFeeTaken | None = None
    problem: Problem | None = None

    @property
    def values(self) -> dict[str, Any]:
        """The visit row's payment columns beyond _takings' (its fee replaced)."""
        return {
            "fee_pence": self.fee_pence,
            "payment_model": self.model,
            "points_spent": self.points.cost if self.points is not None else 0,
        }


OFFLINE_MONEY = "Taken offline by a tablet whose roster still asked for the fee."


def _no_money(
    payment: Payment | None, what: str, paid: SettledPayment, *, offline: bool
) -> SettledPayment:
    """`paid` (no money) unless money was sent: refused at the desk; from an offline tablet
    (whose roster predates the site's change of model) the money it took is kept as taken,
    so the cash-up still finds it."""
    if payment is None or not payment.amount_pence:
        return paid
    if not offline:
        raise InvalidInput(
            f"{what}: take no money for the visit.",
            fields={"payment": {"amount_pence": ["Leave it empty or 0."]}},
        )
    method = payment.method if payment.method in ("cash", "card") else "cash"
    return SettledPayment(method, payment.amount_pence, OFFLINE_MONEY)


def settle(
    kind: VisitType,
    settings: SiteSettings,
    member: Member,
    site_id: int,
    allowance: Allowance,
    basket: Basket,
    payment: Payment | None,
    today: date,
    *,
    offline: bool = False,
) -> Settled:
    """The visit's payment by `kind`'s payment model (see the module's words). `offline`: the
    check-in was recorded on a tablet offline (money it took for a visit that takes none is
    kept, not refused)."""
    model = kind.payment_model
    if model == MEMBERSHIP_FEE:
        return _membership(settings, member, site_id, payment, today, offline=offline)
    if model == PAY_AS_YOU_FEEL:
        return _pay_as_you_feel(payment)
    if model == POINTS:
        paid = _no_money(
            payment,
            "This visit is paid in points",
            SettledPayment(PaymentMethod.POINTS.value, 0, ""),
            offline=offline,
        )
        cost = basket_points(settings, allowance, basket)
        move = points_move(settings, member.id, site_id, allowance.tier, cost)
        problem = None
        if cost > move.available:
            problem = Problem(
                Rule.POINTS_EXCEEDED,
                f"The basket costs {cost} points; {move.available} are available "
                f"({move.balance - move.expired} carried over and {move.credit} for this "
                "visit). Put something back.",
                {"points_cost": cost, "points_available": move.available},
            )
        return Settled(model, paid, 0, move, None, problem)
    paid = settle_payment(allowance.fee_pence, payment)
    return Settled(FLAT_FEE, paid, allowance.fee_pence)


def _membership(
    settings: SiteSettings,
    member: Member,
    site_id: int,
    payment: Payment | None,
    today: date,
    *,
    offline: bool,
) -> Settled:
    covered = SettledPayment(PaymentMethod.MEMBERSHIP.value, 0, "")
    until = covered_until(member.id, site_id)
    fee = settings.membership_fee_pence
    if fee == 0 or (until is not None and until >= today):
        paid = _no_money(payment, "The membership fee covers today", covered, offline=offline)
        return Settled(MEMBERSHIP_FEE, paid, 0)
    asked = payment is not None and (
        payment.amount_pence is not None or payment.method == PaymentMethod.WAIVED.value
    )
    if payment is None or not asked:
        period = settings.membership_fee_period
        ended = f" (it covered to {until.isoformat()})" if until is not None else ""
        problem = Problem(
            Rule.MEMBERSHIP_FEE_DUE,
            f"The {period} membership fee of {money(fee)} is due{ended}. Take it with this "
            "check-in (cash or card, the amount the fee), or waive it with a reason.",
            {"membership_fee_pence": fee, "membership_fee_period": period},
        )
        return Settled(MEMBERSHIP_FEE, covered, 0, problem=problem)
    taken = settle_membership_fee(settings, payment, today, until)
    return Settled(MEMBERSHIP_FEE, covered, 0, membership_fee=taken)


def _pay_as_you_feel(payment: Payment | None) -> Settled:
    payment = payment or Payment()
    reason = (payment.reason or "").strip()
    amount = payment.amount_pence or 0
    if payment.method == PaymentMethod.WAIVED.value or amount == 0:
        return Settled(
            PAY_AS_YOU_FEEL, SettledPayment(PaymentMethod.PAY_AS_YOU_FEEL.value, 0, reason), 0
        )
    return Settled(PAY_AS_YOU_FEEL, SettledPayment(payment.method, amount, reason), 0)


def record(
    settled: Settled,
    *,
    visit_id: int,
    member_id: int,
    site_id: int,
    actor_id: int | None,
    today: date,
    now: datetime,
) -> None:
    """Write what the visit's payment adds once the visit is stored: the membership fee taken
    with it, its points."""
    if settled.membership_fee is not None:
        record_membership_fee(
            settled.membership_fee,
            member_id=member_id,
            site_id=site_id,
            actor_id=actor_id,
            today=today,
            now=now,
        )
    if settled.points is not None:
        write_points(
            settled.points,
            member_id=member_id,
            site_id=site_id,
            visit_id=visit_id,
            today=today,
            now=now,
        )


# --- the panel ----------------------------------------------------------------------------------


def panel_payment(
    kind: VisitType, settings: SiteSettings, member: Member, site_id: int, today: date
) -> dict[str, Any]:
    """What the desk's panel says of paying today: the model, and the points or the
    membership fee where the model has them."""
    info: dict[str, Any] = {"model": kind.payment_model, "points": None, "membership_fee": None}
    if kind.payment_model == POINTS:
        tier = allowance_for(settings, member.household_size).tier
        move = points_move(settings, member.id, site_id, tier)
        info["points"] = {
            "balance": move.balance,
            "carried_over": move.balance - move.expired,
            "expiring": move.expired,
            "credit": move.credit,
            "available": move.available,
            "carry_over_cap": settings.points.carry_over_cap,
        }
    elif kind.payment_model == MEMBERSHIP_FEE:
        until = covered_until(member.id, site_id)
        fee = settings.membership_fee_pence
        info["membership_fee"] = {
            "fee_pence": fee,
            "period": settings.membership_fee_period,
            "covered_until": until,
            "covers_today": fee == 0 or (until is not None and until >= today),
        }
    return info


def panel_notice(info: dict[str, Any]) -> str:
    """The panel's line about paying today ("" when there is nothing to say)."""
    points, fee = info["points"], info["membership_fee"]
    if points is not None:
        expiring = f"; {points['expiring']} over the cap expire" if points["expiring"] else ""
        return (
            f"Points: {points['available']} to spend today ({points['carried_over']} carried "
            f"over and {points['credit']} for this visit{expiring})."
        )
    if fee is not None and not fee["covers_today"]:
        return (
            f"Membership fee due: {money(fee['fee_pence'])} ({fee['period']}). Take it with "
            "the check-in, or waive it with a reason."
        )
    if fee is not None and fee["covered_until"] is not None:
        return f"Membership fee paid: covers to {fee['covered_until'].strftime('%-d %B %Y')}."
    return ""
