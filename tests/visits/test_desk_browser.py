"""The check-in desk as the volunteer sees it, in the real browser: a refusal's reason beside the
button on a landscape tablet, a portrait tablet and a phone; the Paid box and the basket
checked in their own units before anything is sent (and the server's refusals put in the same
words); old name matches cleared; an override with an empty basket asked about first;
no visits-left figure for a member who cannot be checked in; nothing to pay at a free site."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.visits.models import Visit
from tests.conftest import ARTIFACTS, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]

SIZES = {"landscape": (1024, 768), "portrait": (768, 1024), "phone": (390, 844)}
SCHEMA_WORDS = ("Must be", "Not a valid", "Length must be", "invalid fields")
AMOUNT_WORDS = "Enter the amount paid in pounds, from £0.00 to £100.00."
ITEMS_WORDS = "Enter a whole number of items, from 0 to 200."

# Whether an element is wholly inside the viewport and not hidden under anything else (the
# sticky action bar, say) at its centre: what a person sees without scrolling.
IN_VIEW = """element => {
  const box = element.getBoundingClientRect();
  const inside = box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0 &&
    box.bottom <= window.innerHeight && box.right <= window.innerWidth;
  if (!inside) { return false; }
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return hit !== null && (hit === element || element.contains(hit));
}"""
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def visits_of(member) -> list[Visit]:
    db.session.rollback()  # end this thread's snapshot: the server has committed since
    return list(db.session.scalars(select(Visit).where(Visit.member_id == member.id)))


def scan(page: Any, number: str) -> None:
    """A USB scanner: types the number into the focused search box, then Enter."""
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'checkin-q'", timeout=5000
    )
    page.keyboard.type(number, delay=5)
    page.keyboard.press("Enter")


def in_view(locator: Any) -> bool:
    return bool(locator.evaluate(IN_VIEW))


def full_shot(page: Any, name: str) -> None:
    """The whole page through the helper, scrolled to its foot first: there the action bar
    sits in its own place (a full-page shot draws a stuck bar where the screen's foot was)."""
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    screenshot(page, name)


def view_shot(page: Any, name: str) -> None:
    """What the screen shows (the helper's full-page shot shows the whole page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"))


def posts_to_the_api(page: Any) -> list[dict[str, Any]]:
    """The check-in bodies the page sends, as they are sent."""
    sent: list[dict[str, Any]] = []

    def seen(request: Any) -> None:
        if request.method == "POST" and "/api/v1/" in request.url:
            sent.append(json.loads(request.post_data or "{}"))

    page.on("request", seen)
    return sent


def no_schema_words(page: Any) -> None:
    text = page.locator("body").inner_text()
    for words in SCHEMA_WORDS:
        assert words not in text


@pytest.fixture
def harlow(make_desk) -> Any:
    desk = make_desk(code="harlow")
    desk.site.name = "Harlow Community Supermarket"
    db.session.commit()
    return desk


# --- a refusal: the reason with the button, on every screen ------------------------------------


@pytest.mark.parametrize("size", list(SIZES))
def test_a_refusal_shows_the_name_the_reason_and_the_button_together(browser_page, harlow, size):
    member = harlow.member(first_name="Aisha")
    harlow.check_in(member)
    page = browser_page
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    info = page.locator(".member-info")
    info.get_by_text("Already visited once this week — next visit from").wait_for()
    page.wait_for_timeout(100)  # let the page settle where it puts the panel

    name = page.locator("#member-name")
    bar = page.locator("#action-bar")
    button = page.get_by_role("button", name="Override and check in")
    assert name.inner_text() == "Aisha"
    assert in_view(name), f"the member's name is off screen at {width}x{height}"
    assert in_view(button), f"the button is off screen at {width}x{height}"
    # The reason is beside the button (and under the name where the screen has room).
    reason = bar.locator("#action-reason")
    assert in_view(reason)
    assert reason.inner_text().startswith("Aisha · Already visited once this week — next visit")
    assert in_view(info.locator(".problem"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # The scanner still types into the search box.
    assert page.evaluate("document.activeElement.id") == "checkin-q"
    view_shot(page, f"desk-refusal-{size}-{width}x{height}")
    full_shot(page, f"desk-refusal-{size}-{width}x{height}")

    # Scrolled down to the override reasons, the bar still says whose and why.
    page.get_by_text("Emergency referral").scroll_into_view_if_needed()
    assert in_view(reason)
    assert in_view(button)
    # Tapped without a reason: the reasons come into view above the bar, with what to do.
    page.evaluate("window.scrollTo(0, 0)")
    button.click()
    choose = page.locator("#override-error").get_by_text(
        "Choose a reason to override, or type one."
    )
    choose.wait_for()
    page.wait_for_timeout(100)
    assert in_view(page.get_by_text("Hardship — manager agreed"))
    assert in_view(button)
    view_shot(page, f"desk-refusal-no-reason-{size}-{width}x{height}")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_suspended_member_shows_why_and_no_visits_left(browser_page, harlow, size):
    member = harlow.member(first_name="Dario", status="suspended", status_reason="Under review")
    page = browser_page
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    reason = page.get_by_text("Suspended: Under review.")
    reason.wait_for()
    page.wait_for_timeout(100)
    assert in_view(page.locator("#member-name"))
    assert in_view(reason)
    panel = page.locator(".member-panel").inner_text()
    assert "visit left" not in panel
    assert "visits left" not in panel
    assert page.locator("#checkin-submit").count() == 0
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    view_shot(page, f"desk-suspended-{size}-{width}x{height}")


def test_a_closed_member_shows_no_visits_left(browser_page, harlow):
    member = harlow.member(first_name="Ewa", status="closed")
    page = browser_page
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    page.get_by_text("Membership closed").wait_for()
    assert "left this week" not in page.locator(".member-panel").inner_text()


# --- the Paid box and the basket, in their own units -------------------------------------------


def test_the_paid_box_says_what_it_takes_in_pounds_before_sending(browser_page, harlow):
    member = harlow.member(first_name="Tasha")
    page = browser_page
    sent = posts_to_the_api(page)
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    page.locator("#member-name").wait_for()
    paid = page.get_by_label("Paid (£)")
    beside = page.locator("#pay-amount-error")
    for typed in ("abc", "-2", "150", "3.505"):
        paid.fill(typed)
        page.get_by_role("button", name="Check in Tasha").click()
        beside.get_by_text(AMOUNT_WORDS).wait_for()
        assert paid.get_attribute("aria-invalid") == "true"
        assert page.locator("#checkin-error").inner_text() == "Not checked in yet: check Paid (£)."
        no_schema_words(page)
    full_shot(page, "desk-paid-in-pounds")
    assert sent == []  # nothing was sent
    assert visits_of(member) == []

    paid.fill("2.50")  # put right: the message goes at once, and a reason is asked for
    assert beside.is_hidden()
    page.get_by_role("button", name="Check in Tasha").click()
    page.locator("#pay-reason-error").get_by_text(
        "Say why the amount paid is not the fee."
    ).wait_for()
    assert sent == []
    page.get_by_label("Reason the fee is waived or different").fill("Paid what she had")
    page.get_by_role("button", name="Check in Tasha").click()
    page.locator("#checkin-status").get_by_text("Tasha checked in — £2.50 cash.").wait_for()
    [visit] = visits_of(member)
    assert (visit.amount_paid_pence, visit.payment_reason) == (250, "Paid what she had")


def test_basket_counts_are_whole_numbers_within_the_limit(browser_page, harlow):
    member = harlow.member(first_name="Tasha")
    page = browser_page
    sent = posts_to_the_api(page)
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    page.locator("#member-name").wait_for()
    blue = page.get_by_role("textbox", name="Blue")
    blue.fill("-2")
    page.get_by_label("Paid (£)").fill("x")
    page.get_by_role("button", name="Check in Tasha").click()
    # Every problem at once, beside its box, and the boxes named beside the button.
    page.locator("#band-blue-error").get_by_text(ITEMS_WORDS).wait_for()
    assert page.locator("#pay-amount-error").inner_text() == AMOUNT_WORDS
    assert page.locator("#checkin-error").inner_text() == (
        "Not checked in yet: check Blue and Paid (£)."
    )
    blue.fill("500")
    assert page.locator("#band-blue-error").inner_text() == ITEMS_WORDS
    assert sent == []
    blue.fill("8")
    page.get_by_label("Paid (£)").fill("3.50")
    assert page.locator(".field-error:visible").count() == 0
    assert page.locator("#checkin-error").is_hidden()
    page.get_by_role("button", name="Check in Tasha").click()
    page.locator("#checkin-status").get_by_text("Tasha checked in").wait_for()
    assert visits_of(member)[0].basket == {"blue": 8}


def test_the_servers_refusal_is_put_in_the_desks_words_beside_the_boxes(browser_page, harlow):
    member = harlow.member(first_name="Tasha")
    page = browser_page
    answers: list[dict[str, Any]] = []

    def tampered(route: Any) -> None:
        # What an old page or another client might send: past the desk's own checks.
        body = json.loads(route.request.post_data)
        body["basket"] = {"red": -2}
        body["payment"]["amount_pence"] = 1_000_000
        body["override_reason"] = "x" * 300
        response = route.fetch(post_data=json.dumps(body))
        answers.append(response.json())
        route.fulfill(response=response)

    page.route("**/api/v1/sites/harlow/visits", tampered)
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    page.get_by_role("button", name="Check in Tasha").click()
    page.locator("#pay-amount-error").get_by_text(AMOUNT_WORDS).wait_for()
    # The API kept its contract: a validation error naming the fields.
    assert answers[0]["error"]["code"] == "validation_error"
    assert set(answers[0]["error"]["fields"]) >= {"basket", "payment", "override_reason"}
    assert page.locator("#band-red-error").inner_text() == ITEMS_WORDS
    assert page.locator("#checkin-error").inner_text().startswith("Not checked in yet: check ")
    no_schema_words(page)
    full_shot(page, "desk-server-refusal-in-plain-words")
    assert visits_of(member) == []


# --- small glitches -----------------------------------------------------------------------------


def test_old_name_matches_go_when_the_box_is_cleared_or_digits_are_typed(browser_page, harlow):
    for n, first in enumerate(("Chidi", "Grace")):
        harlow.member(first_name=first, last_name="Okafor", date_of_birth=f"198{n}-05-01")
    page = browser_page
    browser_login(page, harlow.volunteer)
    search = page.locator("#checkin-q")
    matches = page.locator("a.match")

    search.press_sequentially("okafor", delay=20)
    matches.nth(1).wait_for()
    search.press("Control+a")
    search.press("Backspace")
    matches.first.wait_for(state="detached")
    assert page.locator("#checkin-matches").inner_text().strip() == ""

    search.press_sequentially("okafor", delay=20)
    matches.nth(1).wait_for()
    search.press("Control+a")
    search.press_sequentially("CM2", delay=20)  # a postcode or a card: wait for Enter
    matches.first.wait_for(state="detached")
    page.wait_for_timeout(400)  # no late answer puts them back
    assert matches.count() == 0

    search.fill("")
    search.press_sequentially("zzzz", delay=20)
    page.get_by_text("No members match").wait_for()
    search.press("Control+a")
    search.press("Backspace")
    page.get_by_text("No members match").wait_for(state="detached")


def test_an_override_with_an_empty_basket_asks_first(browser_page, harlow):
    member = harlow.member(first_name="Aisha")
    harlow.check_in(member)
    page = browser_page
    page.set_viewport_size({"width": 768, "height": 1024})
    sent = posts_to_the_api(page)
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    page.get_by_text("Hardship — manager agreed").click()
    page.get_by_role("button", name="Override and check in").click()

    ask = page.locator("#confirm-empty")
    ask.get_by_text("Nothing is in Aisha's basket.").wait_for()
    assert page.get_by_role("alert").filter(has_text="Nothing is in Aisha's basket.").is_visible()
    assert page.evaluate("document.activeElement.id") == "checkin-q"  # ready for a scan
    assert page.locator("#checkin-submit").is_hidden()
    assert in_view(page.get_by_role("button", name="Check in with nothing"))
    assert sent == []
    view_shot(page, "desk-empty-basket-override-asks")

    page.get_by_role("button", name="Add the basket first").click()
    assert ask.is_hidden()
    assert page.evaluate("document.activeElement.id") == "band-red"
    page.get_by_role("button", name="Override and check in").click()
    page.get_by_role("button", name="Check in with nothing").click()
    page.locator("#checkin-status").get_by_text("Aisha checked in").wait_for()
    assert sent[0]["basket"] == {}
    assert sent[0]["override_reason"] == "Hardship — manager agreed"
    assert len(visits_of(member)) == 2


def test_adding_to_the_basket_after_the_question_checks_in_without_asking(browser_page, harlow):
    member = harlow.member(first_name="Aisha")
    harlow.check_in(member)
    page = browser_page
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    page.get_by_text("Emergency referral").click()
    page.get_by_role("button", name="Override and check in").click()
    page.locator("#confirm-empty").wait_for()
    page.get_by_role("button", name="One more blue").click()  # the question goes
    assert page.locator("#confirm-empty").is_hidden()
    page.get_by_role("button", name="Override and check in").click()
    page.locator("#checkin-status").get_by_text("Aisha checked in").wait_for()
    assert visits_of(member)[-1].basket == {"blue": 1}


def test_a_free_site_asks_for_no_payment(browser_page, make_desk):
    free = make_desk(code="basildon", fee_pence=0)
    member = free.member(first_name="Femi")
    page = browser_page
    sent = posts_to_the_api(page)
    browser_login(page, free.volunteer)
    scan(page, member.membership_number)
    page.get_by_text("Nothing to pay: no fee is due.").wait_for()
    for label in ("Cash", "Card", "Waived", "Paid (£)"):
        assert page.get_by_label(label, exact=True).count() == 0
    full_shot(page, "desk-free-site")
    page.get_by_role("button", name="Check in Femi").click()
    page.locator("#checkin-status").get_by_text(
        "Femi checked in — nothing to pay. No visits left this week."
    ).wait_for()
    assert "payment" not in sent[0]
    [visit] = visits_of(member)
    assert (visit.fee_pence, visit.amount_paid_pence) == (0, 0)


def test_a_panel_opened_by_its_address_on_a_phone_shows_the_name_and_the_button(
    browser_page, harlow
):
    member = harlow.member(first_name="Aisha")
    harlow.check_in(member)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, harlow.volunteer)
    page.goto(f"/checkin?number={member.membership_number}")
    page.locator("#member-name").wait_for()
    page.wait_for_function("window.pageYOffset > 0")  # the page brings the member into view
    assert in_view(page.locator("#member-name"))
    assert in_view(page.locator("#action-reason"))
    assert in_view(page.get_by_role("button", name="Override and check in"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


def test_a_basket_over_the_allowance_says_so_beside_the_button(browser_page, harlow):
    member = harlow.member(first_name="Tasha")
    page = browser_page
    page.set_viewport_size({"width": 768, "height": 1024})
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    reason = page.locator("#action-reason")
    page.locator("#member-name").wait_for()
    assert reason.is_hidden()  # nothing in the way yet
    for _ in range(3):
        page.get_by_role("button", name="One more red").click()
    assert reason.inner_text() == "Tasha · More than the allowance: Red 3 of 2."
    button = page.get_by_role("button", name="Override and check in")
    assert in_view(reason)
    assert in_view(button)
    page.get_by_role("button", name="One less red").click()
    assert reason.is_hidden()
    assert page.get_by_role("button", name="Check in Tasha").is_visible()


@pytest.mark.parametrize("size", ["portrait", "phone"])
def test_the_other_reason_box_is_not_hidden_under_the_action_bar(browser_page, harlow, size):
    member = harlow.member(first_name="Aisha")
    harlow.check_in(member)
    page = browser_page
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    browser_login(page, harlow.volunteer)
    scan(page, member.membership_number)
    page.locator("#member-name").wait_for()
    page.get_by_text("Other", exact=True).click()
    page.wait_for_function("document.activeElement.id === 'override-other'")
    page.wait_for_timeout(100)
    assert in_view(page.locator("#override-other"))
    page.keyboard.type("Lost her card and came back")
    page.get_by_role("button", name="One more red").click()
    page.get_by_role("button", name="Override and check in").click()
    page.locator("#checkin-status").get_by_text("Aisha checked in").wait_for()
    assert visits_of(member)[-1].override_reason == "Lost her card and came back"
