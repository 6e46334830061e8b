"""Daily rollups of visits and stock, kept equal to the ledgers they summarise.

How they stay right (the decision, and why):

- Recomputation, not increments. `refresh_rollups()` (the nightly `supermarket reporting
  rollup`, also run by the demo) rebuilds whole days from the ledgers with one INSERT ...
  SELECT ... GROUP BY per table, then stores distinct households for the fixed periods that
  are over. Rebuilding is idempotent and cannot drift; bulk loads that bypass the ORM are
  picked up by the next refresh.
- Days after `complete_through` (today, and any day since the last refresh) are read live
  from the ledgers by the statistics; only older days come from the rollup. Check-ins never
  touch the rollup tables, so they never wait on reporting.
- A day already rolled up that changes afterwards (a back-dated delivery, a correction) is
  marked in `rollup_stale_days` by ORM listeners registered here on the lower layers' models
  (visits and stock never import reporting). Stale days are read live until the next refresh.
  The listener only runs a query for a row dated before the site's today, so a check-in adds
  no work; it takes a shared lock on the state row, so it cannot slip past a running refresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    delete,
    event,
    false,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Mapper

from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.reporting.models import (
    DailyStockStats,
    DailyVisitStats,
    PeriodHouseholdStats,
    RollupStaleDay,
    RollupState,
)
from supermarket.reporting.periods import Period, PeriodKind
from supermarket.sites.models import Site
from supermarket.stock.models import StockMovement
from supermarket.visits.models import Visit

STATE_ID: Final = 1
PEOPLE: Final = ("adults", "children_0_4", "children_5_11", "children_12_17")
VISIT_SUMS: Final = (
    "visits",
    *PEOPLE,
    "fees_pence",
    "retail_value_pence",
    "savings_pence",
    "overrides",
)
PERIOD_KINDS: Final[tuple[PeriodKind, ...]] = ("month", "quarter", "year")


# --- what a day is made of, from the ledgers --------------------------------------------------


def _visit_columns() -> list[ColumnElement[Any]]:
    return [
        func.count().label("visits"),
        *(func.coalesce(func.sum(getattr(Visit, name)), 0).label(name) for name in PEOPLE),
        func.coalesce(func.sum(Visit.amount_paid_pence), 0).label("fees_pence"),
        func.coalesce(func.sum(Visit.retail_value_pence), 0).label("retail_value_pence"),
        func.coalesce(func.sum(Visit.savings_pence), 0).label("savings_pence"),
        func.coalesce(func.sum(case((Visit.override_reason != "", 1), else_=0)), 0).label(
            "overrides"
        ),
    ]


def _counted_visits() -> ColumnElement[bool]:
    return Visit.voided_at.is_(None)


def _stock_reason() -> ColumnElement[str]:
    # A literal, not a bound parameter: PostgreSQL must see the same expression in the
    # SELECT list and the GROUP BY.
    return func.coalesce(StockMovement.reason, literal_column("''"))


# --- the state and the stale days ---------------------------------------------------------------


def complete_through() -> date | None:
    """Every day up to this one is rolled up (stale days apart); None before the first refresh."""
    return db.session.scalar(select(RollupState.complete_through).where(RollupState.id == STATE_ID))


def stale_days(site_ids: Sequence[int], start: date, end: date) -> list[tuple[int, date]]:
    """Rolled-up days, from start to end inclusive, changed since their rollup."""
    rows = db.session.execute(
        select(RollupStaleDay.site_id, RollupStaleDay.local_date)
        .where(
            RollupStaleDay.site_id.in_(site_ids),
            RollupStaleDay.local_date.between(start, end),
        )
        .distinct()
    ).all()
    return sorted((site_id, day) for site_id, day in rows)


_TIMEZONES: dict[int, ZoneInfo] = {}


def _site_today(connection: Connection, site_id: int) -> date:
    zone = _TIMEZONES.get(site_id)
    if zone is None:
        name = connection.scalar(select(Site.timezone).where(Site.id == site_id))
        zone = ZoneInfo(name or "Europe/London")
        _TIMEZONES[site_id] = zone
    return datetime.now(zone).date()


def _mark_stale(connection: Connection, site_id: int, day: date) -> None:
    if day >= _site_today(connection, site_id):
        return  # today and later are always read live
    # FOR SHARE (PostgreSQL): waits for a running refresh to finish, and keeps the next one
    # from reading the ledgers until this change is committed, so no change is missed.
    through = connection.scalar(
        select(RollupState.complete_through)
        .where(RollupState.id == STATE_ID)
        .with_for_update(read=True)
    )
    if through is None or day > through:
        return
    connection.execute(
        insert(RollupStaleDay).values(site_id=site_id, local_date=day, marked_at=utcnow())
    )


_VISIT_FIELDS: Final = (
    "site_id",
    "local_date",
    "voided_at",
    "member_id",
    *PEOPLE,
    "amount_paid_pence",
    "retail_value_pence",
    "savings_pence",
    "override_reason",
)


def _changed_days(target: Any, fields: Iterable[str]) -> set[tuple[int, date]]:
    """The (site, day) pairs an updated row counted on before and after the change."""
    state = inspect(target)
    days = {(target.site_id, target.local_date)}
    changed = False
    for name in fields:
        history = state.attrs[name].history
        if history.has_changes():
            changed = True
    if not changed:
        return set()
    site_history = state.attrs["site_id"].history
    date_history = state.attrs["local_date"].history
    for old_site in site_history.deleted or [target.site_id]:
        for old_day in date_history.deleted or [target.local_date]:
            days.add((old_site, old_day))
    return days


def _after_insert(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    _mark_stale(connection, target.site_id, target.local_date)


def _after_delete(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    _mark_stale(connection, target.site_id, target.local_date)


def _after_visit_update(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    for site_id, day in _changed_days(target, _VISIT_FIELDS):
        _mark_stale(connection, site_id, day)


def _after_movement_update(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    # The ledger is append-only; should a row ever be corrected, its days are re-read.
    fields = ("site_id", "local_date", "kind", "source", "reason", "weight_g")
    for site_id, day in _changed_days(target, fields):
        _mark_stale(connection, site_id, day)


def register_listeners() -> None:
    """Watch the ledgers for changes to days already rolled up (idempotent)."""
    for model, on_update in ((Visit, _after_visit_update), (StockMovement, _after_movement_update)):
        for name, listener in (
            ("after_insert", _after_insert),
            ("after_delete", _after_delete),
            ("after_update", on_update),
        ):
            if not event.contains(model, name, listener):
                event.listen(model, name, listener)


register_listeners()


# --- refreshing -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What a refresh did, for the command line and the demo."""

    since: date | None
    through: date
    days: int
    stale_days: int
    periods: int


