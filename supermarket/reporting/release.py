"""The ONE place where statistics are made fit to leave a site: disclosure control, applied.

Every page, PDF, CSV and JSON answer of reporting is drawn from a ReleasedReport made here,
and each one names the rule it applied.

How the rule is applied (DOMAIN.md, "Anonymised statistics"; disclosure.py has the mechanics):

- Counts of people, households, visits and surveys: below 10 -> "<10"; others rounded to the
  nearest 5. Secondary suppression over ONE linked pattern for the whole programme and period:
  every count of every site and of the programme is an entry, and every sum relation an
  output could show (a site's figures adding up to the programme's; children by age band to
  children; the food-insecurity cells to their margins) is a line. A single site's report is
  a projection of that same pattern, so comparing it with the programme's report reveals
  nothing the programme's report hides. Withheld-to-protect cells also read "<10" (as the
  programme's rule asks), and the legend says so.
- Money and food given to members (and meals and CO2e, made from it) are totals over the
  households that visited: withheld (null) wherever that scope's household (or visit) count
  is withheld, so at least 10 households stand behind every such total and the programme's
  total cannot give a site's away; otherwise money to the nearest pound, weights to the
  nearest kilogram. Food received, moved and wasted is about
  food, not people, and is shown to the nearest kilogram.
- Percentages and means only where the denominator is at least 20, the cells they are made
  of are shown, and (for percentages) neither the part nor the rest is below 10.
- The paired outcome: the reduction only where both percentages it compares are shown; its
  confidence interval and the p-values (functions of the discordant counts) only where both
  discordant counts are shown too, so that none of them can give back a suppressed count.
- Figures for the programme are published for periods that are over (fixed periods, so they
  cannot be differenced day by day); a site manager may follow their own site's current
  period to date.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from flask import current_app

from supermarket.auth.access import site_for_reporting
from supermarket.auth.models import Role, User
from supermarket.errors import InvalidInput, PermissionDenied, RuleViolation
from supermarket.models import utcnow
from supermarket.reporting.disclosure import (
    DEFAULT_POLICY,
    DisclosurePolicy,
    Released,
    release_count,
    suppress_linked,
    why_mean_withheld,
    why_percentage_withheld,
)
from supermarket.reporting.outcomes import (
    METHODS_NOTE,
    REGRESSION_TO_THE_MEAN_WARNING,
    PairedOutcome,
)
from supermarket.reporting.periods import Period, months_ending, parse_period
from supermarket.reporting.rollups import PEOPLE
from supermarket.reporting.statistics import (
    FOLLOW_UP_MONTHS,
    SOURCES,
    WASTE_REASONS,
    Conversions,
    Figures,
    PeriodStatistics,
    SiteRef,
    TrendPoint,
    all_sites,
    monthly_trend,
    period_statistics,
)
from supermarket.sites.models import Site
from supermarket.surveys.scoring import CATEGORIES_10, INSECURE_10, INSTRUMENT

# Every suppressed count reads "<10", whether below 10 or withheld to protect one that is.
RELEASE_POLICY: Final = dataclasses.replace(
    DEFAULT_POLICY, secondary_symbol=DEFAULT_POLICY.suppressed_symbol
)
PROGRAMME_TZ: Final = ZoneInfo("Europe/London")
TREND_MONTHS: Final = 12
# The trend table (CSV) goes back further than the dashboard's chart: three years.
TREND_TABLE_MONTHS: Final = 36
MAGNITUDE_NOTE: Final = (
    "Money and food given to members are shown only where they come from at least"
    f" {RELEASE_POLICY.min_count} households: money to the nearest pound, weights to the nearest"
    " kilogram. Food received, moved between sites and wasted is about food, not people,"
    " and is shown to the nearest kilogram."
)
PERIOD_NOTE: Final = (
    "Fixed periods only (month, quarter, year), published for the programme once they are"
    " over, so that figures cannot be compared day by day to reveal a small group."
)
MEALS_NOTE: Final = (
    "Meals are an equivalence ({meal_grams} g of food = 1 meal, WRAP), not a count of"
    " balanced meals served."
)
CO2E_NOTE: Final = (
    "CO2e avoided: {factor} t CO2e per tonne of surplus food given to members (FareShare /"
    " Carbon Trust), counting FareShare, retailer, public and community sources, never"
    " purchased stock."
)
COHORT_NOTE: Final = (
    f"The outcome compares members' first survey with their {FOLLOW_UP_MONTHS}-month"
    f" follow-up, for members whose follow-up fell due in the period (their first survey was"
    f" {FOLLOW_UP_MONTHS} months earlier). Follow-up rate: of those members whose follow-up"
    " window has closed or who answered, the share who answered."
)

# --- the linked pattern ---------------------------------------------------------------------

Scope = int | None  # a site id, or None for the whole programme
Key = tuple[str, Scope]
PAIR_CELLS: Final = tuple(f"pairs.t.{b}.{a}" for b in CATEGORIES_10 for a in CATEGORIES_10)
_SECURE: Final = tuple(c for c in CATEGORIES_10 if c not in INSECURE_10)
_INSECURE: Final = tuple(c for c in CATEGORIES_10 if c in INSECURE_10)
_SEVERITY: Final = {category: rank for rank, category in enumerate(CATEGORIES_10)}


def _t(before: str, after: str) -> str:
    return f"pairs.t.{before}.{after}"


def _counts(figures: Figures, outcome: PairedOutcome) -> dict[str, int]:
    """Every count an output may show for one scope, by name."""
    counts: dict[str, int] = {
        "active_households": figures.active_households,
        "new_households": figures.new_households,
        "visits": figures.visits,
        "households": figures.households,
        "overrides": figures.overrides,
        **{f"people.{name}": figures.people[name] for name in PEOPLE},
        "people.children": figures.children,
        "people.total": figures.people_total,
        **{f"baseline.{c}": figures.baseline_categories.get(c, 0) for c in CATEGORIES_10},
        "baseline.insecure": sum(figures.baseline_categories.get(c, 0) for c in _INSECURE),
        "baseline.secure": sum(figures.baseline_categories.get(c, 0) for c in _SECURE),
        "baseline.total": figures.baselines,
        "follow_up.expected": figures.follow_ups_expected,
        "follow_up.done": figures.follow_ups_done,
        "follow_up.missing": figures.follow_ups_expected - figures.follow_ups_done,
        "pairs.n": outcome.n_pairs,
        "pairs.insecure_both": outcome.insecure_both,
        "pairs.became_secure": outcome.became_secure,
        "pairs.became_insecure": outcome.became_insecure,
        "pairs.secure_both": outcome.secure_both,
        "pairs.insecure_baseline": outcome.insecure_baseline,
        "pairs.insecure_follow_up": outcome.insecure_followup,
        "pairs.secure_baseline": outcome.n_pairs - outcome.insecure_baseline,
        "pairs.secure_follow_up": outcome.n_pairs - outcome.insecure_followup,
        "pairs.improved": outcome.improved,
        "pairs.unchanged": outcome.unchanged,
        "pairs.worsened": outcome.worsened,
    }
    for before in CATEGORIES_10:
        counts[f"pairs.before.{before}"] = sum(outcome.transitions[before].values())
        for after in CATEGORIES_10:
            counts[_t(before, after)] = outcome.transitions[before][after]
    for after in CATEGORIES_10:
        counts[f"pairs.after.{after}"] = sum(
            outcome.transitions[before][after] for before in CATEGORIES_10
        )
    return counts


def _within(n: str) -> list[tuple[list[str], str]]:
    """The sum relations inside one scope: (parts, total)."""
    cells = [(b, a) for b in CATEGORIES_10 for a in CATEGORIES_10]

    def among(befores: Iterable[str], afters: Iterable[str]) -> list[str]:
        wanted = {(b, a) for b in befores for a in afters}
        return [_t(b, a) for b, a in cells if (b, a) in wanted]

    lines: list[tuple[list[str], str]] = [
        ([f"people.{name}" for name in PEOPLE if name != "adults"], "people.children"),
        (["people.adults", "people.children"], "people.total"),
        ([f"baseline.{c}" for c in CATEGORIES_10], "baseline.total"),
        ([f"baseline.{c}" for c in _INSECURE], "baseline.insecure"),
        ([f"baseline.{c}" for c in _SECURE], "baseline.secure"),
        (["baseline.insecure", "baseline.secure"], "baseline.total"),
        (["follow_up.done", "follow_up.missing"], "follow_up.expected"),
        (among(_INSECURE, _INSECURE), "pairs.insecure_both"),
        (among(_INSECURE, _SECURE), "pairs.became_secure"),
        (among(_SECURE, _INSECURE), "pairs.became_insecure"),
        (among(_SECURE, _SECURE), "pairs.secure_both"),
        (
            [
                "pairs.insecure_both",
                "pairs.became_secure",
                "pairs.became_insecure",
                "pairs.secure_both",
            ],
            n,
        ),
        (["pairs.insecure_both", "pairs.became_secure"], "pairs.insecure_baseline"),
        (["pairs.insecure_both", "pairs.became_insecure"], "pairs.insecure_follow_up"),
        (["pairs.became_insecure", "pairs.secure_both"], "pairs.secure_baseline"),
        (["pairs.became_secure", "pairs.secure_both"], "pairs.secure_follow_up"),
        (["pairs.insecure_baseline", "pairs.secure_baseline"], n),
        (["pairs.insecure_follow_up", "pairs.secure_follow_up"], n),
        ([f"pairs.before.{c}" for c in _INSECURE], "pairs.insecure_baseline"),
        ([f"pairs.after.{c}" for c in _INSECURE], "pairs.insecure_follow_up"),
        (
            [_t(b, a) for b, a in cells if _SEVERITY[a] < _SEVERITY[b]],
            "pairs.improved",
        ),
        ([_t(b, a) for b, a in cells if a == b], "pairs.unchanged"),
        (
            [_t(b, a) for b, a in cells if _SEVERITY[a] > _SEVERITY[b]],
            "pairs.worsened",
        ),
        (["pairs.improved", "pairs.unchanged", "pairs.worsened"], n),
        ([f"pairs.before.{c}" for c in CATEGORIES_10], n),
        ([f"pairs.after.{c}" for c in CATEGORIES_10], n),
    ]
    for before in CATEGORIES_10:
        lines.append(([_t(before, a) for a in CATEGORIES_10], f"pairs.before.{before}"))
    for after in CATEGORIES_10:
        lines.append(([_t(b, after) for b in CATEGORIES_10], f"pairs.after.{after}"))
    return lines


@dataclass(frozen=True, slots=True)
class Pattern:
    """Which counts are shown, for every scope of one period; `show` gives what to print."""

    policy: DisclosurePolicy
    values: Mapping[Key, int]
    primary: frozenset[Key]
    secondary: frozenset[Key]

    def hidden(self, name: str, scope: Scope) -> bool:
        key = (name, scope)
        return key in self.primary or key in self.secondary

    def show(self, name: str, scope: Scope) -> Released:
        """The count as it may be published: "<10" or a whole number rounded to 5."""
        key = (name, scope)
        if key in self.primary or key in self.secondary:
            return self.policy.suppressed_symbol
        return release_count(self.values[key], self.policy)

    def raw(self, name: str, scope: Scope) -> int:
        return self.values[(name, scope)]


def linked_pattern(
    figures: Mapping[Scope, Figures],
    site_ids: Sequence[int],
    policy: DisclosurePolicy = RELEASE_POLICY,
    outcomes: Mapping[Scope, PairedOutcome] | None = None,
) -> Pattern:
    """One suppression pattern over every count of every site and the programme (key None).

    Households and people are not additive across sites (a household may visit two); their
    site-to-programme lines are kept anyway, which only errs on the side of hiding more.
    """
    values: dict[Key, int] = {}
    outcomes = outcomes or {scope: f.outcome for scope, f in figures.items()}
    per_scope = {scope: _counts(f, outcomes[scope]) for scope, f in figures.items()}
    for scope, counts in per_scope.items():
        for name, value in counts.items():
            values[(name, scope)] = value
    lines: list[tuple[list[Key], Key]] = []
    for scope in figures:
        for parts, total in _within("pairs.n"):
            lines.append(([(part, scope) for part in parts], (total, scope)))
    if None in figures and site_ids:
        for name in per_scope[None]:
            lines.append(([(name, site_id) for site_id in site_ids], (name, None)))
    primary, secondary = suppress_linked(values, lines, policy)
    return Pattern(policy=policy, values=values, primary=primary, secondary=secondary)


# --- shaping one scope's figures ------------------------------------------------------------


def _round_to(value: float, base: int) -> int:
    """Half up to a multiple of base (money to the pound, grams to the kilogram)."""
    return int((2 * round(value) + base) // (2 * base) * base)


@dataclass
class _Scope:
    """Builds one scope's released figures and records why anything is withheld."""

    pattern: Pattern
    scope: Scope
    figures: Figures
    conversions: Conversions
    withheld: dict[str, str]
    outcome: PairedOutcome

    @property
    def policy(self) -> DisclosurePolicy:
        return self.pattern.policy

    def count(self, name: str) -> Released:
        return self.pattern.show(name, self.scope)

    def hidden(self, name: str) -> bool:
        return self.pattern.hidden(name, self.scope)

    def from_visits(self, path: str, value: float, base: int) -> int | None:
        """A magnitude made from the households' visits: withheld wherever the number of
        households it comes from is (below 10, or held back to protect another site's)."""
        if self.hidden("households") or self.hidden("visits"):
            self.withheld[path] = (
                f"Not shown: it comes from fewer than {self.policy.min_count} households, or"
                " would give away a figure that does."
            )
            return None
        return _round_to(value, base)

    def mean(self, path: str, total: float, denominator: str, *parts: str) -> float | None:
        n = self.pattern.raw(denominator, self.scope)
        reason = why_mean_withheld(n, self.policy)
        if reason is None and any(self.hidden(p) for p in (denominator, *parts)):
            reason = "Not shown: a figure it is made from is suppressed."
        if reason is not None:
            self.withheld[path] = reason
            return None
        return round(total / n, 1)

    def percentage(self, path: str, numerator: str, denominator: str) -> float | None:
        part = self.pattern.raw(numerator, self.scope)
        whole = self.pattern.raw(denominator, self.scope)
        reason = why_percentage_withheld(part, whole, self.policy)
        if reason is None and (self.hidden(numerator) or self.hidden(denominator)):
            reason = "Not shown: a count it is made from is suppressed."
        if reason is not None:
            self.withheld[path] = reason
            return None
        return round(100 * part / whole, 1)


