"""Monthly partitions of the history tables on PostgreSQL (SQLite keeps plain tables).

The visits (with their bands and lines), the stock ledger and the audit log grow by every
check-in. On PostgreSQL each is RANGE-partitioned by calendar month of its partition column
(`local_date`; the audit log's `at`, a UTC timestamp, by the month in UTC), with a DEFAULT
partition that catches any row whose month has no partition yet, so a write never fails for
want of one:

- `partition_table` turns a plain table into a partitioned one (migration 0027), and
  `unpartition_table` turns it back (its downgrade);
- `ensure_partitions` (nightly: `supermarket db partitions`) makes the months ahead and splits
  out of DEFAULT any month that landed there;
- `detach_partitions` detaches whole months before a given one, leaving plain tables named
  e.g. `visits_2023_01` to archive (pg_dump) and then drop.

Partition names are `<table>_YYYY_MM` and `<table>_default`; `migrations/env.py` leaves them
(and detached months) out of `db check`'s comparison with the models.

This module imports nothing of the application (only SQLAlchemy), so that the migration may use
it. Every function takes a Connection and runs in its transaction: the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Partitioned:
    """A table partitioned by month of `column` (a date, or a UTC timestamp when `utc`)."""

    name: str
    column: str
    utc: bool = False
    granularity: str = "month"


# In an order that keeps foreign keys valid: a table before the tables that refer to it.
TABLES: dict[str, Partitioned] = {
    spec.name: spec
    for spec in (
        Partitioned("visits", "local_date"),
        Partitioned("visit_bands", "local_date"),
        Partitioned("visit_lines", "local_date"),
        Partitioned("stock_movements", "local_date"),
        Partitioned("audit_events", "at", utc=True),
    )
}
VISITS_FAMILY = ("visits", "visit_bands", "visit_lines")
# Every one since migration 0026 made the keys into visits (visit_id, local_date).
ENABLED: tuple[str, ...] = tuple(TABLES)

MONTHS_AHEAD = 3
_PARTITION_NAME = re.compile(
    "^(?:" + "|".join(re.escape(name) for name in TABLES) + r")_(?:\d{4}_\d{2}|default)$"
)
_MONTH_SUFFIX = re.compile(r"_(\d{4})_(\d{2})$")


def is_partition_name(name: str) -> bool:
    """A partition's name (attached or detached), which `db check` leaves out."""
    return bool(_PARTITION_NAME.match(name))


@dataclass
class PartitionReport:
    made: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)  # partition: rows moved from DEFAULT
    detached: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = list(self.notes)
        out += [f"Made partition {name}." for name in self.made]
        out += [f"Moved {rows} rows from DEFAULT into {name}." for name, rows in self.moved.items()]
        out += [f"Detached {name} (now a plain table to archive)." for name in self.detached]
        return out or ["Nothing to do: every partition needed already exists."]


# --- months -------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_{month:%Y_%m}"


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def _bound(spec: Partitioned, month: date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'" if spec.utc else f"'{month.isoformat()}'"


def _month_of(spec: Partitioned) -> str:
    """SQL for the first day of a row's month (the audit log's in UTC)."""
    column = f'"{spec.column}"'
    if spec.utc:
        return f"date_trunc('month', {column} AT TIME ZONE 'UTC')::date"
    return f"date_trunc('month', {column})::date"


# --- the catalogue ------------------------------------------------------------------------


def _is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def is_partitioned(conn: Connection, table: str) -> bool:
    if not _is_postgresql(conn):
        return False
    kind = conn.scalar(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": f"public.{table}"}
    )
    return kind == "p"


def _exists(conn: Connection, table: str) -> bool:
    return bool(conn.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"public.{table}"}))


def partitions(conn: Connection, table: str) -> dict[str, date | None]:
    """The table's partitions: name -> month (None for DEFAULT)."""
    names = conn.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:t) ORDER BY c.relname"
        ),
        {"t": f"public.{table}"},
    ).all()
    found: dict[str, date | None] = {}
    for name in names:
        match = _MONTH_SUFFIX.search(name)
        found[name] = date(int(match[1]), int(match[2]), 1) if match else None
    return found


@dataclass
class _Definition:
    """What a table's rebuild must put back, read from the catalogue."""

    sequence: str | None
    primary_key: str
    constraints: list[tuple[str, str]]  # name, definition (unique, foreign key, exclusion)
    indexes: list[str]  # CREATE INDEX statements
    triggers: list[str]  # CREATE TRIGGER statements
    inbound: list[tuple[str, str, str]]  # referring table, name, definition


