"""The blocks of one scope's released figures: counts from the linked pattern, magnitudes,
means and percentages where the rule allows them, and the paired outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from supermarket.reporting.disclosure import (
    DisclosurePolicy,
    Released,
    why_mean_withheld,
    why_percentage_withheld,
)
from supermarket.reporting.outcomes import (
    METHODS_NOTE,
    REGRESSION_TO_THE_MEAN_WARNING,
    PairedOutcome,
)
from supermarket.reporting.release.pattern import (
    Pattern,
    Scope,
    transition_key,
)
from supermarket.reporting.statistics import (
    FOLLOW_UP_MONTHS,
    SOURCES,
    WASTE_REASONS,
    Conversions,
    Figures,
)
from supermarket.surveys.scoring import CATEGORIES_10, INSTRUMENT

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
class ScopeFigures:
    """Builds one scope's released figures and records why anything is withheld."""

    pattern: Pattern
    scope: Scope
    figures: Figures
    conversions: Conversions
    withheld: dict[str, str]
    outcome: PairedOutcome
    # The programme only: exactly one site that takes joining fees has them withheld, so the
    # programme's joining fees less the other sites' would give that site's away.
    lone_joining_withheld: bool = False
    # The programme only: likewise for exactly one site's membership fees withheld.
    lone_membership_withheld: bool = False

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


def figures_block(s: ScopeFigures) -> dict[str, Any]:
    """A scope's members, visits, people, money and food, as released."""
    f = s.figures
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
        "money": _money_block(s),
        "food": _food_block(s),
    }


def _joining_fees(s: ScopeFigures) -> int | None:
    """Joining fees: withheld wherever the new households they come from are."""
    if s.hidden("new_households") or s.lone_joining_withheld:
        s.withheld["money.joining_fees_pence"] = (
            f"Not shown: it comes from fewer than {s.policy.min_count} new households, or"
            " would give away a figure that does."
        )
        return None
    return _round_to(s.figures.joining_fees_pence, 100)


def _fees_collected(s: ScopeFigures, joining: int | None) -> int | None:
    """Visits' fees and joining fees together: as the visits' figures, and also withheld
    where the scope takes joining fees and they are withheld (the visits' fees can be worked
    out from the retail value and the savings, so the total would give them away)."""
    path = "money.fees_collected_pence"
    total = s.from_visits(path, s.figures.fees_collected_pence, 100)
    if total is not None and joining is None and s.figures.takes_joining_fees:
        s.withheld[path] = (
            "Not shown: it includes joining fees from fewer than"
            f" {s.policy.min_count} new households, or would give them away."
        )
        return None
    return total


def _membership_fees(s: ScopeFigures) -> int | None:
    """Membership fees: withheld where fewer than min_count were paid (the fee times the
    number would give a count away), or where it would give away a site's that is."""
    paid = s.figures.membership_fees_paid
    if 0 < paid < s.policy.min_count or s.lone_membership_withheld:
        s.withheld["money.membership_fees_pence"] = (
            f"Not shown: fewer than {s.policy.min_count} membership fees were paid, or it"
            " would give away a figure that is withheld."
        )
        return None
    return _round_to(s.figures.membership_fees_pence, 100)


def lone_membership_withheld(
    scopes: Mapping[Scope, Figures], site_ids: list[int], policy: DisclosurePolicy
) -> bool:
    """Whether exactly one site's membership fees are withheld: the programme's less the
    other sites' would give it away."""
    withheld = [i for i in site_ids if 0 < scopes[i].membership_fees_paid < policy.min_count]
    return len(withheld) == 1


def _money_block(s: ScopeFigures) -> dict[str, Any]:
    f = s.figures
    money_path = "money."
    joining = _joining_fees(s)
    return {
        "fees_collected_pence": _fees_collected(s, joining),
        "joining_fees_pence": joining,
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
        "pay_as_you_feel_pence": s.from_visits(
            money_path + "pay_as_you_feel_pence", f.pay_as_you_feel_pence, 100
        ),
        "membership_fees_pence": _membership_fees(s),
        "points_spent": s.from_visits(money_path + "points_spent", f.points_spent, 10),
    }


