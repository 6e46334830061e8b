"""The demo's support services and referrals: a directory for every site, and referrals
with outcomes, some waiting to be followed up."""

from __future__ import annotations

from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members import demo as members_demo
from supermarket.support import demo, services
from supermarket.support.models import Referral, SupportService
from tests.factories import demo_context


def test_the_demo_has_services_and_referrals_with_outcomes():
    ctx = demo_context()
    sites, staff = ctx.sites, ctx.staff
    db.session.flush()
    members_demo.seed(ctx)
    demo.seed(ctx)
    db.session.flush()

    entries = db.session.scalars(select(SupportService)).all()
    assert any(s.site_id is None and s.all_sites for s in entries)
    assert any(s.site_id is None and not s.all_sites for s in entries)
    assert {s.owner.code for s in entries if s.owner} == set(sites)
    for site in sites.values():
        assert len(services.services_for_site(site)) >= 5
    referrals = db.session.scalars(select(Referral)).all()
    assert {r.kind for r in referrals} == {"signpost", "referral"}
    assert {"made", "engaged", "resolved"} <= {r.status for r in referrals}
    assert all(r.consent_given for r in referrals if r.kind == "referral")
    manager = staff["amara.manager@example.org"]
    assert services.follow_up_list(sites["harlow"], actor=manager)


def test_the_demo_has_healthy_start_prompts_shown_dismissed_and_acted_on():
    from datetime import timedelta

    from supermarket.members.models import Member
    from supermarket.sites.calendar import site_today
    from supermarket.support.models import SupportPrompt
    from supermarket.support.services.prompts import prompts_for

    ctx = demo_context()
    db.session.flush()
    members_demo.seed(ctx)
    demo.seed(ctx)
    db.session.flush()

    harlow = ctx.sites["harlow"]
    rows = db.session.scalars(select(SupportPrompt)).all()
    assert sorted((r.kind, r.outcome) for r in rows) == [
        ("healthy_start", "acted"),
        ("healthy_start", "dismissed"),
    ]
    amelia = db.session.scalar(
        select(Member).where(Member.site_id == harlow.id, Member.first_name == "Amelia")
    )
    assert amelia is not None
    offered = services.services_for_site(harlow)
    today = site_today(harlow)
    shown = prompts_for(
        amelia, harlow, today, very_low_food_security=False, services=offered, record=False
    )
    assert [p.kind for p in shown] == ["healthy_start"]
    assert [s.category for s in shown[0].services] == ["healthy_start"]
    for row in rows:  # neither comes back at their next visit
        member = db.session.get(Member, row.member_id)
        later = today + timedelta(days=7)
        assert not prompts_for(
            member, harlow, later, very_low_food_security=False, services=offered, record=False
        )


def test_the_demo_has_agencies_a_referrer_and_inbound_referrals_in_each_state():
    from supermarket.support.agency_models import InboundReferral, ReferralAgency
    from supermarket.support.demo_agencies import REFERRER_EMAIL
    from supermarket.support.services import inbound

    ctx = demo_context()
    db.session.flush()
    members_demo.seed(ctx)
    demo.seed(ctx)
    db.session.flush()

    kinds = {a.kind for a in db.session.scalars(select(ReferralAgency))}
    assert {"citizens_advice", "council_early_help"} <= kinds
    referrer = ctx.staff[REFERRER_EMAIL]
    assert referrer.role == "referrer"
    assert referrer.agency_id is not None
    assert ("referrer", REFERRER_EMAIL) in {(r, e) for r, e, _ in ctx.extra["logins"]}
    found = db.session.scalars(select(InboundReferral)).all()
    assert {"pending", "accepted", "declined"} <= {r.status for r in found}
    assert any(r.urgency == "urgent" and r.status == "pending" for r in found)
    assert all(r.consent_given for r in found)
    assert all(r.decline_reason for r in found if r.status == "declined")
    accepted = [r for r in found if r.status == "accepted"]
    assert accepted
    assert all(r.member_id is not None for r in accepted)
    # The referrer sees their own agency's only: the early-help team's is not among them.
    own = inbound.referrer_list(referrer)
    assert own
    assert all(r.agency_id == referrer.agency_id for r in own)
    assert len(own) < len(found)