def _definition(conn: Connection, table: str) -> _Definition:
    params = {"t": f"public.{table}"}
    sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), params)
    primary_key = conn.scalar(
        text(
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:t) AND contype = 'p'"
        ),
        params,
    )
    constraints = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(:t) AND contype IN ('u', 'f', 'x') "
            "AND conparentid = 0 ORDER BY conname"
        ),
        params,
    ).all()
    indexes = conn.scalars(
        text(
            "SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "WHERE x.indrelid = to_regclass(:t) AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
            "AND c.conrelid = x.indrelid) ORDER BY 1"
        ),
        params,
    ).all()
    triggers = conn.scalars(
        text(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = to_regclass(:t) AND NOT tgisinternal AND tgparentid = 0 "
            "ORDER BY tgname"
        ),
        params,
    ).all()
    inbound = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE confrelid = to_regclass(:t) AND contype = 'f' "
            "AND conrelid <> confrelid AND conparentid = 0 ORDER BY 1, 2"
        ),
        params,
    ).all()
    return _Definition(
        sequence=sequence,
        primary_key=primary_key or f"pk_{table}",
        constraints=[(name, sql) for name, sql in constraints],
        # A partitioned table's index is "ON ONLY" the parent: the rebuilt one covers all.
        indexes=[sql.replace(" ON ONLY ", " ON ") for sql in indexes],
        triggers=list(triggers),
        inbound=[(referring, name, sql) for referring, name, sql in inbound],
    )


def _drop_inbound(conn: Connection, inbound: list[tuple[str, str, str]]) -> None:
    for referring, name, _ in inbound:
        conn.exec_driver_sql(f'ALTER TABLE {referring} DROP CONSTRAINT "{name}"')


def _add_inbound(conn: Connection, inbound: list[tuple[str, str, str]]) -> None:
    for referring, name, sql in inbound:
        conn.exec_driver_sql(f'ALTER TABLE {referring} ADD CONSTRAINT "{name}" {sql}')


# --- partitioning and back ----------------------------------------------------------------


def partition_table(
    conn: Connection,
    table: str,
    *,
    copy: bool = True,
    months_ahead: int = MONTHS_AHEAD,
    today: date | None = None,
) -> PartitionReport:
    """Rebuild a plain table as one RANGE-partitioned by month: the same columns, defaults
    (and id sequence), CHECKs and NOT NULLs; primary key (id, <column>); its indexes, unique
    constraints, foreign keys and triggers; the foreign keys that refer to it; a partition per
    month from the earliest row's month (or this month) to `months_ahead` ahead, and DEFAULT.
    The rows are copied (unless `copy` is False: then they are dropped with the old table)."""
    report = PartitionReport()
    spec = TABLES[table]
    if not _is_postgresql(conn):
        report.notes.append(f"{conn.dialect.name}: {table} stays a plain table.")
        return report
    if is_partitioned(conn, table):
        report.notes.append(f"{table} is already partitioned.")
        return report
    _rebuild(
        conn,
        spec,
        partitioned=True,
        copy=copy,
        months_ahead=months_ahead,
        today=today,
        report=report,
    )
    return report


def unpartition_table(conn: Connection, table: str) -> PartitionReport:
    """Rebuild a partitioned table as a plain one with all its attached partitions' rows
    (primary key back to id alone). Detached months are left alone."""
    report = PartitionReport()
    spec = TABLES[table]
    if not is_partitioned(conn, table):
        report.notes.append(f"{table} is not partitioned.")
        return report
    _rebuild(conn, spec, partitioned=False, copy=True, months_ahead=0, today=None, report=report)
    return report


