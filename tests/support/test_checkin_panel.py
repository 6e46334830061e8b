"""Support on the check-in panel: the prompts as the volunteer sees them (discreet words), a
signpost or referral from the panel's short list, a prompt dismissed from the panel, with and
without the panel's script; and the pregnancy field in the member's data rights."""

from __future__ import annotations

from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.services import privacy
from supermarket.support.models import Referral, SupportPrompt
from supermarket.surveys.services.recording import SurveyRequest, record_survey
from tests.conftest import csrf_token

ON_BENEFITS = {"route": "benefits", "benefit": "Universal Credit"}
YOUNG = {"adults": 1, "children_0_4": 1, "children_5_11": 0, "children_12_17": 0}
OLDER = {"adults": 1, "children_0_4": 0, "children_5_11": 2, "children_12_17": 0}
VERY_LOW = {
    "HH2": "often",
    "HH3": "often",
    "HH4": "sometimes",
    "AD1": "yes",
    "AD1a": 5,
    "AD2": "yes",
    "AD3": "no",
    "AD4": "no",
    "AD5": "no",
}
FRAGMENT = {"X-Fragment": "support"}


def _panel(client, member) -> str:
    answer = client.get(f"/checkin/panel/{member.membership_number}")
    assert answer.status_code == 200
    db.session.commit()  # what the read wrote aside (a server commits it before answering)
    return answer.get_data(as_text=True)


def _token(client) -> str:
    return csrf_token(client, "/checkin")


def _support_url(member) -> str:
    return f"/checkin/panel/{member.membership_number}/support"


def _dismiss_url(member, kind="healthy_start") -> str:
    return f"/checkin/panel/{member.membership_number}/prompts/{kind}/dismiss"


def test_the_panel_shows_the_healthy_start_prompt_with_a_one_tap_signpost(
    client, login, desk, make_service
):
    service = make_service(desk.manager, name="Healthy Start Essex", category="healthy_start")
    make_service(desk.manager, name="Warm Homes", category="energy")
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    login(desk.volunteer)
    html = _panel(client, member)
    assert "Worth mentioning: Healthy Start" in html
    assert "Signposted: Healthy Start Essex" in html
    assert f'name="service_id" value="{service.id}"' in html
    assert ">Support</summary>" in html
    assert "Referred (member agrees)" in html
    assert "Universal Credit" not in html  # the household's benefit is not on the desk's screen


def test_the_advice_prompt_never_names_the_survey_result(client, login, desk, make_service):
    make_service(desk.manager, name="Citizens Advice Harlow", category="benefits_advice")
    member = desk.member(
        household=OLDER,
        consents={"privacy_notice_given": True, "survey": True, "contact": False},
    )
    record_survey(member, SurveyRequest("baseline", "interviewer", VERY_LOW), actor=desk.volunteer)
    db.session.commit()
    login(desk.volunteer)
    html = _panel(client, member)
    assert "Worth mentioning: free advice" in html
    assert "Signposted: Citizens Advice Harlow" in html
    lowered = html.lower()
    assert "food security" not in lowered
    assert "very low" not in lowered
    assert "very_low" not in lowered


def test_no_prompt_for_a_household_that_does_not_qualify(client, login, desk, make_service):
    make_service(desk.manager, name="Healthy Start Essex", category="healthy_start")
    member = desk.member(household=YOUNG, eligibility={"route": "self_declared"})
    login(desk.volunteer)
    html = _panel(client, member)
    assert "Worth mentioning" not in html
    assert ">Support</summary>" in html  # the short list is there for anything else


