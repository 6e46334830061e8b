"""The survey API: the 201 body (scores for site managers only), refusals, roles and sites."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.surveys import scoring
from supermarket.surveys.models import SurveyAssessment
from supermarket.surveys.schemas import SCORE_FIELDS
from tests.surveys.conftest import EXAMPLE_VERY_LOW, NEVER


def _count() -> int:
    return db.session.scalar(select(func.count(SurveyAssessment.id))) or 0


def _url(member) -> str:
    return f"/api/v1/sites/{member.site.code}/members/{member.membership_number}/surveys"


def _body(answers=None, **overrides):
    return {"kind": "baseline", "mode": "self", "answers": answers or NEVER, **overrides}


@pytest.fixture
def post(client, token_for):
    def do(user, member, body, **headers):
        return client.post(_url(member), json=body, headers={**token_for(user), **headers})

    return do


def test_a_site_manager_gets_201_with_the_scores(staff_pair, member_at, post):
    site, _, manager = staff_pair()
    member = member_at(site)
    response = post(manager, member, _body(EXAMPLE_VERY_LOW, mode="interviewer"))
    assert response.status_code == 201, response.json
    body = response.json
    assert {k: body[k] for k in SCORE_FIELDS} == {
        "raw_score_10": 6,
        "category_10": "very_low",
        "raw_score_6": 5,
        "category_6": "very_low",
        "food_insecure": True,
        "hunger_vital_sign_positive": True,
    }
    assert body["complete"] is True
    assert body["rule_version"] == scoring.RULE_VERSION
    assert body["kind"] == "baseline"
    assert body["timepoint"] == 0
    assert body["mode"] == "interviewer"
    assert body["membership_number"] == member.membership_number
    assert body["reference_period"] == "30d"
    assert "answers" not in body


def test_a_volunteer_gets_201_without_any_score(staff_pair, member_at, post):
    site, volunteer, _ = staff_pair()
    response = post(volunteer, member_at(site), _body(EXAMPLE_VERY_LOW))
    assert response.status_code == 201, response.json
    body = response.json
    assert not set(SCORE_FIELDS) & set(body)
    assert "answers" not in body
    assert body["complete"] is True
    assert body["rule_version"] == scoring.RULE_VERSION
    assert _count() == 1


def test_answers_the_screening_order_skips_are_422_naming_the_item(staff_pair, member_at, post):
    site, volunteer, _ = staff_pair()
    response = post(volunteer, member_at(site), _body({**NEVER, "AD1": "yes", "AD5": "no"}))
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid_answers"
    assert set(error["fields"]["answers"]) == {"AD1", "AD5"}
    assert _count() == 0


@pytest.mark.parametrize(
    ("answers", "item"),
    [
        ({**NEVER, "HH9": "never"}, "HH9"),
        ({**NEVER, "HH2": "quite often"}, "HH2"),
        ({**EXAMPLE_VERY_LOW, "AD1a": "five"}, "AD1a"),
        ({**EXAMPLE_VERY_LOW, "AD1a": {"days": 5}}, "AD1a"),
        ({"HH2": "never", "HH3": "never"}, "HH4"),
    ],
)
def test_unknown_items_values_and_missing_answers_are_422(
    staff_pair, member_at, post, answers, item
):
    site, volunteer, _ = staff_pair()
    response = post(volunteer, member_at(site), _body(answers))
    assert response.status_code == 422
    assert item in response.json["error"]["fields"]["answers"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "midline", "mode": "self", "answers": NEVER}, "kind"),
        ({"kind": "baseline", "mode": "online", "answers": NEVER}, "mode"),
        ({"kind": "baseline", "mode": "self", "answers": ["never"]}, "answers"),
        ({"kind": "baseline", "mode": "self"}, "answers"),
        ({"mode": "self", "answers": NEVER}, "kind"),
        ({**_body(), "timepoint": 6}, "timepoint"),
        ({**_body(), "raw_score_10": 0}, "raw_score_10"),
        ({**_body(), "site_id": 2}, "site_id"),
    ],
)
def test_bad_shapes_and_extra_fields_are_422(staff_pair, member_at, post, body, field):
    site, volunteer, _ = staff_pair()
    response = post(volunteer, member_at(site), body)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert _count() == 0


def test_refusals_are_409_with_their_codes(staff_pair, member_at, post):
    site, volunteer, _ = staff_pair()
    no_consent = post(volunteer, member_at(site, survey=False), _body())
    assert no_consent.status_code == 409
    assert no_consent.json["error"]["code"] == "no_survey_consent"
    assert "agreed" in no_consent.json["error"]["message"]
    member = member_at(site)
    assert post(volunteer, member, _body()).status_code == 201
    again = post(volunteer, member, _body())
    assert (again.status_code, again.json["error"]["code"]) == (409, "baseline_exists")
    early = post(volunteer, member, _body(kind="follow_up"))
    assert (early.status_code, early.json["error"]["code"]) == (409, "no_follow_up_due")
    assert early.json["error"]["details"]["windows"][0]["timepoint"] == 3


def test_a_retry_with_the_same_idempotency_key_records_once(staff_pair, member_at, post):
    site, volunteer, _ = staff_pair()
    member = member_at(site)
    key = {"Idempotency-Key": "tablet-0123456789abcdef"}
    first = post(volunteer, member, _body(), **key)
    second = post(volunteer, member, _body(), **key)
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    assert _count() == 1


def test_the_same_idempotency_key_with_other_answers_is_refused(staff_pair, member_at, post):
    site, volunteer, _ = staff_pair()
    member = member_at(site)
    key = {"Idempotency-Key": "tablet-0123456789abcdef"}
    first = post(volunteer, member, _body(), **key)
    other = post(volunteer, member, _body(EXAMPLE_VERY_LOW), **key)
    assert first.status_code == 201
    assert (other.status_code, other.json["error"]["code"]) == (409, "key_reused")
    assert "other answers" in other.json["error"]["message"]
    assert _count() == 1


def test_another_sites_member_is_404(staff_pair, member_at, post, client, token_for):
    site, volunteer, _ = staff_pair()
    other_site, *_ = staff_pair()
    theirs = member_at(other_site)
    # Their site's URL: this volunteer does not work there.
    assert post(volunteer, theirs, _body()).status_code == 404
    # Our site's URL with their member's number.
    response = client.post(
        f"/api/v1/sites/{site.code}/members/{theirs.membership_number}/surveys",
        json=_body(),
        headers=token_for(volunteer),
    )
    assert response.status_code == 404
    assert response.json["error"]["code"] == "member_not_found"
    assert _count() == 0


@pytest.mark.parametrize("role", ["programme_lead", "admin"])
def test_programme_leads_and_admins_are_refused(staff_pair, member_at, post, make_user, role):
    site, *_ = staff_pair()
    response = post(make_user(role), member_at(site), _body())
    assert response.status_code == 403
    assert _count() == 0


def test_due_answers_the_survey_due_or_null(staff_pair, member_at, post, client, token_for):
    site, volunteer, _ = staff_pair()
    member = member_at(site)
    headers = token_for(volunteer)
    due = client.get(_url(member) + "/due", headers=headers)
    assert due.status_code == 200
    assert due.json["due"]["kind"] == "baseline"
    assert due.json["due"]["label"] == "Food survey (first time)"
    post(volunteer, member, _body())
    assert client.get(_url(member) + "/due", headers=headers).json == {"due": None}
    refused = client.get(_url(member_at(site, survey=False)) + "/due", headers=headers)
    assert refused.json == {"due": None}
