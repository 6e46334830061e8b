"""Every back-office form, given bad input, answers as a person needs: all its errors at once,
each beside its field and in the summary at the top, in the units the field shows (naming the
line in a multi-line form), in plain words and never a schema's, with every value typed shown
again and nothing written.

Each form is opened as a browser would, the named fields changed, and posted (`post_bad`);
`assert_plain_errors` then holds the answer to all of the above.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.forms import KILOGRAMS, MONEY, SCHEMA_PHRASES, Shown, plain
from supermarket.stock.models import Category, DonorKind, WasteReason
from tests.conftest import csrf_token
from tests.html_forms import _Forms
from tests.stock import conftest as stock_fixtures

# The stock package's factories, for the stock forms.
make_product = stock_fixtures.make_product
make_shop = stock_fixtures.make_shop
shop = stock_fixtures.shop
receive = stock_fixtures.receive

# Raw values of the app's choices that a page must show by their labels instead.
RAW_ENUMS = sorted(
    {c.value for c in Category if "_" in c.value}
    | {k.value for k in DonorKind if "_" in k.value}
    | {r.value for r in WasteReason if "_" in r.value}
)
_BESIDE = re.compile(r'<p class="error" id="f-(?P<name>[^"]+)-error"[^>]*>(?P<msg>.*?)</p>', re.S)
_SUMMARY = re.compile(r'<div class="error-summary".*?</ul>', re.S)
_SUMMARY_ITEM = re.compile(r'<a href="#f-(?P<name>[^"]+)">(?P<msg>.*?)</a>', re.S)


def _text(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def table_counts() -> dict[str, int]:
    """Rows in every table: a refused form must leave each as it was."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def _form_with(html: str, names: set[str]) -> dict[str, Any]:
    forms = [f for f in _Forms(html).forms if f["method"].lower() == "post" and names <= f["names"]]
    assert forms, f"no form on the page has the fields {sorted(names)}"
    return forms[0]


def post_bad(
    client: FlaskClient,
    url: str,
    changes: dict[str, str | list[str] | None],
    *,
    page: str | None = None,
) -> tuple[Any, dict[str, str | list[str] | None]]:
    """Open `page` (else `url`), change the named fields of its form that has them (None
    empties a choice), and post it to `url` as a browser would."""
    opened = client.get(page or url)
    assert opened.status_code == 200, opened.status_code
    form = _form_with(opened.get_data(as_text=True), set(changes))
    pairs: list[tuple[str, str]] = list(form["pairs"])
    for name, value in changes.items():
        kept = [(n, v) for n, v in pairs if n != name]
        values = [] if value is None else [value] if isinstance(value, str) else value
        pairs = kept + [(name, v) for v in values]
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    if "csrf_token" not in data:
        data["csrf_token"] = [csrf_token(client)]
    return client.post(url, data=data), changes


def assert_plain_errors(
    response: Any,
    typed: dict[str, str | list[str] | None],
    before: dict[str, int],
    *,
    fields: set[str],
) -> dict[str, str]:
    """The answer to a bad form: 422; an error beside each of `fields` (and maybe more), each
    in the summary at the top and each there beside its field; no schema wording or raw
    choice; every value typed shown again; no table changed. The errors by field."""
    html = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, html[:2000])
    beside = {m["name"]: _text(m["msg"]) for m in _BESIDE.finditer(html)}
    summary_block = _SUMMARY.search(html)
    assert summary_block, "no error summary at the top"
    summary = {m["name"]: _text(m["msg"]) for m in _SUMMARY_ITEM.finditer(summary_block[0])}
    assert summary_block.start() < min(
        (html.index(f'id="f-{name}-error"') for name in beside), default=len(html)
    ), "the summary is not above the fields"
    missing = fields - beside.keys()
    assert not missing, f"no error beside {sorted(missing)}: {beside}"
    for name, message in beside.items():
        assert summary.get(name) == message, (name, message, summary)
    for name, message in summary.items():
        if name != "_" and name != "_form":
            assert beside.get(name) == message, (name, message, beside)
    for message in summary.values():
        for phrase in (*SCHEMA_PHRASES, *RAW_ENUMS):
            assert phrase not in message, (phrase, message)
    form = _form_with(html, {k for k, v in typed.items() if isinstance(v, str) and v})
    shown = form["pairs"]
    for name, value in typed.items():
        if isinstance(value, str) and value:
            assert (name, value) in shown, f"{name}={value!r} not shown again"
    assert table_counts() == before, "a refused form wrote to the database"
    return summary


