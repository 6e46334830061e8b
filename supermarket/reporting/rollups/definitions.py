"""What a rolled-up day is made of, and how far the rollups go: shared by refresh and reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any, Final, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import aliased

from supermarket.extensions import db
from supermarket.reporting.models import (
    RollupStaleDay,
    RollupState,
)
from supermarket.reporting.periods import PeriodKind
from supermarket.reporting.site_filter import in_sites
from supermarket.stock.models import StockMovement
from supermarket.surveys.models import SurveyAssessment, SurveyKind
from supermarket.visits.models import Visit, VisitBand

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
# The sums of a site's visits of one visit type (daily_visit_type_stats).
TYPE_SUMS: Final = (
    "visits",
    "items",
    "retail_value_pence",
    "fees_pence",
    "pay_as_you_feel_pence",
    "points_spent",
)
PAY_AS_YOU_FEEL: Final = "pay_as_you_feel"
PERIOD_KINDS: Final[tuple[PeriodKind, ...]] = ("month", "quarter", "year")
# The follow-up the outcome pairs with each baseline, in months after it.
FOLLOW_UP_MONTHS: Final = 3
# A baseline's follow-up category and score while it has none.
NO_FOLLOW_UP: Final = ("", -1)
# A survey cell: what a baseline and its follow-up scored (see DailySurveyStats).
SURVEY_CELL: Final = (
    "baseline_complete",
    "baseline_category",
    "baseline_score",
    "follow_up_complete",
    "follow_up_category",
    "follow_up_score",
)


# --- what a day is made of, from the ledgers --------------------------------------------------


def visit_columns() -> list[ColumnElement[Any]]:
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


def band_items(where: ColumnElement[bool]) -> Any:
    """Items on each visit's basket (`visit_id`, `local_date`, `items`), for the bands that
    `where` picks (by the bands' own local_date, the visit's: so a range reads only its
    partitions), to join to the visits."""
    return (
        select(
            VisitBand.visit_id.label("visit_id"),
            VisitBand.local_date.label("local_date"),
            func.sum(VisitBand.quantity).label("items"),
        )
        .where(where)
        .group_by(VisitBand.visit_id, VisitBand.local_date)
        .subquery()
    )


def visit_type_columns(items: Any) -> list[ColumnElement[Any]]:
    """TYPE_SUMS over grouped visits outer-joined to band_items() as `items`."""
    return [
        func.count().label("visits"),
        func.coalesce(func.sum(items.c["items"]), 0).label("items"),
        func.coalesce(func.sum(Visit.retail_value_pence), 0).label("retail_value_pence"),
        func.coalesce(func.sum(Visit.amount_paid_pence), 0).label("fees_pence"),
        func.coalesce(
            func.sum(
                case((Visit.payment_model == PAY_AS_YOU_FEEL, Visit.amount_paid_pence), else_=0)
            ),
            0,
        ).label("pay_as_you_feel_pence"),
        func.coalesce(func.sum(Visit.points_spent), 0).label("points_spent"),
    ]


def with_items(query: Select[Any], items: Any) -> Select[Any]:
    """A query over Visit with band_items() joined on the visit."""
    return query.outerjoin(
        items, and_(items.c.visit_id == Visit.id, items.c.local_date == Visit.local_date)
    )


def counted_visits() -> ColumnElement[bool]:
    return Visit.voided_at.is_(None)


def stock_reason() -> ColumnElement[str]:
    # A literal, not a bound parameter: PostgreSQL must see the same expression in the
    # SELECT list and the GROUP BY.
    return func.coalesce(StockMovement.reason, literal_column("''"))


def survey_cells(*extra: ColumnElement[Any]) -> Select[Any]:
    """Each baseline as a survey cell, with its site and date (`site_id`, `local_date`, the
    SURVEY_CELL columns, then `extra`): the baselines left-joined to their FOLLOW_UP_MONTHS
    follow-up. SurveyAssessment itself is the baseline in it, for where clauses."""
    baseline = SurveyAssessment
    later = aliased(SurveyAssessment)
    no_category, no_score = NO_FOLLOW_UP
    return select(
        baseline.site_id.label("site_id"),
        baseline.local_date.label("local_date"),
        baseline.complete.label("baseline_complete"),
        baseline.category_10.label("baseline_category"),
        baseline.raw_score_10.label("baseline_score"),
        func.coalesce(later.complete, false()).label("follow_up_complete"),
        func.coalesce(later.category_10, no_category).label("follow_up_category"),
        func.coalesce(later.raw_score_10, no_score).label("follow_up_score"),
        *extra,
    ).outerjoin(
        later,
        and_(later.member_id == baseline.member_id, later.timepoint == FOLLOW_UP_MONTHS),
    )


def is_baseline() -> ColumnElement[bool]:
    """survey_cells() rows are baselines (SurveyAssessment itself is the baseline there)."""
    return SurveyAssessment.kind == SurveyKind.BASELINE.value


# --- the state and the stale days ---------------------------------------------------------------


# Within one_reading(): what the rollup's state was read as, so far ("through": the last day
# rolled up; "stale": every stale (site, day)).
_reading: ContextVar[dict[str, Any] | None] = ContextVar("rollup_reading", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """Read the rollup's state once for everything done within: a report's figures, trend and
    sections each ask how far the rollups go and which days are stale (some fifteen statements
    a report, otherwise). Every figure then splits rolled-up and live days at the same place,
    even if the nightly job commits meanwhile: the ledgers stay the truth for any day read
    live, and a day rolled up since is still read whole from one side or the other. As between
    any two statements of a report on PostgreSQL, a visit moved from a rolled-up day to a day
    read live while the report is made may be counted on both days in that one report."""
    token = _reading.set({})
    try:
        yield
    finally:
        _reading.reset(token)


def complete_through() -> date | None:
    """Every day up to this one is rolled up (stale days apart); None before the first refresh."""
    reading = _reading.get()
    if reading is not None and "through" in reading:
        return cast(date | None, reading["through"])
    through = db.session.scalar(
        select(RollupState.complete_through).where(RollupState.id == STATE_ID)
    )
    if reading is not None:
        reading["through"] = through
    return through


def stale_days(site_ids: Sequence[int], start: date, end: date) -> list[tuple[int, date]]:
    """Rolled-up days, from start to end inclusive, changed since their rollup."""
    reading = _reading.get()
    if reading is None:
        rows = db.session.execute(
            select(RollupStaleDay.site_id, RollupStaleDay.local_date)
            .where(
                in_sites(RollupStaleDay.site_id, site_ids),
                RollupStaleDay.local_date.between(start, end),
            )
            .distinct()
        ).all()
        return sorted((site_id, day) for site_id, day in rows)
    if "stale" not in reading:
        # Only the days marked since the last refresh: the nightly job clears them.
        stmt = select(RollupStaleDay.site_id, RollupStaleDay.local_date).distinct()
        reading["stale"] = sorted(tuple(row) for row in db.session.execute(stmt))
    wanted = set(site_ids)
    return [
        (site_id, day)
        for site_id, day in reading["stale"]
        if site_id in wanted and start <= day <= end
    ]


def day_filter(
    site_column: Any, date_column: Any, days: Sequence[tuple[int, date]]
) -> ColumnElement[bool]:
    """`(site, day) IN (the pairs)`: one list however many days are marked (after a night the
    job did not run, a busy programme's follow-ups mark hundreds of baseline days), where a
    chain of `site = ? AND day = ?` terms grows past SQLite's expression depth at 1,000."""
    if not days:
        return false()
    return tuple_(site_column, date_column).in_([(site_id, day) for site_id, day in days])


def live_condition(
    site_column: Any, date_column: Any, through: date | None, stale: Sequence[tuple[int, date]]
) -> ColumnElement[bool]:
    """Rows to read from the ledger: after the rollup, or on a stale day."""
    if through is None:
        return literal(True)
    return or_(date_column > through, day_filter(site_column, date_column, stale))
