"""Rebuilding the rollups from the ledgers: whole days, then the periods those days are in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    delete,
    func,
    insert,
    select,
    text,
)

from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.reporting.models import (
    DailyStockStats,
    DailySurveyStats,
    DailyVisitStats,
    DailyVisitTypeStats,
    PeriodHouseholdBreakdown,
    PeriodHouseholdStats,
    RollupStaleDay,
    RollupState,
    SurveyStaleDay,
)
from supermarket.reporting.periods import Period, parse_period
from supermarket.reporting.rollups.breakdowns import (
    count_breakdowns,
    running_breakdowns,
    store_breakdowns,
    unstored_periods,
)
from supermarket.reporting.rollups.definitions import (
    PERIOD_KINDS,
    STATE_ID,
    SURVEY_CELL,
    TYPE_SUMS,
    VISIT_SUMS,
    band_items,
    counted_visits,
    day_filter,
    is_baseline,
    stock_reason,
    survey_cells,
    visit_columns,
    visit_type_columns,
    with_items,
)
from supermarket.reporting.rollups.read import (
    live_households,
    running_households,
    stored_running,
)
from supermarket.sites.models import Site
from supermarket.stock.models import StockMovement
from supermarket.surveys.models import SurveyAssessment
from supermarket.visits.models import Visit, VisitBand

# --- refreshing -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What a refresh did, for the command line and the demo."""

    since: date | None
    through: date
    days: int
    stale_days: int
    periods: int
    survey_stale_days: int = 0


def _yesterday_everywhere(now: datetime) -> date:
    """The last day that is over at every site (sites may sit in different time zones)."""
    zones = set(db.session.scalars(select(Site.timezone))) or {"Europe/London"}
    return min(now.astimezone(ZoneInfo(zone)).date() for zone in zones) - timedelta(days=1)


def _earliest_day() -> date | None:
    firsts = [
        db.session.scalar(select(func.min(Visit.local_date))),
        db.session.scalar(select(func.min(StockMovement.local_date))),
        db.session.scalar(select(func.min(SurveyAssessment.local_date)).where(is_baseline())),
    ]
    found = [day for day in firsts if day is not None]
    return min(found) if found else None


def _lock_state() -> RollupState:
    state = db.session.scalar(
        select(RollupState).where(RollupState.id == STATE_ID).with_for_update()
    )
    if state is None:
        state = RollupState(id=STATE_ID)
        db.session.add(state)
        db.session.flush()
    return state


def _rebuild_survey_days(where_baselines: ColumnElement[bool]) -> None:
    """The survey cells of the baselines that `where_baselines` picks, rolled up afresh (the
    caller deletes their days' rows first)."""
    cells = survey_cells().where(is_baseline(), where_baselines).subquery()
    keys = (cells.c.site_id, cells.c.local_date, *(cells.c[name] for name in SURVEY_CELL))
    db.session.execute(
        insert(DailySurveyStats).from_select(
            ["site_id", "local_date", *SURVEY_CELL, "baselines"],
            select(*keys, func.count()).group_by(*keys),
        )
    )


def _rebuild_days(
    where_visits: ColumnElement[bool],
    where_stock: ColumnElement[bool],
    where_bands: ColumnElement[bool],
) -> None:
    """The days `where_visits` and `where_stock` pick rolled up afresh (the caller deletes
    their rows first); `where_bands` picks those days' basket bands, by their date."""
    items = band_items(where_bands)
    type_rows = (
        with_items(
            select(Visit.site_id, Visit.local_date, Visit.visit_type, *visit_type_columns(items)),
            items,
        )
        .where(counted_visits(), where_visits)
        .group_by(Visit.site_id, Visit.local_date, Visit.visit_type)
    )
    db.session.execute(
        insert(DailyVisitTypeStats).from_select(
            ["site_id", "local_date", "visit_type", *TYPE_SUMS], type_rows
        )
    )
    visit_rows = (
        select(Visit.site_id, Visit.local_date, *visit_columns())
        .where(counted_visits(), where_visits)
        .group_by(Visit.site_id, Visit.local_date)
    )
    db.session.execute(
        insert(DailyVisitStats).from_select(["site_id", "local_date", *VISIT_SUMS], visit_rows)
    )
    stock_rows = (
        select(
            StockMovement.site_id,
            StockMovement.local_date,
            StockMovement.kind,
            StockMovement.source,
            stock_reason(),
            func.sum(StockMovement.weight_g),
        )
        .where(where_stock)
        .group_by(
            StockMovement.site_id,
            StockMovement.local_date,
            StockMovement.kind,
            StockMovement.source,
            stock_reason(),
        )
    )
    db.session.execute(
        insert(DailyStockStats).from_select(
            ["site_id", "local_date", "kind", "source", "reason", "weight_g"], stock_rows
        )
    )


def _periods_touching(days: Iterable[date], through: date) -> set[Period]:
    """Every month, quarter and year containing one of the days and over by `through`."""
    found: set[Period] = set()
    for day in days:
        for kind in PERIOD_KINDS:
            period = Period.containing(day, kind)
            if period.end <= through:
                found.add(period)
    return found


