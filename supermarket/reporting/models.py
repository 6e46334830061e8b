"""Rollups that make the programme's statistics fast: derived data, rebuilt from the ledgers.

How they fit together (see rollups.py for the maintenance):

- `daily_visit_stats`: per site and local date, the sums of the visits not voided.
- `daily_stock_stats`: per site, local date, movement kind, source and waste reason, the net
  weight of the stock ledger.
- `period_household_stats`: unique households (and the people in them) cannot be added up
  from days, so they are stored per fixed period (month, quarter, year) for each site and
  for all sites together (`site_id` NULL), for periods that are over.
- `daily_survey_stats`: per site and local date of the food-insecurity baselines taken that
  day, how many there were of each (baseline score, 3-month follow-up score) pair, counting
  "no follow-up yet" and incomplete assessments as pairs of their own. Every survey figure
  (baselines by category, follow-ups expected and done, the paired outcome) is a sum of
  these, for any range of baseline days.
- `survey_stale_days`: a rolled-up baseline day whose cells changed since (most often: a
  follow-up recorded for one of its baselines). Read from the assessments until the next
  refresh; kept apart from `rollup_stale_days` so that a follow-up does not send the visits
  and households of its baseline's period to the ledgers.
- `daily_visit_type_stats`: per site, local date and visit type, the sums of the visits not
  voided (visits, items, retail value, fees, pay-as-you-feel amounts, points spent): what the
  "visits by type" and payment sections add up, so no request reads the visits of a past day.
- `period_household_breakdowns`: distinct households per fixed period, scope (a site, or all
  sites together: `site_id` NULL) and category of a breakdown (each equality monitoring
  question, postcode district, eligibility route, visit type), stored beside
  `period_household_stats` and the same way: once a period is over, and nightly (with
  `through`) for the periods still running.
- `rollup_state`: one row; every day up to `complete_through` is rolled up (but see below).
- `rollup_stale_days`: a day changed after it was rolled up (a back-dated delivery, say). The
  statistics read those days from the ledgers until the next refresh rolls them up again.
- One covering index on `members` (below), for counting active households per period.

Nothing here is personal data, and nothing here is the truth: the ledgers are. Any row can be
deleted and rebuilt with `supermarket reporting rollup --rebuild`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from supermarket.members.models import Member
from supermarket.models import Base, IdKey, UTCDateTime, utcnow

# The statistics count active member households per period for every site at once. This
# covering index on the members table (owned by members; created by reporting's migration)
# lets that count read the index alone instead of every member row: about five times faster
# at 150,000 members.
MEMBERS_FOR_STATISTICS = Index(
    "ix_members_site_status_joined_ended",
    Member.site_id,
    Member.status,
    Member.joined_on,
    Member.closed_on,
    Member.expires_on,
)


class DailyVisitStats(Base):
    """One site's visits on one local day (voided visits left out)."""

    __tablename__ = "daily_visit_stats"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    # Person-visits: the household snapshots summed over the day's visits.
    adults: Mapped[int] = mapped_column(Integer, default=0)
    children_0_4: Mapped[int] = mapped_column(Integer, default=0)
    children_5_11: Mapped[int] = mapped_column(Integer, default=0)
    children_12_17: Mapped[int] = mapped_column(Integer, default=0)
    fees_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    retail_value_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    savings_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    overrides: Mapped[int] = mapped_column(Integer, default=0)


class DailyStockStats(Base):
    """Net grams moved at one site on one local day, by kind, source and waste reason."""

    __tablename__ = "daily_stock_stats"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    # "" for movements without a reason (only waste has one).
    reason: Mapped[str] = mapped_column(String(20), primary_key=True)
    weight_g: Mapped[int] = mapped_column(BigInteger, default=0)


