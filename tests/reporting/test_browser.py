"""The programme dashboard in the real browser, as Priya sees it on a tablet before the board."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from supermarket.extensions import db
from supermarket.reporting.rollups import refresh_rollups
from tests.conftest import ARTIFACTS, LONDON, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]


@pytest.mark.slow
def test_programme_lead_reads_the_quarter_on_a_tablet(browser_page, make_user, seed_programme):
    seed_programme()
    refresh_rollups()
    db.session.commit()
    priya = make_user("programme_lead", name="Priya Shah")
    page = browser_page
    browser_login(page, priya)

    assert "/reporting/programme" in page.url
    assert page.get_by_role("heading", name="Programme dashboard").is_visible()
    # It opens on the latest month with figures (the seeded visits end in October 2026), with
    # the pack for the latest quarter with figures that is over in London.
    today = datetime.now(LONDON).date()
    last_quarter = "Q4 2026" if today >= date(2027, 1, 1) else "Q3 2026"
    assert "October 2026" in page.locator(".scope-line").inner_text()
    assert page.get_by_role("link", name=f"Report pack for {last_quarter} (PDF)").is_visible()
    # The board looks at the quarter.
    page.get_by_label("Period").select_option("2026-Q3")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    assert "July to September 2026" in page.locator(".scope-line").inner_text()
    figures = page.locator(".figures").first
    assert figures.get_by_text("Households that visited").is_visible()
    assert page.get_by_text("People often join in a crisis").first.is_visible()
    # Every chart is drawn on the server and shown as an image with a text alternative.
    images = page.locator("figure.chart img")
    assert images.count() == 4
    for index in range(images.count()):
        assert images.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    # The small site's row reads "<10", and no chart or script came from elsewhere.
    canvey = page.locator("#h-sites-table tr", has_text="Canvey Island")
    assert "<10" in canvey.inner_text()
    screenshot(page, "reporting-programme-dashboard")

    page.get_by_label("Period").select_option("2026-Q2")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    assert "April to June 2026" in page.locator(".scope-line").inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="Report pack for Q2 2026 (PDF)").click()
    assert download.value.suggested_filename == "programme-report-2026-Q2.pdf"


def test_a_site_manager_reads_their_month_on_a_tablet(browser_page, make_user, seed_programme):
    seeded = seed_programme({"harlow": 60, "basildon": 90, "canvey": 6})
    refresh_rollups()
    db.session.commit()
    amara = make_user("site_manager", sites=[seeded["sites"]["harlow"]], name="Amara Okafor")
    page = browser_page
    browser_login(page, amara)
    # A manager's menu is folded behind its button on a tablet held upright.
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Reports").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Reports for Harlow Community Supermarket").is_visible()
    page.get_by_label("Period").select_option("2026-09")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    assert "September 2026" in page.locator(".scope-line").inner_text()
    assert page.get_by_role("link", name="Download the monthly report (PDF)").is_visible()
    screenshot(page, "reporting-site-dashboard")


@pytest.mark.slow
def test_the_programme_leads_first_look_at_1024_by_768(browser_page, make_user, seed_programme):
    """The first screen says what happened in plain words, explains "<10" once and offers a
    pack with figures in it; the methods are a link away."""
    seed_programme()
    refresh_rollups()
    db.session.commit()
    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 768})
    browser_login(page, make_user("programme_lead", name="Priya Shah"))
    lead = page.locator(".in-short .lead").first
    assert "households" in lead.inner_text()
    assert "used the supermarkets" in lead.inner_text()
    box = lead.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 768  # read without scrolling
    note = page.locator("#suppressed-note")
    assert "hidden to protect privacy" in note.inner_text()
    assert page.get_by_text("hidden to protect privacy").count() == 1
    assert page.get_by_role("link", name=re.compile(r"Report pack for .* \(PDF\)")).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reporting-programme-first-look-1024x768.png"))
    body = page.locator("main").inner_text()
    for word in ("McNemar", "Newcombe", "Hyndman"):
        assert word not in body
    page.get_by_role("link", name="how the figures are made", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="How the figures are made").is_visible()
    assert "McNemar" in page.locator("main").inner_text()
    screenshot(page, "reporting-methods")
