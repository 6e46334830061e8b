"""The settings page sets how each visit type is paid, the membership fee and the points
scheme, with each problem beside its box and nothing changed until every box is right."""

from __future__ import annotations

import pytest

from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.sites.services import create_site
from supermarket.sites.settings import PAYMENT_MODELS, WEEKLY_SHOP
from tests.html_forms import page_form, submit

PAGE = "/sites/epping/settings"


@pytest.fixture
def site() -> Site:
    site = create_site(code="epping", name="Epping", actor=None)
    db.session.commit()
    return site


@pytest.fixture
def manager(site, make_user):
    return make_user("site_manager", sites=[site])


def _settings(site: Site):
    db.session.expire_all()
    return db.session.get(Site, site.id).settings


def test_each_type_is_given_its_payment_model_on_its_card(client, site, manager, login):
    login(manager)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'class="type-card" id="f-type_0"' in page
    assert "How it is paid" in page
    for model in PAYMENT_MODELS:
        response = submit(
            client,
            PAGE,
            {"type_0_payment_model": model, "type_1_name": "Baby bank"}
            if model == "flat_fee"
            else {"type_0_payment_model": model, "type_1_payment_model": model},
        )
        assert response.status_code == 303, response.get_data(as_text=True)
        types = _settings(site).visit_types
        assert [t.key for t in types] == [WEEKLY_SHOP, "baby_bank"]
        assert {t.payment_model for t in types} == {model}


def test_the_membership_fee_and_the_points_scheme_are_set_on_the_page(client, site, manager, login):
    login(manager)
    response = submit(
        client,
        PAGE,
        {
            "tier_0_name": "Large family",
            "tier_0_min_people": "5",
            "tier_0_fee": "4.00",
            "membership_fee_pence": "15.00",
            "membership_fee_period": "termly",
            "points_credit": "25",
            "points_credit_by_tier": "large FAMILY=40",
            "points_item_cost": "2",
            "points_band_costs": "red=5, blue=1",
            "points_carry_over_cap": "12",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    settings = _settings(site)
    assert (settings.membership_fee_pence, settings.membership_fee_period) == (1500, "termly")
    points = settings.points
    assert (points.credit, points.item_cost, points.carry_over_cap) == (25, 2, 12)
    assert points.credit_by_tier == {"Large family": 40}
    assert points.band_costs == {"red": 5, "blue": 1}
    # The page shows them again as they were typed, and saving it changes nothing.
    pairs = page_form(client.get(PAGE).get_data(as_text=True))["pairs"]
    assert ("points_credit_by_tier", "Large family=40") in pairs
    assert ("membership_fee_pence", "15.00") in pairs
    assert submit(client, PAGE).status_code == 303
    assert _settings(site) == settings


@pytest.mark.parametrize(
    ("changes", "box", "words"),
    [
        ({"membership_fee_pence": "-5"}, "membership_fee_pence", "membership fee"),
        ({"membership_fee_period": "weekly"}, "membership_fee_period", "Choose"),
        ({"points_credit": "-1"}, "points_credit", "points given at each visit"),
        ({"points_carry_over_cap": "lots"}, "points_carry_over_cap", "most points carried"),
        ({"points_item_cost": ""}, "points_item_cost", "points an item costs"),
        ({"points_band_costs": "purple=3"}, "points_band_costs", "Unknown band: purple."),
        ({"points_band_costs": "red=-2"}, "points_band_costs", "cost in points"),
        ({"points_credit_by_tier": "Huge=50"}, "points_credit_by_tier", "tiers: Huge."),
        (
            {"type_0_payment_model": "barter"},
            "type_0_payment_model",
            "Type 1: choose how the visit is paid.",
        ),
    ],
)
def test_a_bad_payment_setting_is_refused_beside_its_box_and_nothing_changes(
    client, site, manager, login, changes, box, words
):
    login(manager)
    before = _settings(site)
    data = {"points_credit": "30", "membership_fee_pence": "9.00", **changes}
    if box == "type_0_payment_model":
        page = client.get(PAGE).get_data(as_text=True)
        form: dict[str, list[str]] = {}
        for name, value in page_form(page)["pairs"]:
            form.setdefault(name, []).append(value)
        form.update({k: [v] for k, v in data.items()})
        response = client.post(PAGE, data=form)
    else:
        response = submit(client, PAGE, data)
    assert response.status_code == 422, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert f'id="f-{box}-error"' in html
    assert words in html
    assert _settings(site) == before
    # What was typed is kept in the boxes, to put right.
    kept = dict(page_form(html)["pairs"])
    if box != "type_0_payment_model" and box != "membership_fee_period":
        assert kept[box] == changes[box]
    assert kept["membership_fee_pence"] == data["membership_fee_pence"]


def test_the_api_refuses_band_costs_and_tier_credits_naming_neither(
    client, site, manager, token_for
):
    body = {"points": {"band_costs": {"purple": 2}, "credit_by_tier": {"Huge": 40}}}
    response = client.patch("/api/v1/sites/epping/settings", json=body, headers=token_for(manager))
    assert response.status_code == 422
    assert "points" in str(response.json)
    assert "Unknown band: purple." in str(response.json)
    assert "Not one of the site's tiers: Huge." in str(response.json)
