"""Recording a referral from the member's page on a tablet (1024x768): a service, the
member's agreement and one tap."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.support.models import Referral
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def test_a_volunteer_records_a_referral_from_the_member_page(browser_page, desk, make_service):
    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet in landscape
    make_service(desk.manager, name="Harlow Job Club", category="employment_skills")
    make_service(desk.manager, name="Warm Homes Essex", category="energy")
    member = desk.member(first_name="Precious")
    browser_login(page, desk.volunteer)
    page.goto(f"/members/{member.membership_number}")
    panel = page.locator("#support")
    expect(panel.get_by_role("heading", name="Support and referrals")).to_be_visible()
    expect(panel).to_contain_text("No signposts or referrals yet.")

    panel.get_by_label("Warm Homes Essex").check()
    panel.get_by_label("the member agreed").check()
    with page.expect_navigation():
        panel.get_by_role("button", name="Referred").click()
    expect(page.locator(".flash-info")).to_contain_text("Referral to Warm Homes Essex recorded.")
    row = page.locator("#support tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Warm Homes Essex")
    expect(row).to_contain_text("Referred")
    screenshot(page, "support-member-referral")

    db.session.remove()
    referral = db.session.scalar(select(Referral))
    assert referral is not None
    assert referral.kind == "referral"
    assert referral.consent_given is True

    # A signpost is two taps: the service, then the button.
    page.locator("#support").get_by_label("Harlow Job Club").check()
    with page.expect_navigation():
        page.locator("#support").get_by_role("button", name="Signposted").click()
    expect(page.locator("#support tbody tr")).to_have_count(2)


def _search_has_focus(page) -> None:
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'checkin-q'", timeout=5000
    )


def test_a_volunteer_signposts_and_refers_from_the_check_in_panel(browser_page, desk, make_service):
    """Sue scans a card: Healthy Start is worth mentioning, one tap records the signpost; then
    "Support", a service, and "Referred" once the member agrees, while the basket she has
    started stays as it is; the member's page shows both."""
    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet in landscape
    make_service(desk.manager, name="Healthy Start Essex", category="healthy_start")
    make_service(desk.manager, name="Warm Homes Essex", category="energy")
    member = desk.member(
        first_name="Amira",
        household={"adults": 1, "children_0_4": 1, "children_5_11": 0, "children_12_17": 0},
        eligibility={"route": "benefits", "benefit": "Universal Credit"},
    )
    browser_login(page, desk.volunteer)
    _search_has_focus(page)
    page.keyboard.type(member.membership_number, delay=5)
    page.keyboard.press("Enter")
    panel = page.locator(".member-panel")
    panel.get_by_role("heading", name="Amira").wait_for()
    page.get_by_role("button", name="One more red").click()
    basket = page.get_by_role("textbox", name="Red")
    expect(basket).to_have_value("1")

    support = page.locator("#checkin-support")
    expect(support).to_contain_text("Worth mentioning: Healthy Start")
    screenshot(page, "support-checkin-prompt")
    support.get_by_role("button", name="Signposted: Healthy Start Essex").click()
    expect(page.locator("#checkin-support")).to_contain_text(
        "Signpost to Healthy Start Essex recorded."
    )
    expect(page.locator("#checkin-support")).not_to_contain_text("Worth mentioning")
    expect(basket).to_have_value("1")  # the check-in in progress is as it was

    support = page.locator("#checkin-support")
    support.get_by_text("Support", exact=True).click()
    support.get_by_label("Warm Homes Essex").check()
    support.get_by_role("button", name="Referred (member agrees)").click()
    expect(page.locator("#f-panel-consent-error")).to_contain_text("tick that they agreed")
    support = page.locator("#checkin-support")
    support.get_by_label("Warm Homes Essex").check()
    support.get_by_label("the member agreed").check()
    support.get_by_role("button", name="Referred (member agrees)").click()
    expect(page.locator("#checkin-support")).to_contain_text(
        "Referral to Warm Homes Essex recorded."
    )
    expect(basket).to_have_value("1")
    screenshot(page, "support-checkin-panel")

    page.get_by_role("button", name="Check in Amira").click()
    page.locator("#checkin-status").get_by_text("Amira checked in").wait_for()

    page.goto(f"/members/{member.membership_number}")
    rows = page.locator("#support tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#support")).to_contain_text("Healthy Start Essex")
    expect(page.locator("#support")).to_contain_text("Signposted")
    expect(page.locator("#support")).to_contain_text("Warm Homes Essex")
    db.session.remove()
    kinds = sorted(r.kind for r in db.session.scalars(select(Referral)))
    assert kinds == ["referral", "signpost"]


def test_an_agency_refers_a_household_and_the_site_registers_them(
    browser_page, desk, make_agency, make_referrer
):
    """Rosa, at Citizens Advice, refers a household on a tablet; Sue at the desk accepts it
    through the registration form already filled in; Rosa then reads that it was accepted."""
    from supermarket.members.models import Member
    from supermarket.support.agency_models import InboundReferral

    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 768})
    rosa = make_referrer(make_agency(desk.site, name="Citizens Advice Harlow"))
    browser_login(page, rosa)
    expect(page.get_by_role("heading", name="Refer a household")).to_be_visible()
    page.get_by_label("First name").fill("Amira")
    page.get_by_label("Surname").fill("Haddad")
    page.get_by_label("Day").fill("12")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("1988")
    page.get_by_label("Postcode").fill("CM20 2QT")
    page.get_by_label("Children 5–11").fill("2")
    page.get_by_label("Why you are referring them").fill("Universal Credit delayed; rent arrears.")
    page.get_by_label("How soon").select_option("urgent")
    page.get_by_label("The household agreed").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send the referral").click()
    listed = page.locator("tbody tr", has_text="Amira Haddad")
    expect(listed).to_contain_text("Waiting for the site")
    screenshot(page, "support-referrer-sent")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    browser_login(page, desk.volunteer)
    page.goto("/support/inbound")
    row = page.locator("tbody tr", has_text="Amira Haddad")
    expect(row).to_contain_text("Urgent")
    with page.expect_navigation():
        row.get_by_role("link", name="Accept and register").click()
    expect(page.get_by_label("First name")).to_have_value("Amira")
    expect(page.get_by_label("Postcode")).to_have_value("CM20 2QT")
    page.get_by_label("I have given the member the privacy notice").check()
    screenshot(page, "support-inbound-accept")
    with page.expect_navigation():
        page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Amira Haddad")).to_be_visible()

    db.session.remove()
    member = db.session.scalar(select(Member).where(Member.last_name == "Haddad"))
    referral = db.session.scalar(select(InboundReferral))
    assert member is not None
    assert referral is not None
    assert (referral.status, referral.member_id) == ("accepted", member.id)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    browser_login(page, rosa)
    expect(page.locator("tbody tr", has_text="Amira Haddad")).to_contain_text("Accepted")
