"""What the statistics are made of: the constants, a site as reports name it, one site's (or
the programme's) figures, the conversions, a period's statistics and a month of the trend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from supermarket.reporting.outcomes import (
    AssessmentPair,
    PairedOutcome,
    paired_outcome_from_counts,
)
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import FOLLOW_UP_MONTHS as FOLLOW_UP_MONTHS
from supermarket.reporting.rollups import PEOPLE, TypeSums
from supermarket.stock.models import DonorKind, WasteReason
from supermarket.surveys.scoring import CATEGORIES_10

SURPLUS_SOURCES: Final = frozenset(
    {DonorKind.FARESHARE, DonorKind.RETAILER, DonorKind.PUBLIC, DonorKind.COMMUNITY}
)
SOURCES: Final = tuple(kind.value for kind in DonorKind)
WASTE_REASONS: Final = tuple(reason.value for reason in WasteReason)
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
    fees_pence: int = 0  # paid at visits
    # Joining fees (and the joining fee taken again at renewal) paid, and whether the scope
    # takes them at all: a site whose settings charge one, or that has ever recorded one paid.
    joining_fees_pence: int = 0
    takes_joining_fees: bool = False
    retail_value_pence: int = 0
    savings_pence: int = 0
    # The payment models (statistics.payments): pay-as-you-feel given (also in fees_pence),
    # membership fees paid and how many, and points spent (not money).
    pay_as_you_feel_pence: int = 0
    membership_fees_pence: int = 0
    membership_fees_paid: int = 0
    points_spent: int = 0
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
    # How many members had each (baseline, follow-up) pair of complete assessments.
    pair_counts: Mapping[AssessmentPair, int] = field(default_factory=dict)

    @property
    def fees_collected_pence(self) -> int:
        """Fees paid at visits and joining fees together."""
        return self.fees_pence + self.joining_fees_pence

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
        return paired_outcome_from_counts(self.pair_counts)


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
    # The period's sums by site and visit type as read for the payment figures, kept so that
    # the visit-types section does not read them again (None: not read).
    type_sums: TypeSums | None = field(default=None, compare=False, repr=False)

    @property
    def complete(self) -> bool:
        return self.period.is_complete(self.today)

    def site(self, code: str) -> SiteRef | None:
        return next((site for site in self.sites if site.code == code), None)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Visits and unique households in one month, per site and for the programme."""

    period: Period
    visits: Mapping[int, int]
    households: Mapping[int | None, int]

    @property
    def programme_visits(self) -> int:
        return sum(self.visits.values())


def _summed(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    total = dict(a)
    for key, value in b.items():
        total[key] = total.get(key, 0) + value
    return total


def programme_figures(by_site: Mapping[int, Figures], reach: Mapping[str, int]) -> Figures:
    """All sites together: sums, except households and people, which are distinct."""
    figures = list(by_site.values())
    food_in: dict[str, int] = {}
    wasted: dict[str, int] = {}
    categories: dict[str, int] = dict.fromkeys(CATEGORIES_10, 0)
    pair_counts: Counter[AssessmentPair] = Counter()
    for one in figures:
        food_in = _summed(food_in, one.food_in_g)
        wasted = _summed(wasted, one.wasted_g)
        categories = _summed(categories, one.baseline_categories)
        pair_counts.update(one.pair_counts)
    return Figures(
        active_households=sum(f.active_households for f in figures),
        new_households=sum(f.new_households for f in figures),
        visits=sum(f.visits for f in figures),
        households=reach["households"],
        people={name: reach[name] for name in PEOPLE},
        overrides=sum(f.overrides for f in figures),
        fees_pence=sum(f.fees_pence for f in figures),
        joining_fees_pence=sum(f.joining_fees_pence for f in figures),
        takes_joining_fees=any(f.takes_joining_fees for f in figures),
        retail_value_pence=sum(f.retail_value_pence for f in figures),
        savings_pence=sum(f.savings_pence for f in figures),
        pay_as_you_feel_pence=sum(f.pay_as_you_feel_pence for f in figures),
        membership_fees_pence=sum(f.membership_fees_pence for f in figures),
        membership_fees_paid=sum(f.membership_fees_paid for f in figures),
        points_spent=sum(f.points_spent for f in figures),
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
        pair_counts=dict(pair_counts),
    )
