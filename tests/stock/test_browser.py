"""The Tuesday delivery on a tablet, in the real browser: weigh-in by category, scanning the
supermarket collection with dates from the packs, and wasting yesterday's yoghurts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.stock.models import Donation, StockBatch
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


@pytest.fixture
def basildon(make_shop, make_product):
    shop = make_shop(code="basildon", name="Basildon Community Supermarket")
    shop.manager.name = "Dev Patel"
    db.session.commit()
    products = {
        "beans": make_product(
            sku="BEANS-415", name="Baked beans 415g", unit_weight_g=415, barcode="5000157024671"
        ),
        "yoghurt": make_product(
            sku="YOG-STRAW-4",
            name="Strawberry yoghurts 4 x 125g",
            category="chilled",
            unit_weight_g=500,
            barcode="5000128104517",
        ),
        "milk": make_product(
            sku="MILK-2PT", name="Semi-skimmed milk 2 pints", category="chilled", unit_weight_g=1136
        ),
    }
    return shop, products


def test_receiving_a_delivery_on_a_tablet(browser_page, basildon):
    shop, _ = basildon
    page = browser_page
    browser_login(page, shop.manager)
    page.goto("/stock/receive?mode=weigh")
    page.get_by_label("Donor", exact=True).select_option(label="New donor…")
    page.get_by_label("New donor's name").fill("FareShare Eastern")
    page.get_by_label("Kind", exact=True).select_option("fareshare")
    page.get_by_label("Chilled", exact=True).fill("38")
    page.get_by_label("Ambient", exact=True).fill("61")
    screenshot(page, "stock-receive-weigh-in")
    page.get_by_role("button", name="Receive into stock").click()
    page.wait_for_url("**/stock/donations/*")
    assert page.get_by_text("99.0 kg").first.is_visible()
    screenshot(page, "stock-received-weigh-in")

    page.goto("/stock/receive")
    page.get_by_label("Donor", exact=True).select_option(label="New donor…")
    page.get_by_label("New donor's name").fill("Tesco Basildon")
    page.get_by_label("Kind", exact=True).select_option("retailer")
    scan = page.get_by_label("Scan a barcode")
    assert scan.is_visible()
    status = page.locator("#scan-status")
    scans = (("5000157024671", 1), ("5000157024671", 2), ("5000128104517", 1))
    for code, count in scans:  # a keyboard-wedge scanner types the code and presses Enter
        scan.focus()
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        expect(status).to_contain_text(f"({count})")
    assert page.get_by_label("How many (line 1)").input_value() == "2"
    assert page.get_by_label("Product (line 2)").input_value() == "YOG-STRAW-4"
    assert page.get_by_label("Kind of date (line 2)").input_value() == "use_by"
    page.get_by_label("Date on the pack (line 2)").fill(shop.days(1).isoformat())
    scan.focus()
    page.keyboard.type("0000000000000")
    page.keyboard.press("Enter")
    expect(status).to_contain_text("No product has the code 0000000000000")
    page.get_by_label("Product (line 3)").select_option("MILK-2PT")
    page.get_by_label("How many (line 3)").fill("6")
    page.get_by_label("Kind of date (line 3)").select_option("use_by")
    page.get_by_label("Date on the pack (line 3)").fill(
        shop.days(-1).isoformat()
    )  # misread from the pack
    screenshot(page, "stock-receive-scanned")
    page.get_by_role("button", name="Receive into stock").click()
    error = page.locator("#f-line-2-date-error")
    assert error.is_visible()
    assert "has passed" in error.inner_text()
    screenshot(page, "stock-receive-error")
    page.get_by_label("Date on the pack (line 3)").fill(shop.days(4).isoformat())
    page.get_by_role("button", name="Receive into stock").click()
    page.wait_for_url("**/stock/donations/*")
    screenshot(page, "stock-received-items")
    db.session.remove()
    latest = db.session.scalars(select(Donation).order_by(Donation.id.desc())).first()
    assert [(ln.product.sku, ln.quantity) for ln in latest.lines] == [
        ("BEANS-415", 2),
        ("YOG-STRAW-4", 1),
        ("MILK-2PT", 6),
    ]


def test_one_tap_wastes_yesterdays_yoghurts(browser_page, basildon, receive):
    shop, products = basildon
    yoghurt = products["yoghurt"]
    receive(
        shop,
        [(yoghurt, 3, {"use_by": shop.days(-1)})],
        received_on=shop.days(-2),
        at=shop.at(-2),
    )
    receive(shop, [(yoghurt, 12, {"use_by": shop.days(1)})])
    page = browser_page
    browser_login(page, shop.manager)
    page.goto("/stock/alerts")
    assert page.get_by_role(
        "heading", name="Past the use-by date: must not be given out"
    ).is_visible()
    screenshot(page, "stock-alerts")
    page.get_by_role("button", name="Waste them all").click()
    with page.expect_navigation():
        page.get_by_role("dialog").get_by_role("button", name="Waste them all").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Wasted 1 batch(es)").is_visible()
    screenshot(page, "stock-alerts-after-waste")
    db.session.remove()
    assert sorted(db.session.scalars(select(StockBatch.quantity)).all()) == [0, 12]


@pytest.mark.slow
def test_every_stock_page_reads_well_on_a_tablet(browser_page):
    """A tour of the pages over the demo data, for a person to look at the screenshots."""
    from supermarket.stock import demo
    from tests.factories import demo_context

    ctx = demo_context()
    staff = ctx.staff
    demo.seed(ctx)
    db.session.commit()
    page = browser_page
    browser_login(page, staff["dev.manager@example.org"])
    page.get_by_role("button", name="Basildon Community Supermarket").click()
    page.wait_for_load_state("networkidle")
    for path, heading, name in [
        ("/stock", "Stock at Basildon", "stock-levels"),
        ("/stock/alerts", "Alerts at Basildon", "stock-alerts-demo"),
        ("/stock/donations", "Deliveries received", "stock-deliveries"),
        ("/stock/transfers", "Transfers", "stock-transfers"),
        ("/stock/stocktakes", "Stocktakes", "stock-stocktakes"),
        ("/stock/temperatures", "Fridge and freezer checks", "stock-temperatures"),
        ("/stock/report", "Stock report", "stock-report"),
        ("/stock/products", "Product catalogue", "stock-catalogue"),
        ("/stock/items/YOG-STRAW-4", "Strawberry yoghurts", "stock-item"),
    ]:
        page.goto(path)
        assert page.get_by_role("heading", level=1).first.inner_text().startswith(heading), path
        screenshot(page, name)
    page.goto("/stock/transfers")
    page.get_by_role("link", name="receive it").first.click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "stock-transfer-incoming")
    page.goto("/stock/stocktakes")
    page.get_by_label("Count").select_option("chilled")
    page.get_by_role("button", name="Start a stocktake").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Stocktake: Chilled").is_visible()
    screenshot(page, "stock-stocktake-count")
