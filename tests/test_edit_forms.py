"""Every form that edits a stored record, used through its real page, changes only what the
person changed: saving it untouched changes nothing, and changing one field changes only it.

The forms are filled from the page as a browser would send them (tests/html_forms.py), so a
page that shows the wrong record, an empty field, or fewer rows than are stored fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect

from supermarket.extensions import db
from supermarket.members import services as members
from supermarket.members.schemas import MemberIn
from supermarket.sites.models import Site
from supermarket.sites.services import create_site
from supermarket.stock.models import Product
from tests.factories import member_payload as payload
from tests.html_forms import submit

# Every setting away from its default, with more bands and tiers than the form's blank rows,
# and a catchment that mixes a district and a sector.
RICH_SETTINGS: dict[str, Any] = {
    "visits_per_week": 2,
    "visit_window": "rolling_7_days",
    "membership_term_months": 12,
    "review_interval_months": 6,
    "grace_days": 14,
    "fee_pence": 275,
    "joining_fee_pence": 100,
    "bands": [
        {"name": "red", "limit": 3, "average_value_pence": 260},
        {"name": "green", "limit": 5, "average_value_pence": 90},
        {"name": "blue", "limit": 9, "average_value_pence": 115},
        {"name": "yellow", "limit": 1, "average_value_pence": 405},
        {"name": "chilled", "limit": 2, "average_value_pence": 199},
        {"name": "free", "limit": None, "average_value_pence": 0},
    ],
    "tiers": [
        {"name": f"From {n}", "min_people": n, "fee_pence": 300 + n * 10, "band_limits": {"red": n}}
        for n in (2, 3, 4, 5, 6)
    ],
    "eligibility_routes": ["referral", "postcode"],
    "catchment": ["CM20", "CM19 4", "SS14"],
    "allow_other_site_members": True,
    "overrides_managers_only": True,
    "member_cap": 250,
    "retention_months": 36,
    "use_by_alert_days": 3,
    "opening_hours": "Tuesday 10–2, Thursday 4–7 & Saturday",
}


def _row(obj: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The stored columns of a row, read again from the database."""
    db.session.expire_all()
    return {
        attr.key: getattr(obj, attr.key)
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in skip
    }


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {key: after[key] for key in before if before[key] != after[key]}


def _site(**kwargs: Any) -> Site:
    site = create_site(
        code="harlow",
        name="Harlow Community Supermarket",
        address="The Old Library, 1 High Street",
        postcode="CM20 1AB",
        timezone="Europe/London",
        settings=RICH_SETTINGS,
        actor=None,
        **kwargs,
    )
    db.session.commit()
    return site


# --- the admin's site details ---------------------------------------------------------------


def test_admin_site_details_page_shows_the_site_not_an_empty_form(client, make_user, login):
    _site()
    login(make_user("admin"))
    html = client.get("/admin/sites/harlow").get_data(as_text=True)
    assert "Add a site" not in html
    assert "<h1>Harlow Community Supermarket</h1>" in html
    assert 'value="The Old Library, 1 High Street"' in html


def test_saving_the_admin_site_form_untouched_changes_nothing(client, make_user, login):
    site = _site()
    login(make_user("admin"))
    before = _row(site)
    response = submit(client, "/admin/sites/harlow")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _row(site) == before
    assert site.active


@pytest.mark.parametrize(
    ("field", "value", "column", "stored"),
    [
        ("name", "Harlow Pantry", "name", "Harlow Pantry"),
        ("address", "2 Market Square", "address", "2 Market Square"),
        ("postcode", "cm19 4aa", "postcode", "CM19 4AA"),
        ("timezone", "Europe/Dublin", "timezone", "Europe/Dublin"),
        ("active", None, "active", False),
    ],
)
def test_the_admin_site_form_changes_only_the_field_changed(
    client, make_user, login, field, value, column, stored
):
    site = _site()
    login(make_user("admin"))
    before = _row(site)
    response = submit(client, "/admin/sites/harlow", {field: value})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _changed(before, _row(site)) == {column: stored}


# --- the site settings page -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["site_manager", "admin"])
def test_saving_the_settings_page_untouched_changes_no_setting(client, make_user, login, role):
    site = _site()
    login(make_user(role, sites=[site] if role == "site_manager" else []))
    before = _row(site)
    response = submit(client, "/sites/harlow/settings")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _row(site) == before


