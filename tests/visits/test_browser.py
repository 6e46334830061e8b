"""Sue's Saturday morning at the check-in desk, in the real browser on a tablet viewport:
scan, check in, next; a name search; a second visit let in by override; and the Wi-Fi
dropping the answer to a check-in, which a second tap records once, not twice."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.visits.models import Visit
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]


def visits_of(member) -> list[Visit]:
    db.session.rollback()  # end this thread's snapshot: the server has committed since
    return list(db.session.scalars(select(Visit).where(Visit.member_id == member.id)))


def scan(page: Any, number: str) -> None:
    """A USB scanner: types the number into the focused box, then Enter."""
    search_has_focus(page)
    page.keyboard.type(number, delay=5)
    page.keyboard.press("Enter")


def search_has_focus(page: Any) -> bool:
    """The desk's search box has the focus (waiting a moment: a busy machine may apply
    autofocus after the load event); fails if it never gets it."""
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'checkin-q'", timeout=5000
    )
    return True


@pytest.fixture
def harlow(make_desk) -> Any:
    desk = make_desk(code="harlow")
    desk.site.name = "Harlow Community Supermarket"
    db.session.commit()
    return desk


def test_scan_check_in_next(browser_page, harlow):
    tasha = harlow.member(first_name="Tasha", dietary=["halal"])
    page = browser_page
    browser_login(page, harlow.volunteer)
    assert page.url.endswith("/checkin")
    assert search_has_focus(page)
    screenshot(page, "visits-1-desk-ready")

    scan(page, tasha.membership_number)
    panel = page.locator(".member-panel")
    panel.get_by_role("heading", name="Tasha").wait_for()
    assert panel.get_by_text("Household of 4 (2 adults, 2 children)").is_visible()
    assert panel.get_by_text("1 visit left this week").is_visible()
    assert panel.get_by_text("Halal").is_visible()
    assert search_has_focus(page)  # the next scan still lands in the box
    page.get_by_role("button", name="One more red").click()
    page.get_by_role("button", name="One more red").click()
    page.get_by_role("textbox", name="Blue").fill("8")
    assert page.locator("#basket-total").inner_text().startswith("Red 2 of 2 · Blue 8 of 8")
    screenshot(page, "visits-2-panel-with-basket")

    page.get_by_role("button", name="Check in Tasha").click()
    status = page.locator("#checkin-status")
    status.get_by_text("Tasha checked in — £3.50 cash. No visits left this week.").wait_for()
    assert page.locator(".member-panel").count() == 0
    assert search_has_focus(page)
    assert page.locator("#checkin-q").input_value() == ""
    screenshot(page, "visits-3-checked-in-ready-for-next")
    [visit] = visits_of(tasha)
    assert visit.basket == {"red": 2, "blue": 8}
    assert visit.amount_paid_pence == 350


def test_a_lost_card_found_by_name_and_postcode_district(browser_page, harlow):
    for n, first in enumerate(("Chidi", "Grace", "Emeka")):
        harlow.member(
            first_name=first,
            last_name="Okafor",
            date_of_birth=f"198{n}-05-01",
            postcode=("CM20 1AB", "CM18 6LR", "CM19 4EX")[n],
        )
    page = browser_page
    browser_login(page, harlow.volunteer)
    search_has_focus(page)
    page.keyboard.type("okafor", delay=20)
    matches = page.locator("a.match")
    matches.nth(2).wait_for()
    assert matches.count() == 3
    assert page.get_by_text("Chidi O.").is_visible()
    assert page.get_by_text("CM20 · household of 4").is_visible()
    screenshot(page, "visits-4-name-matches")
    page.get_by_text("Chidi O.").click()
    page.locator(".member-panel").get_by_role("heading", name="Chidi").wait_for()
    assert page.locator("a.match").count() == 0


def test_a_second_visit_this_week_is_explained_and_overridden_with_a_reason(browser_page, harlow):
    member = harlow.member(first_name="Aisha")
    harlow.check_in(member)
    page = browser_page
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    # The reason shows under the name and again beside the button (the action bar).
    page.locator(".member-info").get_by_text(
        "Already visited once this week — next visit from"
    ).wait_for()
    assert page.get_by_text("No visits left this week").is_visible()
    assert page.get_by_text("Override (reason)").is_visible()
    page.get_by_role("button", name="Override and check in").click()
    page.get_by_text("Choose a reason to override, or type one.").wait_for()
    page.get_by_text("Hardship — manager agreed").click()
    page.get_by_role("button", name="One more red").click()  # an empty basket asks first
    screenshot(page, "visits-5-override")
    page.get_by_role("button", name="Override and check in").click()
    page.locator("#checkin-status").get_by_text("Aisha checked in").wait_for()
    visits = visits_of(member)
    assert len(visits) == 2
    assert visits[-1].override_reason == "Hardship — manager agreed"
    assert visits[-1].overridden_rules == ["visit_limit_reached"]


def test_wifi_drops_the_answer_and_the_second_tap_does_not_record_twice(browser_page, harlow):
    member = harlow.member(first_name="Bogdan")
    page = browser_page
    browser_login(page, harlow.volunteer)
    keys: list[str] = []

    def lose_the_answer(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the server records the visit...
            route.abort("internetdisconnected")  # ...but the answer never arrives
        else:
            route.continue_()

    page.route("**/api/v1/sites/harlow/visits", lose_the_answer)
    scan(page, member.membership_number)
    page.get_by_role("button", name="Check in Bogdan").click()
    page.get_by_text(
        "Could not reach the server — tap again; it will not be recorded twice."
    ).wait_for()
    screenshot(page, "visits-6-wifi-dropped")
    assert len(visits_of(member)) == 1  # recorded, though the tablet could not know

    page.get_by_role("button", name="Check in Bogdan").click()
    page.locator("#checkin-status").get_by_text("(It had already been recorded.)").wait_for()
    assert keys[0] == keys[1]
    assert len(visits_of(member)) == 1
    screenshot(page, "visits-7-recorded-once")


def test_the_desk_in_landscape_and_the_cash_up(browser_page, harlow):
    from supermarket.visits import services

    session = services.open_session(harlow.site, actor=harlow.volunteer, volunteers="Sue Barker")
    db.session.commit()
    member = harlow.member(first_name="Priya")
    for _ in range(2):
        harlow.check_in(harlow.member())
    page = browser_page
    page.set_viewport_size({"width": 1180, "height": 820})
    browser_login(page, harlow.volunteer)
    assert page.get_by_text("Session open since").is_visible()
    scan(page, member.membership_number)
    page.locator(".member-panel").get_by_role("heading", name="Priya").wait_for()
    screenshot(page, "visits-8-landscape-panel")

    page.goto("/sessions")
    assert page.get_by_text("£7.00").first.is_visible()
    page.get_by_label("Cash counted (£)").fill("6.50")
    page.get_by_label("Note").fill("50p short")
    screenshot(page, "visits-9-cash-up")
    page.get_by_role("button", name="Close and cash up").click()
    page.get_by_text("Session closed: 2 visits, difference -£0.50.").wait_for()
    screenshot(page, "visits-10-sessions")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Visit.session_id == session.id)) == 2
