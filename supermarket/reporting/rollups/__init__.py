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
- Surveys the same way, by the day of the baseline: `daily_survey_stats` counts each day's
  baselines by (baseline score, 3-month follow-up score), so every survey figure of any
  period is a sum of cells. A follow-up changes its baseline's cell, long after that day was
  rolled up, so recording, changing or removing a survey marks the baseline's day in
  `survey_stale_days` (its own table: the visits of that day stay rolled up), and the
  statistics read those days, and the days after the rollup, from the assessments.
"""

from supermarket.reporting.rollups import listeners
from supermarket.reporting.rollups.breakdowns import (
    HOUSEHOLDS,
    NO_DISTRICT,
    VISIT_TYPE,
    Breakdowns,
    period_breakdowns,
)
from supermarket.reporting.rollups.definitions import (
    FOLLOW_UP_MONTHS,
    NO_FOLLOW_UP,
    PEOPLE,
    TYPE_SUMS,
    VISIT_SUMS,
    complete_through,
    one_reading,
    stale_days,
)
from supermarket.reporting.rollups.read import (
    CellCounts,
    Reach,
    SurveyCell,
    TypeSums,
    daily_visits,
    households,
    households_for,
    live_households,
    monthly_visits,
    stock_sums,
    survey_cell_counts,
    visit_sums,
    visit_type_sums,
)
from supermarket.reporting.rollups.refresh import (
    RefreshReport,
    refresh_rollups,
    store_period_households,
)

listeners.register_listeners()

__all__ = [
    "FOLLOW_UP_MONTHS",
    "HOUSEHOLDS",
    "NO_DISTRICT",
    "NO_FOLLOW_UP",
    "PEOPLE",
    "TYPE_SUMS",
    "VISIT_SUMS",
    "VISIT_TYPE",
    "Breakdowns",
    "CellCounts",
    "Reach",
    "RefreshReport",
    "SurveyCell",
    "TypeSums",
    "complete_through",
    "daily_visits",
    "households",
    "households_for",
    "live_households",
    "monthly_visits",
    "one_reading",
    "period_breakdowns",
    "refresh_rollups",
    "stale_days",
    "stock_sums",
    "store_period_households",
    "survey_cell_counts",
    "visit_sums",
    "visit_type_sums",
]