def _kg(grams: int) -> int:
    return _round_to(grams, 1000)


def _figures_block(s: _Scope) -> dict[str, Any]:
    f, conv = s.figures, s.conversions
    money_path = "money."
    meals = conv.meals(f.out_to_members_g)
    return {
        "members": {
            "active_households": s.count("active_households"),
            "new_households": s.count("new_households"),
        },
        "visits": {
            "visits": s.count("visits"),
            "unique_households": s.count("households"),
            "visits_per_household": s.mean(
                "visits.visits_per_household", f.visits, "households", "visits"
            ),
            "overrides_used": s.count("overrides"),
        },
        "people": {
            "adults": s.count("people.adults"),
            "children_0_4": s.count("people.children_0_4"),
            "children_5_11": s.count("people.children_5_11"),
            "children_12_17": s.count("people.children_12_17"),
            "children": s.count("people.children"),
            "total": s.count("people.total"),
        },
        "money": {
            "fees_collected_pence": s.from_visits(
                money_path + "fees_collected_pence", f.fees_pence, 100
            ),
            "retail_value_pence": s.from_visits(
                money_path + "retail_value_pence", f.retail_value_pence, 100
            ),
            "savings_pence": s.from_visits(money_path + "savings_pence", f.savings_pence, 100),
            "savings_per_visit_pence": _whole(
                s.mean("money.savings_per_visit_pence", f.savings_pence, "visits", "households")
            ),
            "savings_per_household_pence": _whole(
                s.mean("money.savings_per_household_pence", f.savings_pence, "households", "visits")
            ),
        },
        "food": {
            "received_by_source_g": {
                source: _kg(grams) for source, grams in _sources(f.food_in_g).items()
            },
            "received_g": _kg(f.food_in_total_g),
            "transferred_in_g": _kg(f.transferred_in_g),
            "transferred_out_g": _kg(f.transferred_out_g),
            "stocktake_adjustments_g": _kg(f.adjusted_g),
            "wasted_by_reason_g": {
                reason: _kg(f.wasted_g.get(reason, 0)) for reason in WASTE_REASONS
            },
            "wasted_g": _kg(f.wasted_total_g),
            "given_to_members_g": s.from_visits(
                "food.given_to_members_g", f.out_to_members_g, 1000
            ),
            "surplus_given_to_members_g": s.from_visits(
                "food.surplus_given_to_members_g", f.out_surplus_g, 1000
            ),
            "meals_equivalent": s.from_visits("food.meals_equivalent", meals, 10),
            "co2e_avoided_kg": s.from_visits(
                "food.co2e_avoided_kg", conv.co2e_kg(f.out_surplus_g), 1
            ),
        },
    }


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _sources(food_in: Mapping[str, int]) -> dict[str, int]:
    ordered = {source: food_in.get(source, 0) for source in SOURCES}
    for source, grams in food_in.items():
        ordered.setdefault(source, grams)
    return ordered


