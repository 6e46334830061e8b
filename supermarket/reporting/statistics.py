"""The programme's statistics for a fixed period, per site and for all sites: RAW figures.

Internal only. Nothing here is rounded or suppressed; release.py is the one place that turns
these figures into something that may leave a site. Every site is always computed, because
disclosure control needs the whole table to keep a site's figure from being worked out from
the programme's total.

Definitions (where DOMAIN.md leaves a choice, the choice is written here and in the methods
page of every report):

- Active member households: memberships that covered any day of the period (joined by its
  end, not on the waiting list, not closed or expired before it began). New: joined in it.
- Visits: visits not voided. Unique households: distinct members who visited; across sites a
  household visiting two sites counts once. People reached: the people in those households as
  recorded at each household's last visit in the period, adults and children by age band.
- Food in by source: stock received (not transfers between sites). Out to members: issued to
  visits, net of stock returned when a visit was voided. Wasted: by reason.
- Meals equivalent: food given to members / MEAL_GRAMS (420 g, WRAP) - an equivalence, not a
  count of meals. CO2e avoided: surplus food given to members (FareShare, retailer, public
  and community sources; never purchased stock) x CO2E_KG_PER_TONNE (1.6 t per tonne).
- Fees collected: amounts paid at visits. Savings: the visits' reference retail value less
  the fee paid.
- Food insecurity: baselines taken in the period (complete ones) by 10-item category; the
  paired outcome for members whose 3-month follow-up fell due in the period (their baseline
  was three months before it), with the follow-up rate among them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from supermarket.extensions import db
from supermarket.members.models import Member, MemberStatus
from supermarket.members.terms import add_months
from supermarket.reporting.outcomes import AssessmentPair, PairedOutcome, paired_outcome
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import (
    PEOPLE,
    daily_visits,
    households,
    households_for,
    stock_sums,
    visit_sums,
)
from supermarket.sites.models import Site
from supermarket.stock.models import DonorKind, MovementKind, WasteReason
from supermarket.surveys.models import SurveyAssessment, SurveyKind
from supermarket.surveys.scoring import CATEGORIES_10
from supermarket.surveys.services.due import window as survey_window

SURPLUS_SOURCES: Final = frozenset(
    {DonorKind.FARESHARE, DonorKind.RETAILER, DonorKind.PUBLIC, DonorKind.COMMUNITY}
)
SOURCES: Final = tuple(kind.value for kind in DonorKind)
# Stock found at a stocktake that no delivery explains has no known source.
UNKNOWN_SOURCE: Final = "unknown"
WASTE_REASONS: Final = tuple(reason.value for reason in WasteReason)
FOLLOW_UP_MONTHS: Final = 3
DEFAULT_MEAL_GRAMS: Final = 420
DEFAULT_CO2E_KG_PER_TONNE: Final = 1600


@dataclass(frozen=True, slots=True)
class SiteRef:
    """A site as reports name it: never anything but its code and name."""

    id: int
    code: str
    name: str
    active: bool


@dataclass(frozen=True, slots=True)
class Figures:
    """Unrounded figures for one site, or for the programme."""

    active_households: int = 0
    new_households: int = 0
    visits: int = 0
    households: int = 0
    people: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(PEOPLE, 0))
    overrides: int = 0
    fees_pence: int = 0
    retail_value_pence: int = 0
    savings_pence: int = 0
    food_in_g: Mapping[str, int] = field(default_factory=dict)
    transferred_in_g: int = 0
    transferred_out_g: int = 0
    adjusted_g: int = 0
    out_to_members_g: int = 0
    out_surplus_g: int = 0
    wasted_g: Mapping[str, int] = field(default_factory=dict)
    baselines: int = 0
    baseline_categories: Mapping[str, int] = field(
        default_factory=lambda: dict.fromkeys(CATEGORIES_10, 0)
    )
    follow_ups_expected: int = 0
    follow_ups_done: int = 0
    pairs: tuple[AssessmentPair, ...] = ()

    @property
    def children(self) -> int:
        return sum(self.people[name] for name in PEOPLE if name != "adults")

    @property
    def people_total(self) -> int:
        return sum(self.people.values())

    @property
    def food_in_total_g(self) -> int:
        return sum(self.food_in_g.values())

    @property
    def wasted_total_g(self) -> int:
        return sum(self.wasted_g.values())

    @property
    def outcome(self) -> PairedOutcome:
        return paired_outcome(self.pairs)


@dataclass(frozen=True, slots=True)
class Conversions:
    """Impact conversions (settings; defaults from DOMAIN.md)."""

    meal_grams: int = DEFAULT_MEAL_GRAMS
    co2e_kg_per_tonne: int = DEFAULT_CO2E_KG_PER_TONNE

    def meals(self, grams: int) -> float:
        return grams / self.meal_grams

    def co2e_kg(self, surplus_grams: int) -> float:
        return surplus_grams / 1_000_000 * self.co2e_kg_per_tonne


@dataclass(frozen=True, slots=True)
class PeriodStatistics:
    """Every site's figures and the programme's for one period, as of `today`."""

    period: Period
    today: date
    sites: tuple[SiteRef, ...]
    by_site: Mapping[int, Figures]
    programme: Figures
    conversions: Conversions

    @property
    def complete(self) -> bool:
        return self.period.is_complete(self.today)

    def site(self, code: str) -> SiteRef | None:
        return next((site for site in self.sites if site.code == code), None)


def all_sites() -> tuple[SiteRef, ...]:
    """Every site, active or not (a closed site's past still counts), in name order."""
    rows = db.session.execute(
        select(Site.id, Site.code, Site.name, Site.active).order_by(Site.name, Site.id)
    ).all()
    return tuple(SiteRef(*row) for row in rows)


def member_counts(site_ids: Sequence[int], period: Period) -> dict[int, tuple[int, int]]:
    """Per site: (active member households, new member households) in the period."""
    rows = db.session.execute(
        select(
            Member.site_id,
            func.count(),
            func.coalesce(
                func.sum(case((Member.joined_on.between(period.start, period.end), 1), else_=0)),
                0,
            ),
        )
        .where(
            Member.site_id.in_(site_ids),
            Member.joined_on <= period.end,
            Member.status != MemberStatus.WAITING.value,
            or_(Member.closed_on.is_(None), Member.closed_on >= period.start),
            or_(Member.expires_on.is_(None), Member.expires_on >= period.start),
        )
        .group_by(Member.site_id)
    ).all()
    found = {site_id: (0, 0) for site_id in site_ids}
    for site_id, active, new in rows:
        found[site_id] = (int(active), int(new))
    return found


def _stock_figures(by_key: Mapping[tuple[str, str, str], int]) -> dict[str, object]:
    food_in: dict[str, int] = {}
    wasted: dict[str, int] = dict.fromkeys(WASTE_REASONS, 0)
    transferred_in = transferred_out = adjusted = out = out_surplus = 0
    for (kind, source, reason), grams in by_key.items():
        if kind == MovementKind.RECEIVED:
            food_in[source] = food_in.get(source, 0) + grams
        elif kind in (MovementKind.ISSUED, MovementKind.RETURNED):
            # Issued stock is signed negative; returned (a voided visit) positive.
            out -= grams
            if source in SURPLUS_SOURCES:
                out_surplus -= grams
        elif kind == MovementKind.WASTED:
            wasted[reason or WasteReason.OTHER.value] = (
                wasted.get(reason or WasteReason.OTHER.value, 0) - grams
            )
        elif kind == MovementKind.TRANSFERRED_IN:
            transferred_in += grams
        elif kind == MovementKind.TRANSFERRED_OUT:
            transferred_out -= grams
        elif kind == MovementKind.ADJUSTED:
            adjusted += grams
    ordered_in = {source: food_in.get(source, 0) for source in SOURCES}
    for source, grams in food_in.items():
        if source not in ordered_in:
            ordered_in[source] = grams
    return {
        "food_in_g": ordered_in,
        "wasted_g": wasted,
        "transferred_in_g": transferred_in,
        "transferred_out_g": transferred_out,
        "adjusted_g": adjusted,
        "out_to_members_g": max(out, 0),
        "out_surplus_g": max(out_surplus, 0),
    }


def survey_counts(
    site_ids: Sequence[int], period: Period, today: date
) -> dict[int, dict[str, Any]]:
    """Per site: complete baselines taken in the period by category, and the cohort whose
    3-month follow-up fell due in it (baselines FOLLOW_UP_MONTHS months earlier): follow-ups
    expected, done, and the complete pairs.

    The same counting as surveys.services.survey_figures() (a follow-up is expected once its
    window has closed or it is in), read as plain columns for every site in two queries.
    """
    found: dict[int, dict[str, Any]] = {
        site_id: {
            "baselines": 0,
            "baseline_categories": dict.fromkeys(CATEGORIES_10, 0),
            "follow_ups_expected": 0,
            "follow_ups_done": 0,
            "pairs": [],
        }
        for site_id in site_ids
    }
    baseline = SurveyAssessment
    for site_id, category, count in db.session.execute(
        select(baseline.site_id, baseline.category_10, func.count())
        .where(
            baseline.site_id.in_(site_ids),
            baseline.kind == SurveyKind.BASELINE.value,
            baseline.local_date.between(period.start, period.end),
            baseline.complete.is_(True),
        )
        .group_by(baseline.site_id, baseline.category_10)
    ):
        found[site_id]["baselines"] += count
        found[site_id]["baseline_categories"][category] += count

    after_end = period.end + timedelta(days=1)
    later = aliased(SurveyAssessment)
    cohort = db.session.execute(
        select(
            baseline.site_id,
            baseline.local_date,
            baseline.complete,
            baseline.category_10,
            baseline.raw_score_10,
            later.id,
            later.complete,
            later.category_10,
            later.raw_score_10,
        )
        .outerjoin(
            later,
            and_(later.member_id == baseline.member_id, later.timepoint == FOLLOW_UP_MONTHS),
        )
        .where(
            baseline.site_id.in_(site_ids),
            baseline.kind == SurveyKind.BASELINE.value,
            baseline.local_date >= add_months(period.start, -FOLLOW_UP_MONTHS),
            baseline.local_date < add_months(after_end, -FOLLOW_UP_MONTHS),
        )
    )
    window_ends: dict[date, date] = {}
    for (
        site_id,
        day,
        complete,
        category,
        raw,
        later_id,
        later_complete,
        later_category,
        later_raw,
    ) in cohort:
        counts = found[site_id]
        if day not in window_ends:
            window_ends[day] = survey_window(day, FOLLOW_UP_MONTHS)[2]
        if later_id is not None or window_ends[day] < today:
            counts["follow_ups_expected"] += 1
        if later_id is not None:
            counts["follow_ups_done"] += 1
            if complete and later_complete:
                counts["pairs"].append(AssessmentPair(category, later_category, raw, later_raw))
    for counts in found.values():
        counts["pairs"] = tuple(counts["pairs"])
    return found


def _add(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    total = dict(a)
    for key, value in b.items():
        total[key] = total.get(key, 0) + value
    return total


def _programme(by_site: Mapping[int, Figures], reach: Mapping[str, int]) -> Figures:
    """All sites together: sums, except households and people, which are distinct."""
    figures = list(by_site.values())
    food_in: dict[str, int] = {}
    wasted: dict[str, int] = {}
    categories: dict[str, int] = dict.fromkeys(CATEGORIES_10, 0)
    pairs: list[AssessmentPair] = []
    for one in figures:
        food_in = _add(food_in, one.food_in_g)
        wasted = _add(wasted, one.wasted_g)
        categories = _add(categories, one.baseline_categories)
        pairs.extend(one.pairs)
    return Figures(
        active_households=sum(f.active_households for f in figures),
        new_households=sum(f.new_households for f in figures),
        visits=sum(f.visits for f in figures),
        households=reach["households"],
        people={name: reach[name] for name in PEOPLE},
        overrides=sum(f.overrides for f in figures),
        fees_pence=sum(f.fees_pence for f in figures),
        retail_value_pence=sum(f.retail_value_pence for f in figures),
        savings_pence=sum(f.savings_pence for f in figures),
        food_in_g=food_in or {source: 0 for source in SOURCES},
        transferred_in_g=sum(f.transferred_in_g for f in figures),
        transferred_out_g=sum(f.transferred_out_g for f in figures),
        adjusted_g=sum(f.adjusted_g for f in figures),
        out_to_members_g=sum(f.out_to_members_g for f in figures),
        out_surplus_g=sum(f.out_surplus_g for f in figures),
        wasted_g=wasted or dict.fromkeys(WASTE_REASONS, 0),
        baselines=sum(f.baselines for f in figures),
        baseline_categories=categories,
        follow_ups_expected=sum(f.follow_ups_expected for f in figures),
        follow_ups_done=sum(f.follow_ups_done for f in figures),
        pairs=tuple(pairs),
    )


def period_statistics(
    period: Period, *, today: date, conversions: Conversions | None = None
) -> PeriodStatistics:
    """Every site's raw figures for the period (to `today` if it is still running)."""
    sites = all_sites()
    ids = [site.id for site in sites]
    end = min(period.end, today)
    visits = visit_sums(ids, period.start, end)
    stock = stock_sums(ids, period.start, end)
    reach = households(ids, period)
    members = member_counts(ids, period)
    surveys = survey_counts(ids, period, today)
    by_site: dict[int, Figures] = {}
    for site in sites:
        sums = visits[site.id]
        active, new = members[site.id]
        by_site[site.id] = Figures(
            active_households=active,
            new_households=new,
            visits=sums["visits"],
            households=reach[site.id]["households"],
            people={name: reach[site.id][name] for name in PEOPLE},
            overrides=sums["overrides"],
            fees_pence=sums["fees_pence"],
            retail_value_pence=sums["retail_value_pence"],
            savings_pence=sums["savings_pence"],
            **_stock_figures(stock[site.id]),  # type: ignore[arg-type]
            **surveys[site.id],
        )
    return PeriodStatistics(
        period=period,
        today=today,
        sites=sites,
        by_site=by_site,
        programme=_programme(by_site, reach[None]),
        conversions=conversions or Conversions(),
    )


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Visits and unique households in one month, per site and for the programme."""

    period: Period
    visits: Mapping[int, int]
    households: Mapping[int | None, int]

    @property
    def programme_visits(self) -> int:
        return sum(self.visits.values())


def monthly_trend(months: Sequence[Period], *, today: date) -> list[TrendPoint]:
    """Visits and households month by month (months not yet begun are left out).

    Two reads whatever the number of months: the daily rollup and the stored households.
    """
    ids = [site.id for site in all_sites()]
    started = [month for month in months if month.has_started(today)]
    if not started:
        return []
    by_day = daily_visits(ids, started[0].start, min(started[-1].end, today))
    reach = households_for(ids, started)
    per_month: dict[tuple[int, int], dict[int, int]] = {
        (month.start.year, month.start.month): dict.fromkeys(ids, 0) for month in started
    }
    for (site_id, day), count in by_day.items():
        bucket = per_month.get((day.year, day.month))
        if bucket is not None:
            bucket[site_id] += count
    points = []
    for month in started:
        points.append(
            TrendPoint(
                period=month,
                visits=per_month[(month.start.year, month.start.month)],
                households={key: value["households"] for key, value in reach[month.key].items()},
            )
        )
    return points
