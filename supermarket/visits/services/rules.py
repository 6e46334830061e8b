"""The visit rules: membership status and term (with the site's grace period), the visit
limit per ISO week or rolling 7 days (counted across sites), and the allowance. Each refusal
is a Problem in plain words saying what to do; the panel shows them before check-in and
check-in refuses with them, so the two can never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Executable, Result, Table, bindparam, select

from supermarket.extensions import db
from supermarket.members.models import Member, MemberStatus
from supermarket.sites.settings import WEEKLY_SHOP, SiteSettings
from supermarket.visits.models import OVERRIDABLE, Rule, Visit
from supermarket.visits.services.allowance import Basket, describe_over
from supermarket.visits.services.dates import spoken_date, spoken_day, times

ROLLING = "rolling_7_days"


@dataclass(frozen=True)
class Problem:
    """A rule the visit breaks, said plainly with what to do."""

    rule: Rule
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def overridable(self) -> bool:
        return self.rule in OVERRIDABLE

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.rule.value,
            "message": self.message,
            "overridable": self.overridable,
            **self.details,
        }


# --- membership ---------------------------------------------------------------------------


def grace_ends(member: Member, settings: SiteSettings) -> date | None:
    """The last day a membership past its term may still shop (None without an end date)."""
    if member.expires_on is None:
        return None
    return member.expires_on + timedelta(days=settings.grace_days)


def membership_problem(member: Member, home: SiteSettings, today: date) -> Problem | None:
    """Whether the membership lets the household shop today. The term and its grace period
    are the member's home site's: that is where the membership is held and renewed."""
    status = MemberStatus(member.status)
    if status is MemberStatus.WAITING:
        return Problem(
            Rule.MEMBERSHIP_WAITING,
            "On the waiting list, not yet a member. A site manager gives places "
            "from the waiting list.",
        )
    if status is MemberStatus.CLOSED:
        when = f" on {spoken_date(member.closed_on, today)}" if member.closed_on else ""
        return Problem(
            Rule.MEMBERSHIP_CLOSED,
            f"Membership closed{when}. The household can register again at the desk.",
        )
    if status is MemberStatus.SUSPENDED:
        reason = member.status_reason or "no reason recorded"
        return Problem(
            Rule.MEMBERSHIP_SUSPENDED,
            f"Suspended: {reason}. Only a site manager can lift a suspension.",
        )
    ended = status is MemberStatus.LAPSED or (
        member.expires_on is not None and today > member.expires_on
    )
    if not ended:
        return None
    last_day = grace_ends(member, home)
    if last_day is not None and today <= last_day:
        return None
    when = f" on {spoken_date(member.expires_on, today)}" if member.expires_on else ""
    return Problem(
        Rule.MEMBERSHIP_EXPIRED,
        f"Membership ended{when} — renew? A site manager can renew it.",
        {"expires_on": member.expires_on.isoformat() if member.expires_on else None},
    )


def in_grace(member: Member, home: SiteSettings, today: date) -> date | None:
    """The last day of grace when the term has ended but the grace period has not."""
    last_day = grace_ends(member, home)
    if member.expires_on is None or last_day is None:
        return None
    return last_day if member.expires_on < today <= last_day else None


# --- the visit limit ------------------------------------------------------------------------


def window(settings: SiteSettings, today: date) -> tuple[date, date]:
    """The local dates whose visits count against today's limit (both ends included): the
    ISO week (Monday to Sunday) or the 7 days ending today."""
    if settings.visit_window == ROLLING:
        return today - timedelta(days=6), today
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


@dataclass(frozen=True)
class LimitState:
    """A member's visits in the window and when the next may be."""

    limit: int
    dates: tuple[date, ...]  # of the counted visits, oldest first
    rolling: bool
    next_visit_from: date | None  # only when the limit is used up

    @property
    def used(self) -> int:
        return len(self.dates)

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


def limit_state(
    member: Member, settings: SiteSettings, today: date, *, exclude_visit_id: int | None = None
) -> LimitState:
    """Count the member's visits (not voided) in the window, at every site: one household,
    one limit. Reads under the caller's lock when it is about to add a visit."""
    start, end = window(settings, today)
    stmt = _COUNTED
    if exclude_visit_id is not None:
        stmt = stmt.where(_VISITS.c.id != exclude_visit_id)
    params = {"member_id": member.id, "start": start, "end": end, "types": weekly_keys(settings)}
    found = read(stmt, params).scalars()
    return state_from(tuple(sorted(found)), settings, today)


def read(stmt: Executable, params: dict[str, Any]) -> Result[Any]:
    """Run a plain (Core) read on the session's connection, after flushing what the session
    holds as an ORM query would (unless autoflush is off), so that it sees the request's own
    changes."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt, params)


_VISITS = cast(Table, Visit.__table__)
# Made once (its cache key too): check-in and the panel read it for every member.
_COUNTED = select(_VISITS.c.local_date).where(
    _VISITS.c.member_id == bindparam("member_id"),
    _VISITS.c.voided_at.is_(None),
    _VISITS.c.visit_type.in_(bindparam("types", expanding=True)),
    _VISITS.c.local_date >= bindparam("start"),
    _VISITS.c.local_date <= bindparam("end"),
)


def weekly_keys(settings: SiteSettings) -> list[str]:
    """The visit types whose visits count against the weekly shop's limit: the weekly shop and
    the site's types that say they count toward it (visit_types.py has the other types' rules)."""
    return [WEEKLY_SHOP] + [
        t.key for t in settings.visit_types if t.counts_toward_weekly and t.key != WEEKLY_SHOP
    ]


def state_from(dates: tuple[date, ...], settings: SiteSettings, today: date) -> LimitState:
    """The limit state from the local dates of the counted visits, oldest first."""
    limit = settings.visits_per_week
    rolling = settings.visit_window == ROLLING
    next_from = None
    if len(dates) >= limit:
        if rolling:
            # The day enough of the counted visits have dropped out of the 7-day window.
            next_from = dates[len(dates) - limit] + timedelta(days=7)
        else:
            next_from = window(settings, today)[0] + timedelta(days=7)
    return LimitState(limit, dates, rolling, next_from)


def limit_problem(state: LimitState, today: date) -> Problem | None:
    if state.left > 0 or state.next_visit_from is None:
        return None
    period = "in the last 7 days" if state.rolling else "this week"
    when = spoken_day(state.next_visit_from, today)
    return Problem(
        Rule.VISIT_LIMIT_REACHED,
        f"Already visited {times(state.used)} {period} — next visit from {when}.",
        {"next_visit_from": state.next_visit_from.isoformat()},
    )


def allowance_problem(basket: Basket) -> Problem | None:
    if not basket.over:
        return None
    return Problem(
        Rule.ALLOWANCE_EXCEEDED,
        describe_over(basket.over) + " Take some back, or override with a reason.",
        {"bands": {band: {"items": n, "limit": limit} for band, (n, limit) in basket.over.items()}},
    )
