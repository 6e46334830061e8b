"""The tablet survey page, walked screen by screen as a member would, and the manager's page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.surveys.models import SurveyAssessment
from tests.surveys.conftest import (
    EXAMPLE_HIGH,
    EXAMPLE_MARGINAL,
    EXAMPLE_VERY_LOW,
    WORKED_EXAMPLES,
    Forms,
    tap,
)

REASSURANCE = (
    "Your answers do not affect your membership or what you can take. You can stop at any time."
)


def _count() -> int:
    return db.session.scalar(select(func.count(SurveyAssessment.id))) or 0


def _text(response) -> str:
    return response.get_data(as_text=True)


def _question(html: str) -> str:
    """The item code the screen asks (its answer form's hidden `item`)."""
    for form in Forms(html).forms:
        if "item" in form["hidden"]:
            return form["hidden"]["item"]
    raise AssertionError("not a question screen")


@pytest.fixture
def volunteer_at_site(staff_pair, login):
    site, volunteer, manager = staff_pair()
    login(volunteer)
    return site, volunteer, manager


def _start(client, member, mode="self"):
    page = client.get(f"/surveys/take/{member.membership_number}?next=/members")
    assert page.status_code == 200
    assert REASSURANCE in _text(page)
    return tap(client, _text(page), "mode", mode)


def _walk(client, member, answers, mode="self"):
    """Answer on the tablet, checking each screen asks the next item in screening order."""
    screen = _start(client, member, mode)
    seen = []
    for item, value in answers.items():
        html = _text(screen)
        assert screen.status_code == 200, html
        assert REASSURANCE in html
        assert _question(html) == item
        seen.append(item)
        screen = tap(client, html, "answer", str(value))
    return screen, seen


@pytest.mark.parametrize(("answers", "expected"), WORKED_EXAMPLES)
def test_a_member_answers_the_whole_survey_on_the_tablet(
    client, volunteer_at_site, member_at, answers, expected
):
    site, volunteer, _ = volunteer_at_site
    member = member_at(site)
    done, asked = _walk(client, member, answers)
    assert asked == list(answers)
    assert done.status_code == 303
    assert "/thanks" in done.headers["Location"]

    thanks = client.get(done.headers["Location"])
    html = _text(thanks)
    assert "Thank you" in html
    assert 'href="/members"' in html  # back to where the volunteer came from
    for word in ("marginal", "very low", "very_low", "insecure", "score", "high"):
        assert word not in html.lower()

    row = db.session.scalar(select(SurveyAssessment).where(SurveyAssessment.member_id == member.id))
    assert row is not None
    assert (row.raw_score_10, row.category_10, row.raw_score_6, row.category_6) == expected[:4]
    assert row.food_insecure is expected[4]
    assert row.answers == answers
    assert (row.kind, row.mode, row.recorded_by_id) == ("baseline", "self", volunteer.id)


def test_the_mode_is_recorded_when_a_volunteer_reads_the_questions(
    client, volunteer_at_site, member_at
):
    site, *_ = volunteer_at_site
    member = member_at(site)
    first = _start(client, member, mode="interviewer")
    assert "read the question aloud" in _text(first)
    _walk(client, member, EXAMPLE_HIGH, mode="interviewer")
    row = db.session.scalar(select(SurveyAssessment).where(SurveyAssessment.member_id == member.id))
    assert row is not None
    assert row.mode == "interviewer"


def test_each_screen_offers_dont_know_and_prefer_not_to_say(client, volunteer_at_site, member_at):
    site, *_ = volunteer_at_site
    screen = _start(client, member_at(site))
    html = _text(screen)
    for label in ("Often true", "Sometimes true", "Never true", "Don’t know", "Prefer not to say"):
        assert label.replace("’", "'") in html.replace("&#39;", "'").replace("’", "'")
    assert "Question 1 of up to 10" in html


def test_the_days_question_offers_days_as_buttons(client, volunteer_at_site, member_at):
    site, *_ = volunteer_at_site
    member = member_at(site)
    screen = _start(client, member)
    for value in ("often", "often", "sometimes", "yes"):
        screen = tap(client, _text(screen), "answer", value)
    html = _text(screen)
    assert _question(html) == "AD1a"
    assert "how many days did this happen?" in html
    assert "did you or other adults in your household ever cut the size of your meals" in html
    buttons = Forms(html).forms[0]["buttons"]
    assert ("answer", "1") in buttons
    assert ("answer", "30") in buttons
    assert ("answer", "dont_know") in buttons
    assert ("answer", "refused") in buttons


def test_questions_use_singular_wording_for_a_one_adult_household(
    client, volunteer_at_site, member_at
):
    site, *_ = volunteer_at_site
    single = _text(_start(client, member_at(site, adults=1)))
    assert "I worried whether my food would run out before I got money" in single
    assert "true for you in the last 30 days" in single
    family = _text(_start(client, member_at(site, adults=2)))
    assert "We worried whether our food would run out before we got money" in family
    assert "true for your household in the last 30 days" in family


def test_going_back_lets_the_member_change_an_answer(client, volunteer_at_site, member_at):
    site, *_ = volunteer_at_site
    member = member_at(site)
    screen = _start(client, member)
    screen = tap(client, _text(screen), "answer", "often")  # HH2
    assert _question(_text(screen)) == "HH3"
    screen = tap(client, _text(screen), "action", "back")
    assert _question(_text(screen)) == "HH2"
    for value in ("never", "never", "never"):
        screen = tap(client, _text(screen), "answer", value)
    assert screen.status_code == 303
    row = db.session.scalar(select(SurveyAssessment).where(SurveyAssessment.member_id == member.id))
    assert row is not None
    assert row.answers == EXAMPLE_HIGH


def test_back_from_the_first_question_returns_to_who_answers(client, volunteer_at_site, member_at):
    site, *_ = volunteer_at_site
    screen = tap(client, _text(_start(client, member_at(site))), "action", "back")
    assert "Who will answer?" in _text(screen)


def test_stopping_saves_nothing(client, volunteer_at_site, member_at):
    site, *_ = volunteer_at_site
    member = member_at(site)
    screen = _start(client, member)
    screen = tap(client, _text(screen), "answer", "often")
    stopped = tap(client, _text(screen), "action", "stop")
    assert stopped.status_code == 200
    assert "nothing has been saved" in _text(stopped)
    assert _count() == 0


def test_a_repeated_final_tap_records_the_survey_once(client, volunteer_at_site, member_at):
    site, *_ = volunteer_at_site
    member = member_at(site)
    screen = _start(client, member)
    screen = tap(client, _text(screen), "answer", "never")
    screen = tap(client, _text(screen), "answer", "never")
    last = _text(screen)
    first = tap(client, last, "answer", "never")
    again = tap(client, last, "answer", "never")
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert _count() == 1


def test_a_tampered_screen_is_refused(client, volunteer_at_site, member_at):
    site, *_ = volunteer_at_site
    member = member_at(site)
    html = _text(_start(client, member))
    form = Forms(html).forms[0]
    url = form["action"]
    skip_ahead = {**form["hidden"], "item": "AD5", "answer": "yes"}
    assert client.post(url, data=skip_ahead).status_code == 400
    not_asked = {**form["hidden"], "a_AD1": "yes", "answer": "never"}
    assert client.post(url, data=not_asked).status_code == 400
    bad_value = {**form["hidden"], "answer": "always"}
    assert client.post(url, data=bad_value).status_code == 400
    assert _count() == 0


def test_the_page_explains_when_there_is_no_consent(client, volunteer_at_site, member_at):
    site, *_ = volunteer_at_site
    page = client.get(f"/surveys/take/{member_at(site, survey=False).membership_number}")
    assert page.status_code == 200
    assert "has not agreed to answer the food survey" in _text(page)
    assert "Who will answer?" not in _text(page)


def test_a_second_baseline_is_not_offered(client, volunteer_at_site, member_at, record):
    site, *_ = volunteer_at_site
    member = member_at(site)
    record(member)
    page = client.get(f"/surveys/take/{member.membership_number}")
    assert "no food survey due today" in _text(page)


def test_another_sites_member_is_not_found(client, volunteer_at_site, member_at, staff_pair):
    other, *_ = staff_pair()
    theirs = member_at(other)
    assert client.get(f"/surveys/take/{theirs.membership_number}").status_code == 404


def test_only_a_safe_path_is_followed_afterwards(client, volunteer_at_site, member_at):
    site, *_ = volunteer_at_site
    member = member_at(site)
    html = _text(client.get(f"/surveys/take/{member.membership_number}?next=//evil.example/x"))
    assert "evil.example" not in html


def test_the_site_manager_sees_counts_and_who_is_due_but_no_scores(
    client, staff_pair, login, member_at, record
):
    site, _, manager = staff_pair()
    taken = member_at(site, first_name="Adaeze")
    record(taken, EXAMPLE_VERY_LOW)
    member_at(site, first_name="Bronwen")
    login(manager)
    page = client.get("/surveys")
    html = _text(page)
    assert page.status_code == 200
    assert re.search(r"First surveys taken</dt><dd>1<", html)
    assert "Bronwen" in html
    assert "Adaeze" not in html
    assert "very" not in html.lower()


def test_volunteers_do_not_get_the_managers_page(client, volunteer_at_site):
    assert client.get("/surveys").status_code == 403


def test_the_marginal_example_never_shows_a_score_on_any_screen(
    client, volunteer_at_site, member_at
):
    site, *_ = volunteer_at_site
    screen = _start(client, member_at(site))
    pages = []
    for value in EXAMPLE_MARGINAL.values():
        pages.append(_text(screen))
        screen = tap(client, _text(screen), "answer", value)
    pages.append(_text(client.get(screen.headers["Location"])))
    for html in pages:
        assert "marginal" not in html.lower()
