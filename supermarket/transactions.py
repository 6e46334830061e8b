"""When a request may write, and how: the one rule for transactions, on SQLite and PostgreSQL.

SQLite lets one connection write at a time, and a transaction that has read cannot start
writing once another connection has committed since its first read (SQLITE_BUSY_SNAPSHOT,
"database is locked" at once: no busy timeout or retry cures it). So:

1. A request that may change data (POST, PUT, PATCH, DELETE) holds the write lock from its
   first statement (BEGIN IMMEDIATE on SQLite), so on SQLite one such request runs at a time,
   whole. The check-in desk's requests are the one exception (marked `late_write_lock`): they
   read who is asking and what they sent in a plain transaction, then take_write_lock() before
   the work that needs it, so that the desk's queue waits on the lock for as short a time as
   possible.
2. A request that only reads (GET, HEAD, OPTIONS) reads in a plain transaction, so that pages
   and reports never queue behind the desk, and never writes in it. What such a request must
   record (the audit of what it showed or refused, a session's or a token's last use) is a
   record of the request, not a change decided by what it read: write_aside() keeps it, and
   when the request's answer is ready its read transaction ends and one short transaction
   that holds the write lock from its first statement writes it all, before the answer goes.
3. The rule is enforced on every database: a statement that writes in a read request's own
   transaction raises ReadOnlyRequest, every time, so a breach fails in any test instead of
   now and then under load.

Outside requests (commands, jobs, the tests' own set-up) transactions take the write lock
first, as in 1.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Executable

from supermarket.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

# Whether the next transaction begins with SQLite's write lock (BEGIN IMMEDIATE) or plain.
sqlite_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_write_intent", default=True
)
# Whether this is a request that only reads: its own transaction must not write.
read_only_request: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "read_only_request", default=False
)
# What a read request has asked write_aside() to write when its answer is ready.
_aside: contextvars.ContextVar[list[Executable] | None] = contextvars.ContextVar(
    "write_aside", default=None
)

# How the three were before the request began, to put back when it ends.
_before: contextvars.ContextVar[tuple[contextvars.Token[Any], ...] | None] = contextvars.ContextVar(
    "transaction_rule_before", default=None
)

ASIDE = {"write_aside": True}
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|CREATE|DROP|ALTER)\b", re.I)


class ReadOnlyRequest(RuntimeError):
    """A request that only reads tried to write in its own transaction."""


def late_write_lock(view: F) -> F:
    """Mark a view that reads before it takes the write lock itself, with take_write_lock()."""
    view._late_write_lock = True  # type: ignore[attr-defined]
    return view


def begin_request(method: str, view: Callable[..., Any] | None) -> None:
    """Set the request's rule from its method: safe methods only read (see the module)."""
    reads = method in ("GET", "HEAD", "OPTIONS") or getattr(view, "_late_write_lock", False)
    _before.set(
        (
            read_only_request.set(reads),
            sqlite_write_intent.set(not reads),
            _aside.set([] if reads else None),
        )
    )


def end_request() -> None:
    """Back to the rule as it was before the request; anything not written aside is dropped."""
    tokens = _before.get()
    if tokens is None:
        return
    _before.set(None)
    read_only, intent, aside = tokens
    read_only_request.reset(read_only)
    sqlite_write_intent.reset(intent)
    _aside.reset(aside)


def write_aside(stmt: Executable) -> None:
    """Write bookkeeping that a read request must keep (audit, last seen) without writing in
    its read transaction: kept until the answer is ready (finish_read_request). In a request
    that writes, and outside requests, it is part of the current transaction."""
    pending = _aside.get()
    if read_only_request.get() and pending is not None:
        pending.append(stmt)
    else:
        db.session.execute(stmt, execution_options=ASIDE)


def finish_read_request() -> None:
    """End a read request's transaction and write what it kept aside, in one transaction that
    holds the write lock from its first statement. Runs before the answer is sent: if the
    write fails, so does the request, and nothing it read leaves unrecorded."""
    pending = _aside.get()
    if not pending:
        return
    _aside.set([])
    session = db.session()
    if isinstance(session.get_bind(), Engine):
        session.rollback()  # the read transaction wrote nothing
        sqlite_write_intent.set(True)
        for stmt in pending:
            session.execute(stmt, execution_options=ASIDE)
        session.commit()
        sqlite_write_intent.set(False)
    else:  # a session joined to an outer transaction (the tests): write inside it
        for stmt in pending:
            session.execute(stmt, execution_options=ASIDE)


def take_write_lock() -> None:
    """From here on this request holds the database's write lock (SQLite: BEGIN IMMEDIATE)
    and may write.

    Ends the read transaction the request has open, keeping the objects it loaded (nothing
    has been written, so there is nothing to lose), so that the next statement begins the
    write transaction; what the request kept aside is written in it. On PostgreSQL rows are
    locked where the work needs them, so only the request's rule changes.
    """
    if not read_only_request.get() and sqlite_write_intent.get():
        return
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("take_write_lock() must come before the request changes anything")
    read_only_request.set(False)
    sqlite_write_intent.set(True)
    pending = _aside.get() or []
    _aside.set(None)
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        keep = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep
    for stmt in pending:
        session.execute(stmt, execution_options=ASIDE)


def configure(engine: Engine) -> None:
    """Install the rule on an engine: SQLite's connection settings and BEGIN, and the guard."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)

    @event.listens_for(engine, "before_cursor_execute")
    def _no_writes_in_read_requests(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if not read_only_request.get() or not _WRITES.match(statement):
            return
        if context is not None and context.execution_options.get("write_aside"):
            return
        raise ReadOnlyRequest(
            "A request that only reads wrote in its own transaction: record bookkeeping with "
            "write_aside(), or make the change in a POST. Statement: " + statement[:80]
        )


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, enforced foreign keys and explicit BEGIN on every connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN so SAVEPOINT and locking work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_write_intent.get() else "BEGIN")