def _outcome_block(s: _Scope) -> dict[str, Any]:
    outcome = s.outcome
    w = s.withheld
    pct_baseline = s.percentage(
        "outcome.paired.pct_food_insecure_at_baseline", "pairs.insecure_baseline", "pairs.n"
    )
    pct_follow_up = s.percentage(
        "outcome.paired.pct_food_insecure_at_follow_up", "pairs.insecure_follow_up", "pairs.n"
    )
    analysis: dict[str, Any] = {
        "reduction_pct_points": None,
        "ci95_pct_points": None,
        "mcnemar_exact_p": None,
        "raw_score_change": None,
    }
    if pct_baseline is None or pct_follow_up is None:
        if outcome.n_pairs < s.policy.min_denominator or s.hidden("pairs.n"):
            w["outcome.paired.analysis"] = (
                f"Not shown: fewer than {s.policy.min_denominator} members answered both"
                " surveys, too few to show the change safely."
            )
        else:
            w["outcome.paired.analysis"] = (
                f"Not shown: it would reveal a group of fewer than {s.policy.min_count} people"
                " (those food secure, or insecure, at one of the surveys)."
            )
    else:
        assert outcome.reduction_pct_points is not None
        # The difference of two published percentages: it reveals nothing they do not.
        analysis["reduction_pct_points"] = round(outcome.reduction_pct_points, 1)
        if s.hidden("pairs.became_secure") or s.hidden("pairs.became_insecure"):
            # The interval and the p-values are functions of the discordant counts: with the
            # reduction they would give back a count that is suppressed.
            w["outcome.paired.inference"] = (
                f"Not shown: fewer than {s.policy.min_count} members changed in one direction,"
                " and the test would reveal how many."
            )
        else:
            assert outcome.reduction_ci_pct_points is not None
            low, high = outcome.reduction_ci_pct_points
            analysis["ci95_pct_points"] = [round(low, 1), round(high, 1)]
            analysis["mcnemar_exact_p"] = _p(outcome.mcnemar_p)
            analysis["raw_score_change"] = {
                "median": outcome.raw_change_median,
                "q1": outcome.raw_change_q1,
                "q3": outcome.raw_change_q3,
                "wilcoxon_p": _p(outcome.wilcoxon.p_value),
            }
    return {
        "instrument": INSTRUMENT,
        "reference_period_days": 30,
        "follow_up_months": FOLLOW_UP_MONTHS,
        "baseline": {
            "surveys": s.count("baseline.total"),
            "categories": {c: s.count(f"baseline.{c}") for c in CATEGORIES_10},
            "category_pct": {
                c: s.percentage(
                    f"outcome.baseline.category_pct.{c}", f"baseline.{c}", "baseline.total"
                )
                for c in CATEGORIES_10
            },
            "food_insecure": s.count("baseline.insecure"),
            "food_insecure_pct": s.percentage(
                "outcome.baseline.food_insecure_pct", "baseline.insecure", "baseline.total"
            ),
        },
        "follow_up": {
            "expected": s.count("follow_up.expected"),
            "completed": s.count("follow_up.done"),
            "rate_pct": s.percentage(
                "outcome.follow_up.rate_pct", "follow_up.done", "follow_up.expected"
            ),
        },
        "paired": {
            "pairs": s.count("pairs.n"),
            "food_insecure_at_baseline": s.count("pairs.insecure_baseline"),
            "food_insecure_at_follow_up": s.count("pairs.insecure_follow_up"),
            "pct_food_insecure_at_baseline": pct_baseline,
            "pct_food_insecure_at_follow_up": pct_follow_up,
            **analysis,
            "became_food_secure": s.count("pairs.became_secure"),
            "became_food_insecure": s.count("pairs.became_insecure"),
            "improved": s.count("pairs.improved"),
            "unchanged": s.count("pairs.unchanged"),
            "worsened": s.count("pairs.worsened"),
            "improved_pct": s.percentage(
                "outcome.paired.improved_pct", "pairs.improved", "pairs.n"
            ),
            "unchanged_pct": s.percentage(
                "outcome.paired.unchanged_pct", "pairs.unchanged", "pairs.n"
            ),
            "worsened_pct": s.percentage(
                "outcome.paired.worsened_pct", "pairs.worsened", "pairs.n"
            ),
            "transitions": {
                b: {a: s.count(_t(b, a)) for a in CATEGORIES_10} for b in CATEGORIES_10
            },
            "transitions_baseline_totals": {c: s.count(f"pairs.before.{c}") for c in CATEGORIES_10},
            "transitions_follow_up_totals": {c: s.count(f"pairs.after.{c}") for c in CATEGORIES_10},
        },
        "caveat": REGRESSION_TO_THE_MEAN_WARNING,
        "cohort": COHORT_NOTE,
        "methods": METHODS_NOTE,
    }


