"""Reporting reads from a streaming replica (REPORTING_DATABASE_URL), writes never: which
statements may go there, the fallback to the primary when the replica is down or too far
behind, and what the pages and answers say of the figures' freshness.

The tests against a real replica run where SUPERMARKET_TEST_REPLICA names one (host:port of a
hot standby of the test database's PostgreSQL cluster: `.ci/run` starts one with
pg_basebackup); the rest run on every database."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, make_url, select, text

from supermarket import create_app, replica
from supermarket.auth.models import AuditEvent, User, user_sites
from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.visits.models import Visit

REPLICA_AT = os.environ.get("SUPERMARKET_TEST_REPLICA", "")


@pytest.fixture
def lead_headers(make_user, token_for):
    return token_for(make_user("programme_lead"))


@pytest.fixture
def replica_of(app):
    """Install a reporting replica at `url` on the test app for one test."""
    before = app.extensions.get("reporting_replica")

    def install(url: str, **options: Any) -> replica.Replica:
        found = replica.Replica(url, max_lag=options.pop("max_lag", timedelta(minutes=5)))
        app.extensions["reporting_replica"] = found
        return found

    yield install
    made = app.extensions.get("reporting_replica")
    if made is not None and made is not before:
        made.engine.dispose()
    app.extensions["reporting_replica"] = before


# --- which statements a replica may answer ---------------------------------------------------


def test_reporting_selects_may_go_to_the_replica_access_and_writes_never():
    assert replica._replica_may_answer(select(Visit).join(Site))
    assert replica._replica_may_answer(select(Visit.id).where(Visit.site_id == 1))
    assert not replica._replica_may_answer(select(User))  # who is signed in: the primary's
    assert not replica._replica_may_answer(select(Site).join(user_sites))
    assert not replica._replica_may_answer(select(Visit).where(Visit.actor_id.in_(select(User.id))))
    assert not replica._replica_may_answer(select(Visit).with_for_update())
    assert not replica._replica_may_answer(insert(AuditEvent))
    assert not replica._replica_may_answer(text("SELECT 1"))


def test_a_replica_must_be_postgresql():
    with pytest.raises(RuntimeError, match="PostgreSQL streaming replica"):
        create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "REPORTING_DATABASE_URL": "sqlite:///elsewhere.db",
                "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            }
        )


# --- without a replica, and with one that is down -------------------------------------------


def test_without_a_replica_the_figures_are_live_and_say_so(client, lead_headers, login, make_user):
    response = client.get("/api/v1/stats?period=2026-Q3", headers=lead_headers)
    assert response.status_code == 200
    assert response.headers["X-Figures-Source"] == "primary"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", response.headers["X-Figures-As-Of"]
    )
    page = login(make_user("programme_lead")).get("/reporting/programme")
    assert page.status_code == 200
    assert re.search(r"Figures as of \d\d/\d\d/\d{4} \d\d:\d\d, live\.", page.text)


def test_a_replica_that_is_down_leaves_reporting_on_the_primary(
    client, lead_headers, replica_of, login, make_user
):
    replica_of("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    response = client.get("/api/v1/stats?period=2026-Q3", headers=lead_headers)
    assert response.status_code == 200
    assert response.headers["X-Figures-Source"] == "primary"
    page = login(make_user("programme_lead")).get("/reporting/programme")
    assert page.status_code == 200
    assert "live from the main database (the reporting copy is unavailable)." in page.text


def test_pages_say_how_far_behind_a_replica_is():
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    fresh = replica.FiguresSource(replica.REPLICA, now)
    behind = replica.FiguresSource(replica.REPLICA, now - timedelta(minutes=3, seconds=5))
    assert fresh.describe("10:04") == (
        "Figures as of 10:04, from the reporting copy of the database (up to date)."
    )
    assert behind.describe("10:01") == (
        "Figures as of 10:01, from the reporting copy of the database (3 minutes behind the desks)."
    )


# --- a real streaming replica -----------------------------------------------------------------

needs_replica = pytest.mark.skipif(
    not REPLICA_AT, reason="SUPERMARKET_TEST_REPLICA names no streaming replica"
)


def _replica_url() -> str:
    host, _, port = REPLICA_AT.partition(":")
    url = make_url(str(db.engine.url)).set(host=host, port=int(port or 5432))
    return url.render_as_string(hide_password=False)


def _caught_up(found: replica.Replica) -> None:
    """Wait until the replica has replayed everything the primary has committed."""
    with db.engine.connect() as conn:
        target = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
    for _ in range(200):
        with found.engine.connect() as conn:
            behind = conn.execute(
                text("SELECT pg_wal_lsn_diff(CAST(:t AS pg_lsn), pg_last_wal_replay_lsn())"),
                {"t": target},
            ).scalar_one()
        if behind is not None and behind <= 0:
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


def _statements(engine: Any) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    return seen


@needs_replica
@pytest.mark.concurrency
def test_reporting_reads_go_to_the_replica_and_writes_never_do(
    client, programme, lead_headers, replica_of
):
    db.session.commit()
    found = replica_of(_replica_url())
    _caught_up(found)
    on_replica, on_primary = _statements(found.engine), _statements(db.engine)

    response = client.get("/api/v1/stats?period=2026-Q3", headers=lead_headers)
    assert response.status_code == 200, response.json
    assert response.headers["X-Figures-Source"] == "replica"
    assert response.json["figures"]["visits"]["visits"] == "<10"  # the figures themselves
    reads = [s for s in on_replica if s.startswith("SELECT")]
    assert any(" visits" in s or "rollup" in s for s in reads), on_replica
    writes = re.compile(r"^(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|TRUNCATE)\b", re.I)
    assert not [s for s in on_replica if writes.match(s)]
    # Access (the token and its user) was read on the primary; the figures were not.
    assert any("api_tokens" in s for s in on_primary)
    assert not [s for s in on_primary if s.startswith("SELECT") and "FROM visits" in s]


@needs_replica
@pytest.mark.concurrency
def test_a_replica_too_far_behind_gives_way_to_the_primary(
    client, programme, lead_headers, replica_of
):
    db.session.commit()
    found = replica_of(_replica_url(), max_lag=timedelta(seconds=0))
    _caught_up(found)
    with found.engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_pause()"))
        conn.commit()
        for _ in range(200):
            if conn.execute(text("SELECT pg_get_wal_replay_pause_state()")).scalar() == "paused":
                break
            time.sleep(0.05)
    try:
        db.session.execute(
            insert(AuditEvent).values(action="test.lag", object_type="site", object_id="0")
        )
        db.session.commit()  # the primary moves on; the paused replica does not
        time.sleep(0.2)
        response = client.get("/api/v1/stats?period=2026-Q3", headers=lead_headers)
        assert response.status_code == 200
        assert response.headers["X-Figures-Source"] == "primary"
    finally:
        with found.engine.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
            conn.commit()