# --- receiving a delivery ---------------------------------------------------------------------


def test_receiving_names_each_line_and_says_kilograms_and_pounds(client, login, shop, make_product):
    beans = make_product(name="Beans")
    login(shop.volunteer)
    before = table_counts()
    response, typed = post_bad(
        client,
        "/stock/receive",
        {
            "donor_name": "x" * 121,
            "donor_kind": "retailer",
            "line-0-sku": beans.sku,
            "line-0-quantity": "0",
            "line-1-sku": beans.sku,
            "line-1-quantity": "100001",
            "line-1-weight_kg": "10001",
            "line-2-sku": beans.sku,
            "line-2-quantity": "lots",
            "line-2-cost": "1000000",
        },
    )
    errors = assert_plain_errors(
        response,
        typed,
        before,
        fields={
            "donor_name",
            "line-0-quantity",
            "line-1-quantity",
            "line-1-weight_kg",
            "line-2-quantity",
            "line-2-cost",
        },
    )
    assert errors["donor_name"] == "Enter the new donor's name, up to 120 characters."
    assert errors["line-0-quantity"] == "Line 1: enter a quantity from 1 to 100,000."
    assert errors["line-1-quantity"] == "Line 2: enter a quantity from 1 to 100,000."
    assert errors["line-2-quantity"] == "Line 3: enter a quantity from 1 to 100,000."
    assert errors["line-1-weight_kg"] == "Line 2: enter the weight above 0 kg, up to 10,000 kg."
    assert errors["line-2-cost"] == "Line 3: enter the cost from £0.00 to £100,000.00."


def test_receiving_without_a_donor_says_choose_one(client, login, shop, make_product):
    beans = make_product(name="Beans")
    login(shop.volunteer)
    before = table_counts()
    response, typed = post_bad(
        client, "/stock/receive", {"line-0-sku": beans.sku, "line-0-quantity": "2"}
    )
    errors = assert_plain_errors(response, typed, before, fields={"donor_name"})
    assert errors["donor_name"] == "Choose a donor, or give a new donor's name and kind."


def test_weighing_in_names_the_category_and_says_kilograms(client, login, shop):
    login(shop.volunteer)
    before = table_counts()
    response, typed = post_bad(
        client,
        "/stock/receive",
        {
            "donor_name": "FareShare",
            "donor_kind": "fareshare",
            "crate-chilled-kg": "20000",
            "crate-ambient-kg": "heavy",
        },
        page="/stock/receive?mode=weigh",
    )
    errors = assert_plain_errors(
        response, typed, before, fields={"crate-chilled-kg", "crate-ambient-kg"}
    )
    assert errors["crate-chilled-kg"] == "Chilled: enter the weight above 0 kg, up to 10,000 kg."
    assert errors["crate-ambient-kg"].startswith("Ambient: enter the weight")


# --- the catalogue ----------------------------------------------------------------------------


def test_adding_a_product_says_every_problem_plainly(client, login, shop):
    login(shop.manager)
    before = table_counts()
    response, typed = post_bad(
        client,
        "/stock/products/new",
        {
            "sku": "X",
            "name": "",
            "category": "",
            "band": "purple",
            "unit_weight_g": "heavy",
            "price": "1500",
            "barcode": "12345",
            "min_level": "-1",
        },
    )
    errors = assert_plain_errors(
        response,
        typed,
        before,
        fields={"sku", "name", "category", "unit_weight_g", "price", "min_level"},
    )
    assert errors["category"] == "Choose a category."
    assert errors["unit_weight_g"] == "Enter the weight of one from 1 g to 100,000 g."
    assert errors["price"] == "Enter the shop price from £0.00 to £1,000.00."
    assert errors["min_level"] == "Enter a minimum level from 0 to 1,000,000."


