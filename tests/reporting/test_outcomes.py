"""Paired outcome statistics: exact McNemar, Newcombe interval, Wilcoxon, paired_outcome()."""

from __future__ import annotations

import math
import random
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supermarket.reporting.outcomes import (
    AssessmentPair,
    mcnemar_exact,
    newcombe_paired_ci,
    paired_outcome,
    pairs_from_scores,
    wilcoxon_signed_rank,
    wilson_interval,
)
from supermarket.surveys.scoring import category_10, score

# --- McNemar -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("b", "c", "expected"),
    [
        (0, 0, 1.0),  # no discordant pairs: no evidence either way
        (0, 5, 2 / 32),
        (5, 0, 2 / 32),
        (1, 9, 2 * (1 + 10) / 1024),
        (5, 5, 1.0),  # 2 * P(X <= 5) > 1, capped
        (3, 1, 2 * (1 + 4) / 16),
        (0, 1, 1.0),
    ],
)
def test_mcnemar_exact_by_hand(b: int, c: int, expected: float) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 3)


@pytest.mark.slow
def test_mcnemar_matches_scipy_binomtest() -> None:
    stats = pytest.importorskip("scipy.stats")
    for b in range(0, 30):
        for c in range(0, 30):
            if b + c:
                expected = stats.binomtest(min(b, c), b + c, 0.5).pvalue
                assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9, abs=1e-15)


# --- Newcombe ------------------------------------------------------------------------------


def test_newcombe_matches_published_example() -> None:
    # Cavo et al. (2012), complete response before/after consolidation therapy: a=59, b=6,
    # c=16, d=80. Fagerland, Lydersen & Laake, Statistical Analysis of Contingency Tables
    # (CRC 2017), ch. 8, Newcombe square-and-add (method 10) interval: -0.0621 (-0.1186 to
    # -0.0046), as also asserted by their R package contingencytables (tests/test-ch8.R).
    lower, upper = newcombe_paired_ci(59, 6, 16, 80)
    estimate = (6 - 16) / 161
    assert estimate == pytest.approx(-0.0621, abs=5e-5)
    assert lower == pytest.approx(-0.1186, abs=5e-5)
    assert upper == pytest.approx(-0.0046, abs=5e-5)