def test_a_signpost_from_the_panel_in_place_acts_on_the_prompt(client, login, desk, make_service):
    service = make_service(desk.manager, name="Healthy Start Essex", category="healthy_start")
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    login(desk.volunteer)
    _panel(client, member)
    answer = client.post(
        _support_url(member),
        data={"csrf_token": _token(client), "service_id": str(service.id), "kind": "signpost"},
        headers=FRAGMENT,
    )
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "Signpost to Healthy Start Essex recorded." in html
    assert "Worth mentioning" not in html
    assert 'id="checkin-support"' in html
    assert "<html" not in html  # the fragment alone: the check-in in progress stays
    referral = db.session.scalar(select(Referral))
    assert referral is not None
    assert (referral.kind, referral.service_id) == ("signpost", service.id)
    prompt = db.session.scalar(select(SupportPrompt))
    assert prompt is not None
    assert (prompt.outcome, prompt.referral_id) == ("acted", referral.id)


def test_a_referral_from_the_panel_needs_the_members_agreement(client, login, desk, make_service):
    service = make_service(desk.manager, name="Warm Homes", category="energy")
    member = desk.member()
    login(desk.volunteer)
    token = _token(client)
    refused = client.post(
        _support_url(member),
        data={"csrf_token": token, "service_id": str(service.id), "kind": "referral"},
        headers=FRAGMENT,
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="f-panel-consent-error"' in html
    assert "tick that they agreed" in html
    assert db.session.scalar(select(Referral)) is None

    no_service = client.post(
        _support_url(member), data={"csrf_token": token, "kind": "signpost"}, headers=FRAGMENT
    )
    assert no_service.status_code == 422
    assert 'id="f-panel-service-error"' in no_service.get_data(as_text=True)

    done = client.post(
        _support_url(member),
        data={
            "csrf_token": token,
            "service_id": str(service.id),
            "kind": "referral",
            "consent_given": "yes",
        },
        headers=FRAGMENT,
    )
    assert done.status_code == 200
    assert "Referral to Warm Homes recorded." in done.get_data(as_text=True)
    referral = db.session.scalar(select(Referral))
    assert referral is not None
    assert referral.consent_given is True


def test_without_the_script_the_panel_comes_back(client, login, desk, make_service):
    service = make_service(desk.manager, name="Warm Homes", category="energy")
    member = desk.member()
    login(desk.volunteer)
    token = _token(client)
    refused = client.post(
        _support_url(member),
        data={"csrf_token": token, "service_id": str(service.id), "kind": "referral"},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="f-panel-consent-error"' in page
    assert 'id="checkin-form"' in page  # the desk, with the member's panel
    done = client.post(
        _support_url(member),
        data={"csrf_token": token, "service_id": str(service.id), "kind": "signpost"},
    )
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/checkin?number={member.membership_number}")


def test_a_prompt_dismissed_from_the_panel(client, login, desk, make_service):
    make_service(desk.manager, name="Healthy Start Essex", category="healthy_start")
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    login(desk.volunteer)
    assert "Worth mentioning: Healthy Start" in _panel(client, member)
    token = _token(client)
    bad = client.post(
        _dismiss_url(member),
        data={"csrf_token": token, "prompt": "healthy_start", "reason": "bored"},
        headers=FRAGMENT,
    )
    assert bad.status_code == 422
    assert 'id="f-healthy_start-reason-error"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(SupportPrompt.outcome)) is None

    done = client.post(
        _dismiss_url(member),
        data={"csrf_token": token, "prompt": "healthy_start", "reason": "member_declined"},
        headers=FRAGMENT,
    )
    assert done.status_code == 200
    assert "Worth mentioning" not in done.get_data(as_text=True)
    row = db.session.scalar(select(SupportPrompt))
    assert row is not None
    assert (row.outcome, row.reason, row.outcome_by_id) == (
        "dismissed",
        "member_declined",
        desk.volunteer.id,
    )
    assert "Worth mentioning" not in _panel(client, member)


def test_the_panel_forms_are_for_the_members_site_only(client, login, desk, make_desk):
    other = make_desk()
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    login(other.volunteer)
    token = _token(client)
    answer = client.post(
        _dismiss_url(member), data={"csrf_token": token, "reason": "not_now"}, headers=FRAGMENT
    )
    assert answer.status_code == 404
    answer = client.post(
        _support_url(member),
        data={"csrf_token": token, "service_id": "1", "kind": "signpost"},
        headers=FRAGMENT,
    )
    assert answer.status_code == 404


def test_the_panel_forms_need_the_csrf_token(client, login, desk):
    member = desk.member(household=YOUNG, eligibility=ON_BENEFITS)
    login(desk.volunteer)
    answer = client.post(_dismiss_url(member), data={"reason": "not_now"}, headers=FRAGMENT)
    assert answer.status_code in (400, 403)


# --- the pregnancy field -----------------------------------------------------------------------


def test_the_edit_form_records_a_pregnancy_only_with_consent(client, login, desk):
    member = desk.member(household=OLDER, eligibility=ON_BENEFITS)
    login(desk.manager)
    url = f"/members/{member.membership_number}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Pregnancy (only with their agreement)" in page
    form = {
        "csrf_token": csrf_token(client, url),
        "first_name": member.first_name,
        "last_name": member.last_name,
        "dob_day": str(member.date_of_birth.day),
        "dob_month": str(member.date_of_birth.month),
        "dob_year": str(member.date_of_birth.year),
        "postcode": member.postcode,
        "adults": "1",
        "children_0_4": "0",
        "children_5_11": "2",
        "children_12_17": "0",
        "route": "benefits",
        "benefit": "Universal Credit",
        "pregnancy_recorded": "yes",
        "pregnancy_due_on": "2027-03-01",
    }
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert 'id="f-pregnancy_consent-error"' in refused.get_data(as_text=True)
    db.session.refresh(member)
    assert member.pregnancy_recorded is False

    saved = client.post(url, data={**form, "pregnancy_consent": "yes"})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    db.session.refresh(member)
    assert member.pregnancy_recorded is True
    assert member.pregnancy_due_on.isoformat() == "2027-03-01"
    assert member.pregnancy_consent_at is not None

    cleared = client.post(url, data={k: v for k, v in form.items() if k != "pregnancy_recorded"})
    assert cleared.status_code == 303
    db.session.refresh(member)
    assert (member.pregnancy_recorded, member.pregnancy_due_on, member.pregnancy_consent_at) == (
        False,
        None,
        None,
    )


def test_the_pregnancy_is_in_the_export_and_cleared_on_anonymisation(client, desk, token_for):
    member = desk.member(household=OLDER, eligibility=ON_BENEFITS)
    headers = token_for(desk.manager)
    base = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}"
    saved = client.patch(
        base,
        json={
            "pregnancy_recorded": True,
            "pregnancy_consent": True,
            "pregnancy_due_on": "2027-02-01",
        },
        headers=headers,
    )
    assert saved.status_code == 200, saved.get_json()
    client.get(
        f"/api/v1/sites/{desk.site.code}/checkin/{member.membership_number}", headers=headers
    )
    db.session.commit()
    prompt = db.session.scalar(select(SupportPrompt))
    assert prompt is not None
    prompt.outcome, prompt.reason, prompt.outcome_on = "dismissed", "other", prompt.first_shown_on
    prompt.note = "Said her sister helps"
    db.session.commit()

    exported = client.get(f"{base}/export", headers=headers).get_json()
    assert exported["member"]["pregnancy_recorded"] is True
    assert exported["member"]["pregnancy_due_on"] == "2027-02-01"
    assert exported["member"]["pregnancy_consent_at"]
    assert exported["records"]["support_prompts"][0]["note"] == "Said her sister helps"

    privacy.anonymise_member(desk.site, member.membership_number, actor=desk.manager)
    db.session.commit()
    db.session.refresh(member)
    assert (member.pregnancy_recorded, member.pregnancy_due_on, member.pregnancy_consent_at) == (
        False,
        None,
        None,
    )
    db.session.refresh(prompt)
    assert prompt.note == ""
    assert prompt.outcome == "dismissed"  # the row stays, for the statistics
