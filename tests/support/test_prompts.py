"""The prompts shown at check-in (Healthy Start, advice services): when they show, when not,
when a dismissed one comes back, acting on one, and dismissing one by the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.sites.calendar import site_today
from supermarket.support import services
from supermarket.support.models import SupportPrompt
from supermarket.support.services.prompts import (
    DISMISSED_DAYS,
    NOT_NOW_DAYS,
    may_get_healthy_start,
    prompts_for,
)

ON_BENEFITS = {"route": "benefits", "benefit": "Universal Credit"}
YOUNG = {"adults": 1, "children_0_4": 1, "children_5_11": 0, "children_12_17": 0}
OLDER = {"adults": 1, "children_0_4": 0, "children_5_11": 2, "children_12_17": 0}


def _kinds(desk, member, *, very_low=False, today=None, record=True):
    found = prompts_for(
        member,
        desk.site,
        today or site_today(desk.site),
        very_low_food_security=very_low,
        services=services.services_for_site(desk.site),
        record=record,
    )
    db.session.commit()
    return [p.kind for p in found]


def _dismiss(desk, member, kind="healthy_start", reason="not_now", note=""):
    row = services.dismiss_prompt(
        desk.site, member.membership_number, kind, reason, note, actor=desk.volunteer
    )
    db.session.commit()
    return row


def test_a_household_with_a_child_under_4_on_a_qualifying_benefit_is_prompted(desk):
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    assert may_get_healthy_start(member)
    assert _kinds(desk, member) == ["healthy_start"]
    row = db.session.scalar(select(SupportPrompt))
    assert row is not None
    assert (row.kind, row.outcome, row.first_shown_on) == (
        "healthy_start",
        None,
        site_today(desk.site),
    )
    # Shown again at the next visit, the same prompt: one row, its first day kept.
    assert _kinds(desk, member, today=site_today(desk.site) + timedelta(days=7)) == [
        "healthy_start"
    ]
    assert len(db.session.scalars(select(SupportPrompt)).all()) == 1


def test_no_healthy_start_prompt_without_a_qualifying_route(desk):
    member = desk.member(household=YOUNG, eligibility={"route": "self_declared"})
    assert _kinds(desk, member) == []
    assert db.session.scalar(select(SupportPrompt)) is None


def test_no_healthy_start_prompt_when_the_children_are_older(desk):
    """The members model records children by age band: a child who has turned 4 stays in
    the 0–4 band until the household's review moves them (the prompt says "may"); once in
    the 5–11 band the household is not prompted."""
    member = desk.member(household=OLDER, eligibility=ON_BENEFITS)
    assert _kinds(desk, member) == []
    member.children_0_4 = 1
    member.children_5_11 = 1
    db.session.commit()
    assert _kinds(desk, member) == ["healthy_start"]


def test_a_pregnancy_recorded_with_consent_prompts_but_not_without(desk, client, token_for):
    member = desk.member(household=OLDER, eligibility=ON_BENEFITS)
    url = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}"
    refused = client.patch(url, json={"pregnancy_recorded": True}, headers=token_for(desk.manager))
    assert refused.status_code == 422
    assert "pregnancy_consent" in str(refused.get_json()["error"])
    db.session.refresh(member)
    assert member.pregnancy_recorded is False
    assert _kinds(desk, member) == []

    saved = client.patch(
        url,
        json={"pregnancy_recorded": True, "pregnancy_consent": True},
        headers=token_for(desk.manager),
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["pregnancy_recorded"] is True
    db.session.refresh(member)
    assert member.pregnancy_consent_at is not None
    assert _kinds(desk, member) == ["healthy_start"]


def test_a_volunteer_cannot_record_a_pregnancy(desk, client, token_for):
    member = desk.member(eligibility=ON_BENEFITS)
    answer = client.patch(
        f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}",
        json={"pregnancy_recorded": True, "pregnancy_consent": True},
        headers=token_for(desk.volunteer),
    )
    assert answer.status_code == 403


def test_very_low_food_security_prompts_for_advice_with_the_advice_services(desk, make_service):
    make_service(desk.manager, name="Citizens Advice Harlow", category="benefits_advice")
    make_service(desk.manager, name="StepChange", category="debt_advice")
    make_service(desk.manager, name="Warm Homes", category="energy")
    member = desk.member(household=OLDER)
    assert _kinds(desk, member, very_low=False) == []
    found = prompts_for(
        member,
        desk.site,
        site_today(desk.site),
        very_low_food_security=True,
        services=services.services_for_site(desk.site),
    )
    assert [p.kind for p in found] == ["advice"]
    assert sorted(s.name for s in found[0].services) == ["Citizens Advice Harlow", "StepChange"]
    # Discreet: the words never name the survey's result.
    assert "food security" not in found[0].message.lower()
    assert "food security" not in found[0].hint.lower()


def test_dismissed_not_now_comes_back_after_28_days(desk):
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    today = site_today(desk.site)
    assert _kinds(desk, member) == ["healthy_start"]
    row = _dismiss(desk, member, reason="not_now", note="in a hurry")
    assert (row.outcome, row.reason, row.note, row.outcome_on) == (
        "dismissed",
        "not_now",
        "in a hurry",
        today,
    )
    assert row.outcome_by_id == desk.volunteer.id
    assert _kinds(desk, member) == []
    assert _kinds(desk, member, today=today + timedelta(days=NOT_NOW_DAYS - 1)) == []
    back = today + timedelta(days=NOT_NOW_DAYS)
    assert _kinds(desk, member, today=back) == ["healthy_start"]
    rows = db.session.scalars(select(SupportPrompt).order_by(SupportPrompt.id)).all()
    assert [(r.outcome, r.first_shown_on) for r in rows] == [
        ("dismissed", today),
        (None, back),
    ]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "member.prompt_dismissed")
    )
    assert event is not None


@pytest.mark.parametrize("reason", ["already_has", "not_eligible", "member_declined", "other"])
def test_dismissed_for_another_reason_stays_away_for_a_year(desk, reason):
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    today = site_today(desk.site)
    _kinds(desk, member)
    _dismiss(desk, member, reason=reason)
    assert _kinds(desk, member, today=today + timedelta(days=NOT_NOW_DAYS)) == []
    assert _kinds(desk, member, today=today + timedelta(days=DISMISSED_DAYS - 1)) == []
    assert _kinds(desk, member, today=today + timedelta(days=DISMISSED_DAYS)) == ["healthy_start"]


def test_acted_on_by_a_healthy_start_signpost_it_is_not_shown_again(desk, make_service):
    service = make_service(desk.manager, name="Healthy Start", category="healthy_start")
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    assert _kinds(desk, member) == ["healthy_start"]
    referral = services.record_referral(
        desk.site,
        member.membership_number,
        services.NewReferral(service_id=service.id, kind="signpost"),
        actor=desk.volunteer,
    )
    db.session.commit()
    row = db.session.scalar(select(SupportPrompt))
    assert row is not None
    assert (row.outcome, row.referral_id, row.outcome_by_id) == (
        "acted",
        referral.id,
        desk.volunteer.id,
    )
    assert _kinds(desk, member) == []
    far = site_today(desk.site) + timedelta(days=3 * DISMISSED_DAYS)
    assert _kinds(desk, member, today=far) == []


def test_a_healthy_start_signpost_made_before_any_prompt_keeps_it_away(desk, make_service):
    service = make_service(desk.manager, name="Healthy Start", category="healthy_start")
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    services.record_referral(
        desk.site,
        member.membership_number,
        services.NewReferral(service_id=service.id, kind="signpost"),
        actor=desk.volunteer,
    )
    db.session.commit()
    assert _kinds(desk, member) == []
    assert db.session.scalar(select(SupportPrompt)) is None  # never prompted: not counted


def test_an_unrelated_referral_does_not_act_on_the_prompt(desk, make_service):
    service = make_service(desk.manager, name="Warm Homes", category="energy")
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    _kinds(desk, member)
    services.record_referral(
        desk.site,
        member.membership_number,
        services.NewReferral(service_id=service.id, kind="signpost"),
        actor=desk.volunteer,
    )
    db.session.commit()
    assert _kinds(desk, member) == ["healthy_start"]


def test_no_query_when_no_prompt_could_apply(desk, app):
    from sqlalchemy import event

    member = desk.member(household=OLDER, eligibility={"route": "self_declared"})
    assert member.children_0_4 == 0  # loaded after the commit, before counting
    site, today = desk.site, site_today(desk.site)
    assert site.id
    statements: list[str] = []

    def seen(*args):
        statements.append(args[2])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        found = prompts_for(member, site, today, very_low_food_security=False, services=())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert found == []
    assert statements == []


# --- the API -----------------------------------------------------------------------------------


def _dismiss_url(site, member, kind="healthy_start"):
    return f"/api/v1/sites/{site.code}/members/{member.membership_number}/prompts/{kind}/dismiss"


def _panel(client, desk, member, headers):
    answer = client.get(
        f"/api/v1/sites/{desk.site.code}/checkin/{member.membership_number}", headers=headers
    )
    assert answer.status_code == 200, answer.get_json()
    db.session.commit()  # what the read wrote aside (a server commits it before answering)
    return answer.get_json()


def test_the_panel_json_has_the_prompts_and_the_api_dismisses_one(
    client, desk, make_service, token_for
):
    service = make_service(desk.manager, name="Healthy Start Essex", category="healthy_start")
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    headers = token_for(desk.volunteer)
    body = _panel(client, desk, member, headers)
    assert body["prompts"] == [
        {
            "kind": "healthy_start",
            "message": "Worth mentioning: Healthy Start",
            "hint": body["prompts"][0]["hint"],
            "first_shown_on": site_today(desk.site).isoformat(),
            "services": [
                {"id": service.id, "name": "Healthy Start Essex", "category": "healthy_start"}
            ],
        }
    ]

    bad = client.post(_dismiss_url(desk.site, member), json={"reason": "bored"}, headers=headers)
    assert bad.status_code == 422
    assert "reason" in bad.get_json()["error"]["fields"]
    assert db.session.scalar(select(SupportPrompt.outcome)) is None

    missing = client.post(_dismiss_url(desk.site, member), json={}, headers=headers)
    assert missing.status_code == 422

    done = client.post(
        _dismiss_url(desk.site, member),
        json={"reason": "already_has", "note": "has the card"},
        headers=headers,
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["outcome"] == "dismissed"
    assert done.get_json()["reason"] == "already_has"
    assert _panel(client, desk, member, headers)["prompts"] == []

    again = client.post(_dismiss_url(desk.site, member), json={"reason": "other"}, headers=headers)
    assert again.status_code == 404
    assert again.get_json()["error"]["code"] == "prompt_not_found"


def test_dismissing_is_scoped_to_the_members_site(client, desk, make_desk, token_for):
    other = make_desk()
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    _panel(client, desk, member, token_for(desk.volunteer))
    answer = client.post(
        _dismiss_url(other.site, member),
        json={"reason": "not_now"},
        headers=token_for(other.volunteer),
    )
    assert answer.status_code == 404
    through_theirs = client.post(
        _dismiss_url(desk.site, member),
        json={"reason": "not_now"},
        headers=token_for(other.volunteer),
    )
    assert through_theirs.status_code == 404
    assert db.session.scalar(select(SupportPrompt.outcome)) is None


def test_an_unknown_kind_is_404(client, desk, token_for):
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    answer = client.post(
        _dismiss_url(desk.site, member, kind="lottery"),
        json={"reason": "not_now"},
        headers=token_for(desk.volunteer),
    )
    assert answer.status_code == 404


def test_no_prompts_for_a_member_of_another_site_at_this_desk(client, make_desk, token_for):
    """A visitor from another site (where the settings allow it) gets no prompts here: their
    own site keeps their support."""
    home = make_desk()
    member = home.member(household=YOUNG, eligibility=ON_BENEFITS)
    from supermarket.visits.services.panel import support_for

    away = make_desk()
    assert support_for(member, away.site, site_today(away.site)) == ([], [])
