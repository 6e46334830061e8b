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
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any

from marshmallow import ValidationError
from sqlalchemy import Table, select, text

from supermarket import spreadsheets
from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput
from supermarket.extensions import db
from supermarket.members import services
from supermarket.members.forms import HOUSEHOLD
from supermarket.members.identifiers import new_membership_numbers
from supermarket.members.matching import household_match_hash, match_key
from supermarket.members.models import (
    DIETARY_NEEDS,
    ConsentKind,
    ConsentMethod,
    Member,
    MemberConsent,
    MemberStatus,
)
from supermarket.members.names import search_key
from supermarket.members.schemas import MemberIn, MemberUpdateIn
from supermarket.members.terms import add_months, age_band, site_today
from supermarket.models import utcnow
from supermarket.sites.models import Site

BATCH = 1000
# Core tables: bulk inserts without building ORM objects.
_MEMBERS: Table = Member.__table__  # type: ignore[assignment]
_CONSENTS: Table = MemberConsent.__table__  # type: ignore[assignment]
KEEP_ERRORS = 1000
# The notes column, held to the same rules as a manager's notes on a member's page.
_NOTES = MemberUpdateIn().fields["notes"]
_SNIFF_BYTES = 64 * 1024

# (column, required, what to put there): the documented layout, in template order.
COLUMNS: tuple[tuple[str, bool, str], ...] = (
    ("first_name", True, "First name of the household's lead person, any script."),
    ("last_name", True, "Surname."),
    ("date_of_birth", True, "Date of birth: 12/04/1988 (day first) or 1988-04-12."),
    ("postcode", True, "UK postcode, any spacing or case: cm201ab."),
    ("phone", False, "Phone number."),
    ("email", False, "Email address."),
    ("adults", True, "Number of adults, 1 to 20."),
    ("children_0_4", False, "Children aged 0 to 4 (empty means 0)."),
    ("children_5_11", False, "Children aged 5 to 11."),
    ("children_12_17", False, "Children aged 12 to 17."),
    ("eligibility_route", True, "self_declared, referral, benefits or postcode."),
    ("referral_agency", False, "For referrals: the agency's name (required then)."),
    ("referral_reference", False, "For referrals: the agency's reference."),
    ("benefit", False, "For the benefits route: which benefit (no documents)."),
    ("dietary", False, "Separated by ';': " + ", ".join(DIETARY_NEEDS) + "."),
    ("dietary_notes", False, "Allergies and other needs, free text."),
    ("privacy_notice_given", True, "yes: the member was given the privacy notice."),
    ("survey_consent", False, "yes if they agreed to answer the food survey."),
    ("contact_consent", False, "yes if they agreed to be contacted."),
    ("joined_on", False, "When they joined (default: today)."),
    ("expires_on", False, "When the membership ends (default: joined + the site's term)."),
    ("notes", False, "Notes for the site's staff."),
)
COLUMN_NAMES = tuple(name for name, _, _ in COLUMNS)
_ALIASES = {
    "forename": "first_name",
    "firstname": "first_name",
    "given_name": "first_name",
    "surname": "last_name",
    "lastname": "last_name",
    "family_name": "last_name",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
    "post_code": "postcode",
    "telephone": "phone",
    "phone_number": "phone",
    "mobile": "phone",
    "email_address": "email",
    "route": "eligibility_route",
    "eligibility": "eligibility_route",
    "privacy_notice": "privacy_notice_given",
    "survey": "survey_consent",
    "contact": "contact_consent",
    "joined": "joined_on",
    "expires": "expires_on",
}
_YES = {"yes", "y", "true", "1", "x", "✓"}
_NO = {"no", "n", "false", "0", ""}
_ROUTES = {
    "self_declared": "self_declared",
    "self": "self_declared",
    "self_declaration": "self_declared",
    "referral": "referral",
    "referred": "referral",
    "benefits": "benefits",
    "benefit": "benefits",
    "postcode": "postcode",
    "catchment": "postcode",
}
_EXCEL_EPOCH = date(1899, 12, 30)
_SEPARATORS = re.compile(r"[\s\-/]+")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_SERIAL = re.compile(r"\d{4,5}(\.0+)?")
_SHORT_YEAR = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}")
_WHOLE = re.compile(r"\d+(\.0+)?")
_LIST = re.compile(r"[;,|]")
# The error CSV's columns (written through supermarket.spreadsheets, formula-safe).
ERROR_COLUMNS = ("line", "column", "problem", "value")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    problem: str
    value: str = ""

    def as_csv_row(self) -> list[str]:
        """The problem as a row of ERROR_COLUMNS, for a spreadsheets.writer."""
        return [str(self.line), self.column, self.problem, self.value]


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    source: str = ""
    dry_run: bool = False
    skip_bad_rows: bool = False
    rows: int = 0
    imported: int = 0
    waiting: int = 0
    bad_rows: int = 0
    duplicates: int = 0
    member_elsewhere: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    fatal: str | None = None
    encoding: str = "utf-8"

    @property
    def ok(self) -> bool:
        """True when the good rows were (or, in a dry run, would be) imported."""
        return self.fatal is None and (self.bad_rows == 0 or self.skip_bad_rows)

    @property
    def summary(self) -> str:
        if self.fatal:
            return f"Nothing imported: {self.fatal}"
        verb = "would be imported" if self.dry_run else "imported"
        if not self.ok:
            return (
                f"Nothing imported: {self.bad_rows} of {self.rows} rows have problems. "
                "Correct them, or choose to import only the good rows."
            )
        text = f"{self.imported} of {self.rows} rows {verb}"
        if self.bad_rows:
            text += f"; {self.bad_rows} rows with problems were left out"
        return text + "."


