"""A site's visit types and school holidays: the settings page adds the programme's types, the
site's own, edits and removes them (never the weekly shop) and lists the school holidays, with
errors beside the boxes; the API's PATCH and PUT take both lists."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.sites.services import create_site
from supermarket.sites.settings import WEEKLY_SHOP
from tests.conftest import LONDON
from tests.html_forms import page_form, submit

URL = "/api/v1/sites/epping/settings"
PAGE = "/sites/epping/settings"


def _today() -> date:
    return datetime.now(LONDON).date()


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


def _keys(site: Site) -> list[str]:
    return [t.key for t in _settings(site).visit_types]


def _holiday(name: str, start: date, days: int) -> dict[str, Any]:
    return {
        "name": name,
        "start": start.isoformat(),
        "end": (start + timedelta(days=days)).isoformat(),
    }


# --- the API (foundation) -----------------------------------------------------------------------


def test_patch_adds_visit_types_and_school_holidays_and_put_keeps_them(
    client, site, manager, token_for
):
    headers = token_for(manager)
    start = _today() + timedelta(days=10)
    body = {
        "visit_types": [
            {"key": WEEKLY_SHOP, "label": "Weekly shop"},
            {
                "key": "holiday_hamper",
                "label": "Holiday hamper",
                "frequency": "per_school_holiday",
                "parcel": "A hamper",
                "fee_pence": 0,
            },
        ],
        "school_holidays": [_holiday("Christmas holidays", start, 13)],
    }
    response = client.patch(URL, json=body, headers=headers)
    assert response.status_code == 200, response.json
    assert _keys(site) == [WEEKLY_SHOP, "holiday_hamper"]
    assert _settings(site).school_holidays[0].end == start + timedelta(days=13)

    stored = response.json["settings"]
    full = {k: v for k, v in stored.items() if k not in ("visit_types", "school_holidays")}
    assert client.put(URL, json=full, headers=headers).status_code == 200
    assert _keys(site) == [WEEKLY_SHOP, "holiday_hamper"]


def test_the_api_refuses_removing_the_weekly_shop_and_a_holiday_type_without_holidays(
    client, site, manager, token_for
):
    headers = token_for(manager)
    only_parcel = {"visit_types": [{"key": "emergency_parcel", "label": "Emergency parcel"}]}
    response = client.patch(URL, json=only_parcel, headers=headers)
    assert response.status_code == 422
    assert "visit_types" in response.json["error"]["fields"]
    no_holidays = {
        "visit_types": [
            {"key": WEEKLY_SHOP, "label": "Weekly shop"},
            {"key": "hamper", "label": "Hamper", "frequency": "per_school_holiday"},
        ]
    }
    response = client.patch(URL, json=no_holidays, headers=headers)
    assert response.status_code == 422
    assert "school_holidays" in response.json["error"]["fields"]
    assert _keys(site) == [WEEKLY_SHOP]


# --- the page -----------------------------------------------------------------------------------


def test_the_page_adds_the_programmes_types_and_a_school_holiday(client, site, manager, login):
    login(manager)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="add_programme_type" type="checkbox" value="emergency_parcel"' in page
    start = _today() + timedelta(days=30)
    response = submit(
        client,
        PAGE,
        {
            "add_programme_type": ["emergency_parcel", "holiday_hamper", "seasonal_extra"],
            "holiday_0_name": "February half term",
            "holiday_0_start": start.isoformat(),
            "holiday_0_end": (start + timedelta(days=4)).isoformat(),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _keys(site) == [WEEKLY_SHOP, "emergency_parcel", "holiday_hamper", "seasonal_extra"]
    holiday = _settings(site).school_holidays[0]
    assert (holiday.name, holiday.start) == ("February half term", start)
    # The page shows them again, and no longer offers them to add.
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="emergency_parcel"' in page
    assert 'name="add_programme_type"' not in page


def test_the_page_adds_edits_and_removes_the_sites_own_types(client, site, manager, login):
    login(manager)
    response = submit(
        client,
        PAGE,
        {"type_1_name": "Baby bank", "type_1_frequency": "rolling_30_days", "type_1_fee": "1.00"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    baby = _settings(site).visit_type("baby_bank")
    assert baby is not None
    assert (baby.frequency, baby.fee_pence, baby.limit) == ("rolling_30_days", 100, 1)

    response = submit(client, PAGE, {"type_1_limit": "2", "type_1_parcel": "Nappies and wipes"})
    assert response.status_code == 303
    baby = _settings(site).visit_type("baby_bank")
    assert (baby.limit, baby.parcel) == (2, "Nappies and wipes")

    response = submit(client, PAGE, {"type_1_remove": "on"})
    assert response.status_code == 303
    assert _keys(site) == [WEEKLY_SHOP]


def test_the_weekly_shop_cannot_be_removed_on_the_page(client, site, manager, login):
    login(manager)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="type_0_remove"' not in page
    data: dict[str, list[str]] = {}
    for name, value in [*page_form(page)["pairs"], ("type_0_remove", "on")]:
        data.setdefault(name, []).append(value)
    assert client.post(PAGE, data=data).status_code == 303
    assert _keys(site) == [WEEKLY_SHOP]


def test_the_pages_errors_sit_beside_their_boxes(client, site, manager, login):
    login(manager)
    response = submit(
        client,
        PAGE,
        {
            "type_1_name": "Baby bank",
            "type_1_limit": "0",
            "holiday_0_name": "Easter",
            "holiday_0_start": _today().isoformat(),
            "holiday_0_end": (_today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-type_1_limit-error"' in html
    assert 'id="f-holiday_0_end-error"' in html
    assert "Type 2: enter how many times in each period from 1 to 52." in html
    assert "Holiday 1: the holiday ends before it starts." in html
    assert _keys(site) == [WEEKLY_SHOP]


def test_an_unknown_band_in_a_types_allowance_is_refused(client, site, manager, login):
    login(manager)
    response = submit(client, PAGE, {"type_1_name": "Baby bank", "type_1_limits": "purple=2"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-visit_types-error"' in html
    assert "Unknown band: purple." in html


def test_a_holiday_type_without_holidays_is_refused_beside_the_holidays(
    client, site, manager, login
):
    login(manager)
    response = submit(client, PAGE, {"add_programme_type": "holiday_hamper"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-school_holidays-error"' in html
    assert _keys(site) == [WEEKLY_SHOP]


def test_the_page_sends_the_stored_types_back_unchanged(client, site, manager, login, token_for):
    start = _today() + timedelta(days=3)
    client.patch(
        URL,
        json={
            "visit_types": [
                {"key": WEEKLY_SHOP, "label": "Weekly shop"},
                {
                    "key": "extra",
                    "label": "Extra",
                    "frequency": "per_year",
                    "band_limits": {"red": 1},
                    "fee_pence": None,
                    "members_only": False,
                    "counts_toward_weekly": True,
                },
            ],
            "school_holidays": [_holiday("Summer", start, 40)],
        },
        headers=token_for(manager),
    )
    before = _settings(site)
    login(manager)
    pairs = page_form(client.get(PAGE).get_data(as_text=True))["pairs"]
    assert ("type_1_limits", "red=1") in pairs
    assert submit(client, PAGE).status_code == 303
    after = _settings(site)
    assert after.visit_types == before.visit_types
    assert after.school_holidays == before.school_holidays
