"""The follow-up survey's optional support question: asked only of members signposted or
referred before it, through the tablet and the API; never scored, kept in the export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.terms import add_months
from supermarket.sites.calendar import site_today
from supermarket.support.models import Referral, SupportService
from supermarket.surveys import scoring
from supermarket.surveys.models import SUPPORT_QUESTION, SurveyAssessment
from tests.surveys.conftest import EXAMPLE_VERY_LOW, NEVER, Forms, tap


def _url(member) -> str:
    return f"/api/v1/sites/{member.site.code}/members/{member.membership_number}/surveys"


def _refer(member, day, kind="referral"):
    service = db.session.scalar(select(SupportService).where(SupportService.name == "CA"))
    if service is None:
        service = SupportService(name="CA", category="benefits_advice", all_sites=True)
        db.session.add(service)
        db.session.flush()
    db.session.add(
        Referral(
            site_id=member.site_id,
            member_id=member.id,
            service_id=service.id,
            kind=kind,
            consent_given=kind == "referral",
            made_on=day,
            status_on=day,
        )
    )
    db.session.commit()


@pytest.fixture
def due_follow_up(staff_pair, member_at, record):
    """(site, volunteer, manager, member): a member whose 3-month follow-up is due today."""

    def make(*, referred: bool = True):
        site, volunteer, manager = staff_pair()
        today = site_today(site)
        joined = add_months(today, -3)
        member = member_at(site, joined_on=joined)
        record(member, EXAMPLE_VERY_LOW, today=joined, actor=manager)
        if referred:
            _refer(member, today - timedelta(days=10))
        return site, volunteer, manager, member

    return make


def _follow_up(**extra):
    return {"kind": "follow_up", "mode": "self", "answers": NEVER, **extra}


def test_the_api_records_the_answer_and_it_changes_no_score(due_follow_up, client, token_for):
    _site, volunteer, _manager, member = due_follow_up()
    response = client.post(
        _url(member), json=_follow_up(support_answer="yes_a_little"), headers=token_for(volunteer)
    )
    assert response.status_code == 201, response.json
    assert response.json["support_answer"] == "yes_a_little"
    stored = db.session.scalar(
        select(SurveyAssessment).where(
            SurveyAssessment.member_id == member.id, SurveyAssessment.timepoint == 3
        )
    )
    assert stored is not None
    assert stored.support_answer == "yes_a_little"
    plain = scoring.score(NEVER)
    assert (stored.raw_score_10, stored.category_10) == (plain.raw_score_10, plain.category_10)


def test_the_question_is_optional(due_follow_up, client, token_for):
    _site, volunteer, _manager, member = due_follow_up()
    response = client.post(_url(member), json=_follow_up(), headers=token_for(volunteer))
    assert response.status_code == 201, response.json
    assert response.json["support_answer"] is None


@pytest.mark.parametrize("value", ["maybe", "", 3, "YES_A_LOT"])
def test_a_bad_answer_is_422_naming_the_field_and_records_nothing(
    due_follow_up, client, token_for, value
):
    _site, volunteer, _manager, member = due_follow_up()
    response = client.post(
        _url(member), json=_follow_up(support_answer=value), headers=token_for(volunteer)
    )
    assert response.status_code == 422, response.json
    assert "support_answer" in response.json["error"]["fields"]
    assert (
        db.session.scalar(select(SurveyAssessment.id).where(SurveyAssessment.timepoint == 3))
        is None
    )


def test_no_answer_without_a_referral_before_nor_at_a_baseline(
    due_follow_up, staff_pair, member_at, client, token_for
):
    _site, volunteer, _manager, member = due_follow_up(referred=False)
    response = client.post(
        _url(member), json=_follow_up(support_answer="no"), headers=token_for(volunteer)
    )
    assert response.status_code == 422
    assert "support_answer" in response.json["error"]["fields"]
    site, volunteer, _ = staff_pair()
    new = member_at(site)
    _refer(new, site_today(site))
    baseline = {"kind": "baseline", "mode": "self", "answers": NEVER, "support_answer": "no"}
    response = client.post(_url(new), json=baseline, headers=token_for(volunteer))
    assert response.status_code == 422
    assert "support_answer" in response.json["error"]["fields"]


def _walk_to_support(client, member):
    page = client.get(f"/surveys/take/{member.membership_number}?next=/members")
    screen = tap(client, page.get_data(as_text=True), "mode", "self")
    for value in NEVER.values():
        screen = tap(client, screen.get_data(as_text=True), "answer", value)
    return screen


def test_the_tablet_asks_it_last_and_records_the_answer(due_follow_up, client, login):
    _site, volunteer, _manager, member = due_follow_up()
    login(volunteer)
    screen = _walk_to_support(client, member)
    html = screen.get_data(as_text=True)
    assert screen.status_code == 200, html
    assert SUPPORT_QUESTION in html
    assert "Skip this question" in html
    assert "do not affect your membership" in html
    done = tap(client, html, "answer", "yes_a_lot")
    assert done.status_code == 303
    stored = db.session.scalar(
        select(SurveyAssessment.support_answer).where(SurveyAssessment.timepoint == 3)
    )
    assert stored == "yes_a_lot"


def test_the_tablet_question_can_be_skipped(due_follow_up, client, login):
    _site, volunteer, _manager, member = due_follow_up()
    login(volunteer)
    html = _walk_to_support(client, member).get_data(as_text=True)
    done = tap(client, html, "answer", "skip")
    assert done.status_code == 303
    row = db.session.scalar(select(SurveyAssessment).where(SurveyAssessment.timepoint == 3))
    assert row is not None
    assert row.support_answer is None


def test_a_tampered_support_answer_is_refused(due_follow_up, client, login):
    _site, volunteer, _manager, member = due_follow_up()
    login(volunteer)
    html = _walk_to_support(client, member).get_data(as_text=True)
    form = next(f for f in Forms(html).forms if f["hidden"].get("item") == "support")
    response = client.post(form["action"], data={**form["hidden"], "answer": "rubbish"})
    assert response.status_code == 400
    assert (
        db.session.scalar(select(SurveyAssessment.id).where(SurveyAssessment.timepoint == 3))
        is None
    )


def test_the_tablet_does_not_ask_without_a_referral(due_follow_up, client, login):
    _site, volunteer, _manager, member = due_follow_up(referred=False)
    login(volunteer)
    done = _walk_to_support(client, member)
    assert done.status_code == 303
    assert "/thanks" in done.headers["Location"]


def test_the_answer_is_in_the_export_and_kept_on_anonymisation(due_follow_up, client, token_for):
    from supermarket.members.services.privacy import anonymise_member, export_member

    site, volunteer, manager, member = due_follow_up()
    response = client.post(
        _url(member), json=_follow_up(support_answer="not_used"), headers=token_for(volunteer)
    )
    assert response.status_code == 201
    exported = export_member(site, member.membership_number, actor=manager)
    rows = exported["records"]["survey_assessments"]
    assert [row["support_answer"] for row in rows if row["timepoint"] == 3] == ["not_used"]
    anonymise_member(site, member.membership_number, actor=manager)
    db.session.commit()
    kept = db.session.scalar(
        select(SurveyAssessment.support_answer).where(SurveyAssessment.timepoint == 3)
    )
    assert kept == "not_used"
