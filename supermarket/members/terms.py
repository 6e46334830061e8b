"""Dates of a membership: terms in calendar months, ages and age bands."""

from __future__ import annotations

import calendar
from datetime import date

MIN_AGE = 16
MAX_AGE = 120
# Bands wide enough that an age band with a district and a joining month identifies nobody.
AGE_BANDS = (
    (16, "16-24"),
    (25, "25-34"),
    (35, "35-44"),
    (45, "45-54"),
    (55, "55-64"),
    (65, "65-74"),
    (75, "75+"),
)


def add_months(start: date, months: int) -> date:
    """The same day `months` calendar months later, kept inside short months (31 Jan + 1 ->
    28/29 Feb); negative months go back."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def age_on(born: date, today: date) -> int:
    """Completed years of age on `today` (born on 29 February: a year older on 1 March)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def age_band(born: date, on: date) -> str:
    age = age_on(born, on)
    label = AGE_BANDS[0][1]
    for start, name in AGE_BANDS:
        if age >= start:
            label = name
    return label
