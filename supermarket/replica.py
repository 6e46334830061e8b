"""Reporting reads from a PostgreSQL streaming replica, writes always on the primary.

With `REPORTING_DATABASE_URL` set (a hot standby of `DATABASE_URL`'s cluster), a request to
the reporting pages, PDFs, CSV and feed (`route_reporting_reads()` in web.py) reads its
figures from the replica:

- Only SELECTs go there, and only those that touch no table of who may see what (users, their
  sites, sessions, tokens, throttles, the audit log: `primary_only`), so signing in, access
  checks and everything written (the audit event of a report, "last used") stay on the
  primary, which a replica could not take anyway.
- Before a request is routed, the replica is checked (at most every few seconds per worker):
  reachable, in recovery, and either caught up with the primary's WAL or no further behind
  than `REPORTING_MAX_LAG_SECONDS`. Down or too far behind: the request reads from the
  primary instead — never older figures than the limit, never an error for a replica's
  trouble.
- `figures_source()` says where the figures came from and how fresh they are; pages show it,
  and every reporting answer carries `X-Figures-Source` and `X-Figures-As-Of`.

SQLite has no replicas: the setting is refused with a clear error at start.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection, Engine, Select, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

PRIMARY, REPLICA = "primary", "replica"


@dataclass(frozen=True)
class FiguresSource:
    """Where a reporting request's figures come from and as of when."""

    source: str  # PRIMARY or REPLICA
    as_of: datetime
    reason: str = ""  # why the primary was used although a replica is configured

    @property
    def lag_seconds(self) -> float:
        return max(0.0, (datetime.now(UTC) - self.as_of).total_seconds())

    def describe(self, when: str) -> str:
        """What a page says of its figures; `when` is `as_of` as the page writes times."""
        if self.source == REPLICA:
            minutes = int(self.lag_seconds // 60)
            behind = (
                "up to date"
                if minutes < 1
                else f"{minutes} minute{'s' if minutes != 1 else ''} behind the desks"
            )
            return f"Figures as of {when}, from the reporting copy of the database ({behind})."
        if self.reason:
            return f"Figures as of {when}, live from the main database ({self.reason})."
        return f"Figures as of {when}, live."


# The engine this request's reporting reads go to (None: the primary, as every request).
_reading_from: contextvars.ContextVar[Engine | None] = contextvars.ContextVar(
    "reporting_reads_from", default=None
)
_source: contextvars.ContextVar[FiguresSource | None] = contextvars.ContextVar(
    "figures_source", default=None
)


class RoutingSession(FlaskSession):
    """The application's session: as Flask-SQLAlchemy's, except that in a reporting request
    a plain SELECT of reporting data goes to the replica."""

    def get_bind(
        self,
        mapper: Any | None = None,
        clause: Any | None = None,
        bind: Engine | Connection | None = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        replica = _reading_from.get()
        if replica is not None and bind is None and _replica_may_answer(clause):
            return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


# Tables a replica never answers for (set by `Replica.init_app`): who may see what.
primary_only: frozenset[str] = frozenset()


def _replica_may_answer(clause: Any) -> bool:
    if not isinstance(clause, Select) or clause._for_update_arg is not None:
        return False
    names = {getattr(t, "name", None) for t in _tables(clause)}
    return not (names & primary_only)


def _tables(clause: Select[Any]) -> Iterable[Any]:
    """Every table the statement reads, subqueries and joins included."""
    from sqlalchemy.sql.visitors import iterate

    for element in iterate(clause):
        if getattr(element, "__visit_name__", "") == "table":
            yield element


@dataclass
class _Check:
    at: float
    source: FiguresSource


class Replica:
    """The reporting replica of one application: its engine and its last health check."""

    def __init__(self, url: str, *, max_lag: timedelta, check_every: float = 5.0) -> None:
        self.engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=2,
            max_overflow=8,
            connect_args={"connect_timeout": 2},
        )
        self.max_lag = max_lag
        self.check_every = check_every
        self._last: _Check | None = None
        self._lock = threading.Lock()

    def source(self, primary: Engine) -> FiguresSource:
        """Where reporting reads should go now (checked at most every `check_every` s)."""
        now = time.monotonic()
        with self._lock:
            last = self._last
            if last is not None and now - last.at < self.check_every:
                return last.source
        found = self._check(primary)
        with self._lock:
            self._last = _Check(now, found)
        return found

    def forget(self) -> None:
        with self._lock:
            self._last = None

    def _check(self, primary: Engine) -> FiguresSource:
        now = datetime.now(UTC)
        try:
            with primary.connect() as conn:
                primary_lsn = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
            with self.engine.connect() as conn:
                row = conn.execute(
                    text(
                        "SELECT pg_is_in_recovery(), "
                        "pg_wal_lsn_diff(CAST(:lsn AS pg_lsn), pg_last_wal_replay_lsn()), "
                        "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
                    ),
                    {"lsn": primary_lsn},
                ).one()
        except SQLAlchemyError as error:
            log.warning("reporting replica unavailable, reading from the primary: %s", error)
            return FiguresSource(PRIMARY, now, "the reporting copy is unavailable")
        in_recovery, behind_bytes, lag = row
        if not in_recovery:
            return FiguresSource(PRIMARY, now, "the reporting copy is not a replica")
        if behind_bytes is not None and behind_bytes <= 0:
            return FiguresSource(REPLICA, now)  # caught up with the primary as of now
        # Behind: as of its last transaction replayed (the lag by the replica's own clock).
        if lag is None or float(lag) > self.max_lag.total_seconds():
            return FiguresSource(PRIMARY, now, "the reporting copy is too far behind")
        return FiguresSource(REPLICA, now - timedelta(seconds=float(lag)))


def init_app(app: Any, primary_only_tables: Iterable[str]) -> None:
    """Make the app's reporting replica from its configuration (none without the setting)."""
    global primary_only
    primary_only = frozenset(primary_only_tables)
    url = app.config.get("REPORTING_DATABASE_URL") or ""
    app.extensions["reporting_replica"] = None
    if not url:
        return
    if not url.startswith("postgresql"):
        raise RuntimeError(
            "REPORTING_DATABASE_URL must name a PostgreSQL streaming replica "
            "(postgresql://...): SQLite has no replicas."
        )
    app.extensions["reporting_replica"] = Replica(
        url, max_lag=timedelta(seconds=app.config["REPORTING_MAX_LAG_SECONDS"])
    )


def begin_reporting_request(app: Any, primary: Engine) -> FiguresSource:
    """Route this request's reporting reads (to the replica if it is fit to answer)."""
    replica: Replica | None = app.extensions.get("reporting_replica")
    if replica is None:
        found = FiguresSource(PRIMARY, datetime.now(UTC))
    else:
        found = replica.source(primary)
        if found.source == REPLICA:
            _reading_from.set(replica.engine)
    _source.set(found)
    return found


def end_reporting_request() -> None:
    _reading_from.set(None)
    _source.set(None)


def figures_source() -> FiguresSource | None:
    """Where this request's figures come from (None outside reporting requests)."""
    return _source.get()