class DailySurveyStats(Base):
    """The baselines taken at one site on one local day, counted by what they scored and what
    their 3-month follow-up (taken at any site) scored: one row per distinct pair.

    A baseline without a follow-up yet has follow_up_category "" and follow_up_score -1
    (NO_FOLLOW_UP); `*_complete` is False for an assessment with 3+ don't-know or refused
    answers, which the outcome leaves out.
    """

    __tablename__ = "daily_survey_stats"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)  # the baseline's
    baseline_complete: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    baseline_category: Mapped[str] = mapped_column(String(12), primary_key=True)
    baseline_score: Mapped[int] = mapped_column(Integer, primary_key=True)
    follow_up_complete: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    follow_up_category: Mapped[str] = mapped_column(String(12), primary_key=True)
    follow_up_score: Mapped[int] = mapped_column(Integer, primary_key=True)
    baselines: Mapped[int] = mapped_column(Integer)


class SurveyStaleDay(IdKey, Base):
    """A rolled-up baseline day whose survey cells changed since; append-only, like
    RollupStaleDay."""

    __tablename__ = "survey_stale_days"
    __table_args__ = (Index("ix_survey_stale_days_site_date", "site_id", "local_date"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    local_date: Mapped[date] = mapped_column(Date)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PeriodHouseholdStats(IdKey, Base):
    """Distinct households that visited in a fixed period, and the people in them.

    People are counted once per household, as recorded at its last visit in the period.
    `site_id` NULL is the whole programme (a household visiting two sites counts once).
    `through` is NULL for a period that is over; for the month, quarter and year still
    running it is the last day counted (the nightly refresh's), and the statistics add only
    the households that visited since.
    """

    __tablename__ = "period_household_stats"
    __table_args__ = (UniqueConstraint("period_key", "site_id"),)

    period_key: Mapped[str] = mapped_column(String(7))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    households: Mapped[int] = mapped_column(Integer)
    adults: Mapped[int] = mapped_column(Integer)
    children_0_4: Mapped[int] = mapped_column(Integer)
    children_5_11: Mapped[int] = mapped_column(Integer)
    children_12_17: Mapped[int] = mapped_column(Integer)
    through: Mapped[date | None] = mapped_column(Date, default=None)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DailyVisitTypeStats(Base):
    """One site's visits of one visit type on one local day (voided visits left out)."""

    __tablename__ = "daily_visit_type_stats"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    visit_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    # Items recorded on the visits' baskets (every band, free items too).
    items: Mapped[int] = mapped_column(BigInteger, default=0)
    retail_value_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    fees_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    # Amounts given at pay-as-you-feel visits (part of fees_pence too).
    pay_as_you_feel_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    points_spent: Mapped[int] = mapped_column(BigInteger, default=0)


class PeriodHouseholdBreakdown(IdKey, Base):
    """Distinct households of a fixed period by every breakdown, at a site or (`site_id`
    NULL) across all sites, where a household counts once.

    `counts` maps a breakdown to its categories' households: each equality monitoring
    question's key, `district`, `route`, `visit_type`, and `households` (one category, "":
    all the households reached). Each household counts once in every breakdown but
    `visit_type`, where it counts under each type it had a visit of. The categories are the
    ones reports show (an ethnic group's ONS high-level group), as the household's answers
    stood when the figures were stored. One row per scope, read whole: a thousand sites'
    figures are a thousand rows. `through` as in PeriodHouseholdStats: NULL once the period
    is over, else the last day counted.
    """

    __tablename__ = "period_household_breakdowns"
    __table_args__ = (UniqueConstraint("period_key", "site_id"),)

    period_key: Mapped[str] = mapped_column(String(7))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    counts: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON)
    through: Mapped[date | None] = mapped_column(Date, default=None)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RollupState(IdKey, Base):
    """How far the rollups go: one row, id 1."""

    __tablename__ = "rollup_state"

    complete_through: Mapped[date | None] = mapped_column(Date, default=None)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class RollupStaleDay(IdKey, Base):
    """A rolled-up day that changed since; append-only, so marking it never waits on a lock."""

    __tablename__ = "rollup_stale_days"
    __table_args__ = (Index("ix_rollup_stale_days_site_date", "site_id", "local_date"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    local_date: Mapped[date] = mapped_column(Date)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
