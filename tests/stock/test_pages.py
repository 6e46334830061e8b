"""Stock pages at the staff member's chosen site: forms, errors next to fields, PDFs."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.stock.models import (
    Donation,
    Product,
    StockBatch,
    StocktakeLine,
    TemperatureCheck,
)
from supermarket.stock.services import issue
from tests.conftest import csrf_token


def _pdf_text(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/stock/alerts"), **data})


def test_levels_page_lists_stock_and_finds_a_scanned_barcode(
    client, login, shop, make_product, receive
):
    beans = make_product(name="Heinz baked beans", barcode="5000157024671")
    make_product(name="Rice pudding")
    receive(shop, [(beans, 12)])
    login(shop.volunteer)
    page = client.get("/stock").get_data(as_text=True)
    assert "Heinz baked beans" in page
    assert "Receive a delivery" in page
    found = client.get("/stock?q=5000157024671").get_data(as_text=True)
    assert "Heinz baked beans" in found
    assert "Nothing in stock matches" in client.get("/stock?q=rice").get_data(as_text=True)
    assert client.get(f"/stock/items/{beans.sku}").status_code == 200


@pytest.mark.parametrize("role", ["programme_lead", "admin"])
def test_leads_and_admins_see_no_stock_pages(client, login, make_user, role):
    login(make_user(role))
    for path in ("/stock", "/stock/receive", "/stock/alerts", "/stock/report"):
        assert client.get(path).status_code == 403
    assert client.get("/stock/products").status_code == 200


def test_volunteers_do_not_get_manager_pages(client, login, shop):
    login(shop.volunteer)
    for path in (
        "/stock/waste",
        "/stock/transfers",
        "/stock/stocktakes",
        "/stock/temperatures",
        "/stock/report",
        "/stock/products/new",
    ):
        assert client.get(path).status_code == 403, path
    assert client.get("/stock/receive").status_code == 200


def test_receiving_item_by_item_on_the_tablet_page(client, login, shop, make_product):
    beans = make_product(name="Beans", unit_weight_g=415)
    yoghurt = make_product(name="Yoghurt", category="chilled", unit_weight_g=125)
    login(shop.volunteer)
    page = client.get("/stock/receive").get_data(as_text=True)
    assert 'id="scan"' in page
    assert "Yoghurt" in page
    response = _post(
        client,
        "/stock/receive",
        {
            "mode": "items",
            "donor_id": "",
            "donor_name": "Co-op Basildon",
            "donor_kind": "retailer",
            "received_on": shop.today.isoformat(),
            "line-0-sku": beans.sku,
            "line-0-quantity": "24",
            "line-0-date_kind": "best_before",
            "line-0-date": shop.days(300).isoformat(),
            "line-0-weight_kg": "",
            "line-0-cost": "",
            "line-1-sku": "",
            "line-1-quantity": "",
            "line-1-date_kind": "best_before",
            "line-1-date": "",
            "line-1-weight_kg": "",
            "line-1-cost": "",
            "line-2-sku": yoghurt.sku,
            "line-2-quantity": "12",
            "line-2-date_kind": "use_by",
            "line-2-date": shop.days(1).isoformat(),
            "line-2-weight_kg": "1.5",
            "line-2-cost": "",
        },
    )
    assert response.status_code == 303
    donation = db.session.scalar(select(Donation))
    assert response.headers["Location"].endswith(f"/stock/donations/{donation.id}")
    assert (donation.total_quantity, donation.total_weight_g) == (36, 24 * 415 + 1500)
    assert [ln.use_by for ln in donation.lines] == [None, shop.days(1)]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Co-op Basildon" in detail
    assert "Print the delivery note" in detail


def test_a_bad_line_is_shown_next_to_its_row_and_nothing_is_stored(
    client, login, shop, make_product
):
    beans = make_product(name="Beans")
    login(shop.manager)
    response = _post(
        client,
        "/stock/receive",
        {
            "mode": "items",
            "donor_name": "Tesco",
            "donor_kind": "retailer",
            "line-0-sku": beans.sku,
            "line-0-quantity": "2",
            "line-1-sku": "",
            "line-1-quantity": "",
            "line-2-sku": beans.sku,
            "line-2-quantity": "2",
            "line-2-date_kind": "use_by",
            "line-2-date": shop.days(-1).isoformat(),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-line-2-date-error"' in html
    assert "has passed" in html
    assert 'value="Tesco"' in html  # what was typed is kept
    assert db.session.scalar(select(Donation)) is None


def test_weigh_in_mode_records_kilograms_by_category(client, login, shop):
    login(shop.manager)
    assert "Kilograms" in client.get("/stock/receive?mode=weigh").get_data(as_text=True)
    response = _post(
        client,
        "/stock/receive",
        {
            "mode": "weigh",
            "donor_name": "FareShare Eastern",
            "donor_kind": "fareshare",
            "crate-chilled-kg": "38",
            "crate-chilled-date_kind": "use_by",
            "crate-chilled-date": "",
            "crate-ambient-kg": "61.5",
            "crate-frozen-kg": "",
        },
    )
    assert response.status_code == 303
    donation = db.session.scalar(select(Donation))
    assert (donation.total_quantity, donation.total_weight_g) == (0, 99_500)


def test_delivery_note_pdf_escapes_and_shows_the_lines(client, login, shop, make_product, receive):
    beans = make_product(name="Baked beans <b>")
    donation = receive(shop, [(beans, 24)], donor="<script>alert(1)</script>", kind="public")
    login(shop.volunteer)
    page = client.get(f"/stock/donations/{donation.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    text = _pdf_text(client.get(f"/stock/donations/{donation.id}/delivery-note.pdf"))
    assert "<script>alert(1)</script>" in text
    assert "Baked beans <b>" in text
    assert "24" in text
    assert shop.site.name in text
    assert "Delivery note" in client.get("/stock/donations").get_data(as_text=True)


def test_alerts_page_wastes_everything_past_use_by_in_one_tap(
    client, login, shop, make_product, receive
):
    yoghurt = make_product(name="Strawberry yoghurt", category="chilled")
    receive(
        shop,
        [(yoghurt, 3, {"use_by": shop.days(-1)})],
        received_on=shop.days(-2),
        at=shop.at(-2),
    )
    receive(shop, [(yoghurt, 12, {"use_by": shop.days(1)})])
    login(shop.volunteer)
    page = client.get("/stock/alerts").get_data(as_text=True)
    assert "must not be given out" in page
    assert "Ask a site manager" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/stock")})
    login(shop.manager)
    page = client.get("/stock/alerts").get_data(as_text=True)
    assert "Waste them all" in page
    assert "move to the free shelf" in page
    response = _post(client, "/stock/alerts/waste-expired", {"reason": "past_use_by"})
    assert response.status_code == 303
    quantities = sorted(db.session.scalars(select(StockBatch.quantity)).all())
    assert quantities == [0, 12]


def test_waste_page_writes_off_with_a_reason(client, login, shop, make_product, receive):
    bread = make_product(name="Bread", category="bakery")
    receive(shop, [(bread, 5)])
    login(shop.manager)
    assert "Bread (5 in stock)" in client.get("/stock/waste").get_data(as_text=True)
    bad = _post(client, "/stock/waste", {"sku": bread.sku, "quantity": "9", "reason": "damaged"})
    assert bad.status_code == 422
    assert "Not enough Bread" in bad.get_data(as_text=True)
    ok = _post(client, "/stock/waste", {"sku": bread.sku, "quantity": "2", "reason": "damaged"})
    assert ok.status_code == 303
    assert db.session.scalar(select(StockBatch.quantity)) == 3


def test_temperature_page_flags_out_of_range_and_prints_the_log(client, login, shop):
    login(shop.manager)
    missing = _post(
        client,
        "/stock/temperatures",
        {"unit_name": "Fridge 2", "unit_kind": "fridge", "celsius": "6"},
    )
    assert missing.status_code == 422
    assert "say what you did about it" in missing.get_data(as_text=True)
    ok = _post(
        client,
        "/stock/temperatures",
        {
            "unit_name": "Fridge 2",
            "unit_kind": "fridge",
            "celsius": "6",
            "action_taken": "moved stock, engineer called",
        },
    )
    assert ok.status_code == 303
    page = client.get("/stock/temperatures").get_data(as_text=True)
    assert "Out of range" in page
    assert "engineer called" in page
    text = _pdf_text(client.get("/stock/temperatures/log.pdf"))
    assert "Fridge 2" in text
    assert "OUT OF RANGE" in text
    assert "engineer called" in text
    assert db.session.scalar(select(TemperatureCheck.out_of_range)) is True


def test_stocktake_pages_from_count_sheet_to_approval(client, login, shop, make_product, receive):
    beans = make_product(name="Beans")
    receive(shop, [(beans, 10), {"category": "ambient", "weight_g": 5000}])
    login(shop.manager)
    started = _post(client, "/stock/stocktakes", {"category": "ambient"})
    assert started.status_code == 303
    url = started.headers["Location"]
    sheet = _pdf_text(client.get(url + "/count-sheet.pdf"))
    assert "Beans" in sheet
    assert "Ambient" in sheet
    assert "10" not in sheet.split("Beans")[1][:20]
    page = client.get(url).get_data(as_text=True)
    lines = {
        ln.batch.product.weight_only: ln.id for ln in db.session.scalars(select(StocktakeLine))
    }
    assert page.count('name="count-') == 2
    bad = _post(client, url, {f"count-{lines[False]}": "lots", f"count-{lines[True]}": "4.5"})
    assert bad.status_code == 422
    assert "Give a number" in bad.get_data(as_text=True)
    counts = {f"count-{lines[False]}": "9", f"count-{lines[True]}": "4.5"}  # crates in kg
    assert _post(client, url, counts).status_code == 303
    assert "2 of 2 counted" in client.get(url).get_data(as_text=True)
    assert _post(client, url + "/approve", {}).status_code == 303
    assert sorted(db.session.scalars(select(StockBatch.quantity)).all()) == [9, 4500]


def test_transfer_pages_send_and_receive_short(
    client, login, make_shop, make_user, make_product, receive
):
    basildon, canvey = make_shop(code="basildon"), make_shop(code="canvey")
    tins = make_product(name="Tinned tomatoes")
    receive(basildon, [(tins, 50)])
    login(basildon.manager)
    assert "Tinned tomatoes (50)" in client.get("/stock/transfers/new").get_data(as_text=True)
    sent = _post(
        client,
        "/stock/transfers/new",
        {
            "to_site": "canvey",
            "line-0-sku": tins.sku,
            "line-0-quantity": "40",
            "line-1-sku": "",
            "line-1-quantity": "",
        },
    )
    assert sent.status_code == 303
    transfer_url = sent.headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/stock")})
    login(canvey.manager)
    assert "receive it" in client.get("/stock/transfers").get_data(as_text=True)
    page = client.get(transfer_url).get_data(as_text=True)
    line_id = page.split('name="received-')[1].split('"')[0]
    got = _post(
        client, transfer_url + "/receive", {f"received-{line_id}": "38", "note": "2 dented"}
    )
    assert got.status_code == 303
    assert "Short received" in client.get(transfer_url).get_data(as_text=True)


def test_report_page_and_pdf(client, login, shop, make_product, receive):
    beans = make_product(name="Beans", unit_weight_g=400, reference_price_pence=100)
    receive(shop, [(beans, 10)])
    issue(shop.site, beans.sku, 4, actor=shop.volunteer)
    db.session.commit()
    login(shop.manager)
    page = client.get("/stock/report").get_data(as_text=True)
    assert "£6.00" in page
    assert "FareShare" in page
    assert "ends before it starts" in client.get(
        f"/stock/report?from={shop.today}&to={shop.days(-3)}", follow_redirects=True
    ).get_data(as_text=True)
    text = _pdf_text(client.get("/stock/report.pdf"))
    assert "Held now" in text
    assert "FareShare" in text
    assert "£6.00" in text


def test_catalogue_pages_add_edit_and_import(client, login, make_user):
    login(make_user("admin"))
    bad = client.post(
        "/stock/products/new",
        data={
            "csrf_token": csrf_token(client, "/stock/products"),
            "sku": "BEANS",
            "name": "Beans",
            "category": "ambient",
            "unit_weight_g": "415",
            "price": "1.35",
            "barcode": "5000157024672",
            "active": "on",
        },
    )
    assert bad.status_code == 422
    assert "check the digits" in bad.get_data(as_text=True)
    ok = client.post(
        "/stock/products/new",
        data={
            "csrf_token": csrf_token(client, "/stock/products"),
            "sku": "BEANS",
            "name": "Beans",
            "category": "ambient",
            "unit_weight_g": "415",
            "price": "1.35",
            "barcode": "5000157024671",
            "active": "on",
        },
    )
    assert ok.status_code == 303
    product = db.session.scalar(select(Product))
    assert (product.reference_price_pence, product.band) == (135, "blue")
    edited = client.post(
        "/stock/products/BEANS/edit",
        data={
            "csrf_token": csrf_token(client, "/stock/products"),
            "sku": "BEANS",
            "name": "Beans 415g",
            "category": "ambient",
            "band": "red",
            "unit_weight_g": "415",
            "price": "£1.40",
            "barcode": "5000157024671",
            "active": "on",
        },
    )
    assert edited.status_code == 303
    assert (product.name, product.band, product.reference_price_pence) == ("Beans 415g", "red", 140)
    csv = b"sku,name,category,unit_weight_g,reference_price\nPASTA,Pasta,ambient,500,0.75\n"
    imported = client.post(
        "/stock/products/import",
        data={
            "csrf_token": csrf_token(client, "/stock/products"),
            "mode": "all_or_nothing",
            "file": (io.BytesIO(csv), "products.csv"),
        },
        content_type="multipart/form-data",
    )
    assert imported.status_code == 200
    assert "1 new" in imported.get_data(as_text=True)
    listed = client.get("/stock/products?q=5000157024671").get_data(as_text=True)
    assert "Beans 415g" in listed
    assert "Pasta" not in listed


def test_pages_need_a_chosen_site(client, login, make_site, make_user):
    two_sites = make_user("volunteer", sites=[make_site(), make_site()])
    login(two_sites)
    assert client.get("/stock").status_code == 404


def test_item_page_records_crate_food_given_out_in_kilograms(client, login, shop, receive):
    receive(shop, [{"category": "chilled", "weight_g": 38_000}])
    login(shop.volunteer)
    page = client.get("/stock/items/CRATE-CHILLED").get_data(as_text=True)
    assert "Kilograms given out" in page
    too_much = _post(client, "/stock/items/CRATE-CHILLED/give-out", {"given": "40"})
    assert too_much.status_code == 422
    assert "38.0 kg of 40.0 kg" in too_much.get_data(as_text=True)
    assert (
        _post(client, "/stock/items/CRATE-CHILLED/give-out", {"given": "30.5"}).status_code == 303
    )
    assert db.session.scalar(select(StockBatch.quantity)) == 7_500
