"""Released figures for one scope: counts from the pattern, magnitudes, means, the outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from supermarket.models import utcnow
from supermarket.reporting.disclosure import (
    DisclosurePolicy,
    Released,
    suppress_linked,
    why_mean_withheld,
    why_percentage_withheld,
)
from supermarket.reporting.outcomes import (
    METHODS_NOTE,
    REGRESSION_TO_THE_MEAN_WARNING,
    PairedOutcome,
)
from supermarket.reporting.periods import Period
from supermarket.reporting.release.pattern import (
    RELEASE_POLICY,
    Key,
    Pattern,
    Scope,
    linked_pattern,
    transition_key,
)
from supermarket.reporting.statistics import (
    FOLLOW_UP_MONTHS,
    SOURCES,
    WASTE_REASONS,
    Conversions,
    Figures,
    PeriodStatistics,
    SiteRef,
    TrendPoint,
)
from supermarket.surveys.scoring import CATEGORIES_10, INSTRUMENT

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
                b: {a: s.count(transition_key(b, a)) for a in CATEGORIES_10} for b in CATEGORIES_10
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
