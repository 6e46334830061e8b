"""The rules of each kind of visit a site gives (its settings' visit types): how often a
household may have it, what it may take and what it costs.

The weekly shop keeps the site's own rules (visits_per_week in the site's visit window, the
bands, tiers and fee), and counts the weekly shops and the visits of the types that say they
count toward it. Every other type counts only its own visits by the household, at every site
and not voided, over its own period: the site's visit window (`per_week`), today and the 29
days before (`rolling_30_days`), the school holiday containing today (`per_school_holiday`,
one period even when it spans two months or two years), the calendar year (`per_year`), or
never (`unlimited`). Check-in and the panel both ask here, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select

from supermarket.errors import InvalidInput
from supermarket.members.models import Member
from supermarket.sites.settings import WEEKLY_SHOP, SchoolHoliday, SiteSettings, VisitType
from supermarket.visits.models import Rule, Visit
from supermarket.visits.services.allowance import (
    Allowance,
    Basket,
    ScannedLine,
    allowance_for,
    count_basket,
)
from supermarket.visits.services.dates import spoken_date, spoken_day, times
from supermarket.visits.services.rules import (
    ROLLING,
    LimitState,
    Problem,
    limit_problem,
    read,
    window,
)

# Membership problems a type open to non-members lets pass: a household on the waiting list or
# whose membership has ended may still be given it; a suspended or closed one may not.
NON_MEMBER_PASSES = frozenset({Rule.MEMBERSHIP_WAITING, Rule.MEMBERSHIP_EXPIRED})


def chosen_type(settings: SiteSettings, key: str | None) -> VisitType:
    """The site's visit type of that key (the weekly shop when none is given); a key the site
    does not give is refused beside the field."""
    key = key or WEEKLY_SHOP
    found = settings.visit_type(key)
    if found is None and key == WEEKLY_SHOP:
        found = VisitType(WEEKLY_SHOP, "Weekly shop")
    if found is None:
        given = ", ".join(t.key for t in settings.visit_types)
        raise InvalidInput(
            "This site gives no visit of that type.",
            fields={"visit_type": [f"Choose one of this site's visit types: {given}."]},
        )
    return found


def is_weekly(visit_type: VisitType) -> bool:
    return visit_type.key == WEEKLY_SHOP


# --- how often ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeState:
    """A household's visits of one type in its period today, and when the next may be."""

    visit_type: VisitType
    limit: int | None  # None: unlimited
    dates: tuple[date, ...] = ()  # of the counted visits, oldest first
    period: str = ""  # "this week", "in the last 30 days", "in the Christmas holidays"
    next_from: date | None = None  # only when none is left
    holiday: SchoolHoliday | None = None  # the one containing today (per_school_holiday)
    next_holiday: SchoolHoliday | None = None  # the next one to start after today's period
    out_of_season: bool = False  # per_school_holiday outside any school holiday

    @property
    def used(self) -> int:
        return len(self.dates)

    @property
    def left(self) -> int | None:
        if self.out_of_season:
            return 0
        return None if self.limit is None else max(0, self.limit - self.used)


_VISITS = cast(Table, Visit.__table__)
# Made once (its cache key too): the panel reads it for each of the site's types.
_OF_TYPES = select(_VISITS.c.local_date).where(
    _VISITS.c.member_id == bindparam("member_id"),
    _VISITS.c.voided_at.is_(None),
    _VISITS.c.visit_type.in_(bindparam("types", expanding=True)),
    _VISITS.c.local_date >= bindparam("start"),
    _VISITS.c.local_date <= bindparam("end"),
)


def counted_dates(member: Member, keys: Sequence[str], start: date, end: date) -> tuple[date, ...]:
    """The local dates of the member's visits (not voided, at every site) of these types
    between start and end (both included), oldest first."""
    params = {"member_id": member.id, "types": list(keys), "start": start, "end": end}
    return tuple(sorted(read(_OF_TYPES, params).scalars()))


def _next_holiday(settings: SiteSettings, after: date) -> SchoolHoliday | None:
    return next((h for h in settings.school_holidays if h.start > after), None)


def _holiday_words(holiday: SchoolHoliday) -> str:
    return f"in the {holiday.name}"


def from_weekly(visit_type: VisitType, state: LimitState) -> TypeState:
    """The weekly shop's state as the rules count it (rules.limit_state)."""
    return TypeState(
        visit_type,
        state.limit,
        state.dates,
        "in the last 7 days" if state.rolling else "this week",
        state.next_visit_from,
    )


def type_state(
    member: Member, visit_type: VisitType, settings: SiteSettings, today: date
) -> TypeState:
    """The member's visits of a type other than the weekly shop in its period today."""
    frequency, limit, key = visit_type.frequency, visit_type.limit, (visit_type.key,)
    if frequency == "unlimited":
        return TypeState(visit_type, None)
    if frequency == "per_school_holiday":
        holiday = settings.school_holiday(today)
        if holiday is None:
            coming = _next_holiday(settings, today)
            return TypeState(
                visit_type,
                limit,
                next_from=coming.start if coming else None,
                next_holiday=coming,
                out_of_season=True,
            )
        dates = counted_dates(member, key, holiday.start, holiday.end)
        coming = _next_holiday(settings, holiday.end)
        full = len(dates) >= limit
        return TypeState(
            visit_type,
            limit,
            dates,
            _holiday_words(holiday),
            coming.start if full and coming else None,
            holiday,
            coming,
        )
    if frequency == "per_year":
        start, end = date(today.year, 1, 1), date(today.year, 12, 31)
        dates = counted_dates(member, key, start, end)
        after = end + timedelta(days=1) if len(dates) >= limit else None
        return TypeState(visit_type, limit, dates, "this year", after)
    if frequency == "rolling_30_days":
        dates = counted_dates(member, key, today - timedelta(days=29), today)
        # The day enough of the counted visits have dropped out of the 30 days.
        after = dates[len(dates) - limit] + timedelta(days=30) if len(dates) >= limit else None
        return TypeState(visit_type, limit, dates, "in the last 30 days", after)
    # per_week: the site's visit window, as the weekly shop's.
    start, end = window(settings, today)
    dates = counted_dates(member, key, start, end)
    rolling = settings.visit_window == ROLLING
    after = None
    if len(dates) >= limit:
        after = (
            dates[len(dates) - limit] + timedelta(days=7) if rolling else start + timedelta(days=7)
        )
    return TypeState(
        visit_type, limit, dates, "in the last 7 days" if rolling else "this week", after
    )


