"""The joining fee on the registration page, in the real browser, at tablet and phone sizes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.models import MembershipFee
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]

SIZES = {"landscape": (1024, 768), "portrait": (768, 1024), "phone": (390, 844)}


def test_a_volunteer_takes_the_joining_fee_at_registration(browser_page, make_site, make_user):
    site = make_site(
        code="basildon",
        name="Basildon Community Supermarket",
        settings={"fee_pence": 0, "joining_fee_pence": 350},
    )
    sue = make_user("volunteer", sites=[site], name="Sue Barker")
    page = browser_page
    browser_login(page, sue)
    page.goto("/members/new")
    fee = page.locator("#f-joining_fee")
    assert fee.get_by_text("Joining fee £3.50").is_visible()
    assert page.get_by_label("Cash", exact=True).is_checked()
    assert page.get_by_label("Paid (£)").input_value() == "3.50"
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        fee.scroll_into_view_if_needed()
        wide = page.evaluate(
            """() => [...document.querySelectorAll('#f-joining_fee, #f-joining_fee *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .map(e => e.tagName + '#' + e.id)"""
        )
        assert wide == [], (name, wide, page.evaluate("document.documentElement.scrollWidth"))
        screenshot(page, f"members-joining-fee-{name}")
    page.set_viewport_size({"width": 1024, "height": 768})

    page.get_by_label("First name").fill("Siân")
    page.get_by_label("Surname").fill("Llewellyn")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("1979")
    page.get_by_label("Postcode").fill("ss141dl")
    page.get_by_label("Self-declared need").check()
    page.get_by_label("I have given the member the privacy notice").check()
    # Waived without a reason: said beside the box, and nothing is lost.
    page.get_by_label("Waived", exact=True).check()
    page.get_by_role("button", name="Register").click()
    assert page.get_by_text("Say why the fee is waived.").first.is_visible()
    assert page.get_by_label("First name").input_value() == "Siân"
    screenshot(page, "members-joining-fee-needs-a-reason")
    page.get_by_label("Reason, if waived").fill("Referred in crisis")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state("networkidle")

    db.session.rollback()  # read what the server committed
    paid = db.session.scalar(select(MembershipFee))
    assert paid is not None
    assert (paid.method, paid.amount_pence, paid.reason) == ("waived", 0, "Referred in crisis")
    assert page.get_by_text("£3.50 waived (Referred in crisis)").is_visible()
    screenshot(page, "members-joining-fee-on-the-member-page")
