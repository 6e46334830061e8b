"""The security baseline over every route: login and roles, CSRF, headers, no writes on GET."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from supermarket.auth.models import Role
from supermarket.auth.web import public
from supermarket.extensions import db

ROLES = [r.value for r in Role]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _url(rule) -> str:
    """A concrete URL for a rule, with harmless placeholder arguments."""

    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or "string"
        return "1" if converter == "int" else "x1"

    return _ARG.sub(fill, rule.rule)


def _rules(app: Flask, methods: set[str] | None = None) -> Iterator:
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        if methods and not (rule.methods or set()) & methods:
            continue
        yield rule


def _view(app: Flask, rule):
    return app.view_functions[rule.endpoint]


def test_every_route_declares_roles_or_is_explicitly_public(app):
    undeclared = [
        rule.rule
        for rule in _rules(app)
        if not hasattr(_view(app, rule), "_roles")
        and not getattr(_view(app, rule), "_public", False)
    ]
    assert undeclared == []


PUBLIC_ALLOWED = {
    "/login",
    "/login/verify",
    "/login/enrol",
    "/logout",
    "/healthz",
    "/api/v1/openapi.json",
    "/sw.js",  # the check-in desk's service worker: a static file, served at the root
}


def test_the_service_worker_is_a_static_script_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "worker-src 'self'" in response.headers["Content-Security-Policy"]
    assert b"/api/" in response.data  # it says what it never keeps


def test_only_the_sign_in_pages_and_health_check_are_public(app):
    public = {rule.rule for rule in _rules(app) if getattr(_view(app, rule), "_public", False)}
    assert public <= PUBLIC_ALLOWED


def test_anonymous_requests_are_refused_everywhere(app, client):
    for rule in _rules(app, {"GET"}):
        if getattr(_view(app, rule), "_public", False):
            continue
        response = client.get(_url(rule))
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, rule.rule
            assert response.json["error"]["code"] == "unauthenticated"
        else:
            assert response.status_code == 302, rule.rule
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_every_get_route_refuses_roles_it_does_not_name(
    app, client, make_user, login, role
):
    login(make_user(role))
    for rule in _rules(app, {"GET"}):
        view = _view(app, rule)
        allowed = getattr(view, "_roles", None)
        if allowed is None:
            continue
        response = client.get(_url(rule))
        assert response.status_code < 500, (role, rule.rule)
        if role in allowed:
            assert response.status_code not in (401, 403), (role, rule.rule)
        else:
            assert response.status_code == 403, (role, rule.rule, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_write_routes_refuse_roles_they_do_not_name(
    app, make_user, token_for, client, role
):
    headers = token_for(make_user(role))
    for rule in _rules(app, WRITE_METHODS):
        view = _view(app, rule)
        allowed = getattr(view, "_roles", None)
        if allowed is None or role in allowed:
            continue
        method = sorted((rule.methods or set()) & WRITE_METHODS)[0]
        response = client.open(_url(rule), method=method, json={}, headers=headers)
        assert response.status_code == 403, (role, rule.rule, response.status_code)


def test_every_state_changing_route_needs_a_csrf_token(app, client, make_user, login):
    login(make_user("admin"))
    for rule in _rules(app, WRITE_METHODS):
        for method in sorted((rule.methods or set()) & WRITE_METHODS):
            response = client.open(_url(rule), method=method, data={"x": "1"})
            assert response.status_code == 400, (method, rule.rule, response.status_code)


def test_bearer_token_calls_are_exempt_from_csrf(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    response = client.post(
        "/api/v1/sites", json={"code": "jaywick", "name": "Jaywick"}, headers=headers
    )
    assert response.status_code == 201


@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_writes_to_the_database(app, client, make_user, login, role):
    login(make_user(role))
    writes: list[str] = []

    def spy(conn, cursor, statement, params, context, executemany):
        verb = statement.lstrip().split(" ", 1)[0].upper()
        # Viewing personal data is audited by design; that append is the only allowed write.
        if verb in {"INSERT", "UPDATE", "DELETE"} and "audit_events" not in statement:
            writes.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        for rule in _rules(app, {"GET"}):
            client.get(_url(rule))
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert writes == []


SECURITY_HEADERS = {
    "Content-Security-Policy": "object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _assert_security_headers(response) -> None:
    for name, fragment in SECURITY_HEADERS.items():
        assert fragment in response.headers.get(name, ""), name
    csp = response.headers["Content-Security-Policy"]
    for part in ("base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp


def test_security_headers_on_pages_errors_and_api(app, client, make_user, login):
    _assert_security_headers(client.get("/login"))
    _assert_security_headers(client.get("/no-such-page"))
    _assert_security_headers(client.get("/api/v1/me"))
    login(make_user("admin"))
    for rule in _rules(app, {"GET"}):
        _assert_security_headers(client.get(_url(rule)))


def test_a_failing_route_returns_a_plain_500_page_with_headers(app, client, monkeypatch):
    from supermarket import web

    @public
    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "healthz", boom)
    response = client.get("/healthz")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body
    assert "Traceback" not in body
    assert "Something went wrong" in body
    _assert_security_headers(response)
    assert web.CSP


def test_pages_and_api_answers_are_never_cached(client, make_user, login):
    login(make_user("admin"))
    for path in ("/admin", "/admin/users", "/api/v1/me", "/login"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_hsts_on_https_requests(client):
    response = client.get("/login", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_a_ten_megabyte_body_is_refused_with_413(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    response = client.post(
        "/api/v1/sites",
        data=b"x" * (10 * 1024 * 1024),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_a_revoked_token_is_refused(client, make_user):
    from supermarket.auth import services as auth

    user = make_user("admin")
    token, secret = auth.create_token(user, label="feed", actor=None)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    auth.revoke_token(token.id, actor=None)
    db.session.commit()
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_tokens_are_stored_hashed(make_user):
    from supermarket.auth import services as auth

    token, secret = auth.create_token(make_user("admin"), label="x", actor=None)
    assert secret not in (token.token_hash, token.prefix)
    assert len(token.token_hash) == 64


def test_names_with_markup_are_escaped_on_admin_pages(client, make_user, login):
    make_user("volunteer", name="<script>alert(1)</script>")
    login(make_user("admin"))
    body = client.get("/admin/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.parametrize("role", ["admin", "site_manager"])
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.dictionaries(st.text(max_size=15), json_values, max_size=6))
@pytest.mark.slow
def test_fuzzed_json_never_causes_a_server_error(app, client, make_user, token_for, role, body):
    headers = token_for(make_user(role))
    for rule in _rules(app, WRITE_METHODS):
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) & WRITE_METHODS):
            response = client.open(_url(rule), method=method, json=body, headers=headers)
            assert response.status_code < 500, (rule.rule, body)
