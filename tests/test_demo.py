"""The demo programme leaves the check-in desk something to do: households to check in on the
day it is loaded and on the days after, and households that show each refusal, as the desk's
own rules judge them. The README names the desk's cast."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from supermarket.auth.services import find_user_by_email
from supermarket.demo import load_demo, start_up_text, urls
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.members import demo as members_demo
from supermarket.members.identifiers import display_number
from supermarket.members.models import Member
from supermarket.sites.models import Site
from supermarket.visits.models import Rule
from supermarket.visits.services import check_in
from supermarket.visits.services.panel import Panel, checkin_panel
from supermarket.visits.services.requests import CheckInRequest

README = Path(__file__).resolve().parents[1] / "README.md"
MONDAY = datetime(2026, 11, 16, 10, 30, tzinfo=UTC)  # London is on GMT: the same wall clock
SUNDAY = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
MEMBERSHIP_REFUSALS = {
    Rule.MEMBERSHIP_SUSPENDED,
    Rule.MEMBERSHIP_CLOSED,
    Rule.MEMBERSHIP_EXPIRED,
    Rule.MEMBERSHIP_WAITING,
}
# Who tries each site's desk: Sue works at Harlow; Tom at Basildon (which takes other sites'
# members) and Canvey (which does not).
DESKS = {
    "harlow": "sue.volunteer@example.org",
    "basildon": "tom.volunteer@example.org",
    "canvey": "tom.volunteer@example.org",
}


def _sites() -> dict[str, Site]:
    return {s.code: s for s in db.session.scalars(select(Site))}


def _answer(site: Site, member: Member) -> tuple[Panel | None, set[str]]:
    """What the desk says to the member's card: the panel and its refusals' codes (none: the
    household can be checked in), or the refusal of the card itself."""
    actor = find_user_by_email(DESKS[site.code])
    try:
        panel = checkin_panel(site, member.membership_number, actor=actor)
    except DomainError as exc:
        return None, {exc.code}
    return panel, {p.rule.value for p in panel.problems}


def _desk(site: Site) -> tuple[list[Panel], set[str]]:
    """Every member's card at the site's desk: the panels of those who can be checked in now,
    and every refusal seen."""
    ready: list[Panel] = []
    refusals: set[str] = set()
    for member in db.session.scalars(select(Member).order_by(Member.id)):
        panel, codes = _answer(site, member)
        if panel is not None and not codes:
            ready.append(panel)
        refusals |= codes - {"member_not_found"}
    return ready, refusals


def _check_everyone_can_be_answered(*, visited_expected: bool) -> None:
    sites = _sites()
    for code, site in sites.items():
        ready, refusals = _desk(site)
        own = [p for p in ready if p.member.site_id == site.id]
        assert len(own) >= 5, f"{code}: only {len(own)} own members can be checked in"
        if code == "harlow":
            assert {r.value for r in MEMBERSHIP_REFUSALS} <= refusals, refusals
            assert any(n.kind == "survey" for p in own for n in p.notices)
            assert any(n.kind == "renewal" for p in own for n in p.notices)
            if visited_expected:
                assert Rule.VISIT_LIMIT_REACHED.value in refusals
        if code == "basildon":
            assert any(p.member.site_id != site.id for p in ready)  # takes other sites' members
        if code == "canvey":
            assert Rule.NOT_ALLOWED_AT_THIS_SITE.value in refusals


def _cast_answers() -> dict[str, list[tuple[str, set[str], set[str]]]]:
    """For each cast member: (name, refusal codes, notice kinds) at home and at Canvey."""
    sites = _sites()
    seen: dict[str, list[tuple[str, set[str], set[str]]]] = defaultdict(list)
    for cast in members_demo.DESK_CAST:
        member = db.session.scalar(
            select(Member).where(Member.membership_number == cast.membership_number)
        )
        assert member is not None
        assert member.first_name == cast.first_name
        desk = sites["canvey"] if cast.shows == members_demo.OTHER_SITE else member.site
        panel, codes = _answer(desk, member)
        notices = {n.kind for n in panel.notices} if panel else set()
        seen[cast.shows].append((cast.first_name, codes, notices))
        if cast.site != "harlow":  # at their own desk, and at Basildon's, which takes anyone's
            for other in {member.site, sites["basildon"]}:
                seen[members_demo.READY].append((cast.first_name, _answer(other, member)[1], set()))
    return seen


EXPECTED = {
    members_demo.READY: set(),
    members_demo.SURVEY_DUE: set(),
    members_demo.RENEWAL_DUE: set(),
    members_demo.VISITED: {Rule.VISIT_LIMIT_REACHED.value},
    members_demo.SUSPENDED: {Rule.MEMBERSHIP_SUSPENDED.value},
    members_demo.CLOSED: {Rule.MEMBERSHIP_CLOSED.value},
    members_demo.LAPSED: {Rule.MEMBERSHIP_EXPIRED.value},
    members_demo.WAITING: {Rule.MEMBERSHIP_WAITING.value},
    members_demo.OTHER_SITE: {Rule.NOT_ALLOWED_AT_THIS_SITE.value},
}


def _check_cast(*, days_later: int) -> None:
    for shows, answers in _cast_answers().items():
        expected = EXPECTED[shows]
        if shows == members_demo.VISITED and days_later >= 7:
            expected = set()  # a new week: the visit limit starts again
        for name, codes, notices in answers:
            assert codes == expected, (name, shows, codes)
            if shows == members_demo.SURVEY_DUE:
                assert "survey" in notices, name
            if shows == members_demo.RENEWAL_DUE:
                assert "renewal" in notices, name


@pytest.mark.slow
@pytest.mark.parametrize("loaded_at", [MONDAY, SUNDAY], ids=["monday", "sunday"])
def test_the_demo_leaves_households_to_check_in_and_one_for_each_refusal(clock, loaded_at):
    clock.move_to(loaded_at)
    load_demo()
    db.session.commit()
    _check_everyone_can_be_answered(visited_expected=True)
    _check_cast(days_later=0)

    # Later the same week (a Sunday load is already the week's last day): the cast who could
    # be checked in still can.
    if loaded_at.weekday() < 5:
        clock.move_to(loaded_at + timedelta(days=2))
        _check_cast(days_later=2)

    # A week on, every site still has households to check in and the same refusals; once a
    # household is checked in, the visit limit answers the next scan of its card.
    clock.move_to(loaded_at + timedelta(days=7))
    _check_everyone_can_be_answered(visited_expected=False)
    _check_cast(days_later=7)
    harlow = _sites()["harlow"]
    sue = find_user_by_email(DESKS["harlow"])
    first = members_demo.DESK_CAST[0]
    check_in(harlow, CheckInRequest(first.membership_number, basket={}), actor=sue)
    panel = checkin_panel(harlow, first.membership_number, actor=sue)
    assert [p.rule for p in panel.problems] == [Rule.VISIT_LIMIT_REACHED]


def test_the_readme_names_the_desks_cast_by_name_and_card():
    text = README.read_text(encoding="utf-8")
    for cast in members_demo.DESK_CAST:
        assert f"{cast.first_name} {cast.last_name}" in text
        assert display_number(cast.membership_number) in text


def test_start_up_says_where_to_go_who_to_sign_in_as_and_how_to_stop():
    text = start_up_text(
        "  Volunteer at Harlow  sue.volunteer@example.org  pw-1",
        loaded=True,
        host="127.0.0.1",
        port=5055,
    )
    assert "http://127.0.0.1:5055" in text
    assert text.count("pw-1") == 1
    assert "Ctrl+C" in text
    assert "Amelia Foster" in text


def test_on_every_address_the_start_up_names_this_computers_address_for_a_tablet():
    found = urls("0.0.0.0", 5000, interface_ip=lambda: "192.0.2.7")
    assert [url for _, url in found] == ["http://127.0.0.1:5000", "http://192.0.2.7:5000"]
    unknown = urls("0.0.0.0", 5000, interface_ip=lambda: "127.0.0.1")
    assert "this computer's address" in unknown[1][1]
    assert urls("192.0.2.7", 8080) == [("", "http://192.0.2.7:8080")]
    text = start_up_text(None, loaded=True, host="0.0.0.0", port=5000, interface_ip=lambda: "1.2")
    assert "http://1.2:5000" in text
    assert "network you trust" in text
