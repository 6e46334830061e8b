"""Bring in a site's existing members from a spreadsheet (CSV), streamed and in batches.

The file is read row by row, so memory stays bounded however long it is, and in one encoding
throughout: UTF-8 (with or without a byte-order mark), or Windows-1252 (what Excel's plain
"CSV" saves) when the first line with a letter beyond ASCII is not UTF-8. A later line that
does not fit (a Windows-1252 line in a UTF-8 file, a UTF-8 line in a Windows-1252 one) refuses
the whole file, naming that line: one encoding is never guessed for another, which would
store "CafÃ©". Two columns that mean the same field (twice "Surname", or "Surname" and
"last_name") refuse the file too, naming both. Each row is checked by the same schema and
rules as the desk's registration; a bad row is reported with its line number, column and
reason, and never half-imported. By default nothing is imported if any row is bad; with
skip_bad_rows the good rows are. Rows go in 1,000 at a time as bulk inserts. One audit event
sums the import up.

The package follows the file's seams: `dialect` (encoding, delimiter, header, template),
`cells` (one cell), `rows` (one row, checked as the desk checks it), `batches` (duplicates and
batching), `insert` (bulk inserts) and `report` (what happened).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import IO

from sqlalchemy import text

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.members.services import audited
from supermarket.members.services.importing.batches import Batches
from supermarket.members.services.importing.dialect import (
    COLUMN_NAMES,
    COLUMNS,
    MixedEncoding,
    column_name,
    layout,
    lines,
    template_csv,
)
from supermarket.members.services.importing.report import (
    ERROR_COLUMNS,
    ImportReport,
    RowError,
    errors_csv,
)
from supermarket.sites.models import Site

__all__ = [
    "COLUMNS",
    "COLUMN_NAMES",
    "ERROR_COLUMNS",
    "ImportReport",
    "RowError",
    "column_name",
    "errors_csv",
    "import_members",
    "template_csv",
]


def import_members(
    site: Site,
    stream: IO[bytes],
    *,
    actor: User,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    source: str = "",
    progress: Callable[[int], None] | None = None,
    error_sink: Callable[[RowError], None] | None = None,
) -> ImportReport:
    """Import a site's members from a CSV byte stream (site managers of that site).

    Nothing is written in a dry run, nor (by default) when any row is bad; with
    skip_bad_rows only the good rows are. The caller commits; every outcome, refused or
    not, is recorded in one audit event.
    """
    ensure_works_at(actor, site, managers_only=True, hidden_as="member")
    report = ImportReport(source=source[:200], dry_run=dry_run, skip_bad_rows=skip_bad_rows)
    batches = Batches(site, actor, report, error_sink)
    if db.session.get_bind().dialect.name == "postgresql":
        # The batches' lookups are prepared statements (psycopg prepares a query it has run
        # five times); PostgreSQL would then keep a plan made while the site had few members
        # and scan the whole table for each batch of a big import. Plan each batch afresh.
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    savepoint = db.session.begin_nested()
    try:
        _read(stream, batches, report, progress)
    except MixedEncoding as exc:
        report.fatal = exc.message
    except csv.Error as exc:
        report.fatal = f"the file could not be read as CSV ({exc})."
    if dry_run or not report.ok:
        savepoint.rollback()
        if not report.ok:
            report.imported = 0
    else:
        savepoint.commit()
    _audit(site, actor, report)
    return report


def _audit(site: Site, actor: User, report: ImportReport) -> None:
    audited.on_site(
        "members.imported",
        site,
        actor,
        rows=report.rows,
        imported=report.imported if report.ok else 0,
        bad_rows=report.bad_rows,
        duplicates=report.duplicates,
        dry_run=report.dry_run,
        skip_bad_rows=report.skip_bad_rows,
        refused=not report.ok,
    )


def _read(
    stream: IO[bytes],
    batches: Batches,
    report: ImportReport,
    progress: Callable[[int], None] | None,
) -> None:
    records = lines(stream, report, progress)
    found = layout(next(records, ""), report)
    if found is None:
        return
    reader = csv.reader(records, delimiter=found.delimiter)
    consumed = 0
    for values in reader:
        line = consumed + 2  # where the record starts; the header was line 1
        consumed = reader.line_num
        if not any(cell.strip() for cell in values):
            continue  # blank lines (and rows of empty cells) are not members
        report.rows += 1
        if any(cell.strip() for cell in values[found.width :]):
            batches.error(line, "row", "This row has more values than there are columns.")
            batches.bad_row()
            continue
        batches.read(line, found.cells(values))
    batches.flush()
