"""Reading sums: rolled-up days from the rollups, later and stale days from the ledgers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    exists,
    extract,
    false,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)

from supermarket.extensions import db
from supermarket.reporting.models import (
    DailyStockStats,
    DailySurveyStats,
    DailyVisitStats,
    DailyVisitTypeStats,
    PeriodHouseholdStats,
    SurveyStaleDay,
)
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups.definitions import (
    PEOPLE,
    SURVEY_CELL,
    TYPE_SUMS,
    VISIT_SUMS,
    band_items,
    complete_through,
    counted_visits,
    day_filter,
    is_baseline,
    live_condition,
    stale_days,
    stock_reason,
    survey_cells,
    visit_columns,
    visit_type_columns,
    with_items,
)
from supermarket.reporting.site_filter import in_sites
from supermarket.stock.models import StockMovement
from supermarket.surveys.models import SurveyAssessment
from supermarket.visits.models import Visit, VisitBand

# --- reading: rolled-up days plus live days -------------------------------------------------------

# A live query made knowing the rollup's last day and the stale (site, day) pairs.
LiveQuery = Callable[[date | None, Sequence[tuple[int, date]]], Select[Any]]


def _rolled_up_and_live(
    site_ids: Sequence[int],
    start: date,
    end: date,
    *,
    rolled_up: Select[*tuple[Any, ...]],
    rollup: type[DailyVisitStats] | type[DailyStockStats] | type[DailyVisitTypeStats],
    live: Select[*tuple[Any, ...]] | LiveQuery,
    source: type[Visit] | type[StockMovement],
) -> list[Select[*tuple[Any, ...]]]:
    """The queries that together read the sites' days from start to end: `rolled_up` over
    the `rollup` table for the days it holds and has not marked stale, and `live` over the
    `source` rows for the days after those and the stale ones (each only when it has days).
    `live` may be a function of the rollup's last day and the stale days, giving the query."""
    through = complete_through()
    stale = stale_days(site_ids, start, min(end, through)) if through is not None else []
    queries = []
    if through is not None and start <= through:
        queries.append(
            rolled_up.where(
                in_sites(rollup.site_id, site_ids),
                rollup.local_date.between(start, min(end, through)),
                ~day_filter(rollup.site_id, rollup.local_date, stale),
            )
        )
    if through is None or end > through or stale:
        if not isinstance(live, Select):
            live = live(through, stale)
        queries.append(
            live.where(
                in_sites(source.site_id, site_ids),
                source.local_date.between(start, end),
                live_condition(source.site_id, source.local_date, through, stale),
            )
        )
    return queries


def visit_sums(site_ids: Sequence[int], start: date, end: date) -> dict[int, dict[str, int]]:
    """Per site, the sums of VISIT_SUMS over the non-voided visits from start to end."""
    totals: dict[int, dict[str, int]] = {
        site_id: dict.fromkeys(VISIT_SUMS, 0) for site_id in site_ids
    }
    if not site_ids:
        return totals
    queries = _rolled_up_and_live(
        site_ids,
        start,
        end,
        rolled_up=select(
            DailyVisitStats.site_id,
            *(func.coalesce(func.sum(getattr(DailyVisitStats, n)), 0) for n in VISIT_SUMS),
        ).group_by(DailyVisitStats.site_id),
        rollup=DailyVisitStats,
        live=select(Visit.site_id, *visit_columns())
        .where(counted_visits())
        .group_by(Visit.site_id),
        source=Visit,
    )
    for query in queries:
        for row in db.session.execute(query):
            site_total = totals[row[0]]
            for name, value in zip(VISIT_SUMS, row[1:], strict=True):
                site_total[name] += int(value or 0)
    return totals


TypeSums = dict[int, dict[str, dict[str, int]]]