def _wilson_by_quadratic(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson limits as the roots of (p - t)^2 = z^2 t (1 - t) / n, solved directly."""
    p = x / n
    # (1 + z^2/n) t^2 - (2p + z^2/n) t + p^2 = 0
    qa, qb, qc = 1 + z * z / n, -(2 * p + z * z / n), p * p
    root = math.sqrt(qb * qb - 4 * qa * qc)
    return (-qb - root) / (2 * qa), (-qb + root) / (2 * qa)


def _newcombe_reference(a: int, b: int, c: int, d: int, z: float) -> tuple[float, float]:
    """Newcombe (1998) method 10 written out from the paper's definitions, independently."""
    n = a + b + c + d
    e, f, g, h = a + b, c + d, a + c, b + d
    l2, u2 = _wilson_by_quadratic(e, n, z)
    l3, u3 = _wilson_by_quadratic(g, n, z)
    if e * f * g * h == 0:
        phi = 0.0
    elif a * d > b * c:
        phi = max(a * d - b * c - n / 2, 0) / math.sqrt(e * f * g * h)
    else:
        phi = (a * d - b * c) / math.sqrt(e * f * g * h)
    theta = (b - c) / n
    dl2, du2 = e / n - l2, u2 - e / n
    dl3, du3 = g / n - l3, u3 - g / n
    delta = math.sqrt(max(0.0, dl2**2 - 2 * phi * dl2 * du3 + du3**2))
    epsilon = math.sqrt(max(0.0, du2**2 - 2 * phi * du2 * dl3 + dl3**2))
    return theta - delta, theta + epsilon


@pytest.mark.parametrize(
    "table",
    [
        (59, 6, 16, 80),
        (1, 1, 7, 12),
        (36, 12, 2, 0),
        (5, 5, 0, 0),
        (0, 3, 1, 20),
        (10, 0, 0, 10),
        (0, 0, 0, 1),
        (2, 9, 1, 40),
        (30, 12, 3, 55),
    ],
)
def test_newcombe_matches_independent_recomputation(table: tuple[int, int, int, int]) -> None:
    assert newcombe_paired_ci(*table) == pytest.approx(
        _newcombe_reference(*table, 1.959964), abs=1e-9
    )


def test_wilson_interval_closed_form_matches_quadratic_roots() -> None:
    for n in (1, 7, 20, 161):
        for x in range(n + 1):
            assert wilson_interval(x, n) == pytest.approx(
                _wilson_by_quadratic(x, n, 1.959964), abs=1e-12
            )


@settings(database=None, max_examples=300, deadline=None)
@given(st.tuples(*(st.integers(0, 60) for _ in range(4))).filter(lambda t: sum(t) > 0))
def test_newcombe_interval_contains_estimate_and_is_symmetric(
    table: tuple[int, int, int, int],
) -> None:
    a, b, c, d = table
    n = a + b + c + d
    lower, upper = newcombe_paired_ci(a, b, c, d)
    assert -1.0 <= lower <= (b - c) / n <= upper <= 1.0
    # Swapping the two time points mirrors the interval.
    mirrored = newcombe_paired_ci(a, c, b, d)
    assert mirrored == pytest.approx((-upper, -lower), abs=1e-12)


def test_newcombe_needs_pairs() -> None:
    with pytest.raises(ValueError):
        newcombe_paired_ci(0, 0, 0, 0)


# --- Wilcoxon ------------------------------------------------------------------------------


def test_wilcoxon_exact_by_hand() -> None:
    # Ranks of |1, 2, 3, -4| are 1..4: W+ = 6, W- = 4. Rank sums of subsets of {1..4}
    # at or below 4: {}, {1}, {2}, {3}, {1,2}, {4}, {1,3} = 7 of 16.
    result = wilcoxon_signed_rank([1, 2, 3, -4])
    assert (result.w_plus, result.w_minus, result.statistic, result.n) == (6, 4, 4, 4)
    assert result.method == "exact"
    assert result.p_value == pytest.approx(2 * 7 / 16)


def test_wilcoxon_drops_zero_differences() -> None:
    result = wilcoxon_signed_rank([0, 1, 0, 2, 3, -4])
    assert (result.n, result.n_zero) == (4, 2)
    assert result.p_value == pytest.approx(14 / 16)


def test_wilcoxon_all_one_direction_exact() -> None:
    result = wilcoxon_signed_rank([-5, -4, -3, -2, -1])
    assert (result.statistic, result.w_plus, result.w_minus) == (0, 0, 15)
    assert result.p_value == pytest.approx(2 / 32)


def test_wilcoxon_no_nonzero_differences() -> None:
    result = wilcoxon_signed_rank([0, 0, 0])
    assert (result.n, result.n_zero, result.p_value, result.method) == (0, 3, 1.0, "none")
    assert wilcoxon_signed_rank([]).p_value == 1.0


def test_wilcoxon_normal_approximation_with_ties_by_hand() -> None:
    # Ten tied |differences| share rank 5.5: W+ = 2 * 5.5 = 11, W- = 44, T = 11.
    # Mean 27.5; variance 10*11*21/24 - (10^3 - 10)/48 = 75.625; continuity correction 0.5.
    result = wilcoxon_signed_rank([-1] * 8 + [1] * 2)
    assert result.method == "normal"
    assert result.statistic == 11
    expected_z = (11 - 27.5 + 0.5) / math.sqrt(75.625)
    assert result.z == pytest.approx(expected_z)
    assert result.p_value == pytest.approx(2 * NormalDist().cdf(expected_z))


def test_wilcoxon_uses_normal_approximation_above_25() -> None:
    result = wilcoxon_signed_rank(list(range(1, 27)))
    assert result.method == "normal"
    assert wilcoxon_signed_rank(list(range(1, 26))).method == "exact"


def test_wilcoxon_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        wilcoxon_signed_rank([1.0, math.nan])


def _random_diff_sets() -> list[list[int]]:
    rng = random.Random(20260101)
    sets: list[list[int]] = []
    for _ in range(60):
        n = rng.randint(1, 40)
        sets.append([rng.randint(-6, 6) for _ in range(n)])  # raw-score changes: many ties
        distinct = rng.sample(range(1, 80), k=min(n, 30))
        sets.append([value * rng.choice((-1, 1)) for value in distinct])  # no ties
    return sets


def test_wilcoxon_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for diffs in _random_diff_sets():
        ours = wilcoxon_signed_rank(diffs)
        if ours.n == 0:
            continue
        method = "exact" if ours.method == "exact" else "asymptotic"
        theirs = stats.wilcoxon(diffs, zero_method="wilcox", correction=True, method=method)
        assert ours.statistic == pytest.approx(theirs.statistic)
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-15)