def _yesterday_everywhere(now: datetime) -> date:
    """The last day that is over at every site (sites may sit in different time zones)."""
    zones = set(db.session.scalars(select(Site.timezone))) or {"Europe/London"}
    return min(now.astimezone(ZoneInfo(zone)).date() for zone in zones) - timedelta(days=1)


def _earliest_day() -> date | None:
    firsts = [
        db.session.scalar(select(func.min(Visit.local_date))),
        db.session.scalar(select(func.min(StockMovement.local_date))),
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


def _day_filter(
    site_column: Any, date_column: Any, days: Sequence[tuple[int, date]]
) -> ColumnElement[bool]:
    if not days:
        return false()
    return or_(*(and_(site_column == site_id, date_column == day) for site_id, day in days))


def _rebuild_days(where_visits: ColumnElement[bool], where_stock: ColumnElement[bool]) -> None:
    visit_rows = (
        select(Visit.site_id, Visit.local_date, *_visit_columns())
        .where(_counted_visits(), where_visits)
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
            _stock_reason(),
            func.sum(StockMovement.weight_g),
        )
        .where(where_stock)
        .group_by(
            StockMovement.site_id,
            StockMovement.local_date,
            StockMovement.kind,
            StockMovement.source,
            _stock_reason(),
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
    rows = [
        {"period_key": period.key, "site_id": site_id, "computed_at": computed, **sums}
        for site_id, sums in live_households(None, period.start, period.end).items()
    ]
    if rows:
        db.session.execute(insert(PeriodHouseholdStats), rows)


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
        for model in (DailyVisitStats, DailyStockStats, PeriodHouseholdStats, RollupStaleDay):
            db.session.execute(delete(model))
        state.complete_through = None
    start = since
    if state.complete_through is None:
        start = _earliest_day()
    else:
        following = state.complete_through + timedelta(days=1)
        start = following if since is None else min(since, following)

    last_mark = db.session.scalar(select(func.max(RollupStaleDay.id)))
    marked: list[tuple[int, date]] = []
    if last_mark is not None:
        marked = sorted(
            {
                (site_id, day)
                for site_id, day in db.session.execute(
                    select(RollupStaleDay.site_id, RollupStaleDay.local_date).where(
                        RollupStaleDay.id <= last_mark
                    )
                )
                if day <= through and (start is None or day < start)
            }
        )

    days = 0
    touched: list[date] = []
    if start is not None and start <= through:
        db.session.execute(
            delete(DailyVisitStats).where(DailyVisitStats.local_date.between(start, through))
        )
        db.session.execute(
            delete(DailyStockStats).where(DailyStockStats.local_date.between(start, through))
        )
        _rebuild_days(
            Visit.local_date.between(start, through),
            StockMovement.local_date.between(start, through),
        )
        days = (through - start).days + 1
        touched.extend(_months_between(start, through))
    if marked:
        db.session.execute(
            delete(DailyVisitStats).where(
                _day_filter(DailyVisitStats.site_id, DailyVisitStats.local_date, marked)
            )
        )
        db.session.execute(
            delete(DailyStockStats).where(
                _day_filter(DailyStockStats.site_id, DailyStockStats.local_date, marked)
            )
        )
        _rebuild_days(
            _day_filter(Visit.site_id, Visit.local_date, marked),
            _day_filter(StockMovement.site_id, StockMovement.local_date, marked),
        )
        touched.extend(day for _site, day in marked)
    if last_mark is not None:
        db.session.execute(delete(RollupStaleDay).where(RollupStaleDay.id <= last_mark))

    periods = _periods_touching(touched, through)
    for period in sorted(periods):
        store_period_households(period)
    if state.complete_through is None or through > state.complete_through:
        state.complete_through = through
    state.refreshed_at = now
    db.session.flush()
    return RefreshReport(
        since=start, through=through, days=days, stale_days=len(marked), periods=len(periods)
    )


# --- reading: rolled-up days plus live days -------------------------------------------------------


def _live_condition(
    site_column: Any, date_column: Any, through: date | None, stale: Sequence[tuple[int, date]]
) -> ColumnElement[bool]:
    """Rows to read from the ledger: after the rollup, or on a stale day."""
    if through is None:
        return literal(True)
    return or_(date_column > through, _day_filter(site_column, date_column, stale))


def visit_sums(site_ids: Sequence[int], start: date, end: date) -> dict[int, dict[str, int]]:
    """Per site, the sums of VISIT_SUMS over the non-voided visits from start to end."""
    totals: dict[int, dict[str, int]] = {
        site_id: dict.fromkeys(VISIT_SUMS, 0) for site_id in site_ids
    }
    if not site_ids:
        return totals
    through = complete_through()
    stale = stale_days(site_ids, start, min(end, through)) if through is not None else []
    queries = []
    if through is not None and start <= through:
        queries.append(
            select(
                DailyVisitStats.site_id,
                *(func.coalesce(func.sum(getattr(DailyVisitStats, n)), 0) for n in VISIT_SUMS),
            )
            .where(
                DailyVisitStats.site_id.in_(site_ids),
                DailyVisitStats.local_date.between(start, min(end, through)),
                ~_day_filter(DailyVisitStats.site_id, DailyVisitStats.local_date, stale),
            )
            .group_by(DailyVisitStats.site_id)
        )
    if through is None or end > through or stale:
        queries.append(
            select(Visit.site_id, *_visit_columns())
            .where(
                Visit.site_id.in_(site_ids),
                Visit.local_date.between(start, end),
                _counted_visits(),
                _live_condition(Visit.site_id, Visit.local_date, through, stale),
            )
            .group_by(Visit.site_id)
        )
    for query in queries:
        for row in db.session.execute(query):
            site_total = totals[row[0]]
            for name, value in zip(VISIT_SUMS, row[1:], strict=True):
                site_total[name] += int(value or 0)
    return totals


StockKey = tuple[str, str, str]  # kind, source, reason ("" if none)


def stock_sums(site_ids: Sequence[int], start: date, end: date) -> dict[int, dict[StockKey, int]]:
    """Per site, net grams by (kind, source, reason) over the ledger from start to end."""
    totals: dict[int, dict[StockKey, int]] = {site_id: {} for site_id in site_ids}
    if not site_ids:
        return totals
    through = complete_through()
    stale = stale_days(site_ids, start, min(end, through)) if through is not None else []
    queries = []
    if through is not None and start <= through:
        queries.append(
            select(
                DailyStockStats.site_id,
                DailyStockStats.kind,
                DailyStockStats.source,
                DailyStockStats.reason,
                func.sum(DailyStockStats.weight_g),
            )
            .where(
                DailyStockStats.site_id.in_(site_ids),
                DailyStockStats.local_date.between(start, min(end, through)),
                ~_day_filter(DailyStockStats.site_id, DailyStockStats.local_date, stale),
            )
            .group_by(
                DailyStockStats.site_id,
                DailyStockStats.kind,
                DailyStockStats.source,
                DailyStockStats.reason,
            )
        )
    if through is None or end > through or stale:
        queries.append(
            select(
                StockMovement.site_id,
                StockMovement.kind,
                StockMovement.source,
                _stock_reason(),
                func.sum(StockMovement.weight_g),
            )
            .where(
                StockMovement.site_id.in_(site_ids),
                StockMovement.local_date.between(start, end),
                _live_condition(StockMovement.site_id, StockMovement.local_date, through, stale),
            )
            .group_by(
                StockMovement.site_id, StockMovement.kind, StockMovement.source, _stock_reason()
            )
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

    `site_ids` None means every site. Read from the visits themselves.
    """
    where = [Visit.local_date.between(start, end), _counted_visits()]
    if site_ids is not None:
        where.append(Visit.site_id.in_(site_ids))
    found: dict[int | None, dict[str, int]] = {}
    order = (Visit.local_date.desc(), Visit.id.desc())
    for partition, per_site in (
        ((Visit.site_id, Visit.member_id), True),
        ((Visit.member_id,), False),
    ):
        ranked = (
            select(
                Visit.site_id,
                *(getattr(Visit, name) for name in PEOPLE),
                func.row_number().over(partition_by=partition, order_by=order).label("rank"),
            )
            .where(*where)
            .subquery()
        )
        columns = [
            func.count().label("households"),
            *(func.coalesce(func.sum(ranked.c[name]), 0).label(name) for name in PEOPLE),
        ]
        stmt = select(ranked.c.site_id if per_site else literal(None), *columns).where(
            ranked.c.rank == 1
        )
        if per_site:
            stmt = stmt.group_by(ranked.c.site_id)
        for row in db.session.execute(stmt):
            if row.households:
                found[row[0]] = {
                    "households": int(row.households),
                    **{name: int(getattr(row, name)) for name in PEOPLE},
                }
    return found


Reach = dict[int | None, dict[str, int]]


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
        for row in db.session.scalars(
            select(PeriodHouseholdStats).where(PeriodHouseholdStats.period_key.in_(stored_keys))
        ):
            found.setdefault(row.period_key, {})[row.site_id] = {
                "households": row.households,
                **{name: int(getattr(row, name)) for name in PEOPLE},
            }
    for period in periods:
        if period.key not in found:
            # Not rolled up (or no visits at all, when the live query is as cheap as a read).
            found[period.key] = live_households(site_ids, period.start, period.end)
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
    through = complete_through()
    stale = stale_days(site_ids, start, min(end, through)) if through is not None else []
    queries = []
    if through is not None and start <= through:
        queries.append(
            select(
                DailyVisitStats.site_id, DailyVisitStats.local_date, DailyVisitStats.visits
            ).where(
                DailyVisitStats.site_id.in_(site_ids),
                DailyVisitStats.local_date.between(start, min(end, through)),
                ~_day_filter(DailyVisitStats.site_id, DailyVisitStats.local_date, stale),
            )
        )
    if through is None or end > through or stale:
        queries.append(
            select(Visit.site_id, Visit.local_date, func.count())
            .where(
                Visit.site_id.in_(site_ids),
                Visit.local_date.between(start, end),
                _counted_visits(),
                _live_condition(Visit.site_id, Visit.local_date, through, stale),
            )
            .group_by(Visit.site_id, Visit.local_date)
        )
    for query in queries:
        for site_id, day, visits in db.session.execute(query):
            found[(site_id, day)] = found.get((site_id, day), 0) + int(visits)
    return found
