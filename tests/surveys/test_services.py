"""Recording the survey: consent, one baseline, follow-up windows, answers, and what is due."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from supermarket.extensions import db
from supermarket.members import services as members
from supermarket.members.models import MemberStatus
from supermarket.members.services.privacy import anonymise_member, export_member
from supermarket.surveys import scoring, services
from supermarket.surveys.models import INSTRUMENT_VERSION, SurveyAssessment
from tests.surveys.conftest import (
    AD_NO,
    EXAMPLE_VERY_LOW,
    NEVER,
    WORKED_EXAMPLES,
)

JOINED = date(2026, 1, 10)
THREE_MONTHS = date(2026, 4, 10)
SIX_MONTHS = date(2026, 7, 10)
DAY = timedelta(days=1)
WINDOW = timedelta(days=21)


def _count() -> int:
    return db.session.scalar(select(func.count(SurveyAssessment.id))) or 0


@pytest.fixture
def site_staff(staff_pair):
    return staff_pair()


# --- recording and scoring --------------------------------------------------------------------


@pytest.mark.parametrize(("answers", "expected"), WORKED_EXAMPLES)
def test_a_baseline_is_stored_with_its_answers_and_scores(site_staff, member_at, answers, expected):
    site, volunteer, _ = site_staff
    member = member_at(site, joined_on=JOINED)
    data = services.SurveyRequest("baseline", "interviewer", answers)
    row = services.record_survey(member, data, actor=volunteer, today=JOINED)
    db.session.commit()
    assert (row.raw_score_10, row.category_10, row.raw_score_6, row.category_6) == expected[:4]
    assert row.food_insecure is expected[4]
    assert row.kind == "baseline"
    assert row.timepoint == 0
    assert row.mode == "interviewer"
    assert row.answers == answers
    assert row.rule_version == scoring.RULE_VERSION
    assert row.instrument == scoring.INSTRUMENT
    assert row.instrument_version == INSTRUMENT_VERSION
    assert row.reference_period == "30d"
    assert row.local_date == JOINED
    assert row.taken_at.tzinfo is not None
    assert row.recorded_by_id == volunteer.id
    assert row.site_id == site.id
    assert row.member_id == member.id
    assert row.complete is True
    assert row.dont_know_or_refused == 0


def test_stored_answers_rescore_to_the_stored_scores(site_staff, member_at, record):
    site, *_ = site_staff
    row = record(member_at(site, joined_on=JOINED), EXAMPLE_VERY_LOW, today=JOINED)
    db.session.expire_all()
    again = scoring.score(db.session.get(SurveyAssessment, row.id).answers)
    assert (again.raw_score_10, again.category_10, again.raw_score_6, again.category_6) == (
        row.raw_score_10,
        row.category_10,
        row.raw_score_6,
        row.category_6,
    )
    assert again.hunger_vital_sign_positive is row.hunger_vital_sign_positive is True


def test_recording_is_audited_without_answers_or_scores(site_staff, member_at, record):
    site, volunteer, _ = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, EXAMPLE_VERY_LOW, today=JOINED, actor=volunteer)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.recorded"))
    assert event is not None
    assert event.actor_id == volunteer.id
    assert event.object_id == str(member.id)
    assert event.details == {"kind": "baseline", "timepoint": 0, "mode": "self"}


# --- consent and membership -------------------------------------------------------------------


def test_a_member_who_did_not_consent_cannot_be_surveyed(site_staff, member_at, record):
    site, *_ = site_staff
    member = member_at(site, survey=False)
    with pytest.raises(RuleViolation) as caught:
        record(member)
    assert caught.value.code == "no_survey_consent"
    assert _count() == 0


def test_a_withdrawn_consent_stops_further_surveys(site_staff, member_at, record):
    site, volunteer, _ = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, today=JOINED)
    members.withdraw_consent(member, "survey", "in_person", actor=volunteer)
    db.session.commit()
    with pytest.raises(RuleViolation) as caught:
        record(member, kind="follow_up", today=THREE_MONTHS)
    assert caught.value.code == "no_survey_consent"
    assert services.survey_due(member, THREE_MONTHS) is None


def test_a_closed_membership_is_not_surveyed(site_staff, member_at, record):
    site, *_ = site_staff
    member = member_at(site)
    member.status = MemberStatus.CLOSED.value
    db.session.commit()
    with pytest.raises(RuleViolation) as caught:
        record(member)
    assert caught.value.code == "membership_closed"
    assert services.survey_due(member, JOINED) is None


def test_staff_of_another_site_get_not_found(site_staff, member_at, make_user, make_site):
    site, *_ = site_staff
    member = member_at(site)
    stranger = make_user("volunteer", sites=[make_site()])
    with pytest.raises(NotFound):
        services.record_survey(
            member, services.SurveyRequest("baseline", "self", NEVER), actor=stranger
        )


# --- one baseline, follow-ups in their windows ------------------------------------------------


def test_a_second_baseline_is_refused(site_staff, member_at, record):
    site, *_ = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, today=JOINED)
    with pytest.raises(RuleViolation) as caught:
        record(member, today=JOINED + DAY)
    assert caught.value.code == "baseline_exists"
    assert "10/01/2026" in caught.value.message
    assert _count() == 1


@pytest.mark.parametrize(
    ("today", "timepoint"),
    [
        (THREE_MONTHS - WINDOW, 3),
        (THREE_MONTHS, 3),
        (THREE_MONTHS + WINDOW, 3),
        (SIX_MONTHS - WINDOW, 6),
        (SIX_MONTHS + WINDOW, 6),
    ],
)
def test_follow_ups_are_accepted_up_to_21_days_either_side(
    site_staff, member_at, record, today, timepoint
):
    site, *_ = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, today=JOINED)
    row = record(member, {**EXAMPLE_VERY_LOW}, kind="follow_up", today=today)
    assert row.kind == "follow_up"
    assert row.timepoint == timepoint
    assert row.local_date == today


@pytest.mark.parametrize(
    "today",
    [
        THREE_MONTHS - WINDOW - DAY,
        THREE_MONTHS + WINDOW + DAY,
        SIX_MONTHS - WINDOW - DAY,
        SIX_MONTHS + WINDOW + DAY,
        JOINED + DAY,
    ],
)
def test_follow_ups_outside_their_windows_are_refused(site_staff, member_at, record, today):
    site, *_ = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, today=JOINED)
    with pytest.raises(RuleViolation) as caught:
        record(member, kind="follow_up", today=today)
    assert caught.value.code == "no_follow_up_due"
    assert caught.value.details["windows"][0] == {
        "timepoint": 3,
        "from": "2026-03-20",
        "to": "2026-05-01",
    }
    assert _count() == 1


def test_follow_ups_count_from_the_baselines_date_not_joining(site_staff, member_at, record):
    site, *_ = site_staff
    member = member_at(site, joined_on=JOINED)
    late_baseline = date(2026, 2, 20)
    record(member, today=late_baseline)
    with pytest.raises(RuleViolation):
        record(member, kind="follow_up", today=THREE_MONTHS - WINDOW)
    assert record(member, kind="follow_up", today=date(2026, 5, 20)).timepoint == 3


def test_without_a_baseline_follow_ups_count_from_joining(site_staff, member_at, record):
    site, *_ = site_staff
    member = member_at(site, joined_on=JOINED)
    row = record(member, kind="follow_up", today=THREE_MONTHS)
    assert row.timepoint == 3
    with pytest.raises(RuleViolation) as caught:
        record(member, today=THREE_MONTHS + DAY)
    assert caught.value.code == "baseline_after_follow_up"


def test_one_follow_up_per_time_point(site_staff, member_at, record):
    site, *_ = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, today=JOINED)
    record(member, kind="follow_up", today=THREE_MONTHS)
    with pytest.raises(RuleViolation) as caught:
        record(member, kind="follow_up", today=THREE_MONTHS + DAY)
    assert caught.value.code == "follow_up_exists"
    assert record(member, kind="follow_up", today=SIX_MONTHS).timepoint == 6
    assert _count() == 3


# --- the answers ------------------------------------------------------------------------------


def _answer_fields(caught: pytest.ExceptionInfo[InvalidInput]) -> dict[str, list[str]]:
    assert caught.value.code == "invalid_answers"
    return caught.value.fields["answers"]


@pytest.mark.parametrize(
    ("answers", "item", "says"),
    [
        ({**NEVER, "AD1": "no"}, "AD1", "Only asked when HH2, HH3 or HH4"),
        ({**NEVER, "AD5": "no"}, "AD5", "Only asked when the answer to AD1"),
        (
            {"HH2": "often", "HH3": "never", "HH4": "never", **AD_NO, "AD1a": 4},
            "AD1a",
            "AD1 is yes",
        ),
        (
            {"HH2": "often", "HH3": "never", "HH4": "never", **AD_NO, "AD5": "yes", "AD5a": 3},
            "AD5",
            "Only asked when the answer to AD1",
        ),
    ],
)
def test_answers_the_screening_order_would_not_ask_are_refused(
    site_staff, member_at, record, answers, item, says
):
    site, *_ = site_staff
    with pytest.raises(InvalidInput) as caught:
        record(member_at(site), answers)
    fields = _answer_fields(caught)
    assert item in fields
    assert says in fields[item][0]
    assert _count() == 0


@pytest.mark.parametrize(
    ("answers", "item"),
    [
        ({**NEVER, "HH1": "never"}, "HH1"),
        ({**NEVER, "hh2": "never"}, "hh2"),
        ({**NEVER, "HH2": "rarely"}, "HH2"),
        ({**NEVER, "HH2": "yes"}, "HH2"),
        ({**NEVER, "HH3": 1}, "HH3"),
        ({**EXAMPLE_VERY_LOW, "AD1": "often"}, "AD1"),
        ({**EXAMPLE_VERY_LOW, "AD1a": "5"}, "AD1a"),
        ({**EXAMPLE_VERY_LOW, "AD1a": 31}, "AD1a"),
        ({**EXAMPLE_VERY_LOW, "AD1a": -1}, "AD1a"),
        ({**EXAMPLE_VERY_LOW, "AD1a": 2.5}, "AD1a"),
        ({**EXAMPLE_VERY_LOW, "AD1a": True}, "AD1a"),
        ({**EXAMPLE_VERY_LOW, "AD2": ["yes"]}, "AD2"),
    ],
)
def test_unknown_items_and_values_are_refused(site_staff, member_at, record, answers, item):
    site, *_ = site_staff
    with pytest.raises(InvalidInput) as caught:
        record(member_at(site), answers)
    assert item in _answer_fields(caught)


@pytest.mark.parametrize(
    ("answers", "missing"),
    [
        ({}, "HH2"),
        ({"HH2": "never", "HH4": "never"}, "HH3"),
        ({"HH2": "never", "HH3": None, "HH4": "never"}, "HH3"),
        ({"HH2": "often", "HH3": "never", "HH4": "never"}, "AD1"),
        ({**{k: v for k, v in EXAMPLE_VERY_LOW.items() if k != "AD1a"}}, "AD1a"),
        ({**{k: v for k, v in EXAMPLE_VERY_LOW.items() if k != "AD5"}}, "AD5"),
    ],
)
def test_every_item_the_screening_order_asks_needs_an_answer(
    site_staff, member_at, record, answers, missing
):
    site, *_ = site_staff
    with pytest.raises(InvalidInput) as caught:
        record(member_at(site), answers)
    fields = _answer_fields(caught)
    assert missing in fields
    assert "dont_know or refused" in fields[missing][0]


@pytest.mark.parametrize(
    ("answers", "unanswered", "complete", "raw_10"),
    [
        ({"HH2": "dont_know", "HH3": "refused", "HH4": "never"}, 2, True, 0),
        ({"HH2": "dont_know", "HH3": "refused", "HH4": "dont_know"}, 3, False, 0),
        (
            {"HH2": "often", "HH3": "refused", "HH4": "dont_know", **AD_NO, "AD2": "refused"},
            3,
            False,
            1,
        ),
        ({**EXAMPLE_VERY_LOW, "AD1a": "dont_know"}, 1, True, 5),
    ],
)
def test_dont_know_and_refused_are_recorded_and_three_make_it_incomplete(
    site_staff, member_at, record, answers, unanswered, complete, raw_10
):
    site, *_ = site_staff
    row = record(member_at(site), answers)
    assert row.dont_know_or_refused == unanswered
    assert row.complete is complete
    assert row.raw_score_10 == raw_10
    assert row.answers == answers


# --- retries ----------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_first_survey(site_staff, member_at):
    site, volunteer, _ = site_staff
    member = member_at(site)
    data = services.SurveyRequest("baseline", "self", NEVER)
    key = "k" * 24
    first = services.record_survey(member, data, actor=volunteer, key=key)
    db.session.commit()
    again = services.record_survey(member, data, actor=volunteer, key=key)
    assert again.id == first.id
    assert _count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"answers": {**NEVER, "HH2": "sometimes"}},
        {"mode": "interviewer"},
        {"answers": {**NEVER, "AD1": "no"}},
    ],
)
def test_the_same_key_with_another_survey_is_refused(site_staff, member_at, change):
    site, volunteer, _ = site_staff
    member = member_at(site)
    data = services.SurveyRequest("baseline", "self", NEVER)
    key = "k" * 24
    first = services.record_survey(member, data, actor=volunteer, key=key)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        services.record_survey(member, replace(data, **change), actor=volunteer, key=key)
    assert caught.value.code == "key_reused"
    assert _count() == 1
    assert first.answers == NEVER


def test_a_key_used_for_another_member_is_refused(site_staff, member_at):
    site, volunteer, _ = site_staff
    data = services.SurveyRequest("baseline", "self", NEVER)
    key = "k" * 24
    services.record_survey(member_at(site), data, actor=volunteer, key=key)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        services.record_survey(member_at(site), data, actor=volunteer, key=key)
    assert caught.value.code == "key_reused"


def test_a_malformed_key_is_refused(site_staff, member_at):
    site, volunteer, _ = site_staff
    data = services.SurveyRequest("baseline", "self", NEVER)
    with pytest.raises(InvalidInput):
        services.record_survey(member_at(site), data, actor=volunteer, key="short")


# --- what is due ------------------------------------------------------------------------------


def test_a_consenting_member_without_a_survey_has_the_baseline_due(site_staff, member_at):
    site, *_ = site_staff
    member = member_at(site, joined_on=JOINED)
    due = services.survey_due(member, JOINED + timedelta(days=200))
    assert due is not None
    assert (due.kind, due.timepoint, due.due_on, due.window_end) == ("baseline", 0, JOINED, None)
    assert due.label == "Food survey (first time)"


def test_nothing_is_due_without_consent(site_staff, member_at):
    site, *_ = site_staff
    assert services.survey_due(member_at(site, survey=False), JOINED) is None


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (JOINED + DAY, None),
        (THREE_MONTHS - WINDOW - DAY, None),
        (THREE_MONTHS - WINDOW, (3, date(2026, 3, 20), date(2026, 5, 1))),
        (THREE_MONTHS + WINDOW, (3, date(2026, 3, 20), date(2026, 5, 1))),
        (THREE_MONTHS + WINDOW + DAY, None),
        (SIX_MONTHS, (6, date(2026, 6, 19), date(2026, 7, 31))),
        (SIX_MONTHS + WINDOW + DAY, None),
    ],
)
def test_a_follow_up_is_due_only_inside_its_window(site_staff, member_at, record, today, expected):
    site, *_ = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, today=JOINED)
    due = services.survey_due(member, today)
    if expected is None:
        assert due is None
    else:
        assert due is not None
        assert due.kind == "follow_up"
        assert (due.timepoint, due.window_start, due.window_end) == expected
        assert due.label == f"Food survey ({expected[0]}-month follow-up)"


def test_a_follow_up_taken_is_no_longer_due(site_staff, member_at, record):
    site, *_ = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, today=JOINED)
    record(member, kind="follow_up", today=THREE_MONTHS - WINDOW)
    assert services.survey_due(member, THREE_MONTHS) is None


def test_list_due_holds_only_this_sites_members_with_a_survey_due(
    site_staff, member_at, record, staff_pair
):
    site, volunteer, manager = site_staff
    today = THREE_MONTHS + timedelta(days=10)
    closing_later = member_at(site, joined_on=JOINED + timedelta(days=5))
    closing_soon = member_at(site, joined_on=JOINED)
    for member in (closing_later, closing_soon):
        record(member, today=member.joined_on, actor=manager)
    new = member_at(site, joined_on=today)
    done = member_at(site, joined_on=JOINED)
    record(done, today=JOINED, actor=manager)
    record(done, kind="follow_up", today=THREE_MONTHS, actor=manager)
    member_at(site, joined_on=today, survey=False)
    other_site, *_ = staff_pair()
    member_at(other_site, joined_on=today)

    found = services.list_due(site, today, actor=volunteer)
    assert [row.member.id for row in found] == [closing_soon.id, closing_later.id, new.id]
    assert [row.due.kind for row in found] == ["follow_up", "follow_up", "baseline"]


def test_list_due_is_for_staff_of_the_site(site_staff, make_user, make_site):
    site, *_ = site_staff
    with pytest.raises(NotFound):
        services.list_due(site, JOINED, actor=make_user("volunteer", sites=[make_site()]))


def test_start_survey_says_why_nothing_is_due(site_staff, member_at, record):
    site, volunteer, _ = site_staff
    refused = services.start_survey(member_at(site, survey=False), actor=volunteer)
    assert (refused.due, refused.reason) == (None, "no_survey_consent")
    member = member_at(site, joined_on=JOINED)
    record(member, today=JOINED)
    waiting = services.start_survey(member, actor=volunteer, today=JOINED + DAY)
    assert waiting.reason == "nothing_due"
    assert waiting.next_window_start == date(2026, 3, 20)


# --- the site manager's counts ----------------------------------------------------------------


def test_site_overview_counts_surveys_and_who_is_due(site_staff, member_at, record):
    site, _, manager = site_staff
    today = date(2026, 4, 8)
    a = member_at(site, joined_on=JOINED)
    b = member_at(site, joined_on=date(2026, 1, 28))
    member_at(site, joined_on=today)
    member_at(site, survey=False)
    for member in (a, b):
        record(member, today=member.joined_on)
    record(a, kind="follow_up", today=today)

    found = services.site_overview(site, today, actor=manager)
    assert found.consenting_members == 3
    assert found.baselines == 2
    assert found.follow_ups == {3: 1, 6: 0}
    # b's 3-month follow-up is due on 28/04/2026: this month, and its window opened on 07/04.
    assert found.follow_ups_due_this_month == 1
    assert [row.due.kind for row in found.due] == ["follow_up", "baseline"]


def test_volunteers_do_not_get_the_site_overview(site_staff):
    site, volunteer, _ = site_staff
    with pytest.raises(PermissionDenied):
        services.site_overview(site, JOINED, actor=volunteer)


def test_only_site_managers_may_see_scores(make_user):
    assert services.can_see_scores(make_user("site_manager"))
    for role in ("volunteer", "programme_lead", "admin"):
        assert not services.can_see_scores(make_user(role))


# --- figures for reporting --------------------------------------------------------------------


def test_survey_figures_pair_complete_baselines_with_their_follow_ups(
    site_staff, member_at, record, staff_pair
):
    site, *_ = site_staff
    improved, unchanged, no_follow_up, incomplete, outside, overdue = (
        member_at(site, joined_on=JOINED) for _ in range(6)
    )
    for member in (improved, unchanged, no_follow_up, overdue):
        record(member, EXAMPLE_VERY_LOW, today=JOINED)
    record(incomplete, {"HH2": "dont_know", "HH3": "refused", "HH4": "dont_know"}, today=JOINED)
    record(outside, EXAMPLE_VERY_LOW, today=date(2026, 2, 1))
    record(improved, NEVER, kind="follow_up", today=THREE_MONTHS)
    record(unchanged, EXAMPLE_VERY_LOW, kind="follow_up", today=THREE_MONTHS)
    record(incomplete, NEVER, kind="follow_up", today=THREE_MONTHS)
    other, *_ = staff_pair()
    record(member_at(other, joined_on=JOINED), EXAMPLE_VERY_LOW, today=JOINED)

    # By 01/06/2026 every January baseline's 3-month window has closed.
    figures = services.survey_figures(
        [site.id], start=date(2026, 1, 1), end=date(2026, 2, 1), today=date(2026, 6, 1)
    )
    assert figures.baselines == 5
    assert figures.baselines_complete == 4
    assert figures.baseline_categories == {"high": 0, "marginal": 0, "low": 0, "very_low": 4}
    assert figures.food_insecure_at_baseline == 4
    assert figures.follow_ups_expected == 5
    assert figures.follow_ups_done == 3
    assert sorted(figures.pairs) == [("very_low", "high", 6, 0), ("very_low", "very_low", 6, 6)]


def test_survey_figures_expect_a_follow_up_only_once_its_window_has_closed(
    site_staff, member_at, record
):
    site, *_ = site_staff
    record(member_at(site, joined_on=JOINED), today=JOINED)
    period = {"start": date(2026, 1, 1), "end": date(2026, 2, 1)}
    open_window = services.survey_figures([site.id], today=date(2026, 5, 1), **period)
    closed = services.survey_figures([site.id], today=date(2026, 5, 2), **period)
    assert (open_window.follow_ups_expected, closed.follow_ups_expected) == (0, 1)


# --- personal data rights ---------------------------------------------------------------------


def test_subject_access_export_includes_the_members_surveys(site_staff, member_at, record):
    site, _, manager = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, EXAMPLE_VERY_LOW, today=JOINED)
    exported = export_member(site, member.membership_number, actor=manager)
    (row,) = exported["records"]["survey_assessments"]
    assert row["answers"] == EXAMPLE_VERY_LOW
    assert row["category_10"] == "very_low"
    assert row["local_date"] == "2026-01-10"


def test_anonymising_a_member_keeps_their_surveys_for_statistics(site_staff, member_at, record):
    site, _, manager = site_staff
    member = member_at(site, joined_on=JOINED)
    record(member, EXAMPLE_VERY_LOW, today=JOINED)
    anonymise_member(site, member.membership_number, actor=manager)
    db.session.commit()
    figures = services.survey_figures([site.id], start=JOINED, end=JOINED + DAY, today=THREE_MONTHS)
    assert figures.baselines == 1
    assert figures.food_insecure_at_baseline == 1
    assert services.survey_due(member, THREE_MONTHS) is None