def _p(value: float) -> float:
    """p-values to 4 decimal places (a report prints "< 0.001" below that)."""
    return round(value, 4)


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleasedReport:
    """Disclosure-controlled figures for one period: the programme's or one site's."""

    period: Period
    complete: bool
    as_of: date
    site: SiteRef | None
    generated_at: datetime
    policy: DisclosurePolicy
    conversions: Conversions
    figures: Mapping[str, Any]
    outcome: Mapping[str, Any]
    sites: Sequence[Mapping[str, Any]]
    trend: Sequence[Mapping[str, Any]]
    withheld: Mapping[str, str]

    @property
    def scope_label(self) -> str:
        return self.site.name if self.site is not None else "All sites"

    @property
    def notes(self) -> list[str]:
        return [
            MEALS_NOTE.format(meal_grams=self.conversions.meal_grams),
            CO2E_NOTE.format(factor=_tonnes_factor(self.conversions)),
            MAGNITUDE_NOTE,
            PERIOD_NOTE,
        ]

    def disclosure(self) -> dict[str, Any]:
        return disclosure_block(self.policy)

    def as_dict(self) -> dict[str, Any]:
        """The JSON feed's shape."""
        body: dict[str, Any] = {
            "period": {
                "key": self.period.key,
                "kind": self.period.kind,
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
                "complete": self.complete,
                "figures_to": min(self.period.end, self.as_of).isoformat(),
            },
            "site": (
                "all" if self.site is None else {"code": self.site.code, "name": self.site.name}
            ),
            "generated_at": self.generated_at.isoformat(),
            "disclosure": self.disclosure(),
            "conversions": {
                "meal_grams": self.conversions.meal_grams,
                "co2e_kg_per_tonne": self.conversions.co2e_kg_per_tonne,
            },
            "figures": self.figures,
            "outcome": self.outcome,
            "trend": list(self.trend),
            "withheld": dict(self.withheld),
            "notes": self.notes,
        }
        if self.site is None:
            body["sites"] = list(self.sites)
        return body


