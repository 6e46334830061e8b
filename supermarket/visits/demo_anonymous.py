"""Demo data for visit types and anonymous visits: at Harlow, last month's emergency parcels
and Christmas extras given to members beside their weekly shops, a dozen emergency parcels
given without registering, and two this morning (in the open session), so that the desk's day
list, the cash-up and the reports by type show them.

Harlow is given the emergency parcel and the Christmas extra in its settings if it has not
got them already (the programme's defaults: free, the parcel for non-members too).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from supermarket.auth.access import works_at
from supermarket.auth.models import Role, User
from supermarket.extensions import db
from supermarket.members.models import Member, MemberStatus
from supermarket.sites.models import Site
from supermarket.sites.settings import PROGRAMME_VISIT_TYPES
from supermarket.visits.anonymous import AnonymousVisit
from supermarket.visits.models import PaymentMethod, Visit
from supermarket.visits.services import site_today
from supermarket.visits.services.anonymous import AnonymousRequest, record_anonymous_visit
from supermarket.visits.services.dates import week_key

SITE = "harlow"
TYPES = ("emergency_parcel", "seasonal_extra")
# (type, members given one last month, its retail value in pence)
MEMBER_PARCELS = (("emergency_parcel", 12, 1500), ("seasonal_extra", 11, 1000))
# Households given a parcel without registering last month: (adults, 0-4, 5-11, 12-17).
ANONYMOUS = (
    (1, 0, 0, 0),
    (2, 1, 1, 0),
    (1, 0, 2, 0),
    (1, 0, 0, 0),
    (1, 1, 0, 0),
    (2, 0, 0, 1),
    (1, 0, 0, 0),
    (3, 0, 1, 1),
    (1, 0, 0, 0),
    (1, 2, 0, 0),
    (2, 0, 0, 0),
    (1, 0, 1, 0),
)


def _with_types(site: Site) -> None:
    settings = site.settings
    have = {t.key for t in settings.visit_types}
    extra = tuple(t for t in PROGRAMME_VISIT_TYPES if t.key in TYPES and t.key not in have)
    if extra:
        site.settings = replace(settings, visit_types=(*settings.visit_types, *extra))


def _last_month(today: date) -> list[date]:
    end = today.replace(day=1) - timedelta(days=1)
    return [end.replace(day=day) for day in range(2, 28)]


def seed(ctx: Any) -> None:
    """Called by `supermarket demo` after the visits' demo, before the reports' roll-up."""
    site = ctx.sites.get(SITE)
    if site is None:
        return
    staff = [u for u in ctx.staff.values() if works_at(u, site)]
    volunteer: User | None = next((u for u in staff if u.role == Role.VOLUNTEER), None)
    if volunteer is None:
        return
    _with_types(site)
    db.session.flush()
    rng = random.Random(1616)  # noqa: S311 - repeatable demo data, not security
    tz = ZoneInfo(site.timezone)
    today = site_today(site)
    days = _last_month(today)

    def at(day: date) -> datetime:
        minutes = rng.randrange(0, 120, 5)
        return datetime.combine(day, time(10 + minutes // 60, minutes % 60), tz).astimezone(UTC)

    members = list(
        db.session.scalars(
            select(Member)
            .where(Member.site_id == site.id, Member.status == MemberStatus.ACTIVE.value)
            .order_by(Member.id)
        )
    )
    start = 0
    for kind, count, retail in MEMBER_PARCELS:
        for member in members[start : start + count]:
            day = rng.choice(days)
            db.session.add(
                Visit(
                    site_id=site.id,
                    member_id=member.id,
                    visited_at=at(day),
                    local_date=day,
                    week_key=week_key(day),
                    visit_type=kind,
                    adults=member.adults,
                    children_0_4=member.children_0_4,
                    children_5_11=member.children_5_11,
                    children_12_17=member.children_12_17,
                    fee_pence=0,
                    payment_method=PaymentMethod.CASH.value,
                    amount_paid_pence=0,
                    retail_value_pence=retail,
                    savings_pence=retail,
                    actor_id=volunteer.id,
                )
            )
        start += count
    for adults, young, middle, older in ANONYMOUS:
        day = rng.choice(days)
        db.session.add(
            AnonymousVisit(
                site_id=site.id,
                visited_at=at(day),
                local_date=day,
                visit_type="emergency_parcel",
                adults=adults,
                children_0_4=young,
                children_5_11=middle,
                children_12_17=older,
                fee_pence=0,
                payment_method=PaymentMethod.CASH.value,
                amount_paid_pence=0,
                retail_value_pence=1500,
                actor_id=volunteer.id,
            )
        )
    # This morning: two parcels without registering, in Harlow's open session.
    for household in ((1, 0, 0, 0), (1, 1, 1, 0)):
        adults, young, middle, older = household
        record_anonymous_visit(
            site,
            AnonymousRequest(
                visit_type="emergency_parcel",
                adults=adults,
                children_0_4=young,
                children_5_11=middle,
                children_12_17=older,
                retail_value_pence=1500,
            ),
            actor=volunteer,
        )
    db.session.flush()
