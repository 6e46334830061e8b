"""A site's own calendar: the moment an action happens and the local day it falls on.

Memberships start and end, visits count and stock is dated by the day where the site is;
figures for the whole programme use the programme's day (Europe/London).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from supermarket.errors import InvalidInput
from supermarket.models import utcnow

if TYPE_CHECKING:
    from supermarket.sites.models import Site

PROGRAMME_TZ: Final = ZoneInfo("Europe/London")
# How far ahead of the server's clock a tablet's may run before an offline time is refused.
OFFLINE_CLOCK_SLACK: Final = timedelta(minutes=5)


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


def offline_time_allowed(
    site: Site, recorded_at: datetime, now: datetime, *, what: str = "check-in"
) -> None:
    """Refuse (422) what a tablet recorded offline (a check-in, a registration) at a time in
    the future (more than a few minutes ahead of the server's clock) or before the start of
    the previous site-local day (older than any roster the tablet could have held)."""
    if recorded_at > now + OFFLINE_CLOCK_SLACK:
        raise InvalidInput(
            f"This {what} says it was recorded in the future. Check the tablet's clock.",
            code="offline_time_in_future",
            fields={"offline.recorded_at": ["Must not be later than now."]},
        )
    if local_date(site, recorded_at) < local_date(site, now) - timedelta(days=1):
        raise InvalidInput(
            f"This {what} was recorded offline too long ago to be accepted: offline "
            f"{what}s must be sent by the end of the next day. Record it at the desk.",
            code="offline_time_too_old",
            fields={"offline.recorded_at": ["Must be today or yesterday at the site."]},
        )
