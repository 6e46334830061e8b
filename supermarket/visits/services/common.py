"""What every visits service shares: the site's settings and its own calendar. (Who may act
at a site: `auth.access.ensure_works_at`.)"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from supermarket.models import utcnow
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings


@lru_cache(maxsize=64)
def _parsed(stored: str) -> SiteSettings:
    return SiteSettings.from_dict(json.loads(stored))


def settings_of(site: Site) -> SiteSettings:
    """The site's settings, parsed once per distinct stored value: `site.settings` validates
    them through marshmallow on every access, which costs more than the rest of a check-in's
    own Python. Keyed by the stored JSON itself, so a change is seen at once."""
    return _parsed(json.dumps(site.settings_data or {}, sort_keys=True))


def now_or(at: datetime | None) -> datetime:
    return at if at is not None else utcnow()


def local_date(site: Site, at: datetime) -> date:
    """The calendar day at the site when `at` happened (visits count by local days)."""
    return at.astimezone(ZoneInfo(site.timezone)).date()


def site_today(site: Site, at: datetime | None = None) -> date:
    return local_date(site, now_or(at))


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
