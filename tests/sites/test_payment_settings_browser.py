"""The settings page on a tablet held upright (768x1024): the visit types, one card each, and
the payment settings fit the width (nothing scrolls sideways), and choosing how a type is
paid saves it."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from supermarket.sites.settings import PROGRAMME_VISIT_TYPES
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser]


def test_the_settings_page_fits_a_portrait_tablet_and_sets_a_payment_model(browser_page, make_desk):
    desk = make_desk(
        visit_types=[asdict(t) for t in PROGRAMME_VISIT_TYPES[:2]],
        tiers=[{"name": "Large family", "min_people": 5, "fee_pence": 400}],
    )
    page = browser_page
    page.set_viewport_size({"width": 768, "height": 1024})
    browser_login(page, desk.manager)
    page.goto(f"/sites/{desk.site.code}/settings")
    page.locator("#f-type_1").scroll_into_view_if_needed()
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"the page scrolls sideways: {wide}"
    screenshot(page, "settings-visit-types-portrait")
    page.locator("#f-type_1_payment_model").select_option("pay_as_you_feel")
    page.locator("#f-points_credit_by_tier").fill("Large family=35")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state("networkidle")
    assert "saved" in page.locator(".flash").inner_text()
    # Opened afresh, the page shows what was stored.
    page.goto(f"/sites/{desk.site.code}/settings")
    assert page.locator("#f-type_1_payment_model").input_value() == "pay_as_you_feel"
    assert page.locator("#f-points_credit_by_tier").input_value() == "Large family=35"


def test_the_members_payments_fit_a_portrait_tablet(browser_page, make_desk):
    """A site whose weekly shop is paid in points and whose parcels need the membership fee:
    the member's page shows both, and taking the fee there says until when it covers."""
    parcel = {**asdict(PROGRAMME_VISIT_TYPES[1]), "payment_model": "membership_fee"}
    weekly = {**asdict(PROGRAMME_VISIT_TYPES[0]), "payment_model": "points"}
    desk = make_desk(visit_types=[weekly, parcel], membership_fee_pence=1000)
    member = desk.member()
    desk.check_in(member, basket={"blue": 2})
    page = browser_page
    page.set_viewport_size({"width": 768, "height": 1024})
    browser_login(page, desk.volunteer)
    page.goto(f"/members/{member.membership_number}")
    page.get_by_label("Card").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Take the membership fee").click()
    page.wait_for_load_state("networkidle")
    assert "it covers visits until" in page.locator(".flash").inner_text()
    page.locator("#payments").scroll_into_view_if_needed()
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"the page scrolls sideways: {wide}"
    assert "Points balance: 18" in page.locator("#payments").inner_text()
    screenshot(page, "member-payments-portrait")
