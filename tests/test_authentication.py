"""Who a request acts as: a bearer token alone, never the cookie beside it; and a caller who
is not signed in is told so (401) before anything else."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.stock.models import Product, SiteMinimum

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_ARG = re.compile(r"<(?:(\w+):)?\w+>")


def _url(rule) -> str:
    return _ARG.sub(lambda m: "1" if m.group(1) == "int" else "x1", rule.rule)


@pytest.fixture
def beans(make_site, make_user):
    site = make_site(code="harlow")
    manager = make_user("site_manager", sites=[site])
    volunteer = make_user("volunteer", sites=[site])
    product = Product(
        sku="BEANS",
        name="Beans",
        name_key="beans",
        category="ambient",
        band="blue",
        unit_weight_g=400,
        reference_price_pence=100,
        active=True,
    )
    db.session.add(product)
    db.session.commit()
    return site, manager, volunteer, product


def _own_minimum(site, product) -> int | None:
    found = db.session.scalar(
        select(SiteMinimum.min_level).where(
            SiteMinimum.site_id == site.id, SiteMinimum.product_id == product.id
        )
    )
    return found


def test_a_bad_bearer_token_beside_a_signed_in_cookie_is_refused(client, login, beans):
    site, manager, _volunteer, product = beans
    login(manager)
    response = client.put(
        "/api/v1/sites/harlow/stock/items/BEANS/minimum",
        json={"min_level": 99},
        headers={"Authorization": "Bearer anything"},
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    assert _own_minimum(site, product) is None


def test_a_token_acts_as_its_own_user_not_as_the_cookies(client, login, token_for, beans):
    site, manager, volunteer, product = beans
    headers = token_for(volunteer)
    login(manager)
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["email"] == volunteer.email
    response = client.put(
        "/api/v1/sites/harlow/stock/items/BEANS/minimum", json={"min_level": 99}, headers=headers
    )
    assert response.status_code == 403  # a volunteer may not; the manager's cookie is ignored
    assert _own_minimum(site, product) is None


def test_the_cookie_alone_still_needs_the_csrf_token(client, login, beans):
    site, manager, _volunteer, product = beans
    login(manager)
    response = client.put("/api/v1/sites/harlow/stock/items/BEANS/minimum", json={"min_level": 99})
    assert response.status_code == 400
    assert _own_minimum(site, product) is None


def test_every_api_write_answers_401_to_a_caller_not_signed_in(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) & WRITE_METHODS):
            response = client.open(_url(rule), method=method, json={})
            assert response.status_code == 401, (method, rule.rule, response.status_code)
            assert response.get_json()["error"]["code"] == "unauthenticated"
            checked += 1
    assert checked > 20


def test_a_page_form_posted_when_not_signed_in_goes_to_sign_in(client):
    response = client.post("/stock/waste", data={"x": "1"})
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]
