"""The stock JSON API: shapes, status codes, bad input, roles and other sites."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.stock.models import Donation, StockMovement


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_receiving_a_delivery_answers_201_with_totals(client, shop, make_product, token_for):
    beans = make_product(unit_weight_g=415)
    body = {
        "donor": {"name": "FareShare Eastern", "kind": "fareshare"},
        "received_on": shop.today.isoformat(),
        "lines": [
            {"sku": beans.sku, "quantity": 24, "best_before": shop.days(300).isoformat()},
            {"category": "chilled", "weight_g": 38_000},
        ],
    }
    response = client.post(
        f"/api/v1/sites/{shop.site.code}/donations", json=body, headers=token_for(shop.volunteer)
    )
    assert response.status_code == 201, response.json
    data = response.json
    assert (data["total_quantity"], data["total_weight_g"]) == (24, 24 * 415 + 38_000)
    assert data["donor"]["kind"] == "fareshare"
    assert [(ln["sku"], ln["unit"]) for ln in data["lines"]] == [
        (beans.sku, "item"),
        ("CRATE-CHILLED", "g"),
    ]
    fetched = client.get(
        f"/api/v1/sites/{shop.site.code}/donations/{data['id']}", headers=token_for(shop.manager)
    )
    assert fetched.json["lines"][0]["best_before"] == shop.days(300).isoformat()


def test_bad_deliveries_answer_422_with_fields_and_store_nothing(
    client, shop, make_product, token_for
):
    beans = make_product()
    headers = token_for(shop.manager)
    url = f"/api/v1/sites/{shop.site.code}/donations"
    cases = [
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, ["lines", "1", "sku"]),
        ({"lines": [{"sku": beans.sku, "quantity": 0}]}, ["lines", "1", "quantity"]),
        ({"lines": [{"sku": beans.sku, "quantity": "3"}]}, ["lines", "1", "quantity"]),
        (
            {"lines": [{"sku": beans.sku, "quantity": 1, "use_by": "2025-02-30"}]},
            ["lines", "1", "use_by"],
        ),
        (
            {"lines": [{"sku": beans.sku, "quantity": 1, "use_by": shop.days(-1).isoformat()}]},
            ["lines", "1", "use_by"],
        ),
        (
            {
                "lines": [
                    {
                        "sku": beans.sku,
                        "quantity": 1,
                        "use_by": shop.days(2).isoformat(),
                        "best_before": shop.days(2).isoformat(),
                    }
                ]
            },
            ["lines", "1", "use_by"],
        ),
        (
            {"lines": [{"sku": beans.sku, "quantity": 1, "cost_pence": 5}]},
            ["lines", "1", "cost_pence"],
        ),
        ({"lines": [{"sku": beans.sku, "quantity": 1, "site_id": 99}]}, ["lines", "1", "site_id"]),
        ({"site_id": 2}, ["site_id"]),
        ({"received_on": "tomorrow"}, ["received_on"]),
    ]
    for extra, path in cases:
        body = {
            "donor": {"name": "Tesco", "kind": "retailer"},
            "lines": [{"sku": beans.sku, "quantity": 2}, *extra.pop("lines", [])],
        }
        body.update(extra)
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, (extra, response.json)
        fields = response.json["error"]["fields"]
        for key in path:
            assert key in fields, (path, fields)
            fields = fields[key]
    assert (
        client.post(
            url, json={"donor": {"name": "x", "kind": "public"}, "lines": []}, headers=headers
        ).status_code
        == 422
    )
    assert (
        client.post(url, data="[]", content_type="application/json", headers=headers).status_code
        == 400
    )
    assert client.post(url, data="x", headers=headers).status_code == 415
    assert _count(Donation) == 0
    assert _count(StockMovement) == 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=12),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "donor",
                        "lines",
                        "sku",
                        "quantity",
                        "use_by",
                        "name",
                        "kind",
                        "category",
                        "weight_g",
                        "received_on",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_the_delivery_endpoint_never_answers_500(client, shop, token_for, body):
    headers = token_for(shop.manager)
    response = client.post(f"/api/v1/sites/{shop.site.code}/donations", json=body, headers=headers)
    assert response.status_code in (201, 400, 409, 415, 422), response.json


def test_stock_levels_answer_items_with_dates_and_flags(
    client, shop, make_product, receive, token_for
):
    yoghurt = make_product(category="chilled", name="Yoghurt", unit_weight_g=125)
    receive(shop, [(yoghurt, 12, {"use_by": shop.days(1)}), (yoghurt, 6, {"use_by": shop.days(8)})])
    response = client.get(
        f"/api/v1/sites/{shop.site.code}/stock", headers=token_for(shop.volunteer)
    )
    assert response.status_code == 200
    [item] = response.json["items"]
    assert item == {
        "sku": yoghurt.sku,
        "name": "Yoghurt",
        "category": "chilled",
        "band": "blue",
        "unit": "item",
        "quantity": 18,
        "usable_quantity": 18,
        "weight_g": 18 * 125,
        "value_pence": 1800,
        "best_before": None,
        "use_by": shop.days(1).isoformat(),
        "min_level": None,
        "flags": ["use_by_soon"],
    }
    assert (
        client.get(
            f"/api/v1/sites/{shop.site.code}/stock?category=sweets",
            headers=token_for(shop.volunteer),
        ).status_code
        == 422
    )
    one = client.get(
        f"/api/v1/sites/{shop.site.code}/stock/items/{yoghurt.sku}",
        headers=token_for(shop.volunteer),
    ).json
    assert [b["quantity"] for b in one["batches"]] == [12, 6]


def test_waste_and_waste_expired_endpoints(client, shop, make_product, receive, token_for):
    beans = make_product(unit_weight_g=400)
    receive(shop, [(beans, 10)])
    url = f"/api/v1/sites/{shop.site.code}/stock/waste"
    body = {"sku": beans.sku, "quantity": 3, "reason": "damaged"}
    assert client.post(url, json=body, headers=token_for(shop.volunteer)).status_code == 403
    response = client.post(url, json=body, headers=token_for(shop.manager))
    assert response.status_code == 201
    assert (response.json["quantity"], response.json["weight_g"]) == (3, 1200)
    too_many = client.post(url, json={**body, "quantity": 8}, headers=token_for(shop.manager))
    assert too_many.status_code == 409
    assert too_many.json["error"]["code"] == "insufficient_stock"
    bad = client.post(url, json={**body, "reason": "eaten"}, headers=token_for(shop.manager))
    assert bad.status_code == 422
    assert "reason" in bad.json["error"]["fields"]
    expired = client.post(
        f"/api/v1/sites/{shop.site.code}/stock/waste-expired",
        json={},
        headers=token_for(shop.manager),
    )
    assert expired.status_code == 201
    assert expired.json["movements"] == []


def test_the_ledger_pages_by_cursor(client, shop, make_product, receive, token_for):
    beans = make_product()
    for _ in range(3):
        receive(shop, [(beans, 1)])
    url = f"/api/v1/sites/{shop.site.code}/stock/movements?limit=2&kind=received"
    first = client.get(url, headers=token_for(shop.volunteer)).json
    assert len(first["items"]) == 2
    assert first["next"]
    second = client.get(f"{url}&cursor={first['next']}", headers=token_for(shop.volunteer)).json
    assert len(second["items"]) == 1
    assert second["next"] is None
    assert second["items"][0]["kind"] == "received"


def test_products_are_read_by_everyone_and_changed_by_managers_and_admins(
    client, make_user, token_for
):
    body = {
        "sku": "BEANS-415",
        "name": "Baked beans",
        "category": "ambient",
        "unit_weight_g": 415,
        "reference_price_pence": 135,
        "barcode": "5000157024671",
    }
    lead = token_for(make_user("programme_lead"))
    volunteer = token_for(make_user("volunteer"))
    assert client.post("/api/v1/products", json=body, headers=volunteer).status_code == 403
    assert client.post("/api/v1/products", json=body, headers=lead).status_code == 403
    created = client.post("/api/v1/products", json=body, headers=token_for(make_user("admin")))
    assert created.status_code == 201
    assert created.json["band"] == "blue"
    assert created.json["unit"] == "item"
    manager = token_for(make_user("site_manager"))
    again = client.post("/api/v1/products", json=body, headers=manager)
    assert again.status_code == 409
    assert "sku" in again.json["error"]["fields"]
    bad = client.post(
        "/api/v1/products", json={**body, "sku": "X2", "barcode": "5000157024672"}, headers=manager
    )
    assert bad.status_code == 422
    assert "barcode" in bad.json["error"]["fields"]
    patched = client.patch("/api/v1/products/beans-415", json={"band": "red"}, headers=manager)
    assert patched.status_code == 200
    assert patched.json["band"] == "red"
    assert (
        client.patch(
            "/api/v1/products/BEANS-415", json={"weight_only": True}, headers=manager
        ).status_code
        == 422
    )
    for headers in (lead, volunteer):
        assert client.get("/api/v1/products/5000157024671", headers=headers).json["sku"] == (
            "BEANS-415"
        )
        listed = client.get("/api/v1/products?q=baked", headers=headers).json
        assert [p["sku"] for p in listed["items"]] == ["BEANS-415"]
    assert client.get("/api/v1/products/NOPE", headers=lead).status_code == 404


def test_transfer_stocktake_and_temperature_endpoints(
    client, make_shop, make_product, receive, make_user, token_for
):
    basildon, canvey = make_shop(code="basildon"), make_shop(code="canvey")
    dev = make_user("site_manager", sites=[basildon.site, canvey.site])
    tins = make_product()
    receive(basildon, [(tins, 50)])
    headers = token_for(dev)
    sent = client.post(
        "/api/v1/sites/basildon/transfers",
        headers=headers,
        json={"to_site": "canvey", "lines": [{"sku": tins.sku, "quantity": 40}]},
    )
    assert sent.status_code == 201
    assert sent.json["status"] == "in_transit"
    line_id = sent.json["lines"][0]["id"]
    got = client.post(
        f"/api/v1/sites/canvey/transfers/{sent.json['id']}/receive",
        headers=headers,
        json={"lines": [{"id": line_id, "quantity_received": 38}]},
    )
    assert got.status_code == 200
    assert (got.json["status"], got.json["lines"][0]["quantity_short"]) == ("short_received", 2)
    listed = client.get("/api/v1/sites/canvey/transfers", headers=headers).json
    assert [t["id"] for t in listed["items"]] == [sent.json["id"]]

    take = client.post(
        "/api/v1/sites/basildon/stocktakes", json={"category": "ambient"}, headers=headers
    )
    assert take.status_code == 201
    [line] = take.json["lines"]
    assert line["expected"] == 10
    counted = client.put(
        f"/api/v1/sites/basildon/stocktakes/{take.json['id']}/counts",
        json={"counts": [{"id": line["id"], "counted": 9}]},
        headers=headers,
    )
    assert counted.json["lines"][0]["difference"] == -1
    approved = client.post(
        f"/api/v1/sites/basildon/stocktakes/{take.json['id']}/approve", headers=headers
    )
    assert approved.json["status"] == "approved"

    reading = client.post(
        "/api/v1/sites/basildon/temperatures",
        headers=headers,
        json={"unit_name": "Fridge 2", "unit_kind": "fridge", "celsius": 6},
    )
    assert reading.status_code == 422
    assert "action_taken" in reading.json["error"]["fields"]
    reading = client.post(
        "/api/v1/sites/basildon/temperatures",
        headers=headers,
        json={
            "unit_name": "Fridge 2",
            "unit_kind": "fridge",
            "celsius": 6,
            "action_taken": "moved stock, engineer called",
        },
    )
    assert reading.status_code == 201
    assert reading.json["out_of_range"] is True
    assert reading.json["recorded_by"] == dev.name
    log = client.get("/api/v1/sites/basildon/temperatures", headers=headers).json
    assert [r["celsius"] for r in log["items"]] == [6.0]
    report = client.get("/api/v1/sites/basildon/stock/report", headers=headers).json
    assert report["held"]["items"] == 9
    assert report["flows"]["adjusted"]["items"] == -1


def test_nobody_touches_another_sites_stock(client, make_shop, make_product, receive, token_for):
    harlow, basildon = make_shop(code="harlow"), make_shop(code="basildon")
    beans = make_product()
    donation = receive(basildon, [(beans, 5)])
    for user in (harlow.manager, harlow.volunteer):
        headers = token_for(user)
        for method, path, body in [
            ("GET", "/stock", None),
            ("GET", "/stock/alerts", None),
            ("GET", f"/stock/items/{beans.sku}", None),
            ("GET", "/stock/movements", None),
            ("GET", f"/donations/{donation.id}", None),
            ("GET", "/donations", None),
            (
                "POST",
                "/donations",
                {
                    "donor": {"name": "x", "kind": "public"},
                    "lines": [{"sku": beans.sku, "quantity": 1}],
                },
            ),
        ]:
            response = client.open(
                f"/api/v1/sites/basildon{path}", method=method, json=body, headers=headers
            )
            assert response.status_code == 404, (user.role, path)
        assert (
            client.get(f"/api/v1/sites/harlow/donations/{donation.id}", headers=headers).status_code
            == 404
        )
    headers = token_for(harlow.manager)
    for method, path in [
        ("POST", "/stock/waste"),
        ("GET", "/transfers"),
        ("POST", "/stocktakes"),
        ("GET", "/temperatures"),
        ("GET", "/stock/report"),
    ]:
        response = client.open(
            f"/api/v1/sites/basildon{path}",
            method=method,
            json={"sku": beans.sku, "quantity": 1, "reason": "damaged"},
            headers=headers,
        )
        assert response.status_code == 404, path


def test_leads_and_admins_get_no_per_site_stock(client, shop, make_user, token_for):
    for role in ("programme_lead", "admin"):
        headers = token_for(make_user(role))
        for path in ("/stock", "/stock/alerts", "/donations", "/temperatures", "/stock/report"):
            assert (
                client.get(f"/api/v1/sites/{shop.site.code}{path}", headers=headers).status_code
                == 403
            )


def test_giving_out_weighed_crates(client, shop, receive, token_for):
    receive(shop, [{"category": "fresh_produce", "weight_g": 20_000}])
    url = f"/api/v1/sites/{shop.site.code}/stock/give-out"
    response = client.post(
        url,
        json={"sku": "CRATE-FRESH-PRODUCE", "quantity": 15_000},
        headers=token_for(shop.volunteer),
    )
    assert response.status_code == 201
    assert response.json["weight_g"] == 15_000
    levels = client.get(
        f"/api/v1/sites/{shop.site.code}/stock", headers=token_for(shop.volunteer)
    ).json["items"]
    assert [(i["sku"], i["quantity"], i["unit"]) for i in levels] == [
        ("CRATE-FRESH-PRODUCE", 5000, "g")
    ]


def test_a_transfers_destination_is_read_in_any_case(
    client, make_shop, make_product, receive, token_for
):
    basildon, canvey = make_shop(code="basildon"), make_shop(code="canvey")
    tins = make_product()
    receive(basildon, [(tins, 5)])
    sent = client.post(
        "/api/v1/sites/BASILDON/transfers",
        headers=token_for(basildon.manager),
        json={"to_site": " Canvey ", "lines": [{"sku": tins.sku, "quantity": 2}]},
    )
    assert sent.status_code == 201, sent.json
    assert (sent.json["from_site"], sent.json["to_site"]) == ("basildon", "canvey")
    assert canvey.site.code == "canvey"
