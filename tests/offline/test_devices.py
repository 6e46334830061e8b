"""Enrolled tablets: a site manager enrols, lists and revokes them, by the API and the page."""

from __future__ import annotations

import re

from sqlalchemy import select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.visits.models import Device
from tests.conftest import PASSWORD, Client, csrf_token


def _actions(site_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.site_id == site_id).order_by(AuditEvent.id)
        )
    )


def test_a_manager_enrols_lists_and_revokes_a_tablet_by_the_api(client, desk, token_for):
    headers = token_for(desk.manager)
    base = f"/api/v1/sites/{desk.site.code}/devices"
    made = client.post(base, json={"name": "  Front   desk "}, headers=headers)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["name"] == "Front desk"
    assert body["active"] is True
    assert body["revoked_at"] is None
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", body["id"])

    listed = client.get(base, headers=headers).get_json()
    assert [d["id"] for d in listed["items"]] == [body["id"]]

    gone = client.delete(f"{base}/{body['id']}", headers=headers)
    assert gone.status_code == 200
    assert gone.get_json()["active"] is False
    again = client.delete(f"{base}/{body['id']}", headers=headers)
    assert again.status_code == 200  # revoking twice changes nothing
    assert _actions(desk.site.id).count("device.revoked") == 1
    assert "device.enrolled" in _actions(desk.site.id)


def test_two_tablets_get_different_ids(client, desk, token_for):
    headers = token_for(desk.manager)
    base = f"/api/v1/sites/{desk.site.code}/devices"
    ids = {
        client.post(base, json={"name": f"T{i}"}, headers=headers).get_json()["id"]
        for i in range(3)
    }
    assert len(ids) == 3


def test_only_the_sites_managers_handle_its_tablets(client, desk, make_desk, make_user, token_for):
    base = f"/api/v1/sites/{desk.site.code}/devices"
    assert client.get(base, headers=token_for(desk.volunteer)).status_code == 403
    assert (
        client.post(base, json={"name": "x"}, headers=token_for(desk.volunteer)).status_code == 403
    )
    other = make_desk()
    assert client.get(base, headers=token_for(other.manager)).status_code == 404
    assert client.get(base, headers=token_for(make_user("admin"))).status_code == 403
    assert db.session.scalar(select(Device)) is None


def test_a_tablet_of_another_site_cannot_be_revoked_here(client, desk, make_desk, token_for):
    other = make_desk()
    theirs = client.post(
        f"/api/v1/sites/{other.site.code}/devices",
        json={"name": "Theirs"},
        headers=token_for(other.manager),
    ).get_json()["id"]
    answer = client.delete(
        f"/api/v1/sites/{desk.site.code}/devices/{theirs}", headers=token_for(desk.manager)
    )
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "device_not_found"


def test_a_name_is_needed(client, desk, token_for):
    base = f"/api/v1/sites/{desk.site.code}/devices"
    for name in ("", "   ", "x" * 61):
        answer = client.post(base, json={"name": name}, headers=token_for(desk.manager))
        assert answer.status_code == 422, name


def test_the_page_enrols_this_tablet_and_revokes_one(client, desk, login):
    login(desk.manager)
    page = client.get("/offline/devices")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "js/devices.js" in html
    home = client.get("/home").get_data(as_text=True)
    assert 'href="/offline/devices"' in home  # the manager's home page

    posted = client.post(
        "/offline/devices",
        data={"name": "Front desk", "csrf_token": csrf_token(client, "/offline/devices")},
    )
    assert posted.status_code == 303
    device = db.session.scalar(select(Device))
    assert device is not None
    assert device.name == "Front desk"
    assert posted.headers["Location"].endswith(f"/offline/devices?enrolled={device.id}")
    shown = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert f'data-enrolled-device="{device.id}"' in shown
    assert "data-confirm=" in shown

    revoked = client.post(
        f"/offline/devices/{device.id}/revoke",
        data={"csrf_token": csrf_token(client, "/offline/devices")},
    )
    assert revoked.status_code == 303
    db.session.refresh(device)
    assert device.revoked_at is not None
    assert device.revoked_by_id == desk.manager.id
    # A revoked tablet's id is never handed back to be stored again.
    again = client.get(f"/offline/devices?enrolled={device.id}").get_data(as_text=True)
    assert "data-enrolled-device" not in again


def test_the_page_refuses_an_empty_name_and_volunteers(client, desk, login, make_user):
    login(desk.manager)
    answer = client.post(
        "/offline/devices", data={"name": "", "csrf_token": csrf_token(client, "/offline/devices")}
    )
    assert answer.status_code == 422
    assert "Give the tablet a name" in answer.get_data(as_text=True)


def test_volunteers_do_not_get_the_page(app, desk):
    app.test_client_class = Client
    other = app.test_client()
    other.post(
        "/login",
        data={"email": desk.volunteer.email, "password": PASSWORD, "csrf_token": csrf_token(other)},
    )
    assert other.get("/offline/devices").status_code == 403
