"""Disclosure control as released: the one place figures are made fit to leave a site.

Worked by hand on small programmes built in the test (release_statistics is pure), and
checked as properties over random programmes with Hypothesis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supermarket.reporting.outcomes import AssessmentPair, mcnemar_exact, newcombe_paired_ci
from supermarket.reporting.periods import Period
from supermarket.reporting.release import (
    RELEASE_POLICY,
    disclosure_block,
    release_statistics,
)
from supermarket.reporting.statistics import Conversions, Figures, PeriodStatistics, SiteRef
from supermarket.surveys.scoring import CATEGORIES_10

Q3 = Period.quarter(2026, 3)
PEOPLE = ("adults", "children_0_4", "children_5_11", "children_12_17")
RAW = {"high": 0, "marginal": 2, "low": 4, "very_low": 8}


def _figures(**counts: Any) -> Figures:
    people = counts.pop("people", None) or dict.fromkeys(PEOPLE, 0)
    return Figures(people=people, **counts)


def _programme_of(by_site: dict[int, Figures], **extra: Any) -> Figures:
    """The programme as the sum of its sites (no household visits two sites here)."""
    total: dict[str, Any] = {}
    for name in (
        "active_households",
        "new_households",
        "visits",
        "households",
        "overrides",
        "fees_pence",
        "retail_value_pence",
        "savings_pence",
        "out_to_members_g",
        "out_surplus_g",
        "baselines",
        "follow_ups_expected",
        "follow_ups_done",
    ):
        total[name] = sum(getattr(f, name) for f in by_site.values())
    total["people"] = {n: sum(f.people[n] for f in by_site.values()) for n in PEOPLE}
    total["baseline_categories"] = {
        c: sum(f.baseline_categories.get(c, 0) for f in by_site.values()) for c in CATEGORIES_10
    }
    total["pair_counts"] = sum((Counter(f.pair_counts) for f in by_site.values()), Counter())
    total.update(extra)
    return Figures(**total)


def _stats(by_site: dict[int, Figures], **programme: Any) -> PeriodStatistics:
    sites = tuple(SiteRef(i, f"s{i}", f"Site {i}", True) for i in sorted(by_site))
    return PeriodStatistics(
        period=Q3,
        today=date(2026, 11, 1),
        sites=sites,
        by_site=by_site,
        programme=_programme_of(by_site, **programme),
        conversions=Conversions(),
    )


def _pairs(cells: dict[tuple[str, str], int]) -> dict[AssessmentPair, int]:
    return {
        AssessmentPair(before, after, RAW[before], RAW[after]): count
        for (before, after), count in cells.items()
        if count
    }


def test_every_output_names_the_rule():
    block = disclosure_block()
    assert block["rule"] == "ONS 10-5 rule"
    assert block["suppressed"] == "<10"
    assert "secondary suppression" in block["description"]
    assert "withheld so that a count below 10 cannot be worked out" in block["legend"]
    report = release_statistics(_stats({1: _figures(visits=3)}), site=None)
    assert report.as_dict()["disclosure"] == block


def test_counts_below_ten_read_lt10_and_the_rest_are_rounded_to_five():
    by_site = {
        1: _figures(visits=12, households=12, active_households=13),
        2: _figures(visits=27, households=17, active_households=22),
    }
    report = release_statistics(_stats(by_site), site=None)
    rows = {row["code"]: row["figures"] for row in report.sites}
    assert rows["s1"]["visits"]["visits"] == 10  # 12 -> 10
    assert rows["s2"]["visits"]["visits"] == 25  # 27 -> 25
    assert rows["s1"]["members"]["active_households"] == 15  # 13 -> 15
    assert report.figures["visits"]["visits"] == 40  # 39 -> 40, from the unrounded counts
    assert report.figures["members"]["active_households"] == 35
    assert rows["s1"]["members"]["new_households"] == "<10"  # 0 is a count below 10 too


def test_a_small_sites_count_cannot_be_worked_out_from_the_programme_total():
    # Visits: site 1 has 4 (suppressed). Sites 2 and 3 and the total shown would give it away,
    # so the smaller of them, site 3, is withheld as well; the total stays.
    by_site = {
        1: _figures(visits=4, households=4),
        2: _figures(visits=50, households=30),
        3: _figures(visits=30, households=20),
    }
    report = release_statistics(_stats(by_site), site=None)
    visits = {row["code"]: row["figures"]["visits"]["visits"] for row in report.sites}
    assert visits == {"s1": "<10", "s2": 50, "s3": "<10"}
    assert report.figures["visits"]["visits"] == 85


def test_a_sites_own_report_is_its_row_of_the_programme_pattern():
    by_site = {
        1: _figures(visits=4, households=4),
        2: _figures(visits=50, households=30),
        3: _figures(visits=30, households=20),
    }
    stats = _stats(by_site)
    programme = release_statistics(stats, site=None)
    for ref in stats.sites:
        own = release_statistics(stats, site=ref)
        row = next(r for r in programme.sites if r["code"] == ref.code)
        assert own.figures == row["figures"]
        assert "sites" not in own.as_dict()
    # Site 3 had 30 visits, but its own report may not undo the programme's protection.
    assert release_statistics(stats, site=stats.sites[2]).figures["visits"]["visits"] == "<10"


def test_money_and_food_given_need_ten_households_behind_them():
    by_site = {
        1: _figures(visits=40, households=8, savings_pence=40_000, out_to_members_g=80_000),
        2: _figures(visits=300, households=120, savings_pence=2_012_345, out_to_members_g=1_000),
        3: _figures(visits=200, households=90, savings_pence=1_500_049, out_to_members_g=2_000),
    }
    report = release_statistics(_stats(by_site), site=None)
    rows = {row["code"]: row for row in report.sites}
    assert rows["s1"]["figures"]["money"]["savings_pence"] is None
    # Site 3's households are withheld to protect site 1's, so its money is too.
    assert rows["s3"]["figures"]["money"]["savings_pence"] is None
    assert rows["s2"]["figures"]["money"]["savings_pence"] == 2_012_300  # nearest pound
    assert "households" in rows["s1"]["withheld"]["money.savings_pence"]
    money = report.figures["money"]
    assert money["savings_pence"] == 3_552_400
    assert report.figures["food"]["given_to_members_g"] == 83_000


def test_means_and_percentages_need_a_denominator_of_twenty():
    by_site = {1: _figures(visits=57, households=19, savings_pence=100_000)}
    report = release_statistics(_stats(by_site), site=None)
    assert report.figures["visits"]["visits_per_household"] is None
    assert report.figures["money"]["savings_per_household_pence"] is None
    assert report.figures["money"]["savings_per_visit_pence"] == 1754  # £1000 / 57
    assert "20" in report.withheld["visits.visits_per_household"]
    by_site = {1: _figures(visits=60, households=20, savings_pence=100_000)}
    report = release_statistics(_stats(by_site), site=None)
    assert report.figures["visits"]["visits_per_household"] == 3.0
    assert report.figures["money"]["savings_per_household_pence"] == 5000


def test_impact_conversions_use_surplus_food_for_co2e():
    by_site = {
        1: _figures(visits=200, households=50, out_to_members_g=420_000, out_surplus_g=300_000)
    }
    figures = release_statistics(_stats(by_site), site=None).figures["food"]
    assert figures["meals_equivalent"] == 1000  # 420 kg / 420 g
    assert figures["co2e_avoided_kg"] == 480  # 0.3 t x 1.6 t per tonne
    assert figures["surplus_given_to_members_g"] == 300_000


def test_the_paired_outcome_against_a_worked_example():
    # 80 members with both surveys: 30 insecure both times, 20 became secure, 12 became
    # insecure, 18 secure both times. Baseline 50/80 = 62.5% insecure, follow-up 42/80 = 52.5%,
    # a fall of 10.0 points. Exact McNemar on 20 vs 12; Newcombe's interval on (30, 20, 12, 18).
    cells = {
        ("low", "low"): 20,
        ("very_low", "low"): 10,
        ("low", "marginal"): 12,
        ("very_low", "high"): 8,
        ("high", "low"): 7,
        ("marginal", "very_low"): 5,
        ("high", "high"): 10,
        ("marginal", "marginal"): 8,
    }
    by_site = {1: _figures(visits=400, households=100, pair_counts=_pairs(cells))}
    outcome = release_statistics(_stats(by_site), site=None).outcome
    paired = outcome["paired"]
    assert paired["pairs"] == 80
    assert (paired["food_insecure_at_baseline"], paired["food_insecure_at_follow_up"]) == (50, 40)
    assert paired["pct_food_insecure_at_baseline"] == 62.5
    assert paired["pct_food_insecure_at_follow_up"] == 52.5
    assert paired["reduction_pct_points"] == 10.0
    # By hand: Wilson 95% intervals 50/80 -> (0.5155, 0.7231), 42/80 -> (0.4170, 0.6308);
    # ad - bc = 540 - 240 = 300 > n/2, so phi = (300 - 40) / sqrt(50 x 30 x 42 x 38) = 0.1680;
    # lower = 0.1 - sqrt(0.1095^2 - 2 phi 0.1095 x 0.1058 + 0.1058^2) = -0.0389,
    # upper = 0.1 + sqrt(0.0981^2 - 2 phi 0.0981 x 0.1080 + 0.1080^2) = 0.2331.
    assert paired["ci95_pct_points"] == [-3.9, 23.3]
    low, high = newcombe_paired_ci(30, 20, 12, 18)
    assert paired["ci95_pct_points"] == [round(100 * low, 1), round(100 * high, 1)]
    # Exact McNemar: 2 x P(X <= 12), X ~ Bin(32, 1/2) = 0.2153.
    assert paired["mcnemar_exact_p"] == round(mcnemar_exact(20, 12), 4) == 0.2153
    # Improved: 10 (very low -> low) + 12 + 8 = 30; worse: 7 + 5 = 12; unchanged 20 + 10 + 8.
    assert (paired["improved"], paired["unchanged"], paired["worsened"]) == (30, 40, 10)
    assert paired["improved_pct"] == 37.5
    assert paired["transitions"]["very_low"]["high"] == "<10"
    assert outcome["caveat"].startswith("People often join in a crisis")


def test_the_outcome_is_withheld_below_twenty_pairs():
    cells = {("low", "low"): 10, ("very_low", "high"): 9}
    by_site = {1: _figures(visits=400, households=100, pair_counts=_pairs(cells))}
    report = release_statistics(_stats(by_site), site=None)
    paired = report.outcome["paired"]
    assert paired["pct_food_insecure_at_baseline"] is None
    assert paired["reduction_pct_points"] is None
    assert paired["ci95_pct_points"] is None
    assert "fewer than 20" in report.withheld["outcome.paired.analysis"]
    assert report.outcome["caveat"]


def test_the_test_is_withheld_when_few_changed_in_one_direction():
    # 65 pairs: 30 stayed insecure, 15 became secure, 5 became insecure, 15 stayed secure.
    # Both percentages are safe to show (45 and 20; 35 and 30), and so is their difference,
    # but McNemar's p and the interval with it would give back the 5.
    cells = {("low", "low"): 30, ("low", "high"): 15, ("high", "low"): 5, ("high", "high"): 15}
    by_site = {1: _figures(visits=400, households=100, pair_counts=_pairs(cells))}
    report = release_statistics(_stats(by_site), site=None)
    paired = report.outcome["paired"]
    assert paired["became_food_insecure"] == "<10"
    assert (paired["pct_food_insecure_at_baseline"], paired["pct_food_insecure_at_follow_up"]) == (
        69.2,
        53.8,
    )
    assert paired["reduction_pct_points"] == 15.4
    assert paired["mcnemar_exact_p"] is None
    assert paired["ci95_pct_points"] is None
    assert paired["raw_score_change"] is None
    assert "changed in one direction" in report.withheld["outcome.paired.inference"]


# --- properties ------------------------------------------------------------------------------


COUNT_FIELDS = {
    "members": ("active_households", "new_households"),
    "visits": ("visits", "unique_households", "overrides_used"),
    "people": ("adults", "children_0_4", "children_5_11", "children_12_17", "children", "total"),
}


def _counts_in(body: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every count a released report carries, with where it is."""

    def figures(node: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for group, names in COUNT_FIELDS.items():
            for name in names:
                yield f"{prefix}.{group}.{name}", node[group][name]

    yield from figures(body["figures"], "figures")
    outcome = body["outcome"]
    baseline, follow_up, paired = outcome["baseline"], outcome["follow_up"], outcome["paired"]
    yield "baseline.surveys", baseline["surveys"]
    yield "baseline.food_insecure", baseline["food_insecure"]
    yield from ((f"baseline.{c}", v) for c, v in baseline["categories"].items())
    yield "follow_up.expected", follow_up["expected"]
    yield "follow_up.completed", follow_up["completed"]
    for name in (
        "pairs",
        "food_insecure_at_baseline",
        "food_insecure_at_follow_up",
        "became_food_secure",
        "became_food_insecure",
        "improved",
        "unchanged",
        "worsened",
    ):
        yield f"paired.{name}", paired[name]
    for before, row in paired["transitions"].items():
        yield from ((f"paired.t.{before}.{after}", v) for after, v in row.items())
    for name in ("transitions_baseline_totals", "transitions_follow_up_totals"):
        yield from ((f"paired.{name}.{c}", v) for c, v in paired[name].items())
    for row in body.get("sites", []):
        yield from figures(row["figures"], row["code"])
        for name in ("baseline_surveys", "follow_ups_completed", "pairs"):
            yield f"{row['code']}.outcome.{name}", row["outcome"][name]
    for point in body["trend"]:
        yield f"trend.{point['period']}.visits", point["visits"]
        yield f"trend.{point['period']}.households", point["households"]


site_counts = st.fixed_dictionaries(
    {
        "active": st.integers(0, 60),
        "new": st.integers(0, 30),
        "households": st.integers(0, 40),
        "extra_visits": st.integers(0, 80),
        "people": st.tuples(*(st.integers(0, 40) for _ in PEOPLE)),
        "baseline": st.tuples(*(st.integers(0, 15) for _ in CATEGORIES_10)),
        "pairs": st.lists(
            st.tuples(st.sampled_from(CATEGORIES_10), st.sampled_from(CATEGORIES_10)),
            max_size=40,
        ),
    }
)


def _random_programme(sites: list[dict[str, Any]]) -> PeriodStatistics:
    by_site = {}
    for index, counts in enumerate(sites, start=1):
        households = counts["households"]
        by_site[index] = _figures(
            active_households=counts["active"],
            new_households=counts["new"],
            households=households,
            visits=households + counts["extra_visits"] if households else 0,
            people=dict(zip(PEOPLE, counts["people"], strict=True)),
            baselines=sum(counts["baseline"]),
            baseline_categories=dict(zip(CATEGORIES_10, counts["baseline"], strict=True)),
            pair_counts=Counter(AssessmentPair(b, a, RAW[b], RAW[a]) for b, a in counts["pairs"]),
            follow_ups_expected=len(counts["pairs"]) + 5,
            follow_ups_done=len(counts["pairs"]),
            savings_pence=1234 * households,
        )
    return _stats(by_site)


def _lines(report: Any) -> Iterator[list[Any]]:
    """Every sum relation a reader could use: sites to the programme, parts to totals."""
    scopes = [row["figures"] for row in report.sites] + [report.figures]
    for group, names in (
        ("members", ("active_households", "new_households")),
        ("visits", ("visits", "unique_households", "overrides_used")),
        ("people", ("adults", "children_0_4", "children_5_11", "children_12_17", "total")),
    ):
        for name in names:
            yield [scope[group][name] for scope in scopes]
    for scope in scopes:
        people = scope["people"]
        yield [
            people["children_0_4"],
            people["children_5_11"],
            people["children_12_17"],
            people["children"],
        ]
        yield [people["adults"], people["children"], people["total"]]
    outcomes = [row["outcome"] for row in report.sites]
    yield [o["pairs"] for o in outcomes] + [report.outcome["paired"]["pairs"]]
    yield [o["baseline_surveys"] for o in outcomes] + [report.outcome["baseline"]["surveys"]]
    paired = report.outcome["paired"]
    yield [paired["improved"], paired["unchanged"], paired["worsened"], paired["pairs"]]
    yield [*paired["transitions_baseline_totals"].values(), paired["pairs"]]
    for before in CATEGORIES_10:
        yield [
            *paired["transitions"][before].values(),
            paired["transitions_baseline_totals"][before],
        ]
    for after in CATEGORIES_10:
        yield [
            *(paired["transitions"][b][after] for b in CATEGORIES_10),
            paired["transitions_follow_up_totals"][after],
        ]
    baseline = report.outcome["baseline"]
    yield [*baseline["categories"].values(), baseline["surveys"]]


PROPERTIES = settings(database=None, max_examples=150, deadline=None)


@PROPERTIES
@given(st.lists(site_counts, min_size=1, max_size=5))
def test_no_released_count_is_below_ten_and_every_suppressed_count_reads_lt10(sites):
    stats = _random_programme(sites)
    for site in (None, *stats.sites):
        body = release_statistics(stats, site=site).as_dict()
        for path, value in _counts_in(body):
            if isinstance(value, str):
                assert value == RELEASE_POLICY.suppressed_symbol, path
            else:
                assert value >= 10, (path, value)
                assert value % 5 == 0, (path, value)


@PROPERTIES
@given(st.lists(site_counts, min_size=1, max_size=5))
def test_no_suppressed_cell_can_be_worked_out_from_the_totals(sites):
    report = release_statistics(_random_programme(sites), site=None)
    for line in _lines(report):
        hidden = sum(1 for value in line if value == "<10")
        # With exactly one hidden entry in a sum relation, subtraction would reveal it.
        assert hidden != 1, line


@PROPERTIES
@given(st.lists(site_counts, min_size=2, max_size=5))
def test_every_site_report_agrees_with_the_programme_report(sites):
    stats = _random_programme(sites)
    programme = release_statistics(stats, site=None)
    for ref, row in zip(stats.sites, programme.sites, strict=True):
        own = release_statistics(stats, site=ref)
        assert own.figures == row["figures"]
        assert own.outcome["paired"]["pairs"] == row["outcome"]["pairs"]
        assert own.outcome["baseline"]["surveys"] == row["outcome"]["baseline_surveys"]


@PROPERTIES
@given(st.lists(site_counts, min_size=1, max_size=5))
def test_percentages_and_means_only_over_twenty(sites):
    stats = _random_programme(sites)
    report = release_statistics(stats, site=None)
    for row, ref in zip(report.sites, stats.sites, strict=True):
        raw = stats.by_site[ref.id]
        if raw.households < 20:
            assert row["figures"]["visits"]["visits_per_household"] is None
        if raw.outcome.n_pairs < 20:
            assert row["outcome"]["pct_food_insecure_at_baseline"] is None
    if stats.programme.outcome.n_pairs < 20:
        assert report.outcome["paired"]["reduction_pct_points"] is None


@pytest.mark.parametrize("code", ["=cmd|' /C calc'!A0", "+SUM(A1)", "@x", "-2+3"])
def test_site_names_are_only_labels(code):
    # A site's name is released as it is (it is not personal data); CSV export neutralises it.
    stats = _stats({1: _figures(visits=12, households=12)})
    stats = PeriodStatistics(
        stats.period,
        stats.today,
        (SiteRef(1, "s1", code, True),),
        stats.by_site,
        stats.programme,
        stats.conversions,
    )
    assert release_statistics(stats, site=None).sites[0]["name"] == code
