"""Who is reached: the RAW counts of a period's households by each equality monitoring question,
by postcode district and by eligibility route, per site and for the programme.

Internal only, like the rest of `statistics`: release/reach.py turns these into what may leave
a site. Households reached: members who visited in the period (visits not voided); at a site,
those who visited that site; across the programme, each member once. Each household counts
under its answer (members.monitoring) as it stood when it was counted (rollups.breakdowns):
"not asked" where no answer was given, "prefer not to say" where that was the answer; the
ethnic group by the ONS 2021 high-level group of the detailed category stored. Geography: the
member's postcode district, never finer.

The counts come from rollups.breakdowns: stored per period by the nightly refresh (for a
period over, as they stood after it ended; for one still running, up to the last night plus
the visits since), through the session, so a reporting request reads them from the replica.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from supermarket.members.monitoring import (
    NOT_ASKED,
    PREFER_NOT,
    QUESTIONS,
    EthnicGroup,
    EthnicHighLevel,
)
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import HOUSEHOLDS, NO_DISTRICT, Breakdowns, period_breakdowns
from supermarket.sites.settings import ELIGIBILITY_ROUTES, NO_FIXED_ABODE

Scope = int | None


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


def reach_statistics(
    site_ids: Sequence[int], period: Period, today: date, *, counts: Breakdowns | None = None
) -> ReachStatistics:
    """The raw reach figures of every site and the programme for the period (to `today` if it
    is still running); `counts` the period's breakdowns if already read."""
    if counts is None:
        counts = period_breakdowns(site_ids, period, today)
    found: dict[Scope, ReachFigures] = {site_id: ReachFigures() for site_id in site_ids}
    found[None] = ReachFigures()
    for key, scope in counts.items():
        figures = found.get(key)
        if figures is None:
            continue
        figures.households = scope.get(HOUSEHOLDS, Counter()).get("", 0)
        for breakdown in BREAKDOWNS:
            figures.by[breakdown].update(scope.get(breakdown, Counter()))
    return ReachStatistics(by_scope=found, categories=_all_categories(found))


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
