"""The rules of a new membership (supermarket.members.rules), without a database, and the
member's status on a date, which reads the same in Python and in SQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members import rules
from supermarket.members.matching import household_match_hash
from supermarket.members.models import Member, MemberStatus
from supermarket.members.names import search_key
from supermarket.sites.settings import SiteSettings

SETTINGS = SiteSettings(membership_term_months=6, review_interval_months=3)
TODAY = date(2026, 3, 10)


def test_a_site_is_full_only_when_it_caps_members_and_every_place_is_taken():
    assert not rules.is_full(500, None)
    assert not rules.is_full(9, 10)
    assert rules.is_full(10, 10)
    assert rules.is_full(11, 10)


def test_a_new_membership_runs_from_today_for_the_sites_term():
    term = rules.new_term(SETTINGS, TODAY, waiting=False)
    assert term == rules.Term(MemberStatus.ACTIVE, TODAY, date(2026, 9, 10), date(2026, 6, 10))


def test_a_household_on_the_waiting_list_has_no_term_yet():
    term = rules.new_term(SETTINGS, TODAY, waiting=True, expires_on=date(2027, 1, 1))
    assert term == rules.Term(MemberStatus.WAITING, TODAY, None, None)


def test_an_imported_membership_keeps_its_dates_and_its_next_review_is_not_past():
    term = rules.new_term(
        SETTINGS, TODAY, waiting=False, joined_on=date(2025, 10, 1), expires_on=date(2026, 12, 1)
    )
    assert term.status is MemberStatus.ACTIVE
    assert (term.joined_on, term.expires_on) == (date(2025, 10, 1), date(2026, 12, 1))
    # 1 January and 1 April after joining on 1 October: 1 January is past, so 1 April.
    assert term.review_due_on == date(2026, 4, 1)


def test_an_imported_membership_whose_term_is_over_is_lapsed():
    term = rules.new_term(SETTINGS, TODAY, waiting=False, joined_on=date(2025, 1, 15))
    assert term.expires_on == date(2025, 7, 15)
    assert term.status is MemberStatus.LAPSED
    assert term.review_due_on == date(2026, 4, 15)


def test_a_term_ending_today_is_still_active():
    term = rules.new_term(SETTINGS, TODAY, waiting=False, expires_on=TODAY)
    assert term.status is MemberStatus.ACTIVE


def test_household_keys_are_the_search_keys_and_the_match_hash():
    key = b"k" * 32
    keys = rules.household_keys("Zoë", "Okafor-Smith", date(1988, 4, 12), "CM20 1AB", key)
    assert keys.first_name_key == search_key("Zoë")
    assert keys.last_name_key == search_key("Okafor-Smith")
    assert keys.match_hash == household_match_hash(
        keys.last_name_key, date(1988, 4, 12), "CM20 1AB", key
    )
    assert rules.household_keys("A", "B", None, "CM20 1AB", key).match_hash is None
    assert rules.household_keys("A", "B", date(1988, 4, 12), None, key).match_hash is None


def test_the_postcode_district_is_the_outward_code():
    assert rules.postcode_district("CM20 1AB") == "CM20"


@pytest.mark.parametrize(
    ("stored", "expires_on", "on", "expected"),
    [
        ("active", None, TODAY, "active"),
        ("active", TODAY, TODAY, "active"),
        ("active", date(2026, 3, 9), TODAY, "lapsed"),
        ("lapsed", date(2026, 3, 9), TODAY, "lapsed"),
        ("suspended", date(2026, 3, 9), TODAY, "suspended"),
        ("waiting", None, TODAY, "waiting"),
        ("closed", date(2026, 3, 9), TODAY, "closed"),
    ],
)
def test_a_members_status_on_a_date_reads_the_same_in_python_and_in_sql(
    staff_pair, make_member, stored, expires_on, on, expected
):
    site, _, manager = staff_pair()
    member = make_member(site, manager)
    member.status = stored
    member.expires_on = expires_on
    db.session.flush()
    assert member.status_on(on) == expected
    in_sql = db.session.scalar(select(Member.status_on(on)).where(Member.id == member.id))
    assert in_sql == expected
    found = db.session.scalar(
        select(Member.id).where(Member.id == member.id, Member.status_on(on) == expected)
    )
    assert found == member.id
