"""Every Flask extension, created unbound and bound in create_app()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from supermarket.models import Base, UTCDateTime, sqlite_write_intent

F = TypeVar("F", bound=Callable[..., Any])


def client_address() -> str:
    """The rate-limit key: the client address as ProxyFix resolved it, never a raw header."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTC timestamp type as a plain DateTime so migrations never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


migrate = Migrate(compare_type=True, render_as_batch=True, render_item=_render_item)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, default_limits=[])


def late_write_lock(view: F) -> F:
    """Mark a view that writes but takes SQLite's write lock itself, with take_write_lock(),
    once it has authenticated the caller and checked the input.

    Other writing requests hold the lock from their first statement (BEGIN IMMEDIATE), so on
    SQLite one request at a time runs, whole. The check-in desk's requests instead read who is
    asking and what they sent in a plain read transaction and queue for the lock only for the
    work that needs it: more tablets served a second, and none waiting longer.
    """
    view._late_write_lock = True  # type: ignore[attr-defined]
    return view


def take_write_lock() -> None:
    """From here on this request holds the database's write lock (SQLite: BEGIN IMMEDIATE).

    Ends the read transaction the request has open, keeping the objects it loaded (nothing
    has been written, so there is nothing to lose), so that the next statement begins the
    write transaction. On PostgreSQL, and in requests that already hold the lock, it does
    nothing: there, rows are locked where the work needs them.
    """
    if sqlite_write_intent.get():
        return
    sqlite_write_intent.set(True)
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("take_write_lock() must come before the request changes anything")
    if not session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