def _rebuild(
    conn: Connection,
    spec: Partitioned,
    *,
    partitioned: bool,
    copy: bool,
    months_ahead: int,
    today: date | None,
    report: PartitionReport,
) -> None:
    table, column = spec.name, spec.column
    old = f"{table}__rebuilt"
    conn.exec_driver_sql(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
    found = _definition(conn, table)
    for name, sql in found.constraints:
        if partitioned and sql.startswith("UNIQUE") and column not in sql:
            raise ValueError(
                f"{table}.{name} ({sql}) leaves out {column}: a partitioned table's unique "
                f"constraints must include its partition column"
            )
    for referring, name, sql in found.inbound:
        if partitioned and column not in sql.split("REFERENCES", 1)[1]:
            raise ValueError(
                f"{referring}.{name} ({sql}) refers to {table} without {column}: a key into a "
                f"partitioned table must name its partition column too"
            )
    _drop_inbound(conn, found.inbound)
    conn.exec_driver_sql(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    like = (
        f'(LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE '
        "INCLUDING COMMENTS)"
    )
    if partitioned:
        conn.exec_driver_sql(f'CREATE TABLE "{table}" {like} PARTITION BY RANGE ("{column}")')
        first = month_start(_today(today))
        earliest = conn.scalar(text(f'SELECT min({_month_of(spec)}) FROM "{old}"'))  # noqa: S608 (names from TABLES)
        if earliest is not None and earliest < first:
            first = earliest
        month, last = first, add_months(month_start(_today(today)), months_ahead)
        while month <= last:
            report.made.append(_create_partition(conn, spec, month))
            month = add_months(month, 1)
        conn.exec_driver_sql(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
        report.made.append(f"{table}_default")
    else:
        conn.exec_driver_sql(f'CREATE TABLE "{table}" {like}')
    if copy:
        conn.exec_driver_sql(f'INSERT INTO "{table}" SELECT * FROM "{old}"')  # noqa: S608 (names from TABLES)
    if found.sequence:
        conn.exec_driver_sql(f'ALTER SEQUENCE {found.sequence} OWNED BY "{table}".id')
    # The old table's partitions go with it; its indexes, constraints and triggers too.
    conn.exec_driver_sql(f'DROP TABLE "{old}" CASCADE')
    key = f'id, "{column}"' if partitioned else "id"
    conn.exec_driver_sql(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{found.primary_key}" PRIMARY KEY ({key})'
    )
    for name, sql in found.constraints:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {sql}')
    for sql in found.indexes + found.triggers:
        conn.exec_driver_sql(sql)
    _add_inbound(conn, found.inbound)
    conn.exec_driver_sql(f'ANALYZE "{table}"')


def _create_partition(conn: Connection, spec: Partitioned, month: date) -> str:
    name = partition_name(spec.name, month)
    conn.exec_driver_sql(
        f'CREATE TABLE "{name}" PARTITION OF "{spec.name}" FOR VALUES FROM '
        f"({_bound(spec, month)}) TO ({_bound(spec, add_months(month, 1))})"
    )
    return name


# --- the nightly job ----------------------------------------------------------------------


def _tables(tables: tuple[str, ...] | None) -> tuple[str, ...]:
    return tables if tables is not None else ENABLED


def ensure_partitions(
    conn: Connection,
    *,
    months_ahead: int = MONTHS_AHEAD,
    today: date | None = None,
    tables: tuple[str, ...] | None = None,
) -> PartitionReport:
    """Make each partitioned table's missing months from this one to `months_ahead` ahead,
    and split out of DEFAULT every month that has rows there (a check-in dated in a month
    with no partition yet): DEFAULT is detached, the months are made, its rows go back in
    through the parent (to their new months, or to a new DEFAULT) and the old one is dropped,
    all in the caller's transaction. Foreign keys into the table are dropped for the move
    and added back (which checks them again)."""
    report = PartitionReport()
    if not _is_postgresql(conn):
        report.notes.append(f"{conn.dialect.name}: plain tables, no partitions to make.")
        return report
    this_month = month_start(_today(today))
    for table in _tables(tables):
        if not is_partitioned(conn, table):
            report.notes.append(f"{table} is not partitioned: skipped.")
            continue
        spec = TABLES[table]
        existing = partitions(conn, table)
        have = {month for month in existing.values() if month is not None}
        default = f"{table}_default"
        ahead = {add_months(this_month, n) for n in range(months_ahead + 1)} - have
        stray: set[date] = set()
        if default in existing:
            stray = (
                set(conn.scalars(text(f'SELECT DISTINCT {_month_of(spec)} FROM "{default}"')).all())  # noqa: S608 (names from TABLES)
                - have
            )
        for month in sorted(ahead - stray):
            report.made.append(_create_partition(conn, spec, month))
        if stray:
            _split_default(conn, spec, sorted(stray), report)
    return report


def _split_default(
    conn: Connection, spec: Partitioned, months: list[date], report: PartitionReport
) -> None:
    """Move DEFAULT's rows into new partitions of their months, reading DEFAULT once.

    The months are first made as partitions of a bare staging table shaped like the parent
    (no index, key or trigger to maintain row by row), filled from DEFAULT in one INSERT that
    PostgreSQL routes to each month, then detached from the staging table and attached to the
    parent: attaching builds the parent's indexes on a month in one sort each, adds the
    parent's foreign keys and triggers, and checks its keys and its rows' month with one query
    each. Inserting through the parent instead checked every row's keys one at a time and kept
    every index as it went (twelve minutes for ten million visits); filling each month with
    its own INSERT read the whole of DEFAULT once a month."""
    table, default = spec.name, f"{spec.name}_default"
    moving = f"{table}__default_moving"
    staging = f"{table}__staging"
    column = f'"{spec.column}"'
    inbound = _definition(conn, table).inbound
    conn.exec_driver_sql(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
    _drop_inbound(conn, inbound)
    conn.exec_driver_sql(f'ALTER TABLE "{table}" DETACH PARTITION "{default}"')
    conn.exec_driver_sql(f'ALTER TABLE "{default}" RENAME TO "{moving}"')
    conn.exec_driver_sql(
        f'CREATE TABLE "{staging}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
        f"INCLUDING STORAGE) PARTITION BY RANGE ({column})"
    )
    bounds: dict[str, str] = {}
    for month in months:
        name = partition_name(table, month)
        bounds[name] = f"FROM ({_bound(spec, month)}) TO ({_bound(spec, add_months(month, 1))})"
        conn.exec_driver_sql(
            f'CREATE TABLE "{name}" PARTITION OF "{staging}" FOR VALUES {bounds[name]}'
        )
    # Every row of DEFAULT is in one of the months (a row whose month has a partition cannot
    # be in DEFAULT); any other is caught here and goes back through the parent below.
    conn.exec_driver_sql(f'CREATE TABLE "{staging}_default" PARTITION OF "{staging}" DEFAULT')
    conn.exec_driver_sql(f'INSERT INTO "{staging}" SELECT * FROM "{moving}"')  # noqa: S608 (names from TABLES)
    counts: dict[str, int] = {
        str(name): int(count)
        for name, count in conn.execute(
            text(
                "SELECT c.relname, count(*) FROM "  # noqa: S608 (names from TABLES)
                f'"{staging}" AS t JOIN pg_class AS c ON c.oid = t.tableoid GROUP BY c.relname'
            )
        )
    }
    for name, bound in bounds.items():
        conn.exec_driver_sql(f'ALTER TABLE "{staging}" DETACH PARTITION "{name}"')
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES {bound}')
        report.made.append(name)
        report.moved[name] = counts.get(name, 0)
    conn.exec_driver_sql(f'CREATE TABLE "{default}" PARTITION OF "{table}" DEFAULT')
    # None is deleted (the audit log refuses deletes): the old DEFAULT is dropped whole.
    conn.exec_driver_sql(f'INSERT INTO "{table}" SELECT * FROM "{staging}"')  # noqa: S608 (names from TABLES)
    conn.exec_driver_sql(f'DROP TABLE "{staging}"')
    conn.exec_driver_sql(f'DROP TABLE "{moving}"')
    _add_inbound(conn, inbound)


def _drop_keys_into_history(conn: Connection, detached: str) -> None:
    """A detached month of bands or lines keeps its own copy of the key into visits: drop it,
    so that the visits' month can be detached too (the archive holds both)."""
    keys = conn.scalars(
        text(
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:t) "
            "AND contype = 'f' AND confrelid::regclass::text = ANY(:history)"
        ),
        {"t": f"public.{detached}", "history": list(TABLES)},
    ).all()
    for name in keys:
        conn.exec_driver_sql(f'ALTER TABLE "{detached}" DROP CONSTRAINT "{name}"')


def detach_partitions(
    conn: Connection,
    *,
    before: date,
    tables: tuple[str, ...] | None = None,
) -> PartitionReport:
    """Detach (never drop) every monthly partition wholly before `before`'s month, leaving a
    plain table of that name to archive. Tables referring to another are done first (lines
    and bands before visits). The caller decides how far back may go (see the CLI)."""
    report = PartitionReport()
    if not _is_postgresql(conn):
        report.notes.append(f"{conn.dialect.name}: plain tables, nothing to detach.")
        return report
    limit = month_start(before)
    for table in reversed(_tables(tables)):
        if not is_partitioned(conn, table):
            continue
        for name, month in partitions(conn, table).items():
            if month is not None and month < limit:
                conn.exec_driver_sql(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
                _drop_keys_into_history(conn, name)
                report.detached.append(name)
    return report