def _months_between(start: date, end: date) -> Iterable[date]:
    day = date(start.year, start.month, 1)
    while day <= end:
        yield day
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def store_period_households(period: Period) -> None:
    """Store the distinct households (and their people) of a period that is over."""
    db.session.execute(
        delete(PeriodHouseholdStats).where(PeriodHouseholdStats.period_key == period.key)
    )
    computed = utcnow()
    # Every site named, so that the (site_id, local_date) index of visits can serve the read.
    site_ids = list(db.session.scalars(select(Site.id)))
    rows = [
        {"period_key": period.key, "site_id": site_id, "computed_at": computed, **sums}
        for site_id, sums in live_households(site_ids, period.start, period.end).items()
    ]
    if rows:
        db.session.execute(insert(PeriodHouseholdStats), rows)
    store_breakdowns(period, count_breakdowns(site_ids, period.start, period.end), through=None)


def store_running_households(
    period: Period, through: date, *, recomputed_from: date | None, marked: Sequence[Any]
) -> None:
    """Store the distinct households of a period still running, from its start to `through`.

    From the figures stored by the last refresh plus the visits since, when nothing they
    counted was rolled up again in this refresh (no stale day and no re-rolled range up to
    their last day); otherwise from all the period's visits.
    """
    site_ids = list(db.session.scalars(select(Site.id)))
    base = stored_running([period.key]).get(period.key)
    if base is not None:
        upto = base[0]
        if (
            upto > through
            or (recomputed_from is not None and recomputed_from <= upto)
            or any(period.start <= day <= upto for _site, day in marked)
        ):
            base = None
    reach = running_households(site_ids, period, through, base)
    db.session.execute(
        delete(PeriodHouseholdStats).where(PeriodHouseholdStats.period_key == period.key)
    )
    computed = utcnow()
    rows = [
        {
            "period_key": period.key,
            "site_id": site_id,
            "through": through,
            "computed_at": computed,
            **sums,
        }
        for site_id, sums in reach.items()
        if sums["households"]
    ]
    if rows:
        db.session.execute(insert(PeriodHouseholdStats), rows)
    # The breakdowns the same way: what is stored is usable unless a day it counted was
    # rolled up again (the range re-rolled from `recomputed_from`, or a stale day).
    spoilt = [day for _site, day in marked if period.contains(day)]
    if recomputed_from is not None:
        spoilt.append(recomputed_from)
    store_breakdowns(
        period, running_breakdowns(site_ids, period, through, usable=spoilt), through=through
    )


def _store_missing_breakdowns() -> int:
    """Store the breakdowns of every period over whose households are stored but whose
    breakdowns are not (periods stored before the breakdowns were kept); how many."""
    keys = db.session.scalars(
        select(PeriodHouseholdStats.period_key)
        .where(PeriodHouseholdStats.through.is_(None))
        .distinct()
    )
    missing = unstored_periods(keys)
    site_ids = list(db.session.scalars(select(Site.id)))
    for key in missing:
        period = parse_period(key)
        store_breakdowns(period, count_breakdowns(site_ids, period.start, period.end), through=None)
    return len(missing)


def refresh_rollups(
    *, since: date | None = None, rebuild: bool = False, now: datetime | None = None
) -> RefreshReport:
    """Roll up every day from `since` (default: the day after the last refresh) to yesterday,
    every stale day, and the households of the periods those days belong to.

    With `rebuild`, everything is deleted and rolled up again from the first day of data.
    Never commits; the command line and the demo do.
    """
    now = now or utcnow()
    state = _lock_state()
    through = _yesterday_everywhere(now)
    if rebuild:
        for model in (
            DailyVisitStats,
            DailyVisitTypeStats,
            DailyStockStats,
            PeriodHouseholdStats,
            PeriodHouseholdBreakdown,
            RollupStaleDay,
            DailySurveyStats,
            SurveyStaleDay,
        ):
            db.session.execute(delete(model))
        state.complete_through = None
    start = since
    if state.complete_through is None:
        start = _earliest_day()
    else:
        following = state.complete_through + timedelta(days=1)
        start = following if since is None else min(since, following)

    last_mark = db.session.scalar(select(func.max(RollupStaleDay.id)))
    marked = _stale_days_before(RollupStaleDay, start, through, last_mark)
    last_survey_mark = db.session.scalar(select(func.max(SurveyStaleDay.id)))
    survey_marked = _stale_days_before(SurveyStaleDay, start, through, last_survey_mark)
    days = 0
    touched: list[date] = []
    if start is not None and start <= through:
        _roll_up_range(start, through)
        days = (through - start).days + 1
        touched.extend(_months_between(start, through))
    if marked:
        _roll_up_days(marked)
        touched.extend(day for _site, day in marked)
    if last_mark is not None:
        db.session.execute(delete(RollupStaleDay).where(RollupStaleDay.id <= last_mark))
    if survey_marked:
        _roll_up_survey_days(survey_marked)
    if last_survey_mark is not None:
        db.session.execute(delete(SurveyStaleDay).where(SurveyStaleDay.id <= last_survey_mark))

    periods = _periods_touching(touched, through)
    for period in sorted(periods):
        store_period_households(period)
    for kind in PERIOD_KINDS:
        running = Period.containing(through, kind)
        if running.end > through:
            store_running_households(
                running,
                through,
                recomputed_from=start if start is not None and start <= through else None,
                marked=marked,
            )
    _store_missing_breakdowns()
    if state.complete_through is None or through > state.complete_through:
        state.complete_through = through
    state.refreshed_at = now
    db.session.flush()
    _analyse_rollups()
    return RefreshReport(
        since=start,
        through=through,
        days=days,
        stale_days=len(marked),
        periods=len(periods),
        survey_stale_days=len(survey_marked),
    )