def test_a_band_no_site_has_is_refused_on_the_page_and_through_the_api(
    client, login, make_shop, token_for
):
    harlow = make_shop(
        settings={"bands": [{"name": "red", "limit": 2}, {"name": "green", "limit": 4}]}
    )
    login(harlow.manager)
    headers = token_for(harlow.manager)
    before = table_counts()
    response, typed = post_bad(
        client,
        "/stock/products/new",
        {
            "sku": "JAM-1",
            "name": "Jam",
            "category": "ambient",
            "band": "purple",
            "unit_weight_g": "340",
            "price": "1.20",
        },
    )
    errors = assert_plain_errors(response, typed, before, fields={"band"})
    assert errors["band"] == (
        "No site has a purple band: choose blue, free, green or red, "
        "or add the band in a site's settings first."
    )
    assert "One of the sites’ bands: blue, free, green, red" in response.get_data(as_text=True)
    body = {
        "sku": "JAM-1",
        "name": "Jam",
        "category": "ambient",
        "band": "purple",
        "unit_weight_g": 340,
    }
    api = client.post("/api/v1/products", json=body, headers=headers)
    assert api.status_code == 422
    assert api.json["error"]["code"] == "validation_error"
    assert set(api.json["error"]["fields"]) == {"band"}
    assert table_counts() == before
    assert (
        client.post("/api/v1/products", json={**body, "band": "green"}, headers=headers).status_code
        == 201
    )


# --- writing stock off, and giving it out ------------------------------------------------------


def test_the_waste_form_shows_every_problem_at_once(client, login, shop, make_product, receive):
    bread = make_product(name="Bread", category="bakery")
    receive(shop, [(bread, 6)])
    login(shop.manager)
    before = table_counts()
    response, typed = post_bad(
        client, "/stock/waste", {"sku": None, "quantity": "some", "reason": None}
    )
    errors = assert_plain_errors(response, typed, before, fields={"sku", "quantity", "reason"})
    assert errors == {
        "sku": "Choose a product that is in stock.",
        "quantity": "Enter how many were written off: a whole number of 1 or more.",
        "reason": "Choose a reason.",
    }


def test_writing_off_more_than_there_is_says_so_once(client, login, shop, make_product, receive):
    bread = make_product(name="Bread", category="bakery")
    receive(shop, [(bread, 6)])
    login(shop.manager)
    before = table_counts()
    response, typed = post_bad(
        client, "/stock/waste", {"sku": bread.sku, "quantity": "50", "reason": "damaged"}
    )
    errors = assert_plain_errors(response, typed, before, fields={"quantity"})
    assert errors == {"quantity": "Not enough Bread in stock: only 6, so enter 6 or fewer."}


def test_crates_are_written_off_in_kilograms_as_the_list_shows_them(client, login, shop, receive):
    receive(shop, [{"category": "chilled", "weight_g": 6000}])
    login(shop.manager)
    page = client.get("/stock/waste").get_data(as_text=True)
    assert "(6.0 kg in stock)" in page
    assert "kilograms for weighed crates" in page
    before = table_counts()
    response, typed = post_bad(
        client,
        "/stock/waste",
        {"sku": "CRATE-CHILLED", "quantity": "20", "reason": "damaged"},
    )
    errors = assert_plain_errors(response, typed, before, fields={"quantity"})
    assert errors["quantity"].endswith("only 6.0 kg, so enter 6.0 kg or less.")
    done, _ = post_bad(
        client, "/stock/waste", {"sku": "CRATE-CHILLED", "quantity": "1.5", "reason": "damaged"}
    )
    assert done.status_code == 303
    assert "4.5 kg" in client.get("/stock/items/CRATE-CHILLED").get_data(as_text=True)


def test_giving_out_says_what_to_type_and_keeps_it(client, login, shop, make_product, receive):
    bread = make_product(name="Bread", category="bakery")
    receive(shop, [(bread, 6)])
    login(shop.volunteer)
    before = table_counts()
    response, typed = post_bad(
        client,
        f"/stock/items/{bread.sku}/give-out",
        {"given": "-2"},
        page=f"/stock/items/{bread.sku}",
    )
    errors = assert_plain_errors(response, typed, before, fields={"given"})
    assert errors["given"] == "Enter how many were given out: a whole number of 1 or more."


