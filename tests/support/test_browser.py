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
