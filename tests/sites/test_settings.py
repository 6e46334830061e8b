"""Changing a site's settings: a partial update keeps what it does not name, a replacement
must name everything, and the lists have upper bounds (API and page)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.sites.services import create_site
from supermarket.sites.settings import (
    ELIGIBILITY_ROUTES,
    MAX_BANDS,
    MAX_CATCHMENT,
    MAX_TIERS,
    OPTIONAL_IN_FULL,
    SiteSettings,
    SiteSettingsSchema,
)
from tests.html_forms import page_form, submit

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
    assert set(response.json["error"]["fields"]) == set(SiteSettingsSchema().fields) - set(
        OPTIONAL_IN_FULL
    )
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
    assert set(body("put")["required"]) == every - set(OPTIONAL_IN_FULL)
    assert "required" not in body("patch")
    assert not [n for n, p in body("patch")["properties"].items() if "default" in p]
    for method in ("put", "patch"):
        properties = body(method)["properties"]
        assert properties["bands"]["maxItems"] == MAX_BANDS
        assert properties["tiers"]["maxItems"] == MAX_TIERS
        assert properties["catchment"]["maxItems"] == MAX_CATCHMENT
        assert properties["eligibility_routes"]["maxItems"] == len(ELIGIBILITY_ROUTES)


# --- upper bounds on the lists ------------------------------------------------------------------


def _bands(n: int) -> list[dict[str, Any]]:
    """n bands, the first the red band the site's tier counts."""
    names = ["red", *(f"band{i}" for i in range(1, n))][:n]
    return [{"name": name, "limit": 1, "average_value_pence": 0} for name in names]


def _tiers(n: int) -> list[dict[str, Any]]:
    return [{"name": f"Tier {i}", "min_people": i + 1, "fee_pence": 0} for i in range(n)]


def _catchment(n: int) -> list[str]:
    return [f"CM{i} {j}" for i in range(1, 30) for j in range(10)][:n]


OVER = [
    ("bands", _bands(MAX_BANDS + 1)),
    ("bands", _bands(1_000)),
    ("tiers", _tiers(MAX_TIERS + 1)),
    ("eligibility_routes", ["referral"] * 5),
    ("eligibility_routes", ["referral", "referral"]),
    ("catchment", _catchment(MAX_CATCHMENT + 1)),
]


@pytest.mark.parametrize(("field", "value"), OVER, ids=lambda v: str(len(v)) if v else None)
def test_a_list_over_its_bound_answers_422_naming_it(client, site, manager, field, value):
    before = _stored(site)
    for method in (client.patch, client.put):
        body = {**client.get("/api/v1/sites/harlow", headers=manager).json["settings"]}
        body[field] = value
        response = method(URL, json=body, headers=manager)
        assert response.status_code == 422
        assert list(response.json["error"]["fields"]) == [field]
    assert _stored(site) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bands", _bands(MAX_BANDS)),
        ("tiers", _tiers(MAX_TIERS)),
        ("eligibility_routes", ["self_declared", "referral", "benefits", "postcode"]),
        ("catchment", _catchment(MAX_CATCHMENT)),
    ],
    ids=["bands", "tiers", "routes", "catchment"],
)
def test_a_list_at_its_bound_is_accepted(client, site, manager, field, value):
    response = client.patch(URL, json={field: value}, headers=manager)
    assert response.status_code == 200, response.json
    assert len(_stored(site)[field]) == len(value)


def test_a_new_site_with_too_many_bands_is_refused_naming_the_setting(client, make_user, token_for):
    response = client.post(
        "/api/v1/sites",
        json={"code": "jaywick", "name": "Jaywick", "settings": {"bands": _bands(13)}},
        headers=token_for(make_user("admin")),
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["settings"]
    assert "bands" in response.json["error"]["fields"]["settings"]
    assert db.session.scalar(select(Site).where(Site.code == "jaywick")) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({f"band_{i}_name": f"band{i}" for i in range(1, MAX_BANDS + 1)}, "bands"),
        (
            {
                key: value
                for i in range(MAX_TIERS + 1)
                for key, value in {
                    f"tier_{i}_name": f"Tier {i}",
                    f"tier_{i}_min_people": str(i + 1),
                    f"tier_{i}_fee": "0",
                }.items()
            },
            "tiers",
        ),
        ({"catchment": ", ".join(_catchment(MAX_CATCHMENT + 1))}, "catchment"),
    ],
    ids=["bands", "tiers", "catchment"],
)
def test_the_settings_page_shows_a_list_over_its_bound_beside_it(
    client, site, make_user, login, changes, field
):
    login(make_user("site_manager", sites=[site]))
    before = _stored(site)
    page = client.get("/sites/harlow/settings").get_data(as_text=True)
    response = client.post("/sites/harlow/settings", data={**_form_values(page), **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    if field == "catchment":
        assert 'id="f-catchment-error"' in html
    else:
        section = html[html.index(f'id="f-{field}"') :]
        assert section.index('class="error"') < section.index("</fieldset>")
    assert "Give at most" in html
    assert _stored(site) == before


def _form_values(html: str) -> dict[str, list[str]]:
    """What the page's form would send as it stands."""
    values: dict[str, list[str]] = {}
    for name, value in page_form(html)["pairs"]:
        values.setdefault(name, []).append(value)
    return values


def test_settings_stored_over_a_bound_still_load_and_must_be_trimmed_to_save(
    client, site, make_user, login
):
    """A site saved before the bounds existed keeps working; its next save must trim."""
    site.settings_data = {**site.settings_data, "bands": _bands(MAX_BANDS + 3)}
    db.session.commit()
    assert len(site.settings.bands) == MAX_BANDS + 3
    login(make_user("site_manager", sites=[site]))
    html = client.get("/sites/harlow/settings").get_data(as_text=True)
    assert f'name="band_{MAX_BANDS + 2}_name" value="band{MAX_BANDS + 2}"' in html
    response = submit(client, "/sites/harlow/settings")
    assert response.status_code == 422
    trimmed = {f"band_{i}_name": None for i in range(MAX_BANDS, MAX_BANDS + 3)}
    response = submit(client, "/sites/harlow/settings", trimmed)
    assert response.status_code == 303
    assert len(_stored(site)["bands"]) == MAX_BANDS


def test_an_empty_number_on_the_settings_page_is_refused_not_reset(client, site, make_user, login):
    login(make_user("site_manager", sites=[site]))
    before = _stored(site)
    response = submit(client, "/sites/harlow/settings", {"fee_pence": "", "grace_days": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-fee_pence-error"' in html
    assert 'id="f-grace_days-error"' in html
    assert "Enter a number of days of grace from 0 to 90." in html
    assert "Enter a fee per visit from £0.00 to £100.00." in html
    assert _stored(site) == before
