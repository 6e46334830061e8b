"""What every visits service shares: who may act at a site, and the site's own calendar."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from supermarket.auth.access import works_at
from supermarket.auth.models import Role, User
from supermarket.errors import NotFound, PermissionDenied
from supermarket.models import utcnow
from supermarket.sites.models import Site


def ensure_staff(site: Site, actor: User, *, managers_only: bool = False) -> None:
    """404 unless the actor works at the site (so sites cannot be probed); 403 when the action
    is a site manager's and the actor is a volunteer."""
    if not works_at(actor, site):
        raise NotFound("No such site.", code="site_not_found")
    if managers_only and actor.role != Role.SITE_MANAGER:
        raise PermissionDenied("Only a site manager can do this.")


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