def _tonnes_factor(conversions: Conversions) -> str:
    return f"{conversions.co2e_kg_per_tonne / 1000:g}"


def disclosure_block(policy: DisclosurePolicy = RELEASE_POLICY) -> dict[str, Any]:
    """How every output names the rule it applied."""
    return {
        "rule": policy.name,
        "description": policy.description,
        "legend": policy.legend,
        "suppressed": policy.suppressed_symbol,
        "min_count": policy.min_count,
        "rounding_base": policy.rounding_base,
        "min_denominator": policy.min_denominator,
    }


def release_statistics(
    stats: PeriodStatistics,
    *,
    site: SiteRef | None,
    trend: Sequence[TrendPoint] = (),
    policy: DisclosurePolicy = RELEASE_POLICY,
) -> ReleasedReport:
    """Apply disclosure control to raw statistics: the programme's view, or one site's.

    Pure: no database, no permissions (release_report() checks those).
    """
    site_ids = [ref.id for ref in stats.sites]
    scopes: dict[Scope, Figures] = {site_id: f for site_id, f in stats.by_site.items()}
    scopes[None] = stats.programme
    outcomes = {key: f.outcome for key, f in scopes.items()}
    pattern = linked_pattern(scopes, site_ids, policy, outcomes)
    scope: Scope = None if site is None else site.id
    withheld: dict[str, str] = {}
    main = _Scope(pattern, scope, scopes[scope], stats.conversions, withheld, outcomes[scope])
    figures = _figures_block(main)
    outcome = _outcome_block(main)
    rows: list[dict[str, Any]] = []
    if site is None:
        for ref in stats.sites:
            row_withheld: dict[str, str] = {}
            one = _Scope(
                pattern, ref.id, scopes[ref.id], stats.conversions, row_withheld, outcomes[ref.id]
            )
            rows.append(
                {
                    "code": ref.code,
                    "name": ref.name,
                    "active": ref.active,
                    "figures": _figures_block(one),
                    "outcome": _site_outcome_summary(one),
                    "withheld": row_withheld,
                }
            )
    return ReleasedReport(
        period=stats.period,
        complete=stats.complete,
        as_of=stats.today,
        site=site,
        generated_at=utcnow(),
        policy=policy,
        conversions=stats.conversions,
        figures=figures,
        outcome=outcome,
        sites=rows,
        trend=release_trend(trend, site_ids, scope, policy),
        withheld=withheld,
    )