def _food_block(s: ScopeFigures) -> dict[str, Any]:
    f, conv = s.figures, s.conversions
    meals = conv.meals(f.out_to_members_g)
    return {
        "received_by_source_g": {
            source: _kg(grams) for source, grams in _sources(f.food_in_g).items()
        },
        "received_g": _kg(f.food_in_total_g),
        "transferred_in_g": _kg(f.transferred_in_g),
        "transferred_out_g": _kg(f.transferred_out_g),
        "stocktake_adjustments_g": _kg(f.adjusted_g),
        "wasted_by_reason_g": {reason: _kg(f.wasted_g.get(reason, 0)) for reason in WASTE_REASONS},
        "wasted_g": _kg(f.wasted_total_g),
        "given_to_members_g": s.from_visits("food.given_to_members_g", f.out_to_members_g, 1000),
        "surplus_given_to_members_g": s.from_visits(
            "food.surplus_given_to_members_g", f.out_surplus_g, 1000
        ),
        "meals_equivalent": s.from_visits("food.meals_equivalent", meals, 10),
        "co2e_avoided_kg": s.from_visits("food.co2e_avoided_kg", conv.co2e_kg(f.out_surplus_g), 1),
    }


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _sources(food_in: Mapping[str, int]) -> dict[str, int]:
    ordered = {source: food_in.get(source, 0) for source in SOURCES}
    for source, grams in food_in.items():
        ordered.setdefault(source, grams)
    return ordered


def outcome_block(s: ScopeFigures) -> dict[str, Any]:
    """A scope's food-insecurity outcome: the first surveys, the follow-ups and the pairs."""
    pct_baseline = s.percentage(
        "outcome.paired.pct_food_insecure_at_baseline", "pairs.insecure_baseline", "pairs.n"
    )
    pct_follow_up = s.percentage(
        "outcome.paired.pct_food_insecure_at_follow_up", "pairs.insecure_follow_up", "pairs.n"
    )
    analysis = _analysis(s, shown=pct_baseline is not None and pct_follow_up is not None)
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
            **_changes(s),
        },
        "caveat": REGRESSION_TO_THE_MEAN_WARNING,
        "cohort": COHORT_NOTE,
        "methods": METHODS_NOTE,
    }


def _changes(s: ScopeFigures) -> dict[str, Any]:
    """Who changed between the two surveys, and how, category by category."""
    return {
        "became_food_secure": s.count("pairs.became_secure"),
        "became_food_insecure": s.count("pairs.became_insecure"),
        "improved": s.count("pairs.improved"),
        "unchanged": s.count("pairs.unchanged"),
        "worsened": s.count("pairs.worsened"),
        "improved_pct": s.percentage("outcome.paired.improved_pct", "pairs.improved", "pairs.n"),
        "unchanged_pct": s.percentage("outcome.paired.unchanged_pct", "pairs.unchanged", "pairs.n"),
        "worsened_pct": s.percentage("outcome.paired.worsened_pct", "pairs.worsened", "pairs.n"),
        "transitions": {
            b: {a: s.count(transition_key(b, a)) for a in CATEGORIES_10} for b in CATEGORIES_10
        },
        "transitions_baseline_totals": {c: s.count(f"pairs.before.{c}") for c in CATEGORIES_10},
        "transitions_follow_up_totals": {c: s.count(f"pairs.after.{c}") for c in CATEGORIES_10},
    }


def _analysis(s: ScopeFigures, *, shown: bool) -> dict[str, Any]:
    """The reduction, its interval and the tests, where the percentages they compare are
    `shown` and the discordant counts they are made from are too (else null, and why)."""
    outcome = s.outcome
    w = s.withheld
    analysis: dict[str, Any] = {
        "reduction_pct_points": None,
        "ci95_pct_points": None,
        "mcnemar_exact_p": None,
        "raw_score_change": None,
    }
    if not shown:
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
            analysis["mcnemar_exact_p"] = rounded_p_value(outcome.mcnemar_p)
            analysis["raw_score_change"] = {
                "median": outcome.raw_change_median,
                "q1": outcome.raw_change_q1,
                "q3": outcome.raw_change_q3,
                "wilcoxon_p": rounded_p_value(outcome.wilcoxon.p_value),
            }
    return analysis


def rounded_p_value(value: float) -> float:
    """p-values to 4 decimal places (a report prints "< 0.001" below that)."""
    return round(value, 4)


def site_outcome_summary(s: ScopeFigures) -> dict[str, Any]:
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
