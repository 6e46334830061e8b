"""Sites and their settings: creation, validation, who may change them, API and pages."""

from __future__ import annotations

import pytest

from supermarket.errors import Conflict, InvalidInput, PermissionDenied
from supermarket.extensions import db
from supermarket.sites import services
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings
from tests.conftest import csrf_token


def test_new_site_takes_the_programme_defaults():
    site = services.create_site(code="harlow", name="Harlow", postcode="cm20 3ag", actor=None)
    s = site.settings
    assert site.postcode == "CM20 3AG"
    assert (s.visits_per_week, s.fee_pence, s.membership_term_months, s.review_interval_months) == (
        1,
        350,
        6,
        3,
    )
    assert [(b.name, b.limit) for b in s.bands] == [("red", 2), ("blue", 8), ("free", None)]
    assert s.retention_months == 24
    assert s.visit_window == "iso_week"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "Harlow!", "name": "Harlow"}, "code"),
        ({"code": "h", "name": "Harlow"}, "code"),
        ({"code": "harlow", "name": ""}, "name"),
        ({"code": "harlow", "name": "Harlow", "postcode": "NOT A PC"}, "postcode"),
        ({"code": "harlow", "name": "Harlow", "timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_site_details_are_refused_with_the_field(kwargs, field):
    with pytest.raises(InvalidInput) as error:
        services.create_site(actor=None, **kwargs)
    assert field in error.value.fields


def test_site_codes_are_unique(make_site):
    make_site(code="basildon")
    with pytest.raises(Conflict):
        services.create_site(code="basildon", name="Again", actor=None)


def test_settings_are_validated_and_catchment_normalised(make_site, make_user):
    site = make_site()
    manager = make_user("site_manager", sites=[site])
    services.update_settings(
        site,
        {
            "visits_per_week": 2,
            "eligibility_routes": ["postcode", "referral"],
            "catchment": ["ss14", "SS13 1"],
            "fee_pence": 400,
        },
        actor=manager,
    )
    assert site.settings.catchment == ("SS14", "SS13 1")
    assert site.settings.visits_per_week == 2
    from marshmallow import ValidationError

    for bad in (
        {"visits_per_week": 0},
        {"fee_pence": -1},
        {"eligibility_routes": []},
        {"eligibility_routes": ["postcode"], "catchment": []},  # no catchment
        {"catchment": ["nowhere"]},
        {"bands": [{"name": "red", "limit": 2}, {"name": "red", "limit": 3}]},
        {
            "tiers": [
                {"name": "Plus", "min_people": 5, "fee_pence": 500, "band_limits": {"gold": 1}}
            ]
        },
        {"mystery": 1},
    ):
        with pytest.raises(ValidationError):
            services.update_settings(site, bad, actor=manager)


def test_a_manager_cannot_change_another_sites_settings(make_site, make_user):
    mine, theirs = make_site(), make_site()
    manager = make_user("site_manager", sites=[mine])
    with pytest.raises(PermissionDenied):
        services.update_settings(theirs, {}, actor=manager)
    with pytest.raises(PermissionDenied):
        services.update_settings(mine, {}, actor=make_user("volunteer", sites=[mine]))


def test_settings_round_trip_through_storage():
    settings = SiteSettings.from_dict(
        {"tiers": [{"name": "Plus", "min_people": 5, "fee_pence": 500, "band_limits": {"red": 4}}]}
    )
    assert SiteSettings.from_dict(settings.to_dict()) == settings


# --- API -----------------------------------------------------------------------------------


def test_admin_creates_a_site_through_the_api(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    response = client.post(
        "/api/v1/sites",
        json={
            "code": "greenstead",
            "name": "Greenstead Community Supermarket",
            "postcode": "co4 3qe",
            "settings": {"fee_pence": 400, "visits_per_week": 2},
        },
        headers=headers,
    )
    assert response.status_code == 201
    assert response.json["postcode"] == "CO4 3QE"
    assert response.json["settings"]["visits_per_week"] == 2


def test_extra_fields_are_refused_and_nothing_is_stored(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    response = client.post(
        "/api/v1/sites",
        json={"code": "jaywick", "name": "Jaywick", "id": 99, "active": False},
        headers=headers,
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"id", "active"}
    assert db.session.query(Site).filter_by(code="jaywick").count() == 0


def test_malformed_json_gets_the_error_envelope(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    response = client.post(
        "/api/v1/sites", data="{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
    response = client.post("/api/v1/sites", data="code=x", headers=headers)
    assert response.status_code == 415


def test_staff_list_only_their_sites(client, make_site, make_user, token_for):
    mine, _other = make_site(code="harlow"), make_site(code="canvey")
    headers = token_for(make_user("volunteer", sites=[mine]))
    assert [s["code"] for s in client.get("/api/v1/sites", headers=headers).json["items"]] == [
        "harlow"
    ]


def test_manager_changes_own_settings_but_not_others(client, make_site, make_user, token_for):
    mine, theirs = make_site(code="harlow"), make_site(code="canvey")
    headers = token_for(make_user("site_manager", sites=[mine]))
    response = client.patch(
        "/api/v1/sites/harlow/settings", json={"visits_per_week": 2}, headers=headers
    )
    assert response.status_code == 200
    assert response.json["settings"]["visits_per_week"] == 2
    assert client.get("/api/v1/sites/canvey", headers=headers).status_code == 404
    for method in (client.put, client.patch):
        response = method("/api/v1/sites/canvey/settings", json={}, headers=headers)
        assert response.status_code == 404
    assert theirs.settings.visits_per_week == 1


def test_bad_settings_answer_422_with_fields(client, make_site, make_user, token_for):
    site = make_site(code="harlow")
    headers = token_for(make_user("site_manager", sites=[site]))
    for method in (client.put, client.patch):
        response = method(
            "/api/v1/sites/harlow/settings", json={"visits_per_week": "lots"}, headers=headers
        )
        assert response.status_code == 422
        assert "visits_per_week" in response.json["error"]["fields"]


# --- pages ---------------------------------------------------------------------------------


def test_admin_adds_a_site_on_the_page(client, make_user, login):
    login(make_user("admin"))
    response = client.post(
        "/admin/sites/new",
        data={
            "code": "jaywick",
            "name": "Jaywick Community Supermarket",
            "postcode": "CO15 2LD",
            "timezone": "Europe/London",
            "csrf_token": csrf_token(client, "/admin/sites/new"),
        },
    )
    assert response.status_code == 303
    assert db.session.query(Site).filter_by(code="jaywick").one().postcode == "CO15 2LD"


def test_bad_site_form_shows_the_error_next_to_the_field(client, make_user, login):
    login(make_user("admin"))
    response = client.post(
        "/admin/sites/new",
        data={
            "code": "Bad Code",
            "name": "",
            "timezone": "Europe/London",
            "csrf_token": csrf_token(client, "/admin/sites/new"),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-code-error"' in html
    assert 'id="f-name-error"' in html


def test_manager_saves_settings_on_the_page(client, make_site, make_user, login):
    site = make_site(code="harlow")
    login(make_user("site_manager", sites=[site]))
    page = client.get("/sites/harlow/settings")
    assert page.status_code == 200
    response = client.post(
        "/sites/harlow/settings",
        data={
            "visits_per_week": "2",
            "visit_window": "rolling_7_days",
            "fee_pence": "4.00",
            "joining_fee_pence": "0",
            "membership_term_months": "6",
            "review_interval_months": "3",
            "grace_days": "7",
            "retention_months": "24",
            "use_by_alert_days": "2",
            "eligibility_routes": ["self_declared", "referral"],
            "band_0_name": "red",
            "band_0_limit": "3",
            "band_0_value": "2.50",
            "band_1_name": "blue",
            "band_1_limit": "7",
            "band_1_value": "1.20",
            "band_2_name": "free",
            "band_2_limit": "",
            "band_2_value": "0",
            "tier_0_name": "Plus",
            "tier_0_min_people": "5",
            "tier_0_fee": "5",
            "tier_0_limits": "red=4 blue=10",
            "csrf_token": csrf_token(client, "/sites/harlow/settings"),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.refresh(site)
    s = site.settings
    assert (s.visits_per_week, s.visit_window, s.fee_pence, s.grace_days) == (
        2,
        "rolling_7_days",
        400,
        7,
    )
    assert s.band("red").limit == 3
    assert s.tiers[0].band_limits == {"red": 4, "blue": 10}


def test_bad_settings_form_keeps_what_was_typed(client, make_site, make_user, login):
    site = make_site(code="harlow")
    login(make_user("site_manager", sites=[site]))
    response = client.post(
        "/sites/harlow/settings",
        data={
            "visits_per_week": "0",
            "fee_pence": "3.50",
            "eligibility_routes": ["self_declared"],
            "band_0_name": "red",
            "band_0_limit": "2",
            "csrf_token": csrf_token(client, "/sites/harlow/settings"),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-visits_per_week-error"' in html
    assert 'value="0"' in html
    db.session.refresh(site)
    assert site.settings.visits_per_week == 1