def _site_outcome_summary(s: _Scope) -> dict[str, Any]:
    """The outcome figures a per-site table row carries."""
    return {
        "baseline_surveys": s.count("baseline.total"),
        "follow_ups_completed": s.count("follow_up.done"),
        "follow_up_rate_pct": s.percentage(
            "outcome.follow_up.rate_pct", "follow_up.done", "follow_up.expected"
        ),
        "pairs": s.count("pairs.n"),
        "pct_food_insecure_at_baseline": s.percentage(
            "outcome.paired.pct_food_insecure_at_baseline", "pairs.insecure_baseline", "pairs.n"
        ),
        "pct_food_insecure_at_follow_up": s.percentage(
            "outcome.paired.pct_food_insecure_at_follow_up",
            "pairs.insecure_follow_up",
            "pairs.n",
        ),
    }


def release_trend(
    points: Sequence[TrendPoint],
    site_ids: Sequence[int],
    scope: Scope,
    policy: DisclosurePolicy = RELEASE_POLICY,
) -> list[dict[str, Any]]:
    """Visits and households month by month for a scope, each month protected across sites."""
    released = []
    for point in points:
        values: dict[Key, int] = {}
        for site_id in site_ids:
            values[("visits", site_id)] = point.visits.get(site_id, 0)
            values[("households", site_id)] = point.households.get(site_id, 0)
        values[("visits", None)] = point.programme_visits
        values[("households", None)] = point.households.get(None, 0)
        lines: list[tuple[list[Key], Key]] = [
            ([(name, site_id) for site_id in site_ids], (name, None))
            for name in ("visits", "households")
        ]
        primary, secondary = suppress_linked(values, lines, policy)
        pattern = Pattern(policy, values, primary, secondary)
        released.append(
            {
                "period": point.period.key,
                "label": point.period.short_label,
                "visits": pattern.show("visits", scope),
                "households": pattern.show("households", scope),
            }
        )
    return released