# --- paired_outcome ------------------------------------------------------------------------

HAND_PAIRS = [
    *[AssessmentPair("very_low", "low", 6, 3)] * 3,
    *[AssessmentPair("low", "marginal", 4, 1)] * 2,
    AssessmentPair("marginal", "low", 2, 3),
    *[AssessmentPair("high", "high", 0, 0)] * 2,
    AssessmentPair("low", "low", 3, 5),
    AssessmentPair("very_low", "high", 7, 0),
]


def test_paired_outcome_by_hand() -> None:
    outcome = paired_outcome(HAND_PAIRS)
    assert outcome.n_pairs == 10
    assert (outcome.insecure_baseline, outcome.insecure_followup) == (7, 5)
    assert (outcome.pct_insecure_baseline, outcome.pct_insecure_followup) == (70.0, 50.0)
    assert (
        outcome.insecure_both,
        outcome.became_secure,
        outcome.became_insecure,
        outcome.secure_both,
    ) == (4, 3, 1, 2)
    assert outcome.reduction_pct_points == pytest.approx(20.0)
    lower, upper = newcombe_paired_ci(4, 3, 1, 2)
    assert outcome.reduction_ci_pct_points == pytest.approx((100 * lower, 100 * upper))
    assert outcome.mcnemar_p == pytest.approx(2 * (1 + 4) / 16)
    assert (outcome.improved, outcome.unchanged, outcome.worsened) == (6, 3, 1)
    assert outcome.transitions["very_low"] == {"high": 1, "marginal": 0, "low": 3, "very_low": 0}
    assert outcome.transitions["low"] == {"high": 0, "marginal": 2, "low": 1, "very_low": 0}
    assert outcome.transitions["marginal"]["low"] == 1
    assert outcome.transitions["high"]["high"] == 2
    assert sum(sum(row.values()) for row in outcome.transitions.values()) == 10
    # Changes sorted: -7, -3, -3, -3, -3, -3, 0, 0, 1, 2 (type 7 quartiles).
    assert outcome.raw_change_median == -3
    assert outcome.raw_change_q1 == -3
    assert outcome.raw_change_q3 == 0
    assert outcome.raw_change_iqr == 3
    # Non-zero |changes| 7, 3x5, 1, 2: ranks 8, 5 (tied), 1, 2; W+ = 1 + 2 = 3.
    assert (outcome.wilcoxon.n, outcome.wilcoxon.n_zero) == (8, 2)
    assert (outcome.wilcoxon.w_plus, outcome.wilcoxon.statistic) == (3, 3)
    assert outcome.wilcoxon.method == "normal"