def template_csv() -> str:
    """The column layout with one example row, for staff to fill in."""
    example = [
        "Tasha",
        "Okafor",
        "12/04/1988",
        "CM20 1AB",
        "07700 900123",
        "",
        "2",
        "1",
        "1",
        "0",
        "self_declared",
        "",
        "",
        "",
        "halal",
        "",
        "yes",
        "yes",
        "no",
        "",
        "",
        "",
    ]
    return spreadsheets.csv_text([COLUMN_NAMES, example])


def errors_csv(errors: list[RowError]) -> str:
    """The problems as CSV text (the same layout the command line writes)."""
    return spreadsheets.csv_text([ERROR_COLUMNS, *(error.as_csv_row() for error in errors)])


# --- reading --------------------------------------------------------------------------------


class MixedEncoding(Exception):
    """A line of the file is not in the encoding of the lines before it."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_SAVE_AS_UTF8 = "In Excel, use Save As and choose 'CSV UTF-8 (Comma delimited)'."


class _Decoder:
    """Decodes the file's lines in one encoding, decided by its first line beyond ASCII."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.encoding: str | None = None

    def decode(self, raw: bytes, line: int) -> str:
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            self.encoding = "utf-8"
            raw = raw[len(codecs.BOM_UTF8) :]
        if raw.isascii():
            return raw.decode("ascii")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if self.encoding is None:
            self.encoding = "utf-8" if text is not None else "cp1252"
            self.report.encoding = "utf-8" if text is not None else "windows-1252"
        if self.encoding == "utf-8":
            if text is None:
                raise MixedEncoding(
                    line,
                    f"line {line} is not UTF-8 text, though the lines before it are: the file "
                    f"mixes encodings. Correct that line, or save the file again. {_SAVE_AS_UTF8}",
                )
            return text
        if text is not None:
            raise MixedEncoding(
                line,
                f"line {line} is UTF-8 text, though the lines before it are Windows-1252: the "
                f"file mixes encodings. Save the file again. {_SAVE_AS_UTF8}",
            )
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            raise MixedEncoding(
                line, f"line {line} is neither UTF-8 nor Windows-1252 text. {_SAVE_AS_UTF8}"
            ) from None


def _lines(
    stream: IO[bytes], report: ImportReport, progress: Callable[[int], None] | None
) -> Iterator[str]:
    """The file's lines (with their endings, as csv wants), read in chunks and decoded one
    by one, so a line in another encoding is found and named (MixedEncoding)."""
    decoder = _Decoder(report)
    number = 0
    carry = b""
    while True:
        chunk = stream.read(_SNIFF_BYTES)
        if progress is not None and chunk:
            progress(len(chunk))
        parts = (carry + chunk).splitlines(keepends=True)
        # A line is whole once its LF is read (a CR may be half of a CRLF), or at the end.
        carry = parts.pop() if chunk and parts and not parts[-1].endswith(b"\n") else b""
        for raw in parts:
            number += 1
            yield decoder.decode(raw, number)
        if not chunk:
            return