# --- who may see what, and when ----------------------------------------------------------


def programme_today() -> date:
    return datetime.now(PROGRAMME_TZ).date()


def conversions_from_config() -> Conversions:
    config = current_app.config
    return Conversions(
        meal_grams=int(config.get("MEAL_GRAMS", 420)),
        co2e_kg_per_tonne=int(config.get("CO2E_KG_PER_TONNE", 1600)),
    )


def sees_all_sites(actor: User) -> bool:
    return Role(actor.role) in (Role.PROGRAMME_LEAD, Role.ADMIN)


def reporting_site(actor: User, code: str | None) -> Site | None:
    """The site a report is about (None: all sites), if the actor may see it.

    Leads and admins: any site, or all. Site managers: one of their own sites; with no code,
    their only site. Volunteers: never (403).
    """
    role = Role(actor.role)
    if role is Role.VOLUNTEER:
        raise PermissionDenied("Reports are for site managers and programme leads.")
    if code:
        return site_for_reporting(code, actor)
    if sees_all_sites(actor):
        return None
    own = [site for site in actor.sites]
    if len(own) == 1:
        return own[0]
    raise InvalidInput(
        "Say which of your sites the figures are for.",
        code="site_required",
        fields={"site": "Give the code of one of your sites."},
    )


def check_period(period: Period, actor: User, today: date) -> None:
    """Programme figures are published once a period is over; a site manager may follow
    their own site's current period to date."""
    if not period.has_started(today):
        raise InvalidInput(
            f"{period.label} has not started yet.",
            code="period_not_started",
            fields={"period": "Choose a period that has started."},
        )
    if not period.is_complete(today) and sees_all_sites(actor):
        latest = Period.containing(today, period.kind).previous()
        raise RuleViolation(
            f"{period.label} is not over yet. Programme figures are published once a period"
            f" ends, so that they cannot be compared day by day to reveal a small group. The"
            f" latest is {latest.label} ({latest.key}).",
            code="period_not_over",
            fields={"period": f"Choose a period that is over, such as {latest.key}."},
        )


