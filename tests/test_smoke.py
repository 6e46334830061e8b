"""The app starts, answers its health check and signs staff in and out."""

from __future__ import annotations

from supermarket.auth.models import User
from tests.conftest import csrf_token


def test_healthz_answers_when_database_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_pages_need_a_login(client):
    response = client.get("/admin")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_api_needs_credentials(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_admin_signs_in_and_sees_admin(client, make_user, login):
    admin: User = make_user("admin")
    login(admin)
    assert client.get("/admin").status_code == 200
    assert client.get("/api/v1/me").json["role"] == "admin"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin")})
    assert client.get("/admin").status_code == 302
