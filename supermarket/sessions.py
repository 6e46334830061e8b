"""Flask's signed session cookie, its signing serializer built once per secret key.

Flask's SecureCookieSessionInterface builds an itsdangerous serializer on every request,
cookie or not: a measurable share of an API call, which never has one. The serializer holds
no state between calls (each signs and checks with signers it makes), so one per key serves
every request; a changed SECRET_KEY or SECRET_KEY_FALLBACKS (tests change them) builds a new
one.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._built: tuple[Any, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = (keys, super().get_signing_serializer(app))
            self._built = built
        return built[1]
