"""Enrolling "this tablet" from its own browser keeps the id in localStorage; revoking it
(after the app's own confirm) forgets it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.visits.models import Device
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def test_enrolling_this_tablet_keeps_its_id_and_revoking_forgets_it(browser_page, desk):
    page = browser_page
    browser_login(page, desk.manager)
    page.goto("/offline/devices")
    expect(page.locator("#this-tablet")).to_have_text("This tablet is not enrolled.")
    page.get_by_label("Name for this tablet").fill("Front desk")
    with page.expect_navigation():
        page.get_by_role("button", name="Enrol this tablet").click()
    page.wait_for_load_state("networkidle")
    db.session.remove()
    device = db.session.scalar(select(Device))
    assert device is not None
    assert page.evaluate("() => localStorage.getItem('supermarket.device')") == device.id
    expect(page.locator("#this-tablet")).to_contain_text("enrolled as “Front desk”")
    assert "enrolled=" not in page.url  # the id is not left in the address
    screenshot(page, "offline-devices")

    page.get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Revoke “Front desk”?")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Yes, revoke it").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => localStorage.getItem('supermarket.device')") is None
    db.session.remove()
    assert db.session.get(Device, device.id).revoked_at is not None
