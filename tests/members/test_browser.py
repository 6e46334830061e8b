"""Registering and finding members on a tablet, in the real browser, with screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.identifiers import format_membership_number
from supermarket.members.models import Member
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]


@pytest.mark.slow
def test_volunteer_registers_a_household_at_the_desk(browser_page, make_site, make_user):
    site = make_site(
        code="harlow",
        name="Harlow Community Supermarket",
        settings={"eligibility_routes": ["self_declared", "referral", "benefits"]},
    )
    sue = make_user("volunteer", sites=[site], name="Sue Barker")
    page = browser_page
    browser_login(page, sue)
    page.goto("/members/new")

    # Sent empty: the errors are listed at the top, focused, and next to each field.
    page.get_by_role("button", name="Register").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    # Focused by app.js once the page has loaded (expect waits for it, as a person would).
    expect(summary).to_be_focused()
    screenshot(page, "members-register-errors")

    page.get_by_label("First name").fill("Siân")
    page.get_by_label("Surname").fill("Llewellyn-Wójcik")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("1979")
    page.get_by_label("Postcode").fill("cm201ab")
    page.get_by_label("Adults (18+)", exact=True).fill("2")
    page.get_by_role("button", name="One more: Children 5–11").click()
    page.get_by_role("button", name="One more: Children 5–11").click()
    agency = page.get_by_label("Referring agency")
    assert not agency.is_visible()  # only the chosen route's details show
    page.get_by_label("Referred by an agency").check()
    assert agency.is_visible()
    agency.fill("Citizens Advice")
    page.get_by_label("Vegetarian").check()
    page.get_by_label("I have given the member the privacy notice").check()
    page.get_by_label("Would they answer a few short questions").check()
    screenshot(page, "members-register-filled")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state("networkidle")

    db.session.rollback()  # read what the server committed, not an older snapshot
    member = db.session.scalar(select(Member).where(Member.last_name == "Llewellyn-Wójcik"))
    assert member is not None
    assert (member.children_5_11, member.postcode, member.referral_agency) == (
        2,
        "CM20 1AB",
        "Citizens Advice",
    )
    assert page.get_by_text("is registered: membership number").is_visible()
    # They agreed to the food questions: the tablet goes straight to them.
    assert f"/surveys/take/{member.membership_number}" in page.url
    screenshot(page, "members-registered-survey-offered")
    page.goto(f"/members/{member.membership_number}")
    assert page.get_by_text(format_membership_number(member.membership_number)).first.is_visible()
    assert page.get_by_role("link", name="Print card").is_visible()
    assert page.get_by_role("link", name="Food questions").is_visible()
    screenshot(page, "members-registered")


def test_volunteer_finds_members_by_name_and_by_scanning_a_card(
    browser_page, make_site, make_user, make_member
):
    site = make_site(code="harlow", name="Harlow Community Supermarket")
    manager = make_user("site_manager", sites=[site])
    sue = make_user("volunteer", sites=[site], name="Sue Barker")
    zoe = make_member(site, manager, first_name="Zoë", last_name="Adams")
    for first, postcode in (("Tasha", "CM20 3AB"), ("Tunde", "CM18 6AA"), ("Grace", "CM17 9QQ")):
        make_member(
            site,
            manager,
            first_name=first,
            last_name="Okafor",
            postcode=postcode,
            date_of_birth=f"19{70 + len(first)}-05-0{len(first)}",
        )
    page = browser_page
    browser_login(page, sue)
    page.goto("/members")
    # The search box has the focus, so a scanner's keystrokes land in it (a busy machine
    # may apply autofocus a moment after the load event).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'f-q'")

    page.keyboard.type("okafor")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    rows = page.locator(".member-row")
    assert rows.count() == 3
    assert page.get_by_text("CM18").is_visible()
    screenshot(page, "members-search-okafor")

    page.goto("/members?q=zoe")
    assert page.get_by_role("link", name="Zoë Adams").is_visible()

    # A USB scanner types the number then Enter: straight to the member.
    page.goto("/members")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'f-q'")
    page.keyboard.type(zoe.membership_number)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/members/{zoe.membership_number}")
    assert page.get_by_role("heading", name="Zoë Adams").is_visible()
    screenshot(page, "members-detail")

    # A misread number never opens someone else.
    wrong = zoe.membership_number[:7] + ("0" if zoe.membership_number[7] != "0" else "1")
    page.goto("/members")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'f-q'")
    page.keyboard.type(wrong)
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("a character is wrong").is_visible()
    screenshot(page, "members-search-wrong-number")


def test_manager_sees_the_data_rights_and_status_actions(
    browser_page, make_site, make_user, make_member
):
    site = make_site(code="basildon", name="Basildon Community Supermarket")
    dev = make_user("site_manager", sites=[site], name="Dev Patel")
    member = make_member(site, dev, first_name="Agnieszka", last_name="Nowak")
    page = browser_page
    browser_login(page, dev)
    page.goto(f"/members/{member.membership_number}")
    assert page.get_by_role("button", name="Renew (ends").is_visible()
    assert page.get_by_role("link", name="Download their data (PDF)").is_visible()
    page.get_by_label("Reason for suspending").fill("Missed three sessions")
    page.get_by_role("button", name="Suspend").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Suspended: Missed three sessions").is_visible()
    screenshot(page, "members-detail-manager")
