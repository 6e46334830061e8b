"""Who is reached: the RAW counts of a period's households by each equality monitoring question,
by postcode district and by eligibility route, per site and for the programme.

Internal only, like the rest of `statistics`: release/reach.py turns these into what may leave
a site. Households reached: members who visited in the period (visits not voided); at a site,
those who visited that site; across the programme, each member once. Each household counts
under its answer as stored now (members.monitoring): "not asked" where no answer was given,
"prefer not to say" where that was the answer; the ethnic group by the ONS 2021 high-level
group of the detailed category stored. Geography: the member's postcode district, never finer.

Two grouped statements bounded by the period, whatever the number of sites (one grouped by
site, one across the programme, where a household that visited two sites counts once); all
through the session, so a reporting request reads them from the replica.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from sqlalchemy import distinct, func, select

from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.monitoring import (
    NOT_ASKED,
    PREFER_NOT,
    QUESTIONS,
    EthnicGroup,
    EthnicHighLevel,
    MemberMonitoring,
)
from supermarket.reporting.periods import Period
from supermarket.reporting.site_filter import in_sites
from supermarket.sites.settings import ELIGIBILITY_ROUTES, NO_FIXED_ABODE
from supermarket.visits.models import Visit

Scope = int | None
# A member whose postcode district is not recorded (no fixed abode, an address "care of").
NO_DISTRICT: Final = "not_recorded"


def _answers(key: str) -> tuple[str, ...]:
    """A question's categories as reports count them, in order, ending with not asked."""
    enum = QUESTIONS[key][1]
    if enum is EthnicGroup:
        return (*(g.value for g in EthnicHighLevel), PREFER_NOT, NOT_ASKED)
    return (*(m.value for m in enum), NOT_ASKED)


# The monitoring questions' categories (fixed); districts and routes are found in the data.
CATEGORIES: Final = {key: _answers(key) for key in QUESTIONS}
BREAKDOWNS: Final = (*QUESTIONS, "district", "route")
STANDARD_ROUTES: Final = tuple(r for r in ELIGIBILITY_ROUTES if r != NO_FIXED_ABODE)


def _zero_counts() -> dict[str, Counter[str]]:
    return {key: Counter() for key in BREAKDOWNS}


@dataclass(slots=True)
class ReachFigures:
    """One scope's (a site's, or the programme's) households reached, and by each breakdown."""

    households: int = 0
    # breakdown -> category -> households
    by: dict[str, Counter[str]] = field(default_factory=_zero_counts)


@dataclass(frozen=True, slots=True)
class ReachStatistics:
    """Every site's and the programme's (key None) figures, and the categories to show for
    the breakdowns found in the data (districts and routes)."""

    by_scope: dict[Scope, ReachFigures]
    categories: dict[str, tuple[str, ...]]


def _ethnic(value: str | None) -> str:
    return NOT_ASKED if value is None else EthnicGroup(value).group


def _categories(row: Any) -> dict[str, str]:
    """One grouped row's category in each breakdown."""
    found = {key: getattr(row, key) or NOT_ASKED for key in QUESTIONS}
    found["ethnic_group"] = _ethnic(row.ethnic_group)
    found["district"] = row.postcode_district or NO_DISTRICT
    found["route"] = row.eligibility_route
    return found


def _columns() -> list[Any]:
    monitoring = [getattr(MemberMonitoring, key).label(key) for key in QUESTIONS]
    return [Member.postcode_district, Member.eligibility_route, *monitoring]


def reach_statistics(site_ids: Sequence[int], period: Period, today: date) -> ReachStatistics:
    """The raw reach figures of every site and the programme for the period (to `today` if it
    is still running)."""
    end = min(period.end, today)
    found: dict[Scope, ReachFigures] = {site_id: ReachFigures() for site_id in site_ids}
    found[None] = ReachFigures()
    if site_ids and period.start <= end:
        columns = _columns()
        base = (
            select()
            .select_from(Visit)
            .join(Member, Member.id == Visit.member_id)
            .outerjoin(MemberMonitoring, MemberMonitoring.member_id == Member.id)
            .where(
                in_sites(Visit.site_id, site_ids),
                Visit.local_date.between(period.start, end),
                Visit.voided_at.is_(None),  # as rollups.definitions.counted_visits()
            )
        )
        households = func.count(distinct(Visit.member_id))
        per_site = base.add_columns(Visit.site_id, *columns, households).group_by(
            Visit.site_id, *columns
        )
        for row in db.session.execute(per_site):
            _add(found[row.site_id], row, int(row[-1]))
        programme = base.add_columns(*columns, households).group_by(*columns)
        for row in db.session.execute(programme):
            _add(found[None], row, int(row[-1]))
    return ReachStatistics(by_scope=found, categories=_all_categories(found))


def _add(figures: ReachFigures, row: Any, households: int) -> None:
    figures.households += households
    for key, category in _categories(row).items():
        figures.by[key][category] += households


def _all_categories(found: dict[Scope, ReachFigures]) -> dict[str, tuple[str, ...]]:
    """The fixed categories of the questions; the districts reached anywhere (sorted, "not
    recorded" last: every scope lists them all, so a row's presence says nothing); the routes
    (the four every site may offer, then any other found anywhere, as no fixed abode: a route
    few sites offer is listed only where the data has it, so that its structural zero never
    stands as a small cell protecting another)."""
    categories = dict(CATEGORIES)
    districts = {d for f in found.values() for d, n in f.by["district"].items() if n}
    categories["district"] = (
        *sorted(districts - {NO_DISTRICT}),
        *((NO_DISTRICT,) if NO_DISTRICT in districts else ()),
    )
    routes = {r for f in found.values() for r, n in f.by["route"].items() if n}
    categories["route"] = (*STANDARD_ROUTES, *sorted(routes - set(STANDARD_ROUTES)))
    return categories
