"""A step that cannot be undone asks first, in the app's own dialog (not the browser's pop-up,
which a tablet shows badly and the CSP-bound page cannot style): "No" leaves everything as it
was, "Yes" does it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.visits.models import Visit
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def test_voiding_a_visit_asks_in_the_apps_own_dialog(browser_page, desk):
    visit_id = desk.check_in(desk.member()).visit.id
    page = browser_page
    browser_popups: list[str] = []
    page.on("dialog", lambda dialog: (browser_popups.append(dialog.message), dialog.dismiss()))
    browser_login(page, desk.manager)
    page.goto("/visits")
    page.get_by_label("Reason for voiding").fill("Checked in the wrong household")

    page.get_by_role("button", name="Void").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Void this visit? It will no longer count")
    screenshot(page, "confirm-void-visit")
    dialog.get_by_role("button", name="No, go back").click()
    expect(dialog).to_be_hidden()
    assert "/visits" in page.url
    db.session.remove()
    assert db.session.get(Visit, visit_id).voided_at is None

    page.get_by_role("button", name="Void").click()
    expect(dialog).to_be_visible()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Void").click()
    page.wait_for_load_state("networkidle")
    db.session.remove()
    voided = db.session.scalar(select(Visit).where(Visit.id == visit_id))
    assert voided is not None
    assert voided.voided_at is not None
    assert browser_popups == []
