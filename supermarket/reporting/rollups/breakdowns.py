"""Distinct households by breakdown: who a period reached (by each equality monitoring
question, postcode district and eligibility route) and the households of each visit type.

Distinct households cannot be added up from days, so, like `period_household_stats`, they are
stored per fixed period in `period_household_breakdowns`: for a period that is over, once
(`through` NULL), and for the month, quarter and year still running, nightly up to the last
day rolled up (`through`), so that a request adds only what the visits since then add. A
request reads the visits of a whole period only when nothing usable is stored (before the
first refresh stores it, or when a day it counted has changed since: a stale day).

Definitions (the methods page repeats them):

- Households reached: members with a visit in the period (not voided); at a site, those who
  visited that site; across all sites, each member once.
- Each household counts under its answer to each question as it stood when it was counted
  (while a period runs: the night after its first visit of the period; once it is over, every
  household again, the night after it ends), "not asked" where there is none; the ethnic
  group by the ONS 2021 high-level group; the postcode district, never finer. A stored
  period's figures do not move when an answer alone changes later; they are counted again,
  with the answers as they then stand, when one of the period's visits changes (a stale
  day), on `rollup --since` over it and on `--rebuild`.
- Visit types: distinct members with a visit of the type; a household may count under two
  types, so types do not add up to households.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, delete, distinct, exists, func, insert, select
from sqlalchemy.orm import aliased

from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.monitoring import NOT_ASKED, QUESTIONS, EthnicGroup, MemberMonitoring
from supermarket.models import utcnow
from supermarket.reporting.models import PeriodHouseholdBreakdown
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups.definitions import (
    complete_through,
    counted_visits,
    stale_days,
)
from supermarket.reporting.site_filter import in_sites
from supermarket.sites.models import Site
from supermarket.visits.models import Visit

Scope = int | None
# scope -> breakdown -> category -> households
Breakdowns = dict[Scope, dict[str, Counter[str]]]

# The breakdown holding all the households reached (one category, "").
HOUSEHOLDS: Final = "households"
VISIT_TYPE: Final = "visit_type"
# A member whose postcode district is not recorded (no fixed abode, an address "care of").
NO_DISTRICT: Final = "not_recorded"


def _ethnic(value: str | None) -> str:
    return NOT_ASKED if value is None else EthnicGroup(value).group


def _categories(row: Any) -> dict[str, str]:
    """One grouped row's category in each reach breakdown."""
    found = {key: getattr(row, key) or NOT_ASKED for key in QUESTIONS}
    found["ethnic_group"] = _ethnic(row.ethnic_group)
    found["district"] = row.postcode_district or NO_DISTRICT
    found["route"] = row.eligibility_route
    return found


def _reach_columns() -> list[Any]:
    monitoring = [getattr(MemberMonitoring, key).label(key) for key in QUESTIONS]
    return [Member.postcode_district, Member.eligibility_route, *monitoring]


def _scope(found: Breakdowns, key: Scope) -> dict[str, Counter[str]]:
    return found.setdefault(key, {})


def _add(found: Breakdowns, key: Scope, breakdown: str, category: str, count: int) -> None:
    _scope(found, key).setdefault(breakdown, Counter())[category] += count