def test_the_minimum_level_form_says_its_range(client, login, shop, make_product, receive):
    bread = make_product(name="Bread", category="bakery")
    receive(shop, [(bread, 6)])
    login(shop.manager)
    before = table_counts()
    response, typed = post_bad(
        client,
        f"/stock/items/{bread.sku}/minimum",
        {"min_level": "ten"},
        page=f"/stock/items/{bread.sku}",
    )
    errors = assert_plain_errors(response, typed, before, fields={"min_level"})
    assert errors["min_level"] == "Enter a minimum from 0 to 1,000,000, or leave it empty."


# --- members ----------------------------------------------------------------------------------


def test_registration_says_every_problem_plainly_and_keeps_what_was_typed(client, login, desk):
    login(desk.volunteer)
    page = client.get("/members/new").get_data(as_text=True)
    assert page.count("Up to 100 characters") == 2
    before = table_counts()
    response, typed = post_bad(
        client,
        "/members/new",
        {
            "first_name": "A" * 5000,
            "last_name": "",
            "dob_day": "31",
            "dob_month": "2",
            "dob_year": "1990",
            "postcode": "nowhere",
            "phone": "12",
            "email": "not-an-address",
            "adults": "many",
            "children_0_4": "\u22123",
            "children_5_11": "21",
            "route": None,
        },
    )
    errors = assert_plain_errors(
        response,
        typed,
        before,
        fields={
            "first_name",
            "last_name",
            "dob",
            "postcode",
            "phone",
            "email",
            "adults",
            "children_0_4",
            "children_5_11",
            "route",
            "privacy_notice_given",
        },
    )
    assert errors["first_name"] == "Use up to 100 characters for the first name."
    assert errors["adults"] == "Enter a number of adults from 1 to 20."
    assert errors["children_0_4"] == "Enter a number of children aged 0–4 from 0 to 20."
    assert errors["children_5_11"] == "Enter a number of children aged 5–11 from 0 to 20."
    assert errors["email"] == "Enter an email address, for example name@example.org."


def test_editing_a_member_says_every_problem_plainly(client, login, desk):
    member = desk.member()
    login(desk.manager)
    url = f"/members/{member.membership_number}/edit"
    before = table_counts()
    response, typed = post_bad(
        client,
        url,
        {
            "last_name": "B" * 101,
            "adults": "0",
            "children_12_17": "lots",
            "email": "nope",
            "notes": "n" * 2001,
        },
    )
    errors = assert_plain_errors(
        response,
        typed,
        before,
        fields={"last_name", "adults", "children_12_17", "email", "notes"},
    )
    assert errors["children_12_17"] == "Enter a number of children aged 12–17 from 0 to 20."


# --- fridge and freezer checks ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "500",
            "Enter a temperature between -40 and 40 °C: a fridge or freezer reads in that range.",
        ),
        ("warm", "Enter a temperature in °C as a number, e.g. 4.5 (or -18 for a freezer)."),
        ("", "Enter the reading in °C, e.g. 4.5 (or -18 for a freezer)."),
    ],
)
def test_a_reading_out_of_bounds_is_told_apart_from_one_that_is_not_a_number(
    client, login, shop, typed, message
):
    login(shop.manager)
    before = table_counts()
    response, changes = post_bad(
        client,
        "/stock/temperatures",
        {"unit_name": "F" * 61, "celsius": typed, "action_taken": "x" * 501},
    )
    errors = assert_plain_errors(
        response, changes, before, fields={"unit_name", "celsius", "action_taken"}
    )
    assert errors["celsius"] == message
    assert errors["unit_name"] == "Use up to 60 characters for the fridge's or freezer's name."


# --- transfers --------------------------------------------------------------------------------


