"""Changing a site's settings: a partial update keeps what it does not name, a replacement
must name everything."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.sites.services import create_site
from supermarket.sites.settings import SiteSettings, SiteSettingsSchema
from tests.html_forms import submit

URL = "/api/v1/sites/harlow/settings"
CHOSEN: dict[str, Any] = {
    "visits_per_week": 2,
    "fee_pence": 275,
    "grace_days": 14,
    "bands": [
        {"name": "red", "limit": 3, "average_value_pence": 260},
        {"name": "free", "limit": None, "average_value_pence": 0},
    ],
    "tiers": [{"name": "Family", "min_people": 4, "fee_pence": 400, "band_limits": {"red": 5}}],
    "eligibility_routes": ["referral", "postcode"],
    "catchment": ["CM20", "CM19 4"],
    "member_cap": 250,
    "opening_hours": "Tuesdays",
}


@pytest.fixture
def site() -> Site:
    site = create_site(code="harlow", name="Harlow", settings=CHOSEN, actor=None)
    db.session.commit()
    return site


@pytest.fixture
def manager(site, make_user, token_for) -> dict[str, str]:
    return token_for(make_user("site_manager", sites=[site]))


def _stored(site: Site) -> dict[str, Any]:
    db.session.expire_all()
    return dict(site.settings_data)


def _audited() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "site.settings_changed")
    )


# --- PATCH: change what is named, keep the rest -----------------------------------------------


def test_patch_changes_only_the_settings_it_names(client, site, manager):
    before = _stored(site)
    response = client.patch(
        URL, json={"grace_days": 7, "opening_hours": "Fridays"}, headers=manager
    )
    assert response.status_code == 200, response.json
    after = _stored(site)
    assert {k: v for k, v in after.items() if before[k] != v} == {
        "grace_days": 7,
        "opening_hours": "Fridays",
    }
    assert response.json["settings"] == after


def test_an_empty_patch_changes_nothing_and_records_nothing(client, site, manager):
    before, audited = _stored(site), _audited()
    response = client.patch(URL, json={}, headers=manager)
    assert response.status_code == 200
    assert _stored(site) == before
    assert _audited() == audited


def test_a_patch_is_checked_against_the_settings_it_keeps(client, site, manager):
    before = _stored(site)
    response = client.patch(URL, json={"catchment": []}, headers=manager)
    assert response.status_code == 422
    assert "catchment" in response.json["error"]["fields"]  # the postcode route needs one
    response = client.patch(URL, json={"eligibility_routes": ["postcode"]}, headers=manager)
    assert response.status_code == 200
    assert _stored(site)["catchment"] == before["catchment"]


@pytest.mark.parametrize(
    "body",
    [{"mystery": 1}, {"visits_per_week": None}, {"tiers": [{"name": "X"}]}, {"bands": "red"}],
)
def test_a_bad_patch_names_the_field_and_changes_nothing(client, site, manager, body):
    before = _stored(site)
    response = client.patch(URL, json=body, headers=manager)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == set(body)
    assert _stored(site) == before


# --- PUT: a full replacement; nothing left out is reset -----------------------------------------


def test_an_empty_put_is_refused_naming_every_setting(client, site, manager):
    before = _stored(site)
    response = client.put(URL, json={}, headers=manager)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == set(SiteSettingsSchema().fields)
    assert _stored(site) == before


def test_a_put_missing_one_setting_is_refused_naming_it(client, site, manager):
    body = client.get("/api/v1/sites/harlow", headers=manager).json["settings"]
    del body["grace_days"]
    body["visits_per_week"] = 5
    before = _stored(site)
    response = client.put(URL, json=body, headers=manager)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"grace_days": ["Missing data for required field."]}
    assert _stored(site) == before


def test_what_get_answers_can_be_put_back_unchanged_or_changed(client, site, manager):
    body = client.get("/api/v1/sites/harlow", headers=manager).json["settings"]
    assert set(body) == set(SiteSettingsSchema().fields)
    before, audited = _stored(site), _audited()
    assert client.put(URL, json=body, headers=manager).status_code == 200
    assert _stored(site) == before
    assert _audited() == audited
    response = client.put(URL, json={**body, "member_cap": None}, headers=manager)
    assert response.status_code == 200
    after = _stored(site)
    assert {k: v for k, v in after.items() if before[k] != v} == {"member_cap": None}


def test_settings_stored_before_a_setting_existed_keep_their_values(client, site, manager):
    """Stored settings may lack keys added since; GET fills them in, PATCH keeps the rest."""
    site.settings_data = {"visits_per_week": 3}
    db.session.commit()
    body = client.get("/api/v1/sites/harlow", headers=manager).json["settings"]
    assert body["visits_per_week"] == 3
    assert body["fee_pence"] == SiteSettings().fee_pence
    assert client.patch(URL, json={"grace_days": 2}, headers=manager).status_code == 200
    assert (site.settings.visits_per_week, site.settings.grace_days) == (3, 2)


def test_the_api_document_says_put_replaces_and_patch_changes(client):
    spec = client.get("/api/v1/openapi.json").json
    operations = spec["paths"]["/api/v1/sites/{code}/settings"]
    assert {"put", "patch"} <= set(operations)
    schemas = spec["components"]["schemas"]

    def body(method: str) -> dict[str, Any]:
        ref = operations[method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]

    every = set(SiteSettingsSchema().fields)
    assert set(body("put")["required"]) == every
    assert "required" not in body("patch")
    assert not [n for n, p in body("patch")["properties"].items() if "default" in p]


# --- the page ---------------------------------------------------------------------------------


def test_an_empty_number_on_the_settings_page_is_refused_not_reset(client, site, make_user, login):
    login(make_user("site_manager", sites=[site]))
    before = _stored(site)
    response = submit(client, "/sites/harlow/settings", {"fee_pence": "", "grace_days": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-fee_pence-error"' in html
    assert 'id="f-grace_days-error"' in html
    assert "Enter a whole number." in html
    assert _stored(site) == before