def test_paired_outcome_with_no_pairs() -> None:
    outcome = paired_outcome([])
    assert outcome.n_pairs == 0
    assert outcome.pct_insecure_baseline is None
    assert outcome.reduction_pct_points is None
    assert outcome.reduction_ci_pct_points is None
    assert outcome.mcnemar_p == 1.0
    assert outcome.raw_change_median is None
    assert outcome.raw_change_iqr is None
    assert outcome.wilcoxon.n == 0
    assert all(v == 0 for row in outcome.transitions.values() for v in row.values())


def test_paired_outcome_all_concordant() -> None:
    outcome = paired_outcome([("low", "low", 4, 4)] * 15 + [("high", "high", 0, 0)] * 10)
    assert (outcome.became_secure, outcome.became_insecure) == (0, 0)
    assert outcome.reduction_pct_points == 0
    assert outcome.reduction_ci_pct_points is not None
    lower, upper = outcome.reduction_ci_pct_points
    assert lower < 0 < upper
    assert outcome.mcnemar_p == 1.0
    assert (outcome.improved, outcome.unchanged, outcome.worsened) == (0, 25, 0)
    assert outcome.wilcoxon.n == 0
    assert outcome.wilcoxon.p_value == 1.0


def test_paired_outcome_everyone_improves() -> None:
    outcome = paired_outcome([("very_low", "high", 6, 0)] * 20)
    assert outcome.reduction_pct_points == 100
    assert outcome.reduction_ci_pct_points is not None
    lower, upper = outcome.reduction_ci_pct_points
    assert upper == 100
    # phi is 0 (no one secure at baseline), so the lower limit is 1 - hypot of the two
    # Wilson distances: 20/20 (lower limit) and 0/20 (upper limit).
    all_lower, _ = wilson_interval(20, 20)
    _, none_upper = wilson_interval(0, 20)
    assert lower == pytest.approx(100 * (1 - math.hypot(1 - all_lower, none_upper)))
    assert lower == pytest.approx(77.2, abs=0.05)
    assert outcome.mcnemar_p == pytest.approx(2 / 2**20)
    assert (outcome.improved, outcome.unchanged, outcome.worsened) == (20, 0, 0)
    assert outcome.raw_change_median == -6
    assert outcome.raw_change_iqr == 0
    assert outcome.wilcoxon.statistic == 0
    assert outcome.wilcoxon.p_value < 0.001


@pytest.mark.parametrize(
    "pair",
    [("severe", "low", 4, 4), ("low", "low", 1, 4), ("low", "low", 4, 11), ("low", "low", True, 4)],
)
def test_paired_outcome_rejects_inconsistent_pairs(pair: tuple[str, str, int, int]) -> None:
    with pytest.raises(ValueError):
        paired_outcome([pair])


def test_pairs_from_scores_leaves_out_incomplete_assessments() -> None:
    insecure = score({"HH2": "often", "HH3": "often", "HH4": "often"})
    secure = score({"HH2": "never", "HH3": "never", "HH4": "never"})
    incomplete = score({"HH2": "dont_know", "HH3": "refused", "HH4": "dont_know"})
    pairs = pairs_from_scores([(insecure, secure), (insecure, incomplete), (incomplete, secure)])
    assert pairs == [AssessmentPair("low", "high", 3, 0)]
    assert paired_outcome(pairs).became_secure == 1


def test_paired_outcome_agrees_with_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(7)
    raws = list(range(11))
    pairs = []
    for _ in range(60):
        before, after = rng.choice(raws), rng.choice(raws)
        pairs.append(
            AssessmentPair(category_10(before), category_10(after), before, after),
        )
    outcome = paired_outcome(pairs)
    changes = [p.followup_raw - p.baseline_raw for p in pairs]
    theirs = stats.wilcoxon(changes, zero_method="wilcox", correction=True, method="asymptotic")
    assert outcome.wilcoxon.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    b, c = outcome.became_secure, outcome.became_insecure
    expected = stats.binomtest(min(b, c), b + c, 0.5).pvalue if b + c else 1.0
    assert outcome.mcnemar_p == pytest.approx(expected, rel=1e-9)