def test_sending_stock_names_each_line(client, login, make_shop, make_product, receive):
    harlow, canvey = make_shop("harlow"), make_shop("canvey")
    beans = make_product(name="Beans")
    receive(harlow, [(beans, 6)])
    login(harlow.manager)
    before = table_counts()
    response, typed = post_bad(
        client,
        "/stock/transfers/new",
        {
            "to_site": None,
            "line-0-sku": beans.sku,
            "line-0-quantity": "0",
            "line-2-sku": beans.sku,
            "line-2-quantity": "some",
        },
    )
    errors = assert_plain_errors(
        response, typed, before, fields={"to_site", "line-0-quantity", "line-2-quantity"}
    )
    assert errors["to_site"] == "Choose an open site."
    assert errors["line-2-quantity"] == "Line 3: give a quantity of 1 or more."
    response, typed = post_bad(
        client,
        "/stock/transfers/new",
        {"to_site": canvey.site.code, "line-1-sku": beans.sku, "line-1-quantity": "50"},
    )
    errors = assert_plain_errors(response, typed, before, fields={"line-1-quantity"})
    assert errors == {"line-1-quantity": "Line 2: not enough Beans in stock: 6 of 50."}


def test_receiving_a_transfer_says_the_range_of_each_line(
    client, login, make_shop, make_product, receive
):
    from supermarket.stock.services.transfers import TransferRequest, send_transfer

    harlow, canvey = make_shop("harlow"), make_shop("canvey")
    beans = make_product(name="Beans")
    receive(harlow, [(beans, 6), {"category": "chilled", "weight_g": 5000}])
    transfer = send_transfer(
        harlow.site,
        TransferRequest.from_dict(
            {
                "to_site": canvey.site.code,
                "lines": [
                    {"sku": beans.sku, "quantity": 4},
                    {"sku": "CRATE-CHILLED", "quantity": 2000},
                ],
            }
        ),
        actor=harlow.manager,
    )
    db.session.commit()
    line_ids = {line.product.sku: line.id for line in transfer.lines}
    login(canvey.manager)
    url = f"/stock/transfers/{transfer.id}"
    page = client.get(url).get_data(as_text=True)
    assert f'name="received-{line_ids["CRATE-CHILLED"]}"' in page
    assert 'value="2.0"' in page
    before = table_counts()
    beans_box = f"received-{line_ids[beans.sku]}"
    crate_box = f"received-{line_ids['CRATE-CHILLED']}"
    response, typed = post_bad(
        client, f"{url}/receive", {beans_box: "5", crate_box: "2.5", "note": "wet"}, page=url
    )
    errors = assert_plain_errors(response, typed, before, fields={beans_box, crate_box})
    assert errors[beans_box] == "Beans: enter how many arrived, from 0 to 4."
    assert errors[crate_box].endswith("enter how many arrived, from 0 to 2.0 kg.")
    done, _ = post_bad(client, f"{url}/receive", {crate_box: "1.5"}, page=url)
    assert done.status_code == 303


# --- stocktakes -------------------------------------------------------------------------------


def test_a_stocktake_says_what_each_count_needs(client, login, shop, make_product, receive):
    from supermarket.stock.services.stocktake import start_stocktake

    beans = make_product(name="Beans")
    receive(shop, [(beans, 6), {"category": "chilled", "weight_g": 5000}])
    found = start_stocktake(shop.site, category=None, actor=shop.manager)
    db.session.commit()
    names = {line.batch.product.sku: f"count-{line.id}" for line in found.lines}
    login(shop.manager)
    url = f"/stock/stocktakes/{found.id}"
    before = table_counts()
    response, typed = post_bad(
        client, url, {names[beans.sku]: "-1", names["CRATE-CHILLED"]: "heavy"}
    )
    errors = assert_plain_errors(response, typed, before, fields=set(names.values()))
    assert errors[names[beans.sku]] == (
        "Give a number for Beans: how many were counted (0 for none)."
    )
    response, typed = post_bad(
        client,
        f"{url}/found",
        {"sku": None, "date": "2026-02-31", "counted": "0"},
        page=url,
    )
    errors = assert_plain_errors(response, typed, before, fields={"sku", "date", "counted"})
    assert errors["counted"] == "Enter how many were found: a whole number of 1 or more."


