"""Finding members: by number (typed or scanned), name prefix, postcode; paged; site-scoped."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from supermarket.errors import InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.members import services
from supermarket.members.identifiers import ALPHABET, format_membership_number


@pytest.fixture
def desk(staff_pair, make_member):
    site, volunteer, manager = staff_pair()
    people = {
        "zoe": make_member(site, manager, first_name="Zoë", last_name="Adams", postcode="CM20 1AB"),
        "tasha": make_member(
            site, manager, first_name="Tasha", last_name="Okafor", postcode="CM20 3XY"
        ),
        "tunde": make_member(
            site,
            manager,
            first_name="Tunde",
            last_name="Okafor",
            postcode="CM18 6AA",
            date_of_birth="1970-01-01",
        ),
        "lukasz": make_member(
            site, manager, first_name="Łukasz", last_name="Wójcik", postcode="CM17 9QQ"
        ),
        "obrien": make_member(
            site, manager, first_name="Siobhán", last_name="O'Brien", postcode="SS14 1DL"
        ),
        "wang": make_member(site, manager, first_name="芳", last_name="王", postcode="SS14 2AB"),
    }
    return site, volunteer, people


def _names(page):
    return [m.first_name for m in page.items]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zoe", ["Zoë"]),
        ("ZOË", ["Zoë"]),
        ("okafor", ["Tasha", "Tunde"]),
        ("oka", ["Tasha", "Tunde"]),
        ("tasha okafor", ["Tasha"]),
        ("okafor tu", ["Tunde"]),
        ("okafor, tasha", ["Tasha"]),
        ("lukasz", ["Łukasz"]),
        ("wojcik", ["Łukasz"]),
        ("obrien", ["Siobhán"]),
        ("O’Brien", ["Siobhán"]),
        ("siobhan", ["Siobhán"]),
        ("王", ["芳"]),
        ("cm201ab", ["Zoë"]),
        ("CM20", ["Zoë", "Tasha"]),
        ("ss14 2", ["芳"]),
        ("smith", []),
    ],
)
def test_search_by_name_prefix_and_postcode(desk, query, expected):
    site, volunteer, _ = desk
    page = services.search_members(site, query, actor=volunteer)
    assert sorted(_names(page)) == sorted(expected)


def test_exact_number_in_any_typed_form_finds_the_member(desk):
    site, volunteer, people = desk
    number = people["tasha"].membership_number
    for typed in (number, number.lower(), format_membership_number(number), f" {number}\n"):
        page = services.search_members(site, typed, actor=volunteer)
        assert page.exact is people["tasha"]
        assert page.items == [people["tasha"]]


def test_mistyped_number_never_finds_someone_else_and_explains(desk):
    site, volunteer, people = desk
    number = people["tasha"].membership_number
    wrong = number[:3] + next(s for s in ALPHABET if s != number[3]) + number[4:]
    page = services.search_members(site, wrong, actor=volunteer)
    assert page.exact is None
    assert page.items == []
    assert "character is wrong" in page.hint


def test_search_pages_through_results_in_name_order(staff_pair, make_member):
    site, volunteer, manager = staff_pair()
    for n in range(7):
        make_member(site, manager, first_name=f"Person{n}", last_name=f"Smith{n}")
    seen = []
    cursor = None
    while True:
        page = services.search_members(site, "smith", actor=volunteer, limit=3, cursor=cursor)
        seen += [m.last_name for m in page.items]
        cursor = page.next
        if cursor is None:
            break
    assert seen == [f"Smith{n}" for n in range(7)]


def test_a_forged_cursor_is_refused(desk):
    site, volunteer, _ = desk
    with pytest.raises(InvalidInput):
        services.search_members(site, "", actor=volunteer, cursor="bm90IGpzb24")


@pytest.mark.parametrize("query", ["' OR 1=1--", "%", "_", "o%", "%a%", "\\", "a' --"])
def test_injection_and_wildcards_match_nothing_extra(desk, query):
    site, volunteer, _ = desk
    assert services.search_members(site, query, actor=volunteer).items == []


def test_status_filter_uses_the_effective_status(staff_pair, make_member):
    site, volunteer, manager = staff_pair()
    current = make_member(site, manager, first_name="Current")
    old = make_member(site, manager, first_name="Old")
    from datetime import date

    old.expires_on = date(2020, 1, 1)
    db.session.commit()
    lapsed = services.search_members(site, "", actor=volunteer, status="lapsed")
    active = services.search_members(site, "", actor=volunteer, status="active")
    assert lapsed.items == [old]
    assert active.items == [current]


def test_search_never_shows_another_sites_members(desk, staff_pair, make_member):
    site, _, people = desk
    other_site, other_volunteer, other_manager = staff_pair()
    make_member(other_site, other_manager, first_name="Tasha", last_name="Okafor")
    page = services.search_members(other_site, "okafor", actor=other_volunteer)
    assert [m.site_id for m in page.items] == [other_site.id]
    with pytest.raises(NotFound):
        services.search_members(site, "okafor", actor=other_volunteer)
    number = people["tasha"].membership_number
    assert services.search_members(other_site, number, actor=other_volunteer).items == []


def test_checkin_lookup_by_scanned_number(desk):
    site, volunteer, people = desk
    number = people["tunde"].membership_number
    assert (
        services.find_member_for_checkin(site, number + "\r\n", actor=volunteer) is people["tunde"]
    )
    with pytest.raises(InvalidInput) as caught:
        services.find_member_for_checkin(
            site, number[:7] + ("0" if number[7] != "0" else "1"), actor=volunteer
        )
    assert caught.value.code == "invalid_check_character"
    with pytest.raises(InvalidInput) as caught:
        services.find_member_for_checkin(site, "okafor", actor=volunteer)
    assert caught.value.code == "not_a_membership_number"


def test_checkin_lookup_reaches_other_sites_only_when_the_site_allows(staff_pair, make_member):
    home, _, home_manager = staff_pair()
    member = make_member(home, home_manager)
    closed_site, closed_volunteer, _ = staff_pair()
    open_site, open_volunteer, _ = staff_pair(settings={"allow_other_site_members": True})
    with pytest.raises(NotFound):
        services.find_member_for_checkin(
            closed_site, member.membership_number, actor=closed_volunteer
        )
    found = services.find_member_for_checkin(
        open_site, member.membership_number, actor=open_volunteer
    )
    assert found is member


def test_each_name_search_step_reads_an_index_range_not_a_scan(desk):
    site, _, _ = desk
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan check reads SQLite's EXPLAIN QUERY PLAN")
    from sqlalchemy.dialects import sqlite

    from supermarket.members.models import Member
    from supermarket.members.services import _name_groups

    groups = _name_groups("tasha okafor")
    assert len(groups) == 4
    for group in groups:
        stmt = (
            db.select(Member.id)
            .where(Member.site_id == site.id, Member.anonymised_at.is_(None), group.condition)
            .order_by(*group.order)
            .limit(51)
        )
        compiled = stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
        plan = " ".join(
            str(row[-1]) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
        assert "_name_key>? AND" in plan, plan
        assert "SCAN members" not in plan
        assert "TEMP B-TREE" not in plan
