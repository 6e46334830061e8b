"""The import's batches: each good row checked against the rows before it in the file and
against the site's members (possible duplicates), households counted that may be members at
another site, then the batch inserted (unless the import is all or nothing and a row was
bad, or it is a dry run)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.members import rules
from supermarket.members.matching import match_key
from supermarket.members.models import Member
from supermarket.members.services.importing.insert import Places, insert_rows
from supermarket.members.services.importing.limited import LimitedChecks
from supermarket.members.services.importing.report import KEEP_ERRORS, ImportReport, RowError
from supermarket.members.services.importing.rows import Problem, Row, RowReader
from supermarket.members.services.lookup import OPEN_STATUSES, places_taken
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site

BATCH = 1000


class Batches:
    """One import's state: the rows waiting to go in, the rows seen, the report."""

    def __init__(
        self,
        site: Site,
        actor: User,
        report: ImportReport,
        error_sink: Callable[[RowError], None] | None,
    ) -> None:
        self.site = site
        self.actor = actor
        self.report = report
        self.error_sink = error_sink
        self.settings = site.settings
        self.today = site_today(site)
        self.key = match_key()
        self.seen: dict[tuple[str, date | None, str | None], int] = {}
        self.batch: list[Row] = []
        self.places = Places(places_taken(site))
        self.inserting = True
        self.reader = RowReader(site, self.settings, self.today)
        self.limited = LimitedChecks(site, report)

    def read(self, line: int, cells: dict[str, str]) -> None:
        """Check one row and, if it is good, add it to the batch."""
        row, problems = self.reader.read(line, cells)
        if row is None:
            self.refuse(line, problems)
        else:
            self.add(row)

    def refuse(self, line: int, problems: list[Problem]) -> None:
        for column, message, value in problems:
            self.error(line, column, message, value)
        self.bad_row()

    def error(self, line: int, column: str, problem: str, value: str = "") -> None:
        row_error = RowError(line, column, problem, value[:200])
        self.report.error_count += 1
        if len(self.report.errors) < KEEP_ERRORS:
            self.report.errors.append(row_error)
        if self.error_sink is not None:
            self.error_sink(row_error)

    def bad_row(self) -> None:
        self.report.bad_rows += 1
        if not self.report.skip_bad_rows:
            self.inserting = False  # all or nothing: stop writing, keep checking

    def add(self, row: Row) -> None:
        data = row.data
        row.keys = rules.household_keys(
            data.first_name, data.last_name, data.date_of_birth, data.postcode, self.key
        )
        if data.date_of_birth is None or data.postcode is None:
            self.limited.check(row)
            self._append(row)
            return
        triple = (row.keys.last_name_key, data.date_of_birth, data.postcode)
        earlier = self.seen.get(triple)
        if earlier is not None:
            self.report.duplicates += 1
            self.error(
                row.line,
                "last_name",
                f"Possible duplicate of line {earlier} (same surname, date of birth and postcode).",
                data.last_name,
            )
            self.bad_row()
            return
        self.seen[triple] = row.line
        self._append(row)

    def _append(self, row: Row) -> None:
        self.batch.append(row)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        rows, self.batch = self.batch, []
        if not rows:
            return
        rows = self._without_existing(rows)
        self._count_elsewhere(rows)
        if not self.inserting or self.report.dry_run:
            self.report.imported += len(rows)
            return
        insert_rows(
            rows,
            site=self.site,
            settings=self.settings,
            actor=self.actor,
            today=self.today,
            places=self.places,
        )
        self.report.waiting = self.places.waiting
        self.report.imported += len(rows)

    def _without_existing(self, rows: list[Row]) -> list[Row]:
        # Looked up by postcode, which few households share (an index on site and postcode),
        # not by surname: common surnames would fetch most of a large site for every batch.
        # Rows without a date of birth or postcode were checked on what is known (limited).
        postcodes = {row.data.postcode for row in rows if row.keys.match_hash is not None}
        existing = {
            (last, born, postcode): number
            for last, born, postcode, number in db.session.execute(
                select(
                    Member.last_name_key,
                    Member.date_of_birth,
                    Member.postcode,
                    Member.membership_number,
                ).where(
                    Member.site_id == self.site.id,
                    Member.postcode.in_(postcodes),
                    Member.status.in_(OPEN_STATUSES),
                    Member.anonymised_at.is_(None),
                )
            )
        }
        kept = []
        for row in rows:
            if row.keys.match_hash is None:
                kept.append(row)
                continue
            number = existing.get(
                (row.keys.last_name_key, row.data.date_of_birth, row.data.postcode)
            )
            if number is None:
                kept.append(row)
                continue
            self.report.duplicates += 1
            self.error(
                row.line,
                "last_name",
                f"Possible duplicate of member {number} (same surname, date of birth "
                "and postcode).",
                row.data.last_name,
            )
            self.bad_row()
        return kept

    def _count_elsewhere(self, rows: list[Row]) -> None:
        hashes = {row.keys.match_hash for row in rows}
        found = set(
            db.session.scalars(
                select(Member.match_hash).where(
                    Member.match_hash.in_(hashes),
                    Member.site_id != self.site.id,
                    Member.status.in_(OPEN_STATUSES),
                    Member.anonymised_at.is_(None),
                )
            )
        )
        self.report.member_elsewhere += sum(1 for row in rows if row.keys.match_hash in found)
