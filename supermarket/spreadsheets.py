"""CSV files the app writes, safe to open in a spreadsheet: every writer goes through here.

A text cell a spreadsheet could run as a formula is prefixed with a single quote (OWASP, CSV
injection): one that starts with = + - or @, or with one of their full-width or small forms
(＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫, and the minus sign −), even after leading spaces, line breaks, tabs or
invisible characters (a spreadsheet trims those before it looks); and one that starts with a
tab, a carriage return or a line feed at all. Numbers are left as numbers.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

FORMULA_STARTS = frozenset("=+-@\u2212")
BREAKS = ("\t", "\r", "\n")
_IGNORED_FIRST = ("Cc", "Cf", "Zs", "Zl", "Zp")  # controls, invisible formatting, spaces

T = TypeVar("T")


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet could read the text as a formula."""
    if text.startswith(BREAKS):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char) in _IGNORED_FIRST:
            continue
        # NFKC folds the full-width and small forms (＝, ﹦, ...) to the ASCII they stand for.
        return unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTS
    return False


def safe_cell(value: T) -> T | str:
    """The value as a cell that cannot start a formula; anything but text is left as it is."""
    if isinstance(value, str) and starts_formula(value):
        return "'" + value
    return value


class _Rows(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeWriter:
    """csv.writer whose every cell goes through safe_cell."""

    def __init__(self, stream: _Rows, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: _Rows, **options: Any) -> SafeWriter:
    """A CSV writer for a file a person will open in a spreadsheet (CRLF line ends)."""
    options.setdefault("lineterminator", "\r\n")
    return SafeWriter(stream, **options)


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV text, every cell made safe."""
    out = io.StringIO()
    writer(out).writerows(rows)
    return out.getvalue()
