"""The visits demo: weeks of believable visits and cash-ups, quickly, within the rules."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members import services as members
from supermarket.members.schemas import MemberIn
from supermarket.visits import demo
from supermarket.visits.models import SiteSession, Visit
from supermarket.visits.services import site_today
from tests.factories import demo_context, desk_member_payload


def test_demo_visits_are_quick_and_keep_the_rules():
    ctx = demo_context()
    sites, staff = ctx.sites, ctx.staff
    manager = staff["amara.manager@example.org"]
    for code, site in sites.items():
        actor = manager if code == "harlow" else staff["dev.manager@example.org"]
        for n in range(12):
            postcode = {"harlow": "CM20 1AB", "basildon": "SS14 1DL", "canvey": "SS8 7AA"}[code]
            fee = {"method": "cash"} if site.settings.joining_fee_pence else None
            data = MemberIn().load(
                desk_member_payload(first_name=f"Demo{n}", postcode=postcode, joining_fee=fee)
            )
            member = members.register_member(site, data, actor=actor).member
            member.joined_on -= timedelta(weeks=10)
    db.session.flush()
    started = time.perf_counter()
    demo.seed(ctx)
    assert time.perf_counter() - started < 10

    visits = db.session.scalars(select(Visit)).all()
    assert len(visits) > 100
    assert sum(1 for v in visits if v.voided_at is not None) == 1
    assert sorted(r for v in visits for r in v.overridden_rules) == [
        "allowance_exceeded",
        "visit_limit_reached",
    ]
    per_week = Counter(
        (v.member_id, v.week_key) for v in visits if v.voided_at is None and not v.overridden_rules
    )
    limits = {s.id: s.settings.visits_per_week for s in sites.values()}
    site_of = {v.member_id: v.site_id for v in visits}
    assert all(n <= limits[site_of[m]] for (m, _), n in per_week.items())

    sessions = db.session.scalars(select(SiteSession)).all()
    closed = [s for s in sessions if s.closed_at is not None]
    assert closed
    assert any(s.difference_pence and s.note for s in closed)
    still_open = [s for s in sessions if s.closed_at is None]
    assert [(s.site.code, s.local_date) for s in still_open] == [
        ("harlow", site_today(sites["harlow"]))
    ]