# The tables a refresh writes, which every statistics request reads.
ROLLUP_TABLES = (
    DailyVisitStats,
    DailyVisitTypeStats,
    DailyStockStats,
    DailySurveyStats,
    PeriodHouseholdStats,
    PeriodHouseholdBreakdown,
)


def _analyse_rollups() -> None:
    """On PostgreSQL, bring the planner's statistics of the rollups up to date with what this
    refresh wrote, in its transaction (the columns' statistics are committed or rolled back
    with it; the tables' row estimates are kept either way).

    Autovacuum would, in time, where it runs: a first rollup of the whole history or a rebuild
    writes every row at once, and until the statistics follow, the planner takes the tables
    for empty and sorts a year's 36,000 survey cells instead of hashing them (at programme
    scale on PostgreSQL 15, 88 ms against 49 for that read alone). A night's refresh changes
    too few rows for autovacuum to look again for days, while each new day lies past the end
    of the statistics' date histogram. Sampling six small tables takes a fraction of a second.
    Where the application's database role does not own the tables, PostgreSQL skips them with
    a warning: the owner's schedule (or autovacuum) must analyse them there. SQLite's planner
    keeps no such statistics unless asked (ANALYZE), and is left as it is."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    names = ", ".join(model.__tablename__ for model in ROLLUP_TABLES)
    db.session.execute(text(f"ANALYZE {names}"))


def _stale_days_before(
    marks: type[RollupStaleDay] | type[SurveyStaleDay],
    start: date | None,
    through: date,
    last_mark: int | None,
) -> list[tuple[int, date]]:
    """The (site, day) pairs marked stale in `marks` up to mark `last_mark`, through
    `through`, that the range from `start` does not already cover."""
    if last_mark is None:
        return []
    return sorted(
        {
            (site_id, day)
            for site_id, day in db.session.execute(
                select(marks.site_id, marks.local_date).where(marks.id <= last_mark)
            )
            if day <= through and (start is None or day < start)
        }
    )


def _roll_up_range(start: date, through: date) -> None:
    """Every site's days from start to through, inclusive, rolled up afresh."""
    db.session.execute(
        delete(DailyVisitStats).where(DailyVisitStats.local_date.between(start, through))
    )
    db.session.execute(
        delete(DailyVisitTypeStats).where(DailyVisitTypeStats.local_date.between(start, through))
    )
    db.session.execute(
        delete(DailyStockStats).where(DailyStockStats.local_date.between(start, through))
    )
    db.session.execute(
        delete(DailySurveyStats).where(DailySurveyStats.local_date.between(start, through))
    )
    _rebuild_days(
        Visit.local_date.between(start, through),
        StockMovement.local_date.between(start, through),
        VisitBand.local_date.between(start, through),
    )
    _rebuild_survey_days(SurveyAssessment.local_date.between(start, through))


def _roll_up_days(marked: list[tuple[int, date]]) -> None:
    """These (site, day) pairs rolled up afresh."""
    db.session.execute(
        delete(DailyVisitStats).where(
            day_filter(DailyVisitStats.site_id, DailyVisitStats.local_date, marked)
        )
    )
    db.session.execute(
        delete(DailyVisitTypeStats).where(
            day_filter(DailyVisitTypeStats.site_id, DailyVisitTypeStats.local_date, marked)
        )
    )
    db.session.execute(
        delete(DailyStockStats).where(
            day_filter(DailyStockStats.site_id, DailyStockStats.local_date, marked)
        )
    )
    _rebuild_days(
        day_filter(Visit.site_id, Visit.local_date, marked),
        day_filter(StockMovement.site_id, StockMovement.local_date, marked),
        VisitBand.local_date.in_(sorted({day for _site, day in marked})),
    )


def _roll_up_survey_days(marked: list[tuple[int, date]]) -> None:
    """The survey cells of these (site, baseline day) pairs rolled up afresh."""
    db.session.execute(
        delete(DailySurveyStats).where(
            day_filter(DailySurveyStats.site_id, DailySurveyStats.local_date, marked)
        )
    )
    _rebuild_survey_days(day_filter(SurveyAssessment.site_id, SurveyAssessment.local_date, marked))