def release_report(
    period_text: str | None,
    *,
    actor: User,
    site_code: str | None = None,
    today: date | None = None,
    with_trend: bool = True,
) -> ReleasedReport:
    """The figures an actor may see for a fixed period: the programme's or one site's."""
    period = parse_period(period_text)
    site = reporting_site(actor, site_code)
    return report_for(period, site=site, actor=actor, today=today, with_trend=with_trend)


def report_for(
    period: Period,
    *,
    site: Site | None,
    actor: User,
    today: date | None = None,
    with_trend: bool = True,
) -> ReleasedReport:
    """As release_report(), for a period and site already chosen and checked."""
    today = today or programme_today()
    check_period(period, actor, today)
    stats = period_statistics(period, today=today, conversions=conversions_from_config())
    ref = None if site is None else stats.site(site.code)
    trend: list[TrendPoint] = []
    if with_trend:
        months = months_ending(period, max(TREND_MONTHS, len(period.months())))
        trend = monthly_trend(
            [m for m in months if m.is_complete(today) or not sees_all_sites(actor)],
            today=today,
        )
    return release_statistics(stats, site=ref, trend=trend)


def trend_report(
    period_text: str | None,
    *,
    actor: User,
    site_code: str | None = None,
    months: int = TREND_TABLE_MONTHS,
    today: date | None = None,
) -> ReleasedReport:
    """Only the month-by-month trend to the end of a period (the trend table): two reads of
    the rollups whatever the number of months, without the rest of the period's figures."""
    period = parse_period(period_text)
    site = reporting_site(actor, site_code)
    today = today or programme_today()
    check_period(period, actor, today)
    sites = all_sites()
    ref = None if site is None else next(s for s in sites if s.id == site.id)
    trend = monthly_trend(
        [
            month
            for month in months_ending(period, months)
            if month.is_complete(today) or not sees_all_sites(actor)
        ],
        today=today,
    )
    return ReleasedReport(
        period=period,
        complete=period.is_complete(today),
        as_of=today,
        site=ref,
        generated_at=utcnow(),
        policy=RELEASE_POLICY,
        conversions=conversions_from_config(),
        figures={},
        outcome={},
        sites=[],
        trend=release_trend(trend, [s.id for s in sites], None if ref is None else ref.id),
        withheld={},
    )


def default_period(actor: User, today: date | None = None) -> Period:
    """What a dashboard opens on: the latest month that is over for the programme (its
    freshest published figures; quarters and years are a choice away); the current month
    to date for a site manager."""
    today = today or programme_today()
    if sees_all_sites(actor):
        return Period.containing(today, "month").previous()
    return Period.containing(today, "month")


def latest_pack_period(today: date | None = None) -> Period:
    """The quarter the programme's report pack is offered for when a month is shown."""
    return Period.containing(today or programme_today(), "quarter").previous()


def choose_period(
    requested: str | None, actor: User, today: date | None = None
) -> tuple[Period, str | None]:
    """The period a dashboard shows, and a note when the one asked for cannot be shown."""
    today = today or programme_today()
    fallback = default_period(actor, today)
    if not requested:
        return fallback, None
    try:
        period = parse_period(requested)
        check_period(period, actor, today)
    except (InvalidInput, RuleViolation) as refusal:
        return fallback, f"{refusal.message} Showing {fallback.label} instead."
    return period, None
