"""The visit rules as the desk meets them: the weekly limit and its boundaries in
Europe/London, the rolling window, membership status, the term and its grace period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from supermarket.errors import RuleViolation
from supermarket.members.models import MemberStatus
from supermarket.sites.calendar import site_today
from supermarket.sites.settings import SiteSettings
from supermarket.visits.services.dates import week_key
from supermarket.visits.services.rules import state_from, window
from tests.visits.conftest import local


def refusal(excinfo: pytest.ExceptionInfo[RuleViolation]) -> tuple[str, str]:
    return excinfo.value.code, excinfo.value.message


# --- the ISO week in Europe/London ------------------------------------------------------------


def test_once_a_week_refuses_a_second_visit_in_the_same_week_and_says_when_next(desk):
    member = desk.member()
    desk.check_in(member, now=local("2026-03-03 11:00"))  # Tuesday
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(member, now=local("2026-03-07 10:05"))  # Saturday
    code, message = refusal(excinfo)
    assert code == "visit_limit_reached"
    assert message == "Already visited once this week — next visit from Monday."
    assert excinfo.value.details["next_visit_from"] == "2026-03-09"
    assert excinfo.value.details["overridable"] is True


def test_the_week_turns_at_midnight_sunday_london_time(desk):
    member = desk.member()
    desk.check_in(member, now=local("2026-03-08 23:59"))  # Sunday, last minute of the week
    second = desk.check_in(member, now=local("2026-03-09 00:01"))  # Monday
    assert second.created
    assert second.visit.local_date == date(2026, 3, 9)
    assert second.visit.week_key == "2026-W11"


def test_in_summer_time_the_local_date_not_the_utc_date_decides_the_week(desk):
    member = desk.member()
    # Sunday 14 June 2026 22:30 BST is 21:30 UTC; Monday 00:30 BST is still Sunday in UTC.
    desk.check_in(member, now=local("2026-06-14 22:30"))
    monday = desk.check_in(member, now=local("2026-06-15 00:30"))
    assert monday.visit.visited_at.date() == date(2026, 6, 14)  # UTC
    assert monday.visit.local_date == date(2026, 6, 15)
    with pytest.raises(RuleViolation):
        desk.check_in(member, now=local("2026-06-21 23:30"))  # Sunday evening, same week


def test_the_week_the_clocks_go_forward_still_ends_at_local_midnight(desk):
    member = desk.member()
    # Clocks go forward at 01:00 GMT on Sunday 29 March 2026.
    desk.check_in(member, now=local("2026-03-23 10:00"))
    with pytest.raises(RuleViolation):
        desk.check_in(member, now=local("2026-03-29 23:30"))  # BST, 22:30 UTC
    assert desk.check_in(member, now=local("2026-03-30 00:15")).created  # 23:15 UTC Sunday


def test_the_week_the_clocks_go_back_still_ends_at_local_midnight(desk):
    member = desk.member()
    # Clocks go back at 02:00 BST on Sunday 25 October 2026.
    desk.check_in(member, now=local("2026-10-19 00:30"))  # Monday 00:30 BST = Sunday UTC
    with pytest.raises(RuleViolation):
        desk.check_in(member, now=local("2026-10-25 23:59"))
    assert desk.check_in(member, now=local("2026-10-26 00:00")).created


def test_twice_a_week_allows_two_and_refuses_the_third(make_desk):
    desk = make_desk(visits_per_week=2)
    member = desk.member()
    first = desk.check_in(member, now=local("2026-03-03 11:00"))
    assert first.visits_left == 1
    second = desk.check_in(member, now=local("2026-03-05 11:00"))
    assert second.visits_left == 0
    assert second.next_visit_from == date(2026, 3, 9)
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(member, now=local("2026-03-07 10:00"))
    assert excinfo.value.message == "Already visited twice this week — next visit from Monday."


def test_iso_week_keys_use_the_iso_year():
    assert week_key(date(2025, 12, 29)) == "2026-W01"
    assert week_key(date(2027, 1, 3)) == "2026-W53"


# --- the rolling window -----------------------------------------------------------------------


def test_rolling_window_counts_the_last_seven_days(make_desk):
    desk = make_desk(visit_window="rolling_7_days")
    member = desk.member()
    desk.check_in(member, now=local("2026-03-03 11:00"))  # Tuesday
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(member, now=local("2026-03-09 18:00"))  # Monday, 6 days on
    assert excinfo.value.message == (
        "Already visited once in the last 7 days — next visit from Tuesday."
    )
    assert desk.check_in(member, now=local("2026-03-10 09:00")).created


def test_rolling_window_with_two_visits_frees_a_place_when_the_oldest_drops_out():
    settings = SiteSettings(visits_per_week=2, visit_window="rolling_7_days")
    today = date(2026, 3, 8)
    state = state_from((date(2026, 3, 3), date(2026, 3, 6)), settings, today)
    assert state.left == 0
    assert state.next_visit_from == date(2026, 3, 10)
    # Three visits (one by override): two must drop out.
    state = state_from((date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 6)), settings, today)
    assert state.next_visit_from == date(2026, 3, 10)


def test_window_is_monday_to_sunday_for_iso_weeks():
    assert window(SiteSettings(), date(2026, 3, 8)) == (date(2026, 3, 2), date(2026, 3, 8))
    assert window(SiteSettings(), date(2026, 3, 9)) == (date(2026, 3, 9), date(2026, 3, 15))


def test_a_voided_visit_does_not_count_against_the_limit(desk):
    member = desk.member()
    first = desk.check_in(member, now=local("2026-03-03 11:00"))
    from supermarket.visits.services import void_visit

    void_visit(
        desk.site,
        first.visit.id,
        "Scanned the wrong card",
        actor=desk.manager,
        now=local("2026-03-03 11:05"),
    )
    assert desk.check_in(member, now=local("2026-03-03 11:06")).created


# --- membership -------------------------------------------------------------------------------


def test_suspended_member_is_refused_with_the_reason_even_with_an_override(desk):
    member = desk.member(status=MemberStatus.SUSPENDED.value, status_reason="abusive to staff")
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(member, override_reason="Hardship — manager agreed")
    assert excinfo.value.code == "membership_suspended"
    assert excinfo.value.message.startswith("Suspended: abusive to staff.")
    assert excinfo.value.details["overridable"] is False


def test_closed_and_waiting_memberships_are_refused(desk):
    closed = desk.member(status=MemberStatus.CLOSED.value, closed_on=date(2026, 3, 1))
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(closed, now=local("2026-03-03 10:00"))
    assert excinfo.value.code == "membership_closed"
    assert "closed on 1 March" in excinfo.value.message
    waiting = desk.member(status=MemberStatus.WAITING.value)
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(waiting)
    assert excinfo.value.code == "membership_waiting"


def test_membership_past_its_term_is_refused_with_the_end_date(desk):
    member = desk.member(expires_on=date(2026, 3, 3))
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(member, now=local("2026-03-04 10:00"))
    assert excinfo.value.code == "membership_expired"
    assert excinfo.value.message.startswith("Membership ended on 3 March — renew?")


def test_the_last_day_of_the_term_is_still_a_member(desk):
    member = desk.member(expires_on=date(2026, 3, 3))
    assert desk.check_in(member, now=local("2026-03-03 23:30")).created


def test_the_grace_period_lets_a_member_shop_until_its_last_day(make_desk):
    desk = make_desk(grace_days=7)
    member = desk.member(expires_on=date(2026, 3, 3))
    assert desk.check_in(member, now=local("2026-03-10 10:00")).created  # 3 + 7
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(member, now=local("2026-03-16 10:00"))  # next week, grace over
    assert excinfo.value.code == "membership_expired"


def test_a_lapsed_status_within_the_grace_period_may_still_shop(make_desk):
    desk = make_desk(grace_days=14)
    today = site_today(desk.site)
    member = desk.member(status=MemberStatus.LAPSED.value, expires_on=today - timedelta(days=2))
    assert desk.check_in(member).created


def test_an_expired_membership_may_be_overridden_with_a_reason(desk):
    member = desk.member(expires_on=date(2026, 3, 3))
    result = desk.check_in(
        member, now=local("2026-03-05 10:00"), override_reason="First visit after renewal"
    )
    assert result.visit.overridden_rules == ["membership_expired"]