# --- a site's settings, sites and staff accounts ---------------------------------------------


def test_the_settings_page_names_the_band_and_tier_rows_in_pounds(client, login, desk):
    login(desk.manager)
    before = table_counts()
    response, typed = post_bad(
        client,
        f"/sites/{desk.site.code}/settings",
        {
            "visits_per_week": "0",
            "fee_pence": "abc",
            "joining_fee_pence": "200",
            "grace_days": "",
            "retention_months": "999",
            "opening_hours": "o" * 501,
            "band_1_limit": "500",
            "band_2_name": "Big Band!",
            "tier_0_name": "Large",
            "tier_0_min_people": "0",
            "tier_0_fee": "3.00",
        },
    )
    errors = assert_plain_errors(
        response,
        typed,
        before,
        fields={
            "visits_per_week",
            "fee_pence",
            "joining_fee_pence",
            "grace_days",
            "retention_months",
            "opening_hours",
            "band_1_limit",
            "band_2_name",
            "tier_0_min_people",
        },
    )
    assert errors["fee_pence"] == "Enter a fee per visit from £0.00 to £100.00."
    assert errors["joining_fee_pence"] == "Enter a joining fee from £0.00 to £100.00."
    assert errors["band_1_limit"].startswith("Band 2: enter a number of items per visit")
    assert errors["tier_0_min_people"] == "Tier 1: enter a household size from 1 to 40."


def test_the_admin_site_forms_say_every_problem(client, login, make_user, make_site):
    make_site(code="harlow")
    login(make_user("admin"))
    before = table_counts()
    response, typed = post_bad(
        client,
        "/admin/sites/new",
        {"code": "Har low!", "name": "", "postcode": "nowhere", "timezone": "Mars/Base"},
    )
    assert_plain_errors(response, typed, before, fields={"code", "name"})
    response, typed = post_bad(
        client, "/admin/sites/harlow", {"name": "n" * 121, "timezone": "Mars/Base"}
    )
    assert_plain_errors(response, typed, before, fields={"name", "timezone"})


def test_the_admin_user_forms_say_every_problem(client, login, make_user, make_site):
    make_site(code="harlow")
    person = make_user("volunteer")
    login(make_user("admin"))
    before = table_counts()
    response, typed = post_bad(
        client,
        "/admin/users/new",
        {"email": "not-an-address", "name": "", "role": "site_manager", "sites": None},
    )
    assert_plain_errors(response, typed, before, fields={"email", "name", "sites"})
    response, typed = post_bad(
        client, f"/admin/users/{person.id}", {"name": "n" * 101, "sites": None}
    )
    assert_plain_errors(response, typed, before, fields={"name", "sites"})


def test_the_account_page_says_what_is_wrong(client, login, make_user):
    person = make_user("volunteer")
    login(person)
    before = table_counts()
    response, _typed = post_bad(
        client,
        "/account",
        {
            "current_password": "correct horse battery staple",
            "new_password": "tiny",
            "confirm_password": "other",
        },
    )
    # Passwords are never shown again, so the values typed are not checked.
    errors = assert_plain_errors(response, {}, before, fields={"new_password", "confirm_password"})
    assert errors["confirm_password"] == "The two new passwords are different."
    assert "tiny" not in response.get_data(as_text=True)


# --- imports ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/members/import", "/stock/products/import"])
def test_an_import_without_a_file_says_so_beside_it_and_keeps_the_choices(client, login, desk, url):
    login(desk.manager)
    before = table_counts()
    page = client.get(url).get_data(as_text=True)
    mode = "skip" if url.startswith("/members") else "good_rows"
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "mode": mode},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _BESIDE.search(html)["name"] == "file"
    assert _SUMMARY.search(html)
    assert f'value="{mode}" checked' in html
    assert 'name="mode"' in page
    assert table_counts() == before


