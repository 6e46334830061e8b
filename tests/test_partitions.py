"""The history tables' monthly partitions (supermarket/partitions.py): partitioned by the
migrations on PostgreSQL, a check-in in a month with no partition yet lands in DEFAULT and
the nightly job splits it out, old months detach for archiving; SQLite keeps plain tables."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from supermarket import partitions
from supermarket.extensions import db
from tests.conftest import LONDON
from tests.visits import conftest as visits_fixtures

api = visits_fixtures.api  # the visits' fixtures, here too
stocked = visits_fixtures.stocked


def _connection() -> Any:
    return db.session.connection()


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def pg(app) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")


def _count(sql: str, **params: Any) -> int:
    return int(_connection().scalar(text(sql), params) or 0)


def _months_now() -> set[Any]:
    """This month as the audit log (UTC) and the ledger (London) see it."""
    now = datetime.now(UTC)
    return {
        partitions.month_start(now.date()),
        partitions.month_start(now.astimezone(LONDON).date()),
    }


def _drop_this_months_partitions() -> None:
    """As if the nightly job had not run for months: no partition for this month (the test's
    transaction is rolled back, partitions and all)."""
    connection = _connection()
    for table in reversed(partitions.ENABLED):  # bands and lines before visits
        for month in _months_now():
            name = partitions.partition_name(table, month)
            if name in partitions.partitions(connection, table):
                connection.exec_driver_sql(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
                connection.exec_driver_sql(f'DROP TABLE "{name}"')


def _check_in(desk: Any, api: Any, key: str) -> Any:
    return api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={
            "membership_number": desk.member().membership_number,
            "basket": {"red": 1},
            "payment": {"method": "cash"},
        },
        key=key,
    )


# --- SQLite: plain tables ---------------------------------------------------------------


def test_on_sqlite_every_function_is_a_no_op_that_says_so(app):
    if _postgresql():
        pytest.skip("SQLite only")
    connection = _connection()
    assert "sqlite" in partitions.ensure_partitions(connection).lines()[0]
    assert "stays a plain table" in partitions.partition_table(connection, "audit_events").notes[0]
    assert (
        partitions.detach_partitions(connection, before=datetime(2020, 1, 1).date()).detached == []
    )
    result = app.test_cli_runner().invoke(args=["db", "partitions"])
    assert result.exit_code == 0, result.output
    assert "sqlite: plain tables" in result.output


# --- PostgreSQL -------------------------------------------------------------------------


def test_the_history_tables_are_partitioned_by_month_with_a_default(pg):
    for table in partitions.ENABLED:
        assert partitions.is_partitioned(_connection(), table), table
        assert f"{table}_default" in partitions.partitions(_connection(), table)
        strategy = _connection().scalar(
            text("SELECT partstrat FROM pg_partitioned_table WHERE partrelid = to_regclass(:t)"),
            {"t": table},
        )
        assert strategy == "r"


def test_ensure_partitions_makes_the_months_ahead_once(pg):
    today = datetime.now(UTC).date()
    partitions.ensure_partitions(_connection(), months_ahead=5, today=today)
    ahead = partitions.add_months(partitions.month_start(today), 5)
    for table in partitions.ENABLED:
        assert partitions.partition_name(table, ahead) in partitions.partitions(
            _connection(), table
        )
    again = partitions.ensure_partitions(_connection(), months_ahead=5, today=today)
    assert again.made == []
    assert again.moved == {}


def test_a_check_in_in_a_month_with_no_partition_lands_in_default_then_moves(
    pg, desk, api, stocked
):
    _drop_this_months_partitions()
    stocked(desk, "BEANS", [(5, {})])  # a stock movement this month too
    key = str(uuid.uuid4())
    response = _check_in(desk, api, key)
    assert response.status_code == 201, response.json
    visit_id = response.json["id"]
    audit_in_default = (
        "SELECT count(*) FROM audit_events_default "
        "WHERE action = 'visit.checked_in' AND object_id = :id"
    )
    assert _count(audit_in_default, id=str(visit_id)) == 1
    assert _count("SELECT count(*) FROM stock_movements_default") >= 1
    family = [t for t in partitions.VISITS_FAMILY if t in partitions.ENABLED]
    if "visits" in family:  # the visit and its bands too
        assert _count("SELECT count(*) FROM visits_default WHERE id = :id", id=visit_id) == 1
        assert _count("SELECT count(*) FROM visit_bands_default WHERE visit_id = :id", id=visit_id)

    report = partitions.ensure_partitions(_connection(), today=datetime.now(UTC).date())

    month = partitions.month_start(datetime.now(UTC).date())
    audit_month = partitions.partition_name("audit_events", month)
    assert report.moved.get(audit_month, 0) >= 1
    assert _count(audit_in_default, id=str(visit_id)) == 0
    assert (
        _count(f"{audit_in_default.replace('audit_events_default', audit_month)}", id=str(visit_id))
        == 1
    )
    assert _count("SELECT count(*) FROM stock_movements_default") == 0
    for table in family:
        assert _count(f"SELECT count(*) FROM {table}_default") == 0, table
    # Still read back by the API, and a retry with the same key is still answered with it.
    day = api(desk.volunteer).get(f"/api/v1/sites/{desk.site.code}/visits")
    assert visit_id in [item["id"] for item in day.json["items"]]
    again = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={
            "membership_number": response.json["membership_number"],
            "basket": {"red": 1},
            "payment": {"method": "cash"},
        },
        key=key,
    )
    assert again.status_code == 200, again.json
    assert again.json["id"] == visit_id
    assert again.json["replayed"] is True
    # Writes go on after the move: the sequence still belongs to the table.
    assert _check_in(desk, api, str(uuid.uuid4())).status_code == 201


def test_detaching_leaves_a_plain_table_the_parent_no_longer_sees(pg, desk, api):
    response = _check_in(desk, api, str(uuid.uuid4()))
    assert response.status_code == 201
    today = datetime.now(UTC).date()
    partitions.ensure_partitions(_connection(), today=today)
    month = partitions.month_start(today)
    name = partitions.partition_name("audit_events", month)
    seen = "SELECT count(*) FROM audit_events WHERE object_id = :id AND action = 'visit.checked_in'"
    assert _count(seen, id=str(response.json["id"])) == 1

    # Before the month after this one, in UTC and in London.
    after = partitions.add_months(max(_months_now()), 1)
    report = partitions.detach_partitions(_connection(), before=after)

    assert name in report.detached
    assert name not in partitions.partitions(_connection(), "audit_events")
    kind = _connection().scalar(
        text("SELECT relkind::text || relispartition::text FROM pg_class WHERE relname = :n"),
        {"n": name},
    )
    assert kind == "rfalse"
    assert _count(seen, id=str(response.json["id"])) == 0
    assert _count(seen.replace("audit_events", name), id=str(response.json["id"])) == 1
    if "visits" in partitions.ENABLED:  # the visit and its bands went with their month
        visit_id = response.json["id"]
        assert _count("SELECT count(*) FROM visits WHERE id = :id", id=visit_id) == 0
        assert _count("SELECT count(*) FROM visit_bands WHERE visit_id = :id", id=visit_id) == 0
        local_month = partitions.month_start(datetime.fromisoformat(response.json["local_date"]))
        archived = partitions.partition_name("visits", local_month)
        assert _count(f"SELECT count(*) FROM {archived} WHERE id = :id", id=visit_id) == 1
    # A later month's partitions stay attached.
    later = partitions.partition_name("audit_events", after)
    assert later in partitions.partitions(_connection(), "audit_events")


def test_the_nightly_command_runs_and_refuses_to_detach_what_is_still_needed(pg, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "partitions", "--months-ahead", "4"])
    assert result.exit_code == 0, result.output
    this_month = partitions.month_start(datetime.now(UTC).date())
    refused = runner.invoke(args=["db", "partitions", "--detach-before", f"{this_month:%Y-%m}"])
    assert refused.exit_code != 0
    assert "within the retention and reporting period" in refused.output


def test_partitioning_and_back_keep_the_rows_and_the_keys(pg, desk, api):
    assert _check_in(desk, api, str(uuid.uuid4())).status_code == 201
    connection = _connection()
    before = _count("SELECT count(*) FROM audit_events")
    partitions.unpartition_table(connection, "audit_events")
    assert not partitions.is_partitioned(connection, "audit_events")
    assert _count("SELECT count(*) FROM audit_events") == before
    key = connection.scalar(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'audit_events'::regclass AND contype = 'p'"
        )
    )
    assert key == "PRIMARY KEY (id)"
    partitions.partition_table(connection, "audit_events", today=datetime.now(UTC).date())
    assert partitions.is_partitioned(connection, "audit_events")
    assert _count("SELECT count(*) FROM audit_events") == before
    # Still append-only, and still numbered by its sequence.
    with pytest.raises(Exception, match="append-only"), connection.begin_nested():
        connection.exec_driver_sql("DELETE FROM audit_events")
    assert _check_in(desk, api, str(uuid.uuid4())).status_code == 201


def _catalogue(partition: str) -> dict[str, list[str]]:
    """What a partition has of its parent's: its indexes, foreign keys and triggers (the
    partition's own names left out, so that two months compare)."""
    connection = _connection()
    params = {"t": f"public.{partition}"}
    indexes = connection.scalars(
        text(
            "SELECT regexp_replace(pg_get_indexdef(indexrelid), '^.* USING ', '') "
            "FROM pg_index WHERE indrelid = to_regclass(:t) ORDER BY 1"
        ),
        params,
    ).all()
    keys = connection.scalars(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(:t) AND contype = 'f' ORDER BY 1"
        ),
        params,
    ).all()
    triggers = connection.scalars(
        text(
            "SELECT CASE WHEN tgisinternal THEN 'internal' ELSE tgname END FROM pg_trigger "
            "WHERE tgrelid = to_regclass(:t) ORDER BY 1"
        ),
        params,
    ).all()
    return {"indexes": list(indexes), "keys": list(keys), "triggers": list(triggers)}


