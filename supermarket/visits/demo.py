"""Demo visits: eight weeks of sessions at each site's opening days with their cash-ups, a few
overrides and one voided visit, and this morning's session still open at Harlow.

The current week is left part-filled, so the desk has households to check in on the day the
demo is loaded and on the days after: a third of each site's members, and the desk's cast
(members.demo.DESK_CAST), have not been this week; the cast's VISITED households were checked
in this morning at Harlow."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from supermarket.auth.access import works_at
from supermarket.auth.models import Role, User
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.members.demo import VISITED
from supermarket.members.models import Member, MemberStatus
from supermarket.models import utcnow
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings
from supermarket.visits.models import PaymentMethod, SiteSession, Visit, VisitBand
from supermarket.visits.services import (
    allowance_for,
    check_in,
    close_session,
    count_basket,
    open_session,
    site_today,
)
from supermarket.visits.services.allowance import savings
from supermarket.visits.services.dates import week_key
from supermarket.visits.services.requests import CheckInRequest
from supermarket.visits.services.rules import grace_ends

WEEKS = 8
# Opening days (Monday is 0) and hours, as in the demo sites' opening_hours.
OPENING: dict[str, tuple[tuple[int, ...], time, time]] = {
    "harlow": ((1, 5), time(10), time(12)),  # Tue, Sat
    "basildon": ((1, 3), time(10), time(14)),  # Tue, Thu
    "canvey": ((2, 4), time(13), time(16)),  # Wed, Fri
}
DEFAULT_OPENING = ((1, 5), time(10), time(12))
SHORTFALLS = (
    (-50, "50p short"),
    (-100, "£1 short: probably change given wrongly"),
    (20, "20p over"),
)
WAIVED_REASONS = ("Lost purse", "Benefit payment delayed", "First visit, referred by school")


@dataclass
class _Site:
    site: Site
    settings: SiteSettings
    members: list[Member]
    staff: list[User]
    rng: random.Random
    tz: ZoneInfo
    visits_in_week: dict[tuple[int, str], int] = field(default_factory=dict)
    # Members who have not been this week (the week the demo is loaded in).
    resting: set[int] = field(default_factory=set)

    def at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC)

    @property
    def manager(self) -> User:
        return next((u for u in self.staff if u.role == Role.SITE_MANAGER), self.staff[0])

    @property
    def volunteer(self) -> User:
        return next((u for u in self.staff if u.role == Role.VOLUNTEER), self.staff[0])


def _can_shop(member: Member, settings: SiteSettings, day: date) -> bool:
    if member.status not in (MemberStatus.ACTIVE, MemberStatus.LAPSED) or day < member.joined_on:
        return False
    last = grace_ends(member, settings)
    return last is None or day <= last


def _basket(shop: _Site, member: Member) -> dict[str, int]:
    allowance = allowance_for(shop.settings, member.household_size)
    basket = {}
    for band, limit in allowance.limits.items():
        if limit is None:
            n = shop.rng.choice((0, 0, 1, 2, 3, 4))
        else:
            n = max(0, limit - shop.rng.choice((0, 0, 0, 1, 2)))
        if n:
            basket[band] = n
    return basket


def _visit(
    shop: _Site,
    member: Member,
    at: datetime,
    session: SiteSession | None,
    *,
    override: tuple[str, str] | None = None,
) -> Visit:
    day = at.astimezone(shop.tz).date()
    allowance = allowance_for(shop.settings, member.household_size)
    typed = _basket(shop, member)
    if override is not None and override[0] == "allowance_exceeded":
        band, limit = next(iter(allowance.counted.items()))
        typed[band] = limit + 2
    basket = count_basket(allowance, typed)
    roll = shop.rng.random()
    fee = allowance.fee_pence
    if fee and roll < 0.04:
        method, paid, reason = PaymentMethod.WAIVED, 0, shop.rng.choice(WAIVED_REASONS)
    elif roll < 0.25:
        method, paid, reason = PaymentMethod.CARD, fee, ""
    else:
        method, paid, reason = PaymentMethod.CASH, fee, ""
    actor = shop.rng.choice(shop.staff)
    visit = Visit(
        site_id=shop.site.id,
        member_id=member.id,
        session_id=session.id if session else None,
        visited_at=at,
        local_date=day,
        week_key=week_key(day),
        adults=member.adults,
        children_0_4=member.children_0_4,
        children_5_11=member.children_5_11,
        children_12_17=member.children_12_17,
        tier=allowance.tier,
        fee_pence=fee,
        payment_method=method.value,
        amount_paid_pence=paid,
        payment_reason=reason,
        retail_value_pence=basket.retail_value_pence,
        savings_pence=savings(basket.retail_value_pence, paid),
        actor_id=actor.id,
        override_reason=override[1] if override else "",
        overridden_rules=[override[0]] if override else [],
        overridden_by_id=actor.id if override else None,
    )
    visit.bands = [
        VisitBand(band=b, quantity=n, value_pence=basket.values[b])
        for b, n in basket.counts.items()
    ]
    db.session.add(visit)
    key = (member.id, week_key(day))
    shop.visits_in_week[key] = shop.visits_in_week.get(key, 0) + 1
    return visit


def _day(
    shop: _Site, day: date, opens: time, closes: time, override: tuple[str, str] | None, void: bool
) -> None:
    """One past opening day: a session, its visits, and its cash-up.

    Long on purpose: the day in the order it happens at the desk (open, visits, close)."""
    names = sorted({u.name for u in shop.rng.sample(shop.staff, min(2, len(shop.staff)))})
    session = SiteSession(
        site_id=shop.site.id,
        local_date=day,
        volunteers=", ".join(names),
        float_pence=shop.rng.choice((0, 2000, 2000, 2500)),
        opened_at=shop.at(day, opens),
        opened_by_id=shop.volunteer.id,
    )
    db.session.add(session)
    db.session.flush()
    minutes = int((datetime.combine(day, closes) - datetime.combine(day, opens)).seconds / 60)
    wk = week_key(day)
    this_week = wk == week_key(site_today(shop.site))
    eligible = [
        m
        for m in shop.members
        if _can_shop(m, shop.settings, day)
        and shop.visits_in_week.get((m.id, wk), 0) < shop.settings.visits_per_week
        and not (this_week and m.id in shop.resting)
    ]
    shopping = [m for m in eligible if shop.rng.random() < 0.55]
    shopping.sort(key=lambda _: shop.rng.random())
    visits: list[Visit] = []
    for i, member in enumerate(shopping):
        offset = timedelta(minutes=int(i * (minutes - 5) / max(1, len(shopping))) + 2)
        visits.append(_visit(shop, member, shop.at(day, opens) + offset, session))
    if override is not None:
        # Over the limit: someone who has already been this week, let in again by a manager's
        # agreement; over the allowance: a newly referred family given a little more.
        pool = (
            [
                m
                for m in shop.members
                if shop.visits_in_week.get((m.id, wk), 0) >= shop.settings.visits_per_week
                and _can_shop(m, shop.settings, day)
            ]
            if override[0] == "visit_limit_reached"
            else [m for m in eligible if m not in shopping]
        )
        if pool:
            visits.append(
                _visit(
                    shop,
                    shop.rng.choice(pool),
                    shop.at(day, closes) - timedelta(minutes=10),
                    session,
                    override=override,
                )
            )
    if void and visits:
        wrong = visits[len(visits) // 2]
        wrong.voided_at = wrong.visited_at + timedelta(minutes=3)
        wrong.void_reason = "Scanned the wrong card"
        wrong.voided_by_id = shop.manager.id
        shop.visits_in_week[(wrong.member_id, wk)] -= 1
    db.session.flush()
    expected = session.float_pence + sum(
        v.amount_paid_pence
        for v in visits
        if v.voided_at is None and v.payment_method == PaymentMethod.CASH
    )
    difference, note = 0, ""
    if shop.rng.random() < 0.2:
        difference, note = shop.rng.choice(SHORTFALLS)
    close_session(
        shop.site,
        session.id,
        actor=shop.volunteer,
        counted_cash_pence=max(0, expected + difference),
        note=note,
        now=shop.at(day, closes) + timedelta(minutes=15),
    )


def _this_morning(shop: _Site, opens: time, visited: list[Member]) -> None:
    """Harlow's desk is open now: a session with the first few visits of the morning, the
    cast's `visited` households first."""
    now = utcnow()
    today = site_today(shop.site)
    opened = min(now - timedelta(minutes=30), shop.at(today, opens))
    session = open_session(
        shop.site,
        actor=shop.volunteer,
        now=opened,
        volunteers="Sue Barker, Amara Okafor",
        float_pence=2000,
    )
    session.local_date = today
    db.session.flush()
    candidates = [
        m
        for m in shop.members
        if _can_shop(m, shop.settings, today)
        and shop.visits_in_week.get((m.id, week_key(today)), 0) == 0
        and m.id not in shop.resting
    ]
    for i, member in enumerate(visited + candidates[:4]):
        at = min(now, opened + timedelta(minutes=4 * i + 3))
        try:
            with db.session.begin_nested():
                check_in(
                    shop.site,
                    CheckInRequest(member.membership_number, basket=_basket(shop, member)),
                    actor=shop.volunteer,
                    now=at,
                )
        except DomainError:
            continue  # a basket or membership the rules refuse: the demo moves on