def type_problem(state: TypeState, today: date, weekly: LimitState | None = None) -> Problem | None:
    """The type's limit in the way today (visit_limit_reached, naming the type), or None."""
    vt = state.visit_type
    detail = {"visit_type": vt.key}
    if is_weekly(vt) and weekly is not None:
        found = limit_problem(weekly, today)
        return replace(found, details={**found.details, **detail}) if found else None
    when = state.next_from
    if when is not None:
        detail["next_visit_from"] = when.isoformat()
    if state.out_of_season:
        coming = state.next_holiday
        later = (
            f" — next from {spoken_day(coming.start, today)} ({coming.name})."
            if coming
            else ", and no coming school holiday is listed."
        )
        words = f"{vt.label} is given in the school holidays only{later}"
        return Problem(Rule.VISIT_LIMIT_REACHED, words, detail)
    if state.left is None or state.left > 0:
        return None
    count = "" if state.limit == 1 else f" {times(state.used)}"
    if when is None:
        later = ", and no later school holiday is listed."
    elif vt.frequency == "per_year":
        later = f" — next from {spoken_date(when, today)}."
    else:
        later = f" — next from {spoken_day(when, today)}."
    return Problem(
        Rule.VISIT_LIMIT_REACHED, f"{vt.label} already given{count} {state.period}{later}", detail
    )


def limit_for(
    member: Member, visit_type: VisitType, settings: SiteSettings, today: date, weekly: LimitState
) -> Problem | None:
    """The type's limit in the way of a check-in today (the weekly shop's as already counted)."""
    if is_weekly(visit_type):
        return type_problem(from_weekly(visit_type, weekly), today, weekly)
    return type_problem(type_state(member, visit_type, settings, today), today)


def membership_for(visit_type: VisitType, problem: Problem | None) -> Problem | None:
    """The membership problem that stands for this type: a type open to non-members lets a
    waiting or ended membership pass (suspended and closed still refuse)."""
    if problem is None or visit_type.members_only or problem.rule not in NON_MEMBER_PASSES:
        return problem
    return None


# --- what it may take and what it costs ---------------------------------------------------


def allowance_for_type(settings: SiteSettings, visit_type: VisitType, people: int) -> Allowance:
    """The site's bands and the household's tier, with the type's band limits replacing
    those of the bands it names and its fee (when it has one) replacing the tier's or site's."""
    base = allowance_for(settings, people)
    if is_weekly(visit_type):
        return base
    limits = {
        band: visit_type.band_limits.get(band, limit) if limit is not None else None
        for band, limit in base.limits.items()
    }
    fee = base.fee_pence if visit_type.fee_pence is None else visit_type.fee_pence
    return replace(base, limits=limits, fee_pence=fee)


def basket_for(
    visit_type: VisitType,
    allowance: Allowance,
    typed: Mapping[str, int],
    lines: Sequence[ScannedLine],
) -> Basket:
    """The basket counted against the type's allowance; a fixed parcel takes none (its retail
    value is not known, so it records none)."""
    if not visit_type.parcel:
        return count_basket(allowance, typed, lines)
    words = f"{visit_type.label} is a fixed parcel ({visit_type.parcel}): send no basket."
    if any(typed.values()):
        raise InvalidInput(words, fields={"basket": [words]})
    if lines:
        raise InvalidInput(words, fields={"lines": [words]})
    return Basket()


# --- the panel ------------------------------------------------------------------------------


@dataclass
class TypeOffer:
    """What one visit type allows the household today, for the panel."""

    visit_type: VisitType
    state: TypeState
    allowance: Allowance
    problems: list[Problem] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.problems

    @property
    def blocked(self) -> bool:
        return any(not p.overridable for p in self.problems)

    @property
    def needs_override(self) -> bool:
        return bool(self.problems) and not self.blocked

    @property
    def state_text(self) -> str:
        """ "1 left in the last 30 days", "No limit", or the first refusal's words."""
        if self.problems:
            return self.problems[0].message
        left = self.state.left
        if left is None:
            return "No limit"
        return f"{left} left {self.state.period}"


def offers(
    member: Member,
    settings: SiteSettings,
    today: date,
    weekly: LimitState,
    membership: Problem | None,
) -> list[TypeOffer]:
    """Each of the site's visit types with what it allows the member today (the weekly
    shop's state as already counted)."""
    found = []
    for vt in settings.visit_types:
        weekly_shop = is_weekly(vt)
        state = from_weekly(vt, weekly) if weekly_shop else type_state(member, vt, settings, today)
        problems = [
            p
            for p in (membership_for(vt, membership), type_problem(state, today, weekly))
            if p is not None
        ]
        allowance = allowance_for_type(settings, vt, member.household_size)
        found.append(TypeOffer(vt, state, allowance, problems))
    return found
