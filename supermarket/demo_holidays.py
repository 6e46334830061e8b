"""School holidays for the demo, worked out from the day it is made, so that a demo made in
any year has holidays behind it (a hamper already given) and ahead of it (one to come).

Essex-like dates, as a county's published calendar usually falls: October half term the last
week of October, Christmas 21 December to 1 January, February half term the third week of
February, Easter the week before and the week after Easter Sunday, summer 22 July to
2 September. A real site enters its county's own dates in its settings.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _monday_on_or_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _holiday(name: str, start: date, end: date) -> dict[str, Any]:
    return {"name": name, "start": start.isoformat(), "end": end.isoformat()}


def summer(year: int) -> dict[str, Any]:
    """The summer holidays that end the school year finishing in `year`."""
    return _holiday("Summer holidays", date(year, 7, 22), date(year, 9, 2))


def school_year(first: int) -> list[dict[str, Any]]:
    """The holidays of the school year starting in September of `first`, in order."""
    second = first + 1
    october = _monday_on_or_before(date(first, 10, 27))  # its Friday is in October
    third_week = date(second, 2, 15)  # the third Monday falls on the 15th to the 21st
    february = third_week + timedelta(days=(7 - third_week.weekday()) % 7)
    easter = easter_sunday(second)
    return [
        _holiday("October half term", october, october + timedelta(days=4)),
        _holiday("Christmas holidays", date(first, 12, 21), date(second, 1, 1)),
        _holiday("February half term", february, february + timedelta(days=4)),
        _holiday("Easter holidays", easter - timedelta(days=6), easter + timedelta(days=5)),
        summer(second),
    ]


def demo_school_holidays(today: date) -> list[dict[str, Any]]:
    """The last summer holidays, then this school year's and next school year's holidays."""
    first = today.year if today.month >= 9 else today.year - 1
    return [summer(first), *school_year(first), *school_year(first + 1)]
