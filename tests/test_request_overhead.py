"""What the per-request hooks still do after being made cheaper (issue 17): the security
headers once each and never over a view's own, the session serializer rebuilt for a new key,
a JSON body's size refused before anything else, and a form still checked for NUL."""

from __future__ import annotations

from flask import Flask

from supermarket.web import SECURITY_HEADERS

NAMES = [name for name, _ in SECURITY_HEADERS] + ["Cache-Control", "Pragma"]


def _security_hook(app: Flask):
    return next(f for f in app.after_request_funcs[None] if f.__name__ == "_security_headers")


def test_an_api_answer_has_each_security_header_once(client, make_user, token_for):
    user = make_user("site_manager")
    response = client.get("/api/v1/me", headers=token_for(user))
    assert response.status_code == 200
    for name in NAMES:
        assert len(response.headers.getlist(name)) == 1, name
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_header_the_view_set_is_kept_and_not_repeated(app):
    with app.test_request_context("/api/v1/me"):
        response = app.response_class("{}", content_type="application/json")
        response.headers["content-security-policy"] = "default-src 'none'"
        response.headers["Pragma"] = "private"
        response.headers["Cache-Control"] = "max-age=60"
        _security_hook(app)(response)
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert response.headers.getlist("Pragma") == ["private"]
    assert response.headers.getlist("Cache-Control") == ["no-store"]  # always, as before
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_https_outside_production(app):
    with app.test_request_context("/login", base_url="https://localhost"):
        secure = _security_hook(app)(app.response_class(""))
    with app.test_request_context("/login"):
        plain = _security_hook(app)(app.response_class(""))
    assert "max-age=" in secure.headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in plain.headers


def test_the_session_serializer_is_built_once_per_key(app):
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    old = app.secret_key
    try:
        app.secret_key = "another key for this test only, long enough"
        second = interface.get_signing_serializer(app)
        assert second is not first
        assert second.loads(second.dumps({"a": 1})) == {"a": 1}
    finally:
        app.secret_key = old
    assert interface.get_signing_serializer(app) is not second


def test_a_json_body_over_the_limit_is_a_413_before_sign_in_is_asked(app):
    big = b"{" + b" " * app.config["MAX_CONTENT_LENGTH"] + b"}"
    response = app.test_client().post(
        "/api/v1/sites", data=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_a_form_field_with_nul_is_still_refused_from_the_api(client, make_user, token_for):
    user = make_user("site_manager")
    response = client.post("/api/v1/sites", data={"code": "a\x00b"}, headers=token_for(user))
    assert response.status_code == 422
    assert "code" in str(response.json["error"])