@pytest.mark.parametrize(
    ("changes", "setting", "stored"),
    [
        ({"visits_per_week": "3"}, "visits_per_week", 3),
        ({"visit_window": "iso_week"}, "visit_window", "iso_week"),
        ({"allow_other_site_members": None}, "allow_other_site_members", False),
        ({"overrides_managers_only": None}, "overrides_managers_only", False),
        ({"fee_pence": "3.10"}, "fee_pence", 310),
        ({"joining_fee_pence": "0"}, "joining_fee_pence", 0),
        ({"grace_days": "0"}, "grace_days", 0),
        ({"membership_term_months": "6"}, "membership_term_months", 6),
        ({"review_interval_months": "3"}, "review_interval_months", 3),
        ({"retention_months": "24"}, "retention_months", 24),
        ({"use_by_alert_days": "5"}, "use_by_alert_days", 5),
        ({"opening_hours": "Fridays"}, "opening_hours", "Fridays"),
        ({"member_cap": ""}, "member_cap", None),
        ({"catchment": "CM20, SS14"}, "catchment", ["CM20", "SS14"]),
        (
            {"eligibility_routes": ["referral", "postcode", "benefits"]},
            "eligibility_routes",
            ["referral", "benefits", "postcode"],
        ),
        ({"band_3_limit": "2"}, "bands", "yellow=2"),
        ({"tier_4_fee": "4.00"}, "tiers", "From 6=400"),
    ],
)
def test_the_settings_page_changes_only_the_setting_changed(
    client, make_user, login, changes, setting, stored
):
    site = _site()
    login(make_user("site_manager", sites=[site]))
    before = dict(site.settings_data)
    response = submit(client, "/sites/harlow/settings", changes)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    after = site.settings_data
    assert _changed(before, after) == {setting: after[setting]}
    if setting == "bands":
        assert {b["name"]: b["limit"] for b in after["bands"]}["yellow"] == 2
    elif setting == "tiers":
        assert {t["name"]: t["fee_pence"] for t in after["tiers"]}["From 6"] == 400
    elif setting == "eligibility_routes":
        assert sorted(after[setting]) == sorted(stored)
    else:
        assert after[setting] == stored


# --- the admin's staff account form -----------------------------------------------------------


def test_the_admin_user_form_changes_only_the_field_changed(client, make_site, make_user, login):
    harlow, canvey = make_site(code="harlow"), make_site(code="canvey")
    person = make_user("site_manager", sites=[harlow, canvey], name="Amara Okafor")
    login(make_user("admin"))
    url = f"/admin/users/{person.id}"

    def state() -> dict[str, Any]:
        return {**_row(person), "sites": sorted(person.site_codes)}

    before = state()
    assert submit(client, url).status_code == 303
    assert state() == before
    assert submit(client, url, {"name": "Amara Okafor-Ince"}).status_code == 303
    assert _changed(before, state()) == {"name": "Amara Okafor-Ince"}


# --- a member's details -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["site_manager", "volunteer"])
def test_the_member_form_changes_only_the_field_changed(client, make_user, login, role):
    site = _site()
    manager = make_user("site_manager", sites=[site])
    data = MemberIn().load(
        payload(
            last_name="Okafor",
            email="tasha@example.org",
            eligibility={
                "route": "referral",
                "referral_agency": "Citizens Advice",
                "referral_reference": "CA-1",
            },
            dietary=["halal", "vegetarian"],
            dietary_notes="No nuts",
            joining_fee={"method": "cash"},  # the site charges a joining fee
        )
    )
    member = members.register_member(site, data, actor=manager).member
    member.notes = "Prefers Thursdays"
    db.session.commit()
    login(manager if role == "site_manager" else make_user("volunteer", sites=[site]))
    url = f"/members/{member.membership_number}/edit"
    skip = ("updated_at",)

    before = _row(member, skip=skip)
    response = submit(client, url)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _row(member, skip=skip) == before
    response = submit(client, url, {"phone": "07700 900456"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _changed(before, _row(member, skip=skip)) == {"phone": "07700 900456"}


# --- a catalogue product ----------------------------------------------------------------------


def test_the_product_form_changes_only_the_field_changed(client, make_user, login):
    product = Product(
        sku="BEANS-415",
        name="Baked beans 415g",
        name_key="baked beans 415g",
        category="ambient",
        band="red",
        unit_weight_g=415,
        reference_price_pence=95,
        barcode="5000157024671",
        active=True,
        min_level=12,
    )
    db.session.add(product)
    db.session.commit()
    login(make_user("admin"))
    url = "/stock/products/BEANS-415/edit"
    skip = ("updated_at",)
    before = _row(product, skip=skip)
    response = submit(client, url)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _row(product, skip=skip) == before
    response = submit(client, url, {"min_level": "20"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _changed(before, _row(product, skip=skip)) == {"min_level": 20}
