"""Flask, its session and Flask-Login, each minus a piece of per-request work whose answer
cannot change between requests (issue 17: the check-in's per-request overhead).

- `SessionInterface`: Flask's signed session cookie, its signing serializer built once per
  secret key. Flask builds an itsdangerous serializer on every request, cookie or not; the
  serializer holds no state between calls (each signs and checks with signers it makes), so
  one per key serves every request, and a changed SECRET_KEY or SECRET_KEY_FALLBACKS (tests
  change them) builds a new one.
- `App.ensure_sync`: Flask asks `inspect` whether each hook and the view is a coroutine
  function, a dozen times a request; the answer is kept per function (weakly: a function
  made for one request, e.g. by after_this_request, is not kept alive).
- `LoginManager`: Flask-Login hashes the client's address and user agent on every request
  before reading whether session protection is on; ours is off (the sessions are
  server-side records), so the hash is skipped when it is, as its answer is then unused.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import flask_login
from flask import Flask, current_app
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


class App(Flask):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: weakref.WeakKeyDictionary[Any, Callable[..., Any]] = weakref.WeakKeyDictionary()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync[func]
        except KeyError:
            made = super().ensure_sync(func)
            self._sync[func] = made
            return made
        except TypeError:  # neither hashable nor weakly referable: asked each time
            return super().ensure_sync(func)


class LoginManager(flask_login.LoginManager):  # type: ignore[misc]  # untyped
    def _session_protection_failed(self) -> bool:
        mode = current_app.config.get("SESSION_PROTECTION", self.session_protection)
        if not mode or mode not in ("basic", "strong"):
            return False
        failed: bool = super()._session_protection_failed()
        return failed