def _sites(ctx: Any, rng: random.Random) -> list[tuple[str, _Site]]:
    cast: dict[int, str] = ctx.extra.get("desk", {})
    found = []
    for code, site in ctx.sites.items():
        members = list(
            db.session.scalars(
                select(Member)
                .where(Member.site_id == site.id, Member.anonymised_at.is_(None))
                .order_by(Member.id)
            )
        )
        staff = [u for u in ctx.staff.values() if works_at(u, site)]
        if members and staff:
            shop = _Site(site, site.settings, members, staff, rng, ZoneInfo(site.timezone))
            shop.resting = {m.id for i, m in enumerate(members) if i % 3 == 0 or m.id in cast}
            found.append((code, shop))
    return found


def seed(ctx: Any) -> None:
    """Called by `supermarket demo` after members and stock exist; needs demo members."""
    rng = random.Random(1020)  # noqa: S311 - repeatable demo data, not security
    overrides = [
        ("allowance_exceeded", "Emergency referral"),
        ("visit_limit_reached", "Hardship — manager agreed"),
    ]
    voided = False
    for code, shop in _sites(ctx, rng):
        days, opens, closes = OPENING.get(code, DEFAULT_OPENING)
        today = site_today(shop.site)
        start = today - timedelta(weeks=WEEKS)
        open_days: Sequence[date] = [
            start + timedelta(days=n)
            for n in range((today - start).days)
            if (start + timedelta(days=n)).weekday() in days
        ]
        override_days = {len(open_days) // 3, 2 * len(open_days) // 3}
        for n, day in enumerate(open_days):
            override = overrides.pop() if n in override_days and overrides else None
            void = not voided and n == len(open_days) - 3
            _day(shop, day, opens, closes, override, void)
            voided = voided or void
        if code == "harlow":
            visited = [m for m in shop.members if ctx.extra.get("desk", {}).get(m.id) == VISITED]
            _this_morning(shop, opens, visited)
        if len(shop.settings.visit_types) > 1:
            _typed_visits(shop, today, opens)
    db.session.flush()


def _typed_visits(shop: _Site, today: date, opens: time) -> None:
    """A few visits of the site's other types, through check-in: emergency parcels in the
    last weeks, a hamper in the latest school holiday begun and a seasonal extra this year."""
    began = [h for h in shop.settings.school_holidays if h.start <= today]
    days = {
        "emergency_parcel": [today - timedelta(days=n) for n in (3, 9, 16)],
        "holiday_hamper": [min(began[-1].end, today)] * 2 if began else [],
        "seasonal_extra": [today - timedelta(days=1)] if today.timetuple().tm_yday > 1 else [],
    }
    given: set[int] = set()
    for kind, dates in days.items():
        if shop.settings.visit_type(kind) is None:
            continue
        for day in dates:
            # Households with no other visit that week, one typed visit each.
            wk = week_key(day)
            member = next(
                (
                    m
                    for m in shop.members
                    if m.id not in given
                    and not shop.visits_in_week.get((m.id, wk), 0)
                    and _can_shop(m, shop.settings, day)
                ),
                None,
            )
            if member is None:
                continue
            given.add(member.id)
            try:
                with db.session.begin_nested():
                    check_in(
                        shop.site,
                        CheckInRequest(member.membership_number, visit_type=kind),
                        actor=shop.volunteer,
                        now=shop.at(day, opens),
                    )
            except DomainError:
                continue  # a membership or limit the rules refuse: the demo moves on
            shop.visits_in_week[(member.id, wk)] = 1