@settings(deadline=None)
@given(st.integers(0, 200), st.integers(0, 200))
def test_mcnemar_sums_the_binomial_tail_exactly(b, c):
    """Each term of the tail is made from the last; the sum is the definition's, to the bit."""
    import math

    tail = sum(math.comb(b + c, k) for k in range(min(b, c) + 1))
    assert mcnemar_exact(b, c) == (min(1.0, 2 * tail / (1 << (b + c))) if b + c else 1.0)


def _wilcoxon_rank_by_rank(diffs):  # type: ignore[no-untyped-def]
    """The signed-rank test as it was written before counts: every difference ranked."""
    from supermarket.reporting.outcomes import (
        WILCOXON_EXACT_MAX_N,
        WilcoxonResult,
        _average_ranks,
        _exact_signed_rank_cdf,
    )

    nonzero = [float(value) for value in diffs if value != 0]
    n = len(nonzero)
    n_zero = len(diffs) - n
    if n == 0:
        return WilcoxonResult(0.0, 0.0, 0.0, 0, n_zero, 1.0, "none")
    ranks, tie_sizes = _average_ranks([abs(value) for value in nonzero])
    w_plus = sum(rank for rank, value in zip(ranks, nonzero, strict=True) if value > 0)
    w_minus = n * (n + 1) / 2 - w_plus
    statistic = min(w_plus, w_minus)
    if n <= WILCOXON_EXACT_MAX_N and all(size == 1 for size in tie_sizes):
        p_value = min(1.0, 2 * _exact_signed_rank_cdf(round(statistic), n))
        return WilcoxonResult(statistic, w_plus, w_minus, n, n_zero, p_value, "exact")
    mean = n * (n + 1) / 4
    variance = n * (n + 1) * (2 * n + 1) / 24 - sum(t**3 - t for t in tie_sizes) / 48
    correction = math.copysign(0.5, statistic - mean) if statistic != mean else 0.0
    z = (statistic - mean - correction) / math.sqrt(variance)
    p_value = min(1.0, math.erfc(abs(z) / math.sqrt(2)))
    return WilcoxonResult(statistic, w_plus, w_minus, n, n_zero, p_value, "normal", z)


@settings(deadline=None)
@given(st.lists(st.integers(-10, 10), max_size=400))
def test_the_signed_rank_test_from_counts_is_the_rank_by_rank_one(diffs):
    result = wilcoxon_signed_rank(diffs)
    expected = _wilcoxon_rank_by_rank(diffs)
    assert result == expected
    assert type(result.w_plus) is type(expected.w_plus)


@settings(deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(0, 10), st.integers(0, 10)), st.integers(0, 60), max_size=30
    )
)
def test_the_outcome_from_pair_counts_is_the_outcome_of_the_pairs(cells):
    from collections import Counter

    from supermarket.reporting.outcomes import (
        AssessmentPair,
        _quantile_type7,
        paired_outcome_from_counts,
    )

    counts = Counter(
        {
            AssessmentPair(category_10(before), category_10(after), before, after): count
            for (before, after), count in cells.items()
        }
    )
    outcome = paired_outcome_from_counts(counts)
    changes = sorted(
        float(after - before) for (before, after), n in cells.items() for _ in range(n)
    )
    assert outcome.n_pairs == len(changes)
    assert outcome.wilcoxon == _wilcoxon_rank_by_rank(changes)
    if changes:
        quartiles = [_quantile_type7(changes, q) for q in (0.25, 0.5, 0.75)]
        assert [outcome.raw_change_q1, outcome.raw_change_median, outcome.raw_change_q3] == (
            quartiles
        )