def _twice(titles: list[str], header: list[str]) -> str | None:
    """Why the header is refused if two columns give the same field (which would silently
    take the last one's value), else None."""
    first: dict[str, int] = {}
    for i, name in enumerate(header):
        if name not in COLUMN_NAMES:
            continue
        if name in first:
            j = first[name]
            return (
                f'columns {j + 1} ("{titles[j].strip()[:40]}") and {i + 1} '
                f'("{titles[i].strip()[:40]}") '
                f"both give {name}: keep one of them."
            )
        first[name] = i
    return None


def _column_name(raw: str) -> str:
    name = _SEPARATORS.sub("_", raw.strip().lower()).strip("_")
    return _ALIASES.get(name, name)


def _parse_date(raw: str) -> date | None:
    """dd/mm/yyyy (Excel's UK format), yyyy-mm-dd, dd-mm-yyyy, dd.mm.yyyy or an Excel serial."""
    text = raw.strip()
    if not text:
        return None
    match = _DAY_FIRST.fullmatch(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return date(year, month, day)
    if _SERIAL.fullmatch(text) and 1000 <= float(text) <= 80000:
        return _EXCEL_EPOCH + timedelta(days=int(float(text)))
    if _SHORT_YEAR.fullmatch(text):
        raise ValueError("Write the year with 4 digits, for example 12/04/1988.")
    raise ValueError("Use a date such as 12/04/1988 or 1988-04-12.")


def _number(raw: str) -> Any:
    text = raw.strip()
    if text == "":
        return 0
    if _WHOLE.fullmatch(text):  # Excel writes whole numbers as 2.0 sometimes
        return int(float(text))
    return text


def _flag(raw: str, column: str) -> bool:
    text = raw.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"Write yes or no in {column}.")


_ERROR_COLUMN = {
    "route": "eligibility_route",
    "survey": "survey_consent",
    "contact": "contact_consent",
}


def _flatten(messages: Any, key: str = "row") -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for child, inner in messages.items():
            yield from _flatten(inner, key if isinstance(child, int) else str(child))
    elif isinstance(messages, list):
        for item in messages:
            yield from _flatten(item, key)
    else:
        yield _ERROR_COLUMN.get(key, key), str(messages)


@dataclass
class _Row:
    line: int
    data: dict[str, Any]
    joined_on: date | None
    expires_on: date | None
    notes: str
    last_key: str = ""
    match_hash: str = ""


# --- the import -----------------------------------------------------------------------------