def test_import_reports_are_in_plain_words(client, login, desk):
    import io

    login(desk.manager)
    csv_text = (
        "sku,name,category,unit_weight_g,band,reference_price\n"
        "JAM-1,Jam,fresh_stuff,heavy,purple,lots\n"
    )
    response = client.post(
        "/stock/products/import",
        data={
            "csrf_token": csrf_token(client, "/stock/products/import"),
            "mode": "all_or_nothing",
            "file": (io.BytesIO(csv_text.encode()), "products.csv"),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    table = html[html.index("<table") : html.index("</table>")]
    for phrase in SCHEMA_PHRASES:
        assert phrase not in table, phrase


# --- as a person sees it ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.concurrency
def test_a_delivery_and_a_registration_with_errors_read_well_on_a_tablet(
    browser_page, make_shop, make_product
):
    from tests.conftest import browser_login, screenshot

    shop = make_shop(code="basildon", name="Basildon Community Supermarket")
    beans = make_product(sku="BEANS-415", name="Baked beans 415g", unit_weight_g=415)
    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 768})
    browser_login(page, shop.manager)

    page.goto("/stock/receive")
    page.get_by_label("New donor's name").fill("Tesco Basildon")
    page.get_by_label("Product (line 1)").select_option(beans.sku)
    page.get_by_label("How many (line 1)").fill("0")
    page.get_by_label("Product (line 2)").select_option(beans.sku)
    page.get_by_label("How many (line 2)").fill("100001")
    page.get_by_label("Weight, kg (line 2)").fill("10001")
    page.get_by_role("button", name="Receive into stock").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    text = summary.inner_text()
    assert "Line 1: enter a quantity from 1 to 100,000." in text
    assert "Line 2: enter the weight above 0 kg, up to 10,000 kg." in text
    assert "Choose the kind of donor." in text
    assert page.get_by_label("How many (line 2)").input_value() == "100001"
    screenshot(page, "form-errors-receive-1024x768")

    page.goto("/members/new")
    page.get_by_label("First name").fill("Tasha")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("1990")
    page.get_by_label("Postcode").fill("nowhere")
    page.get_by_label("Email (optional)").fill("tasha-at-example")
    page.get_by_label("Children 0–4", exact=True).fill("-3")
    page.get_by_role("button", name="Register").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    text = summary.inner_text()
    assert "Enter a number of children aged 0–4 from 0 to 20." in text
    assert "Enter the surname." in text
    for phrase in SCHEMA_PHRASES:
        assert phrase not in text
    assert page.get_by_label("Postcode").input_value() == "nowhere"
    screenshot(page, "form-errors-registration-1024x768")


def test_suspending_without_a_reason_says_so_beside_the_box(client, login, desk):
    member = desk.member()
    login(desk.manager)
    url = f"/members/{member.membership_number}"
    token = csrf_token(client, url)  # opening the member's page is audited: before counting
    before = table_counts()
    response = client.post(f"{url}/status/suspend", data={"csrf_token": token, "reason": "  "})
    errors = assert_plain_errors(response, {}, before, fields={"suspend-reason"})
    assert errors == {"suspend-reason": "Give a reason for suspending the membership."}


# --- the one translation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "shown", "bounds", "said"),
    [
        (
            "Must be greater than or equal to 0 and less than or equal to 10000.",
            Shown("an amount", **MONEY),
            None,
            "Enter an amount from £0.00 to £100.00.",
        ),
        (
            "Not a valid integer.",
            Shown("the weight", **KILOGRAMS),
            (1, 10_000_000),
            "Enter the weight above 0 kg, up to 10,000 kg.",
        ),
        (
            "Must be one of: ambient, fresh_produce.",
            Shown("a storage type", choice=True),
            None,
            "Choose a storage type.",
        ),
        (
            "Length must be between 1 and 120.",
            Shown("the name"),
            None,
            "Enter the name, up to 120 characters.",
        ),
        ("Missing data for required field.", Shown("a quantity"), None, "Enter a quantity."),
        ("Must be one of: a, b.", None, None, "Choose one of the options."),
        ("Not a valid integer.", None, None, "Enter a number."),
        ("Not enough Beans in stock: 6 of 50.", None, None, "Not enough Beans in stock: 6 of 50."),
    ],
)
def test_plain_says_a_schema_message_in_the_field_s_units(message, shown, bounds, said):
    assert plain(message, shown, bounds=bounds) == said
