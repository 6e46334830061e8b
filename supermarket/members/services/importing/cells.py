"""Reading one cell: dates as Excel writes them, whole numbers, yes/no flags, routes, and
the column a schema error belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from supermarket.members.services.importing.dialect import column_name

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
    "no_fixed_abode": "no_fixed_abode",
    "no_fixed_address": "no_fixed_abode",
    "nfa": "no_fixed_abode",
}
_EXCEL_EPOCH = date(1899, 12, 30)
_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_SERIAL = re.compile(r"\d{4,5}(\.0+)?")
_SHORT_YEAR = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}")
_WHOLE = re.compile(r"\d+(\.0+)?")
_LIST = re.compile(r"[;,|]")


def parse_date(raw: str) -> date | None:
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


def number(raw: str) -> Any:
    text = raw.strip()
    if text == "":
        return 0
    if _WHOLE.fullmatch(text):  # Excel writes whole numbers as 2.0 sometimes
        return int(float(text))
    return text


def flag(raw: str, column: str) -> bool:
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


def flatten(messages: Any, key: str = "row") -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for child, inner in messages.items():
            yield from flatten(inner, key if isinstance(child, int) else str(child))
    elif isinstance(messages, list):
        for item in messages:
            yield from flatten(item, key)
    else:
        yield _ERROR_COLUMN.get(key, key), str(messages)


def route(raw: str) -> str:
    """An eligibility route by any of its usual names ("self", "referred", "catchment")."""
    return _ROUTES.get(column_name(raw), raw.strip())


def dietary(raw: str) -> list[str]:
    """Dietary needs separated by ';' (or ',' or '|'), by any spelling of their names."""
    return [column_name(d) for d in _LIST.split(raw) if d.strip()]
