"""A site code reads the same however it is typed, at every place a code comes in: command
options, URL segments (API and pages), query strings, form fields and JSON bodies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supermarket.auth.models import User
from supermarket.auth.services import authenticate
from supermarket.extensions import db
from supermarket.members.services import importing as importer
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site
from tests.conftest import PASSWORD, csrf_token


@pytest.mark.parametrize(
    ("raw", "code"),
    [("har", "har"), ("HAR", "har"), (" Harlow-2 \n", "harlow-2"), ("", ""), (None, ""), (7, "")],
)
def test_a_code_is_trimmed_and_lower_cased(raw, code):
    assert normalise_site_code(raw) == code


def test_non_ascii_is_never_lower_cased_into_a_code():
    # str.lower() turns the Kelvin sign into an ASCII "k".
    assert normalise_site_code("\u212aent") == "\u212aent"


# --- command options ----------------------------------------------------------------------------


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def test_a_site_created_as_HAR_is_found_as_HAR(cli):
    created = cli.invoke(args=["sites", "create", "--code", "HAR", "--name", "Harlow"])
    assert created.exit_code == 0, created.output
    assert db.session.scalar(select(Site.code).where(Site.name == "Harlow")) == "har"
    result = cli.invoke(
        args=[
            "users",
            "create",
            "--email",
            "sue@example.org",
            "--name",
            "Sue Barker",
            "--role",
            "volunteer",
            "--site",
            "HAR",
            "--site",
            " har ",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = authenticate("sue@example.org", PASSWORD)
    assert user is not None
    assert user.site_codes == ["har"]
    missing = cli.invoke(
        args=[
            *("users", "create", "--email", "x@example.org", "--name", "X"),
            *("--role", "volunteer", "--site", "NOPE", "--password-stdin"),
        ],
        input=PASSWORD + "\n",
    )
    assert missing.exit_code != 0
    assert "No such site: nope" in missing.output


def test_members_import_takes_the_site_code_in_any_case(cli, make_site, make_user, tmp_path):
    site = make_site(code="harlow")
    make_user("site_manager", sites=[site])
    path = tmp_path / "members.csv"
    path.write_text(importer.template_csv(), encoding="utf-8")
    result = cli.invoke(args=["members", "import", str(path), "--site", "HARLOW", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "No such site" not in result.output


# --- URL segments and query strings -------------------------------------------------------------


@pytest.fixture
def harlow(make_site) -> Site:
    return make_site(code="harlow", name="Harlow")


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("volunteer", "/api/v1/sites/HARLOW/members?q=okafor"),
        ("site_manager", "/api/v1/sites/Harlow/stock"),
        ("site_manager", "/api/v1/sites/HARLOW"),
        ("admin", "/api/v1/sites/HARLOW"),
    ],
)
def test_api_urls_take_the_code_in_any_case(client, harlow, make_user, token_for, role, path):
    user = make_user(role, sites=[harlow] if role != "admin" else [])
    response = client.get(path, headers=token_for(user))
    assert response.status_code == 200, response.json


def test_settings_are_changed_through_an_upper_case_address(client, harlow, make_user, token_for):
    headers = token_for(make_user("site_manager", sites=[harlow]))
    response = client.patch(
        "/api/v1/sites/HARLOW/settings", json={"grace_days": 3}, headers=headers
    )
    assert response.status_code == 200
    assert harlow.settings.grace_days == 3


def test_pages_take_the_code_in_any_case(client, harlow, make_user, login):
    login(make_user("admin"))
    assert client.get("/sites/HARLOW/settings").status_code == 200
    page = client.get("/admin/sites/Harlow")
    assert page.status_code == 200
    assert "<h1>Harlow</h1>" in page.get_data(as_text=True)


def test_a_manager_still_cannot_reach_another_site_by_changing_case(
    client, harlow, make_site, make_user, token_for
):
    make_site(code="canvey")
    headers = token_for(make_user("site_manager", sites=[harlow]))
    assert client.get("/api/v1/sites/CANVEY", headers=headers).status_code == 404
    assert client.get("/api/v1/sites/CANVEY/stock", headers=headers).status_code == 404


# --- form fields and JSON bodies ----------------------------------------------------------------


def test_a_site_added_through_the_api_as_upper_case_is_stored_lower_case(
    client, make_user, token_for
):
    response = client.post(
        "/api/v1/sites",
        json={"code": "JAYWICK", "name": "Jaywick"},
        headers=token_for(make_user("admin")),
    )
    assert response.status_code == 201
    assert response.json["code"] == "jaywick"


def test_the_admin_user_form_takes_site_codes_in_any_case(client, harlow, make_user, login):
    login(make_user("admin"))
    response = client.post(
        "/admin/users/new",
        data={
            "email": "sue@example.org",
            "name": "Sue Barker",
            "role": "volunteer",
            "sites": ["HARLOW"],
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "sue@example.org"))
    assert user.site_codes == ["harlow"]


def test_the_site_chooser_takes_the_code_in_any_case(client, harlow, make_site, make_user, login):
    canvey = make_site(code="canvey", name="Canvey")
    login(make_user("volunteer", sites=[harlow, canvey]))
    response = client.post(
        "/site", data={"site": "CANVEY", "csrf_token": csrf_token(client, "/site")}
    )
    assert response.status_code == 303
    assert response.headers["Set-Cookie"].startswith("site_code=canvey;")


def test_the_audit_log_filters_by_a_code_in_any_case(client, harlow, make_site, make_user, login):
    make_site(code="canvey")
    login(make_user("admin"))
    html = client.get("/admin/audit?site=CANVEY&action=site.created").get_data(as_text=True)
    assert "<td>canvey</td>" in html
    assert "<td>harlow</td>" not in html
