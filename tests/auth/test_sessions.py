"""Sign-in sessions: cookies, server-side logout, timeouts, throttling and the second factor."""

from __future__ import annotations

import logging
from datetime import timedelta

import pyotp
import pytest
import time_machine

from supermarket import create_app
from supermarket.auth import services as auth
from supermarket.extensions import db
from supermarket.models import utcnow
from tests.conftest import PASSWORD, csrf_token


def _cookies(response) -> dict[str, str]:
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        found[name] = header
    return found


def test_production_cookies_are_secure_httponly_lax_and_host_prefixed(app, monkeypatch, make_user):
    monkeypatch.setenv("SUPERMARKET_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    prod = create_app({"TESTING": True})
    user = make_user("admin")
    with prod.test_client() as client:
        page = client.get("/login", base_url="https://localhost")
        html = page.get_data(as_text=True)
        token = html.split('name="csrf-token" content="')[1].split('"')[0]
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
            base_url="https://localhost",
            headers={"Referer": "https://localhost/login"},
        )
    assert response.status_code == 303
    cookie = _cookies(response)["__Host-session"]
    lowered = cookie.lower()
    assert "secure" in lowered
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/" in lowered
    assert "domain=" not in lowered
    assert "Strict-Transport-Security" in response.headers


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("SUPERMARKET_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_session_cookie_changes_at_login(client, make_user):
    user = make_user("admin")
    client.get("/login")
    before = client.get_cookie("session").value
    client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    after = client.get_cookie("session").value
    assert before != after


def _saved_session(client):
    return client.get_cookie("session").value


def test_logout_ends_the_session_at_the_server(client, make_user, login):
    user = make_user("admin")
    login(user)
    saved = _saved_session(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin")})
    client.set_cookie("session", saved)  # an attacker replays the old cookie
    response = client.get("/admin")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_deactivation_ends_every_session_at_once(client, make_user, login):
    user = make_user("volunteer")
    login(user)
    assert client.get("/account").status_code == 200
    auth.deactivate_user(user, actor=None)
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_idle_session_expires_after_thirty_minutes(client, make_user, login):
    user = make_user("volunteer")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        login(user)
        traveller.shift(timedelta(minutes=29))
        assert client.get("/account").status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get("/account").status_code == 200  # activity keeps it alive
        traveller.shift(timedelta(minutes=31))
        assert client.get("/account").status_code == 302


def test_session_ends_after_twelve_hours_however_active(client, make_user, login):
    user = make_user("volunteer")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        login(user)
        elapsed = 0
        while client.get("/account").status_code == 200:
            traveller.shift(timedelta(minutes=20))
            elapsed += 20
            assert elapsed <= 13 * 60, "the session outlived its 12-hour limit"
        assert elapsed >= 12 * 60


def test_sixth_bad_login_is_throttled_and_right_password_works_later(client, make_user):
    user = make_user("volunteer")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        statuses = []
        for _ in range(6):
            statuses.append(
                client.post(
                    "/login",
                    data={
                        "email": user.email,
                        "password": "wrong password here",
                        "csrf_token": csrf_token(client),
                    },
                ).status_code
            )
        assert statuses[:5] == [401] * 5
        assert statuses[5] == 429
        traveller.shift(timedelta(minutes=2))
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 303


def test_spoofed_forwarded_for_does_not_change_the_throttle_key(client, make_user):
    user = make_user("volunteer")
    statuses = []
    for i in range(6):
        statuses.append(
            client.post(
                "/login",
                data={
                    "email": user.email,
                    "password": "wrong password here",
                    "csrf_token": csrf_token(client),
                },
                headers={"X-Forwarded-For": f"10.0.0.{i}"},
            ).status_code
        )
    assert statuses[5] == 429


def test_failed_and_successful_sign_ins_are_logged_without_passwords(client, make_user, caplog):
    user = make_user("volunteer")
    caplog.set_level(logging.INFO, logger="supermarket.audit")
    client.post(
        "/login",
        data={
            "email": user.email,
            "password": "wrong password here",
            "csrf_token": csrf_token(client),
        },
    )
    client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    text = caplog.text
    assert "action=login.failed" in text
    assert "action=login.succeeded" in text
    assert PASSWORD not in text
    assert "wrong password here" not in text


def test_log_injection_in_the_email_is_neutralised(client, caplog):
    caplog.set_level(logging.INFO, logger="supermarket.audit")
    client.post(
        "/login",
        data={
            "email": "a@b.org\naudit action=login.succeeded actor=admin",
            "password": "x" * 10,
            "csrf_token": csrf_token(client),
        },
    )
    lines = [r.getMessage() for r in caplog.records if "audit" in r.getMessage()]
    assert all("\n" not in line for line in lines)


# --- second factor -------------------------------------------------------------------------


def _enrol(user) -> str:
    secret = pyotp.random_base32()
    auth.enable_totp(user, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    return secret


def test_login_without_the_code_is_refused(client, make_user):
    user = make_user("programme_lead")
    secret = _enrol(user)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/login/verify")
    # Without the code, nothing is reachable.
    assert client.get("/api/v1/me").status_code == 401
    bad = client.post(
        "/login/verify", data={"code": "000000", "csrf_token": csrf_token(client, "/login/verify")}
    )
    assert bad.status_code == 401
    with time_machine.travel(utcnow() + timedelta(seconds=31), tick=False):
        good = client.post(
            "/login/verify",
            data={
                "code": pyotp.TOTP(secret).now(),
                "csrf_token": csrf_token(client, "/login/verify"),
            },
        )
        assert good.status_code == 303
        assert client.get("/api/v1/me").json["role"] == "programme_lead"


def test_a_reused_code_is_refused(make_user):
    user = make_user("admin")
    secret = _enrol(user)
    with time_machine.travel(utcnow() + timedelta(seconds=60), tick=False):
        code = pyotp.TOTP(secret).now()
        assert auth.verify_totp(user, code) is True
        assert auth.verify_totp(user, code) is False


def test_deployment_can_require_enrolment_for_leads_and_admins(app, client, make_user):
    user = make_user("admin")
    app.config["MFA_REQUIRED"] = True
    try:
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        assert response.headers["Location"].endswith("/login/enrol")
        assert client.get("/admin").status_code == 302
        page = client.get("/login/enrol").get_data(as_text=True)
        assert "<svg" in page
    finally:
        app.config["MFA_REQUIRED"] = False


def test_deployment_can_require_enrolment_for_referrers(app, client, make_user):
    """An agency's referrer sends households' details from outside the sites: enrolled too."""
    user = make_user("referrer")
    app.config["MFA_REQUIRED"] = True
    try:
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        assert response.headers["Location"].endswith("/login/enrol")
        assert client.get("/support/referrals").status_code == 302
    finally:
        app.config["MFA_REQUIRED"] = False


def test_volunteers_are_not_asked_for_a_code(app, client, make_user, login):
    app.config["MFA_REQUIRED"] = True
    try:
        login(make_user("volunteer"))
        assert client.get("/account").status_code == 200
    finally:
        app.config["MFA_REQUIRED"] = False