def test_a_month_split_out_of_default_is_a_partition_like_one_made_ahead(pg, desk, api):
    _drop_this_months_partitions()
    assert _check_in(desk, api, str(uuid.uuid4())).status_code == 201
    connection = _connection()
    now = datetime.now(UTC)
    report = partitions.ensure_partitions(connection, today=now.date())
    assert report.moved
    for moved in report.moved:
        table = next(t for t in partitions.TABLES if moved.startswith(f"{t}_"))
        month = partitions.partitions(connection, table)[moved]
        assert month is not None
        made_ahead = partitions.partition_name(table, partitions.add_months(month, 1))
        assert _catalogue(moved) == _catalogue(made_ahead), table
        assert _catalogue(moved)["indexes"], table
        assert report.moved[moved] == _count(f'SELECT count(*) FROM "{moved}"'), table
    # The visit's month is London's, the audit log's UTC's (they differ at a month's first
    # hour in summer time).
    visits_month = partitions.partition_name(
        "visits", partitions.month_start(now.astimezone(LONDON).date())
    )
    audit_month = partitions.partition_name("audit_events", partitions.month_start(now.date()))
    assert report.moved[visits_month] == 1
    # The moved months' keys are enforced, and the audit log's month is still append-only.
    with pytest.raises(Exception, match="foreign key"), connection.begin_nested():
        connection.exec_driver_sql(f'UPDATE "{visits_month}" SET member_id = -1')
    with pytest.raises(Exception, match="append-only"), connection.begin_nested():
        connection.exec_driver_sql(f'DELETE FROM "{audit_month}"')
    # A second run finds nothing left in DEFAULT to move.
    assert partitions.ensure_partitions(connection, today=now.date()).moved == {}