def visit_type_sums(site_ids: Sequence[int], start: date, end: date) -> TypeSums:
    """Per site and visit type, the sums of TYPE_SUMS over the non-voided visits from start
    to end (a type with no visits at a site is left out)."""
    totals: TypeSums = {site_id: {} for site_id in site_ids}
    if not site_ids:
        return totals

    def live(through: date | None, stale: Sequence[tuple[int, date]]) -> Select[Any]:
        # Only the live days' baskets are summed: after the rollup, and the stale days.
        days: ColumnElement[bool] = VisitBand.local_date.between(start, end)
        if through is not None:
            days = and_(
                days,
                or_(
                    VisitBand.local_date > through,
                    VisitBand.local_date.in_(sorted({day for _site, day in stale})),
                ),
            )
        items = band_items(days)
        return (
            with_items(select(Visit.site_id, Visit.visit_type, *visit_type_columns(items)), items)
            .where(counted_visits())
            .group_by(Visit.site_id, Visit.visit_type)
        )

    rolled = DailyVisitTypeStats
    queries = _rolled_up_and_live(
        site_ids,
        start,
        end,
        rolled_up=select(
            rolled.site_id,
            rolled.visit_type,
            *(func.coalesce(func.sum(getattr(rolled, n)), 0) for n in TYPE_SUMS),
        ).group_by(rolled.site_id, rolled.visit_type),
        rollup=rolled,
        live=live,
        source=Visit,
    )
    for query in queries:
        for row in db.session.execute(query):
            sums = totals[row[0]].setdefault(row[1], dict.fromkeys(TYPE_SUMS, 0))
            for name, value in zip(TYPE_SUMS, row[2:], strict=True):
                sums[name] += int(value or 0)
    return totals


StockKey = tuple[str, str, str]  # kind, source, reason ("" if none)


def stock_sums(site_ids: Sequence[int], start: date, end: date) -> dict[int, dict[StockKey, int]]:
    """Per site, net grams by (kind, source, reason) over the ledger from start to end."""
    totals: dict[int, dict[StockKey, int]] = {site_id: {} for site_id in site_ids}
    if not site_ids:
        return totals
    keys = (DailyStockStats.site_id, DailyStockStats.kind, DailyStockStats.source)
    live_keys = (StockMovement.site_id, StockMovement.kind, StockMovement.source)
    queries = _rolled_up_and_live(
        site_ids,
        start,
        end,
        rolled_up=select(
            *keys, DailyStockStats.reason, func.sum(DailyStockStats.weight_g)
        ).group_by(*keys, DailyStockStats.reason),
        rollup=DailyStockStats,
        live=select(*live_keys, stock_reason(), func.sum(StockMovement.weight_g)).group_by(
            *live_keys, stock_reason()
        ),
        source=StockMovement,
    )
    for query in queries:
        for site_id, kind, source, reason, grams in db.session.execute(query):
            key = (kind, source, reason)
            totals[site_id][key] = totals[site_id].get(key, 0) + int(grams or 0)
    return totals


def live_households(
    site_ids: Sequence[int] | None, start: date, end: date
) -> dict[int | None, dict[str, int]]:
    """Distinct households that visited from start to end, and the people in them as at each
    household's last visit: per site, and for all the given sites together (key None).

    `site_ids` None means every site. Read from the visits themselves, in one pass: each
    visit ranked among its household's visits at its site and among all its visits; the
    programme's figures are the sums over the sites of the households' last visits overall.
    """
    where: list[ColumnElement[bool]] = [Visit.local_date.between(start, end)]
    if site_ids is not None:
        where.append(in_sites(Visit.site_id, site_ids))
    ranked = _ranked_visits(where).subquery()
    columns = []
    for rank in (ranked.c.site_rank, ranked.c.rank):
        columns.append(func.sum(case((rank == 1, 1), else_=0)))
        columns.extend(func.sum(case((rank == 1, ranked.c[name]), else_=0)) for name in PEOPLE)
    stmt = (
        select(ranked.c.site_id, *columns)
        .where(or_(ranked.c.site_rank == 1, ranked.c.rank == 1))
        .group_by(ranked.c.site_id)
    )
    _sort_in_memory()
    found: dict[int | None, dict[str, int]] = {}
    programme = dict.fromkeys(("households", *PEOPLE), 0)
    width = 1 + len(PEOPLE)
    for row in db.session.execute(stmt):
        at_site = [int(value or 0) for value in row[1 : 1 + width]]
        overall = [int(value or 0) for value in row[1 + width :]]
        if at_site[0]:
            found[row[0]] = dict(zip(("households", *PEOPLE), at_site, strict=True))
        for name, value in zip(("households", *PEOPLE), overall, strict=True):
            programme[name] += value
    if programme["households"]:
        found[None] = programme
    return found


Reach = dict[int | None, dict[str, int]]


