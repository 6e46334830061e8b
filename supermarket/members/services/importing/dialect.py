"""The file's dialect: its encoding (one for the whole file), its delimiter and its header,
the documented columns and the names staff give them, and the template to fill in."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from supermarket import spreadsheets
from supermarket.members.models import DIETARY_NEEDS
from supermarket.members.services.importing.report import ImportReport

_SNIFF_BYTES = 64 * 1024
_SEPARATORS = re.compile(r"[\s\-/]+")

# (column, required, what to put there): the documented layout, in template order.
COLUMNS: tuple[tuple[str, bool, str], ...] = (
    ("first_name", True, "First name of the household's lead person, any script."),
    ("last_name", True, "Surname."),
    (
        "date_of_birth",
        True,
        "Date of birth: 12/04/1988 (day first) or 1988-04-12; empty with an age band where "
        "the site allows it.",
    ),
    ("postcode", True, "UK postcode, any spacing or case: cm201ab; empty for no_fixed_abode."),
    ("phone", False, "Phone number."),
    ("email", False, "Email address."),
    ("adults", True, "Number of adults, 1 to 20."),
    ("children_0_4", False, "Children aged 0 to 4 (empty means 0)."),
    ("children_5_11", False, "Children aged 5 to 11."),
    ("children_12_17", False, "Children aged 12 to 17."),
    (
        "eligibility_route",
        True,
        "self_declared, referral, benefits, postcode or no_fixed_abode (where the site takes it).",
    ),
    ("referral_agency", False, "For referrals: the agency's name (required then)."),
    ("referral_reference", False, "For referrals: the agency's reference."),
    ("benefit", False, "For the benefits route: which benefit (no documents)."),
    ("dietary", False, "Separated by ';': " + ", ".join(DIETARY_NEEDS) + "."),
    ("dietary_notes", False, "Allergies and other needs, free text."),
    ("privacy_notice_given", True, "yes: the member was given the privacy notice."),
    ("survey_consent", False, "yes if they agreed to answer the food survey."),
    ("contact_consent", False, "yes if they agreed to be contacted."),
    (
        "age_band",
        False,
        "Instead of a date of birth, where the site allows it: 16-24, 25-34, 35-44, 45-54, "
        "55-64, 65-74 or 75+.",
    ),
    ("care_of", False, "For no fixed address: where they can be reached (a day centre)."),
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
    "care_of_address": "care_of",
    "c_o": "care_of",
}


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
        "",
        "",
    ]
    return spreadsheets.csv_text([COLUMN_NAMES, example])


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


def lines(
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


def duplicate_column(titles: list[str], header: list[str]) -> str | None:
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


def column_name(raw: str) -> str:
    name = _SEPARATORS.sub("_", raw.strip().lower()).strip("_")
    return _ALIASES.get(name, name)


@dataclass(frozen=True)
class Layout:
    """Where the documented columns are: the delimiter, the header's width and, for each
    known column, its position."""

    delimiter: str
    width: int
    positions: list[tuple[int, str]]

    def cells(self, values: list[str]) -> dict[str, str]:
        """A record's cells by column name (a short record's missing cells are empty)."""
        return {name: values[i] if i < len(values) else "" for i, name in self.positions}


def layout(first: str, report: ImportReport) -> Layout | None:
    """The layout named by the first line, or None (with `report.fatal` saying why) when
    required columns are missing or two columns give the same field."""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    titles = next(csv.reader([first], delimiter=delimiter), [])
    header = [column_name(h) for h in titles]
    missing = [name for name, required, _ in COLUMNS if required and name not in header]
    if not any(header) or missing:
        report.fatal = (
            "the first line must name the columns; missing: "
            + ", ".join(missing or COLUMN_NAMES[:4])
            + "."
        )
        return None
    report.fatal = duplicate_column(titles, header)
    if report.fatal:
        return None
    report.ignored_columns = [h for h in header if h and h not in COLUMN_NAMES]
    positions = [(i, h) for i, h in enumerate(header) if h in COLUMN_NAMES]
    return Layout(delimiter, len(header), positions)
