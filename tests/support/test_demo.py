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