def _ranked_visits(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """Counted visits matching `where`, each with its household's people, ranked among its
    household's visits at its site (`site_rank`) and among all of them (`rank`), latest 1."""
    order = (Visit.local_date.desc(), Visit.id.desc())
    return select(
        Visit.site_id,
        Visit.member_id,
        *(getattr(Visit, name) for name in PEOPLE),
        func.row_number()
        .over(partition_by=(Visit.site_id, Visit.member_id), order_by=order)
        .label("site_rank"),
        func.row_number().over(partition_by=Visit.member_id, order_by=order).label("rank"),
    ).where(counted_visits(), *where)


def _sort_in_memory() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        # A running month is ~100,000 visits at 40 sites: sorted twice, they spill to disk at
        # the default 4 MB, and the query's cost makes PostgreSQL compile it (JIT, ~100 ms)
        # every time. For this transaction only (a reporting request's).
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        db.session.execute(text("SET LOCAL jit = off"))


def households_added(
    site_ids: Sequence[int], start: date, upto: date, end: date
) -> dict[int | None, dict[str, int]]:
    """What the visits after `upto` (to `end`) add to the distinct households of start to
    `upto`, and to their people: per site, and for all the given sites together (key None).

    A household new to the site (or to the sites) adds one, with its people at its last
    visit; a household seen before adds none, and its people change from those at its last
    visit up to `upto` to those at its last visit since. Reads the later visits, and the
    earlier visits of only the households among them (the members' index), never the whole
    period: a running year costs what its last days cost.
    """
    sites = in_sites(Visit.site_id, site_ids)
    later = _ranked_visits([Visit.local_date > upto, Visit.local_date <= end, sites]).cte("later")
    returning = select(later.c.member_id).where(later.c.rank == 1)
    earlier = _ranked_visits(
        [Visit.local_date.between(start, upto), sites, Visit.member_id.in_(returning)]
    ).cte("earlier")
    found: dict[int | None, dict[str, int]] = {}
    for rank, on_site in ((later.c.site_rank, True), (later.c.rank, False)):
        before_rank = earlier.c.site_rank if on_site else earlier.c.rank
        joined = and_(earlier.c.member_id == later.c.member_id, before_rank == 1)
        if on_site:
            joined = and_(joined, earlier.c.site_id == later.c.site_id)
        columns = [
            (func.count() - func.count(earlier.c.member_id)).label("households"),
            *(
                func.sum(later.c[name] - func.coalesce(earlier.c[name], 0)).label(name)
                for name in PEOPLE
            ),
        ]
        group = (later.c.site_id,) if on_site else ()
        stmt = (
            select(*group, *columns)
            .select_from(later.outerjoin(earlier, joined))
            .where(rank == 1)
            .group_by(*group)
        )
        for row in db.session.execute(stmt):
            key = row[0] if on_site else None
            values = row[1:] if on_site else row
            if on_site or values[0] is not None:
                found[key] = dict(
                    zip(("households", *PEOPLE), (int(v or 0) for v in values), strict=True)
                )
    return found


def _plus(base: Reach, added: Reach) -> Reach:
    total = {key: dict(sums) for key, sums in base.items()}
    for key, sums in added.items():
        into = total.setdefault(key, dict.fromkeys(("households", *PEOPLE), 0))
        for name, value in sums.items():
            into[name] += value
    return total


def running_households(
    site_ids: Sequence[int], period: Period, end: date, stored: tuple[date, Reach] | None
) -> Reach:
    """The distinct households of a running period from its start to `end`: the figures
    stored up to a day (by the last refresh) plus what the visits since add, or, with
    nothing stored, from all the period's visits."""
    if stored is None:
        return live_households(site_ids, period.start, end)
    upto, base = stored
    _sort_in_memory()
    return _plus(base, households_added(site_ids, period.start, upto, end))


def stored_running(keys: Sequence[str]) -> dict[str, tuple[date, Reach]]:
    """The running periods' figures stored by the last refresh: each with the day it goes to."""
    found: dict[str, tuple[date, Reach]] = {}
    if not keys:
        return found
    for row in db.session.execute(
        select(
            PeriodHouseholdStats.period_key,
            PeriodHouseholdStats.through,
            PeriodHouseholdStats.site_id,
            PeriodHouseholdStats.households,
            *(getattr(PeriodHouseholdStats, name) for name in PEOPLE),
        ).where(
            PeriodHouseholdStats.period_key.in_(keys), PeriodHouseholdStats.through.is_not(None)
        )
    ):
        reach = found.setdefault(row.period_key, (row.through, {}))[1]
        reach[row.site_id] = {
            "households": row.households,
            **{name: int(getattr(row, name)) for name in PEOPLE},
        }
    return found


def households_for(site_ids: Sequence[int], periods: Sequence[Period]) -> dict[str, Reach]:
    """For each period: distinct households (and people) per site and for all (key None).

    From the stored period figures where the period is rolled up and none of its days is
    stale; otherwise from the visits. `site_ids` must be every site, since key None is the
    whole programme.
    """
    empty = {"households": 0, **dict.fromkeys(PEOPLE, 0)}
    found: dict[str, Reach] = {}
    through = complete_through()
    stored_keys: set[str] = set()
    stale: list[tuple[int, date]] = []
    if through is not None and periods:
        stale = stale_days(
            site_ids, min(p.start for p in periods), min(max(p.end for p in periods), through)
        )
        stored_keys = {
            p.key
            for p in periods
            if p.end <= through and not any(p.contains(day) for _site, day in stale)
        }
    if stored_keys:
        # A rolled-up period without rows had no visits: the refresh stores every period
        # over by then that holds a rolled-up day, and marks changed days stale.
        found = {key: {} for key in stored_keys}
        for row in db.session.execute(
            select(
                PeriodHouseholdStats.period_key,
                PeriodHouseholdStats.site_id,
                PeriodHouseholdStats.households,
                *(getattr(PeriodHouseholdStats, name) for name in PEOPLE),
            ).where(
                PeriodHouseholdStats.period_key.in_(stored_keys),
                PeriodHouseholdStats.through.is_(None),
            )
        ):
            found[row.period_key][row.site_id] = {
                "households": row.households,
                **{name: int(getattr(row, name)) for name in PEOPLE},
            }
    running = [p for p in periods if p.key not in found]
    stored = stored_running([p.key for p in running]) if through is not None else {}
    for period in running:
        base = stored.get(period.key)
        # Usable when nothing it counted has changed since: no stale day up to its last day.
        if base is not None and (
            base[0] >= period.end or any(period.start <= day <= base[0] for _site, day in stale)
        ):
            base = None
        found[period.key] = running_households(site_ids, period, period.end, base)
    return {
        period.key: {key: found[period.key].get(key, dict(empty)) for key in (*site_ids, None)}
        for period in periods
    }


def households(site_ids: Sequence[int], period: Period) -> Reach:
    """households_for() for one period."""
    return households_for(site_ids, [period])[period.key]


def daily_visits(site_ids: Sequence[int], start: date, end: date) -> dict[tuple[int, date], int]:
    """Visits per site and day from start to end: rolled-up days from the rollup."""
    found: dict[tuple[int, date], int] = {}
    if not site_ids:
        return found
    queries = _rolled_up_and_live(
        site_ids,
        start,
        end,
        rolled_up=select(
            DailyVisitStats.site_id, DailyVisitStats.local_date, DailyVisitStats.visits
        ),
        rollup=DailyVisitStats,
        live=select(Visit.site_id, Visit.local_date, func.count())
        .where(counted_visits())
        .group_by(Visit.site_id, Visit.local_date),
        source=Visit,
    )
    for query in queries:
        for site_id, day, visits in db.session.execute(query):
            found[(site_id, day)] = found.get((site_id, day), 0) + int(visits)
    return found


def monthly_visits(
    site_ids: Sequence[int], start: date, end: date
) -> dict[tuple[int, int, int], int]:
    """Visits per site and month from start to end: daily_visits() summed by (site id, year,
    month) in the database, a row per site and month instead of per site and day."""
    found: dict[tuple[int, int, int], int] = {}
    if not site_ids:
        return found

    def by_month(column: Any) -> tuple[Any, Any]:
        return extract("year", column), extract("month", column)

    rolled = by_month(DailyVisitStats.local_date)
    live = by_month(Visit.local_date)
    queries = _rolled_up_and_live(
        site_ids,
        start,
        end,
        rolled_up=select(
            DailyVisitStats.site_id, *rolled, func.sum(DailyVisitStats.visits)
        ).group_by(DailyVisitStats.site_id, *rolled),
        rollup=DailyVisitStats,
        live=select(Visit.site_id, *live, func.count())
        .where(counted_visits())
        .group_by(Visit.site_id, *live),
        source=Visit,
    )
    for query in queries:
        for site_id, year, month, visits in db.session.execute(query):
            key = (site_id, int(year), int(month))
            found[key] = found.get(key, 0) + int(visits or 0)
    return found


# --- survey cells -----------------------------------------------------------------------------

# A survey cell's values, in SURVEY_CELL's order: (baseline complete, category, score,
# follow-up complete, category, score); the follow-up's are NO_FOLLOW_UP while it has none.
SurveyCell = tuple[bool, str, int, bool, str, int]
CellCounts = list[tuple[int, SurveyCell, tuple[bool, ...], bool, int]]


def _survey_stale(site_column: Any, date_column: Any) -> ColumnElement[bool]:
    return exists().where(
        SurveyStaleDay.site_id == site_column, SurveyStaleDay.local_date == date_column
    )


def _closed(date_column: Any, closed_through: date | None) -> ColumnElement[bool]:
    if closed_through is None:
        return false()
    return case((date_column <= closed_through, True), else_=False)


def _in_range(date_column: Any, first: date, last: date) -> ColumnElement[bool]:
    return case((date_column.between(first, last), True), else_=False)


def survey_cell_counts(
    site_ids: Sequence[int],
    ranges: Sequence[tuple[date, date]],
    *,
    closed_through: date | None = None,
) -> CellCounts:
    """The baselines taken at the sites on the days of the date ranges (each inclusive; they
    may overlap), counted per site and survey cell, by the ranges each day is in and by whether
    they were taken on or before `closed_through` (False for all when it is None):
    (site id, cell, in each range, closed, baselines) rows.

    Rolled-up days from daily_survey_stats, in one statement with the days after the rollup
    and the stale ones read from the assessments (so one snapshot sees both), reading each day
    once however many of the ranges it is in.
    """
    # An empty range keeps its place (its flag is False on every row) but reads nothing.
    days = [(first, last) for first, last in ranges if first <= last]
    if not site_ids or not days:
        return []
    start = min(first for first, _ in days)
    end = max(last for _, last in days)

    def on_days(date_column: Any, first: date, last: date) -> ColumnElement[bool]:
        return or_(
            *(
                date_column.between(max(first, a), min(last, b))
                for a, b in days
                if max(first, a) <= min(last, b)
            ),
            false(),
        )

    def flags(date_column: Any) -> list[ColumnElement[bool]]:
        return [_in_range(date_column, a, b).label(f"in_{n}") for n, (a, b) in enumerate(ranges)]

    through = complete_through()
    branches: list[Select[Any]] = []
    if through is not None and start <= through:
        rolled = DailySurveyStats
        branches.append(
            select(
                rolled.site_id.label("site_id"),
                rolled.local_date.label("local_date"),
                *(getattr(rolled, name).label(name) for name in SURVEY_CELL),
                _closed(rolled.local_date, closed_through).label("closed"),
                *flags(rolled.local_date),
                rolled.baselines.label("baselines"),
            ).where(
                in_sites(rolled.site_id, site_ids),
                on_days(rolled.local_date, start, min(end, through)),
                ~_survey_stale(rolled.site_id, rolled.local_date),
            )
        )
    baseline = SurveyAssessment
    live = survey_cells(
        _closed(baseline.local_date, closed_through).label("closed"),
        *flags(baseline.local_date),
        literal(1, Integer).label("baselines"),
    ).where(is_baseline(), in_sites(baseline.site_id, site_ids))
    if through is not None and start <= through:  # rolled-up days changed since
        branches.append(
            live.where(
                on_days(baseline.local_date, start, min(end, through)),
                _survey_stale(baseline.site_id, baseline.local_date),
            )
        )
    if through is None or end > through:  # the days after the rollup
        first = start if through is None else max(start, through + timedelta(days=1))
        branches.append(live.where(on_days(baseline.local_date, first, end)))
    both = union_all(*branches).subquery()
    keys = (
        both.c.site_id,
        *(both.c[name] for name in SURVEY_CELL),
        both.c.closed,
        *(both.c[f"in_{n}"] for n in range(len(ranges))),
    )
    rows = db.session.execute(select(*keys, func.sum(both.c.baselines)).group_by(*keys))
    return [
        (
            row[0],
            (bool(row[1]), row[2], int(row[3]), bool(row[4]), row[5], int(row[6])),
            tuple(bool(flag) for flag in row[8:-1]),
            bool(row[7]),
            int(row[-1]),
        )
        for row in rows
    ]
