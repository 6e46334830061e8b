"""Fixed reporting periods only: a month (2026-09), a quarter (2026-Q3) or a year (2026).

Arbitrary date ranges are refused on purpose: two overlapping ranges could be differenced to
reveal a small group (DOMAIN.md, anonymised statistics).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from supermarket.errors import InvalidInput

PeriodKind = Literal["month", "quarter", "year"]

FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
MONTH_NAMES: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_FORMS: Final = (
    (re.compile(r"(\d{4})-(\d{2})"), "month"),
    (re.compile(r"(\d{4})-Q([1-4])"), "quarter"),
    (re.compile(r"(\d{4})"), "year"),
)
EXAMPLES: Final = "a month (2026-09), a quarter (2026-Q3) or a year (2026)"


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first_of_next - timedelta(days=1)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A fixed calendar period; `end` is its last day (inclusive)."""

    start: date
    end: date
    kind: PeriodKind
    key: str

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), _month_end(year, month), "month", f"{year}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = 3 * (quarter - 1) + 1
        return cls(
            date(year, first, 1), _month_end(year, first + 2), "quarter", f"{year}-Q{quarter}"
        )

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), "year", str(year))

    @classmethod
    def containing(cls, day: date, kind: PeriodKind) -> Period:
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        return cls.year(day.year)

    @property
    def label(self) -> str:
        """How people say it: "September 2026", "July to September 2026", "2026"."""
        if self.kind == "month":
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        if self.kind == "quarter":
            first = MONTH_NAMES[self.start.month - 1]
            last = MONTH_NAMES[self.end.month - 1]
            return f"{first} to {last} {self.start.year}"
        return str(self.start.year)

    @property
    def long_label(self) -> str:
        """The label with the kind: "Quarter 3, July to September 2026"."""
        if self.kind == "quarter":
            return f"Quarter {self.key[-1]} ({self.label})"
        if self.kind == "year":
            return f"The year {self.label}"
        return self.label

    @property
    def short_label(self) -> str:
        """For chart axes: "Sep 2026", "Q3 2026", "2026"."""
        if self.kind == "month":
            return f"{MONTH_NAMES[self.start.month - 1][:3]} {self.start.year}"
        if self.kind == "quarter":
            return f"Q{self.key[-1]} {self.start.year}"
        return self.key

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def is_complete(self, today: date) -> bool:
        """True once the period's last day is over."""
        return self.end < today

    def has_started(self, today: date) -> bool:
        return self.start <= today

    def months(self) -> list[Period]:
        """The calendar months the period is made of, in order."""
        found = []
        day = self.start
        while day <= self.end:
            found.append(Period.month(day.year, day.month))
            day = found[-1].end + timedelta(days=1)
        return found

    def previous(self) -> Period:
        return Period.containing(self.start - timedelta(days=1), self.kind)

    def next(self) -> Period:
        return Period.containing(self.end + timedelta(days=1), self.kind)

    def __str__(self) -> str:
        return self.key


def parse_period(text: str | None) -> Period:
    """`2026-09`, `2026-Q3` or `2026` -> Period; anything else is a 422 naming `period`."""
    raw = (text or "").strip().upper()
    for pattern, kind in _FORMS:
        match = pattern.fullmatch(raw)
        if match is None:
            continue
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            break
        if kind == "month":
            month = int(match.group(2))
            if not 1 <= month <= 12:
                break
            return Period.month(year, month)
        if kind == "quarter":
            return Period.quarter(year, int(match.group(2)))
        return Period.year(year)
    raise InvalidInput(
        f"Give the period as {EXAMPLES}.",
        code="invalid_period",
        fields={"period": f"Use {EXAMPLES}."},
    )


def latest_complete(kind: PeriodKind, today: date) -> Period:
    """The most recent period of this kind that is over by `today`."""
    return Period.containing(today, kind).previous()


def months_ending(last: Period, count: int) -> list[Period]:
    """`count` consecutive months ending with the last month of `last`, oldest first."""
    month = Period.month(last.end.year, last.end.month)
    months = [month]
    while len(months) < count:
        months.append(months[-1].previous())
    return list(reversed(months))


def recent_periods(today: date, *, include_current: bool, years: int = 2) -> Iterator[Period]:
    """Periods to offer in a chooser, newest first: months, then quarters, then years."""
    kinds: tuple[PeriodKind, ...] = ("month", "quarter", "year")
    for kind in kinds:
        period = Period.containing(today, kind)
        if not include_current:
            period = period.previous()
        horizon = date(today.year - years, 1, 1)
        while period.start >= horizon:
            yield period
            period = period.previous()
