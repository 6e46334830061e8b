"""What the per-request work still does after being made cheaper (issue 17): the security
headers once each and never over a view's own, the session serializer rebuilt for a new key,
a JSON body's size refused before anything else, a form still checked for NUL, and a token's
user and sites found in one statement with every check on the token kept."""

from __future__ import annotations

import copy
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

from flask import Flask
from marshmallow import Schema, fields
from sqlalchemy import event, select

from supermarket.auth import services as auth
from supermarket.auth.models import ApiToken
from supermarket.extensions import db
from supermarket.serialise import ObjectOut
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


# --- the token's lookup: one statement, the user and their sites, the token's checks kept ---


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def spy(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)


def test_a_token_finds_its_user_and_sites_in_one_statement(app, make_site, make_user):
    sites = [make_site(), make_site()]
    user = make_user("site_manager", sites=sites)
    _, secret = auth.create_token(user, label="t", actor=None)
    db.session.commit()
    user_id, codes = user.id, sorted(s.code for s in sites)
    db.session.expunge_all()
    with _statements() as seen:
        found = auth.user_for_token(secret)
        assert found is not None
        assert found.id == user_id
        assert sorted(s.code for s in found.sites) == codes
        assert found in db.session  # the session's own object, as any loaded user
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, seen


def test_a_token_is_refused_when_revoked_unknown_or_its_user_deactivated(make_user):
    user = make_user("volunteer")
    token, secret = auth.create_token(user, label="t", actor=None)
    db.session.commit()
    assert auth.user_for_token(secret) is not None
    assert auth.user_for_token(secret[:-2] + "xx") is None
    assert auth.user_for_token("nope_" + secret) is None
    user.active = False
    db.session.commit()
    assert auth.user_for_token(secret) is None
    user.active = True
    auth.revoke_token(token.id, actor=None)
    db.session.commit()
    assert auth.user_for_token(secret) is None


def test_a_tokens_use_is_noted_at_most_every_five_minutes(client, make_user, token_for, clock):
    user = make_user("volunteer")
    headers = token_for(user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    first = token.last_used_at
    assert first is not None
    clock.shift(timedelta(minutes=4))
    client.get("/api/v1/me", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at == first
    clock.shift(timedelta(minutes=2))
    client.get("/api/v1/me", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at > first


# --- Flask and Flask-Login, minus work whose answer cannot change (supermarket.framework) ---


def test_each_hook_is_asked_once_whether_it_is_a_coroutine(app, monkeypatch):
    asked: list[object] = []
    real = Flask.ensure_sync

    def counting(self, func):
        asked.append(func)
        return real(self, func)

    def hook(response):
        return response

    monkeypatch.setattr(Flask, "ensure_sync", counting)
    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook) is hook
    assert asked == [hook]


def test_session_protection_is_still_applied_when_configured(app, monkeypatch):
    manager = app.login_manager
    made: list[int] = []

    def identifier() -> str:
        made.append(1)
        return "another client"

    monkeypatch.setattr(manager, "_session_identifier_generator", identifier)
    with app.test_request_context("/"):
        assert manager._session_protection_failed() is False
        assert made == []  # off (our sessions are server-side records): not computed
        monkeypatch.setitem(app.config, "SESSION_PROTECTION", "strong")
        from flask import session  # noqa: TID251  # Flask-Login's keys, as it reads them

        session["_id"] = "this client"
        session["_user_id"] = "x"
        assert manager._session_protection_failed() is True
        assert made == [1]
        assert "_user_id" not in session


# --- output schemas reading attributes straight off objects (serialise.ObjectOut) ---


def _pair() -> tuple[Schema, Schema]:
    declared = {
        "id": fields.Integer(),
        "first_name": fields.String(attribute="member.first_name"),
        "note": fields.String(),
        "absent": fields.String(),
        "fallback": fields.String(dump_default="given"),
    }
    plain = Schema.from_dict(dict(declared), name="Plain")()
    fast = type("Fast", (ObjectOut,), {k: copy.deepcopy(v) for k, v in declared.items()})()
    return plain, fast


def test_an_object_schema_dumps_as_marshmallow_does():
    member = SimpleNamespace(first_name="Ada")
    Pair = namedtuple("Pair", "id note member")  # items by number only: attributes read
    for obj in (
        SimpleNamespace(id=1, note="n", member=member),
        {"id": 2, "note": None, "member": {"first_name": "Bo"}},
        Pair(3, "p", member),
        SimpleNamespace(id=4, member=member),  # no note: left out
    ):
        plain, fast = _pair()
        assert fast.dump(obj) == plain.dump(obj), obj