def count_breakdowns(
    site_ids: Sequence[int], start: date, end: date, *, since: date | None = None
) -> Breakdowns:
    """The distinct households of start to end by every breakdown, per site and for all the
    given sites together (key None), read from the visits.

    With `since` (a day from start to end), only what the visits after it add to the figures
    of start to `since`: the households new to the site, to all the sites, or (visit types)
    to the type there. Reads the later visits and, through the members' index, the earlier
    visits of only those households: a running year costs what its last days cost.
    """
    found: Breakdowns = {}
    if not site_ids or start > end:
        return found
    first = start if since is None else since + timedelta(days=1)
    if first > end:
        return found
    where = [
        counted_visits(),
        in_sites(Visit.site_id, site_ids),
        Visit.local_date.between(first, end),
    ]
    earlier = aliased(Visit)

    def new(*same: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        """No counted visit of the household (at the same site, of the same type) before."""
        if since is None:
            return []
        return [
            ~exists().where(
                earlier.member_id == Visit.member_id,
                earlier.local_date.between(start, since),
                earlier.voided_at.is_(None),
                in_sites(earlier.site_id, site_ids),
                *same,
            )
        ]

    households = func.count(distinct(Visit.member_id))
    columns = _reach_columns()
    reach = (
        select()
        .select_from(Visit)
        .join(Member, Member.id == Visit.member_id)
        .outerjoin(MemberMonitoring, MemberMonitoring.member_id == Member.id)
        .where(*where)
    )
    at_sites = reach.add_columns(Visit.site_id, *columns, households).where(
        *new(earlier.site_id == Visit.site_id)
    )
    for row in db.session.execute(at_sites.group_by(Visit.site_id, *columns)):
        _add_reach(found, row.site_id, row, int(row[-1]))
    overall = reach.add_columns(*columns, households).where(*new())
    for row in db.session.execute(overall.group_by(*columns)):
        _add_reach(found, None, row, int(row[-1]))

    types = select(Visit.site_id, Visit.visit_type, households).where(
        *where, *new(earlier.site_id == Visit.site_id, earlier.visit_type == Visit.visit_type)
    )
    for site_id, kind, count in db.session.execute(types.group_by(Visit.site_id, Visit.visit_type)):
        _add(found, site_id, VISIT_TYPE, kind, int(count))
    overall_types = select(Visit.visit_type, households).where(
        *where, *new(earlier.visit_type == Visit.visit_type)
    )
    for kind, count in db.session.execute(overall_types.group_by(Visit.visit_type)):
        _add(found, None, VISIT_TYPE, kind, int(count))
    return found


def _add_reach(found: Breakdowns, key: Scope, row: Any, count: int) -> None:
    _add(found, key, HOUSEHOLDS, "", count)
    for breakdown, category in _categories(row).items():
        _add(found, key, breakdown, category, count)


def plus(base: Breakdowns, added: Breakdowns) -> Breakdowns:
    """The counts of `base` with those of `added` added (neither is changed)."""
    total: Breakdowns = {
        key: {name: Counter(counts) for name, counts in scope.items()}
        for key, scope in base.items()
    }
    for key, scope in added.items():
        for name, counts in scope.items():
            _scope(total, key).setdefault(name, Counter()).update(counts)
    return total


# --- stored figures -----------------------------------------------------------------------------


def store_breakdowns(period: Period, counts: Breakdowns, *, through: date | None) -> None:
    """Replace the period's stored figures by `counts` (up to `through`, None once it is over)."""
    db.session.execute(
        delete(PeriodHouseholdBreakdown).where(PeriodHouseholdBreakdown.period_key == period.key)
    )
    computed = utcnow()
    rows = [
        {
            "period_key": period.key,
            "site_id": key,
            "counts": {
                name: {category: n for category, n in sorted(categories.items()) if n}
                for name, categories in sorted(scope.items())
            },
            "through": through,
            "computed_at": computed,
        }
        for key, scope in counts.items()
    ]
    if rows:
        db.session.execute(insert(PeriodHouseholdBreakdown), rows)


def stored_breakdowns(key: str, *, running: bool) -> tuple[date | None, Breakdowns] | None:
    """The figures stored for a period: once over (`running` False), or up to a day while it
    ran, with that day; None if nothing is stored."""
    b = PeriodHouseholdBreakdown
    rows = db.session.execute(
        select(b.site_id, b.counts, b.through).where(
            b.period_key == key, b.through.is_not(None) if running else b.through.is_(None)
        )
    ).all()
    if not rows:
        return None
    found: Breakdowns = {
        site_id: {name: Counter(categories) for name, categories in counts.items()}
        for site_id, counts, _through in rows
    }
    return rows[0].through, found


def running_breakdowns(
    site_ids: Sequence[int],
    period: Period,
    end: date,
    *,
    usable: Iterable[date] | None = None,
) -> Breakdowns:
    """A period's figures from its start to `end`: those stored while it ran plus what the
    visits since add, when they are usable (`usable`: the days a change since would spoil
    them, the stale days; None: none), else counted from all its visits."""
    stored = stored_breakdowns(period.key, running=True)
    if stored is not None:
        upto, base = stored
        assert upto is not None
        if period.start <= upto <= end and not any(day <= upto for day in usable or ()):
            return plus(base, count_breakdowns(site_ids, period.start, end, since=upto))
    return count_breakdowns(site_ids, period.start, end)


def period_breakdowns(site_ids: Sequence[int], period: Period, today: date) -> Breakdowns:
    """The period's figures (to `today` if it is still running), per site and for all the
    given sites (key None; `site_ids` must be every site for the stored figures to be
    theirs): stored where they can be, else from the visits."""
    end = min(period.end, today)
    through = complete_through()
    if through is None or period.start > end or not _every_site(site_ids):
        return count_breakdowns(site_ids, period.start, end)
    stale = [day for _site, day in stale_days(site_ids, period.start, min(end, through))]
    if end == period.end <= through and not stale:
        stored = stored_breakdowns(period.key, running=False)
        if stored is not None:
            return stored[1]
    return running_breakdowns(site_ids, period, end, usable=stale)


def _every_site(site_ids: Sequence[int]) -> bool:
    """The stored figures' key None is all sites: they serve only a request for all of them."""
    return set(site_ids) == set(db.session.scalars(select(Site.id)))


def unstored_periods(keys: Iterable[str]) -> list[str]:
    """Of these period keys, those with no figures stored for the period over."""
    wanted = set(keys)
    if not wanted:
        return []
    b = PeriodHouseholdBreakdown
    stored = set(
        db.session.scalars(
            select(b.period_key).where(b.period_key.in_(wanted), b.through.is_(None)).distinct()
        )
    )
    return sorted(wanted - stored)