class _Importer:
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
        self.seen: dict[tuple[str, date, str], int] = {}
        self.batch: list[_Row] = []
        self.places = services.places_taken(site)
        self.inserting = True
        # One schema for the whole file: building one per row costs more than the checks.
        self.schema = MemberIn()

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

    def parse(self, line: int, cells: dict[str, str]) -> _Row | None:
        problems: list[tuple[str, str, str]] = []
        get = cells.get

        def date_cell(column: str) -> date | None:
            try:
                return _parse_date(get(column, ""))
            except ValueError as exc:
                problems.append((column, str(exc), get(column, "")))
                return None

        born = date_cell("date_of_birth")
        joined = date_cell("joined_on")
        expires = date_cell("expires_on")
        flags: dict[str, bool] = {}
        for column, name in (
            ("privacy_notice_given", "privacy_notice_given"),
            ("survey_consent", "survey"),
            ("contact_consent", "contact"),
        ):
            try:
                flags[name] = _flag(get(column, ""), column)
            except ValueError as exc:
                problems.append((column, str(exc), get(column, "")))
        route = _ROUTES.get(
            _column_name(get("eligibility_route", "")), get("eligibility_route", "").strip()
        )
        eligibility: dict[str, Any] = {"route": route}
        for name in ("referral_agency", "referral_reference", "benefit"):
            if get(name, "").strip():
                eligibility[name] = get(name, "")
        payload: dict[str, Any] = {
            "first_name": get("first_name", ""),
            "last_name": get("last_name", ""),
            "postcode": get("postcode", ""),
            "phone": get("phone", "") or None,
            "email": get("email", "").strip() or None,
            "household": {name: _number(get(name, "")) for name in HOUSEHOLD},
            "eligibility": eligibility,
            "dietary": [_column_name(d) for d in _LIST.split(get("dietary", "")) if d.strip()],
            "dietary_notes": get("dietary_notes", ""),
            "consents": flags,
        }
        if born is not None:
            payload["date_of_birth"] = born.isoformat()
        elif "date_of_birth" not in {p[0] for p in problems}:
            problems.append(("date_of_birth", "This is needed.", ""))
        if not get("adults", "").strip():
            payload["household"].pop("adults")
        try:
            data = self.schema.load(payload)
        except ValidationError as exc:
            for column, message in _flatten(exc.messages):
                if message == "Missing data for required field.":
                    message = "This is needed."
                problems.append((column, message, get(column, "")))
            data = None
        if joined is not None and joined > self.today:
            problems.append(("joined_on", "Cannot be in the future.", get("joined_on", "")))
        try:
            notes = _NOTES.deserialize(get("notes", ""))
        except ValidationError as exc:
            problems.extend(("notes", str(m), get("notes", "")) for m in exc.messages)
        if data is not None and not problems:
            try:
                services._check_eligibility(self.site, self.settings, route, data["postcode"])
            except InvalidInput as exc:
                for column, message in _flatten(exc.fields):
                    problems.append((column, message, get(column, "")))
        if problems:
            for column, message, value in problems:
                self.error(line, column, message, value)
            self.bad_row()
            return None
        assert data is not None
        return _Row(line, data, joined, expires, notes)

    def add(self, row: _Row) -> None:
        data = row.data
        row.last_key = search_key(data["last_name"])
        triple = (row.last_key, data["date_of_birth"], data["postcode"])
        earlier = self.seen.get(triple)
        if earlier is not None:
            self.report.duplicates += 1
            self.error(
                row.line,
                "last_name",
                f"Possible duplicate of line {earlier} (same surname, date of birth and postcode).",
                data["last_name"],
            )
            self.bad_row()
            return
        self.seen[triple] = row.line
        row.match_hash = household_match_hash(*triple, self.key)
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
        self._insert(rows)

    def _without_existing(self, rows: list[_Row]) -> list[_Row]:
        # Looked up by postcode, which few households share (an index on site and postcode),
        # not by surname: common surnames would fetch most of a large site for every batch.
        postcodes = {row.data["postcode"] for row in rows}
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
                    Member.status.in_(services.OPEN_STATUSES),
                    Member.anonymised_at.is_(None),
                )
            )
        }
        kept = []
        for row in rows:
            number = existing.get((row.last_key, row.data["date_of_birth"], row.data["postcode"]))
            if number is None:
                kept.append(row)
                continue
            self.report.duplicates += 1
            self.error(
                row.line,
                "last_name",
                f"Possible duplicate of member {number} (same surname, date of birth "
                "and postcode).",
                row.data["last_name"],
            )
            self.bad_row()
        return kept

    def _count_elsewhere(self, rows: list[_Row]) -> None:
        hashes = {row.match_hash for row in rows}
        found = set(
            db.session.scalars(
                select(Member.match_hash).where(
                    Member.match_hash.in_(hashes),
                    Member.site_id != self.site.id,
                    Member.status.in_(services.OPEN_STATUSES),
                    Member.anonymised_at.is_(None),
                )
            )
        )
        self.report.member_elsewhere += sum(1 for row in rows if row.match_hash in found)

    def _numbers(self, count: int) -> list[str]:
        numbers: set[str] = set()
        while len(numbers) < count:
            fresh = set(new_membership_numbers(count - len(numbers))) - numbers
            taken = set(
                db.session.scalars(
                    select(Member.membership_number).where(Member.membership_number.in_(fresh))
                )
            )
            numbers |= fresh - taken
        return list(numbers)

    def _insert(self, rows: list[_Row]) -> None:
        settings, today = self.settings, self.today
        now = utcnow()
        values = []
        for row, number in zip(rows, self._numbers(len(rows)), strict=True):
            data, household, eligibility = row.data, row.data["household"], row.data["eligibility"]
            joined = row.joined_on or today
            waiting = settings.member_cap is not None and self.places >= settings.member_cap
            expires = (
                None
                if waiting
                else (row.expires_on or add_months(joined, settings.membership_term_months))
            )
            review = None
            if not waiting:
                review = add_months(joined, settings.review_interval_months)
                while review < today:
                    review = add_months(review, settings.review_interval_months)
            status = MemberStatus.WAITING if waiting else MemberStatus.ACTIVE
            if expires is not None and expires < today:
                status = MemberStatus.LAPSED
            if status is MemberStatus.ACTIVE:
                self.places += 1
            if waiting:
                self.report.waiting += 1
            values.append(
                {
                    "site_id": self.site.id,
                    "membership_number": number,
                    "first_name": data["first_name"],
                    "last_name": data["last_name"],
                    "first_name_key": search_key(data["first_name"]),
                    "last_name_key": row.last_key,
                    "date_of_birth": data["date_of_birth"],
                    "age_band": age_band(data["date_of_birth"], joined),
                    "postcode": data["postcode"],
                    "postcode_district": data["postcode"].split(" ")[0],
                    "phone": data["phone"],
                    "email": data["email"],
                    "adults": household["adults"],
                    "children_0_4": household["children_0_4"],
                    "children_5_11": household["children_5_11"],
                    "children_12_17": household["children_12_17"],
                    "eligibility_route": eligibility["route"],
                    "referral_agency": eligibility.get("referral_agency", ""),
                    "referral_reference": eligibility.get("referral_reference", ""),
                    "benefit": eligibility.get("benefit", ""),
                    "dietary": data["dietary"],
                    "dietary_notes": data["dietary_notes"],
                    "notes": row.notes,
                    "status": status.value,
                    "status_reason": "",
                    "joined_on": joined,
                    "expires_on": expires,
                    "review_due_on": review,
                    "match_hash": row.match_hash,
                    "registered_by_id": self.actor.id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(_MEMBERS.insert(), values)  # a plain executemany: the fastest path
        ids: dict[str, int] = {
            number: member_id
            for number, member_id in db.session.execute(
                select(Member.membership_number, Member.id).where(
                    Member.membership_number.in_([v["membership_number"] for v in values])
                )
            )
        }
        consents = []
        for value, row in zip(values, rows, strict=True):
            member_id = ids[value["membership_number"]]
            flags = row.data["consents"]
            for kind in ConsentKind:
                if kind is ConsentKind.PRIVACY_NOTICE or flags.get(kind.value):
                    consents.append(
                        {
                            "member_id": member_id,
                            "site_id": self.site.id,
                            "kind": kind.value,
                            "given_at": now,
                            "given_by_id": self.actor.id,
                            "given_method": ConsentMethod.IMPORT.value,
                            "withdrawn_method": "",
                        }
                    )
        db.session.execute(_CONSENTS.insert(), consents)
        self.report.imported += len(rows)


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
    importer = _Importer(site, actor, report, error_sink)
    if db.session.get_bind().dialect.name == "postgresql":
        # The batches' lookups are prepared statements (psycopg prepares a query it has run
        # five times); PostgreSQL would then keep a plan made while the site had few members
        # and scan the whole table for each batch of a big import. Plan each batch afresh.
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    savepoint = db.session.begin_nested()
    try:
        _read(stream, importer, report, progress)
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
    audit.record(
        "members.imported",
        actor=actor,
        object_type="site",
        object_id=site.code,
        site_id=site.id,
        details={
            "rows": report.rows,
            "imported": report.imported if report.ok else 0,
            "bad_rows": report.bad_rows,
            "duplicates": report.duplicates,
            "dry_run": dry_run,
            "skip_bad_rows": skip_bad_rows,
            "refused": not report.ok,
        },
    )
    return report


def _read(
    stream: IO[bytes],
    importer: _Importer,
    report: ImportReport,
    progress: Callable[[int], None] | None,
) -> None:
    lines = _lines(stream, report, progress)
    first = next(lines, "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header_reader = csv.reader([first], delimiter=delimiter)
    titles = next(header_reader, [])
    header = [_column_name(h) for h in titles]
    missing = [name for name, required, _ in COLUMNS if required and name not in header]
    if not any(header) or missing:
        report.fatal = (
            "the first line must name the columns; missing: "
            + ", ".join(missing or COLUMN_NAMES[:4])
            + "."
        )
        return
    report.fatal = _twice(titles, header)
    if report.fatal:
        return
    report.ignored_columns = [h for h in header if h and h not in COLUMN_NAMES]
    positions = [(i, h) for i, h in enumerate(header) if h in COLUMN_NAMES]
    reader = csv.reader(lines, delimiter=delimiter)
    consumed = 0
    for cells in reader:
        line = consumed + 2  # where the record starts; the header was line 1
        consumed = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (and rows of empty cells) are not members
        report.rows += 1
        if any(cell.strip() for cell in cells[len(header) :]):
            importer.error(line, "row", "This row has more values than there are columns.")
            importer.bad_row()
            continue
        row = importer.parse(
            line, {name: cells[i] if i < len(cells) else "" for i, name in positions}
        )
        if row is not None:
            importer.add(row)
    importer.flush()
