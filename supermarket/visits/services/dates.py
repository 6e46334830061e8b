"""Visits' weeks and dates as the desk says them: the ISO week key, "3 March", "Monday",
"twice". (The site's own calendar: `sites.calendar`.)"""

from __future__ import annotations

from datetime import date


def week_key(day: date) -> str:
    """The ISO year and week of a day: "2026-W09" (the ISO year, so 29/12/2025 is 2026-W01)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def spoken_date(day: date, today: date) -> str:
    """A date as people say it: "3 March", with the year when it is not this year's."""
    text = f"{day.day} {day.strftime('%B')}"
    return text if day.year == today.year else f"{text} {day.year}"


def spoken_day(day: date, today: date) -> str:
    """The day of a coming visit: "Monday" within the week ahead, else "Monday 10 March"."""
    if 0 < (day - today).days < 7:
        return day.strftime("%A")
    return f"{day.strftime('%A')} {spoken_date(day, today)}"


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")
