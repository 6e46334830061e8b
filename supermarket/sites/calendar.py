"""A site's own calendar: the moment an action happens and the local day it falls on.

Memberships start and end, visits count and stock is dated by the day where the site is;
figures for the whole programme use the programme's day (Europe/London).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from supermarket.models import utcnow

if TYPE_CHECKING:
    from supermarket.sites.models import Site

PROGRAMME_TZ: Final = ZoneInfo("Europe/London")


def now_or(at: datetime | None) -> datetime:
    """`at`, or the current time when the caller gave none."""
    return at if at is not None else utcnow()


def local_date(site: Site, at: datetime) -> date:
    """The calendar day at the site when `at` happened."""
    return at.astimezone(ZoneInfo(site.timezone)).date()


def site_today(site: Site, at: datetime | None = None) -> date:
    """Today's date where the site is (or the site's date at `at`)."""
    return local_date(site, now_or(at))


def programme_today() -> date:
    """Today's date for the programme as a whole (Europe/London)."""
    return datetime.now(PROGRAMME_TZ).date()
