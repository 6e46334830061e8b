"""Paired baseline/follow-up food-insecurity outcomes, computed with the standard library only.

Orientation throughout: a *reduction* is baseline minus follow-up (positive = fewer food
insecure), a *change* in raw score is follow-up minus baseline (negative = fewer affirmative
answers). Results here are unrounded analysis; anything leaving a site goes through
supermarket.reporting.disclosure first.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Final, Literal, NamedTuple, Protocol

from supermarket.surveys.scoring import CATEGORIES_10, INSECURE_10, category_10

Z_95: Final = 1.959964
# Largest number of non-zero differences for which the exact signed-rank distribution is used
# (when there are no tied ranks); beyond it the normal approximation is accurate enough.
WILCOXON_EXACT_MAX_N: Final = 25

METHODS_NOTE: Final = (
    "Members with a complete baseline and a complete follow-up only. Change in the share food"
    " insecure (low or very low food security, 10-item): exact McNemar test on the discordant"
    " pairs; 95% confidence interval by Newcombe's hybrid score method for paired data (1998,"
    " method 10). Raw-score change: median and interquartile range (quartiles by linear"
    " interpolation, Hyndman-Fan type 7); Wilcoxon signed-rank test, zero changes dropped."
)
REGRESSION_TO_THE_MEAN_WARNING: Final = (
    "People often join in a crisis, so some improvement would be expected anyway (regression"
    " to the mean): a change between baseline and follow-up is not proof of impact."
)


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a whole number, 0 or more.")


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p: min(1, 2 P(X <= min(b, c))), X ~ Bin(b + c, 1/2); 1.0 if none."""
    _check_counts(b=b, c=c)
    n = b + c
    if n == 0:
        return 1.0
    # sum(comb(n, k) for k <= min(b, c)), each term from the last: exact integers, but in
    # time that grows with min(b, c) rather than with min(b, c) times n.
    tail = term = 1
    for k in range(1, min(b, c) + 1):
        term = term * (n - k + 1) // k
        tail += term
    # Integer numerator and denominator: exact until the single final division.
    return min(1.0, 2 * tail / (1 << n))


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval (no continuity correction) for a single proportion successes/n."""
    _check_counts(successes=successes, n=n)
    if n == 0 or successes > n:
        raise ValueError("Need 0 <= successes <= n and n > 0.")
    p = successes / n
    centre = 2 * successes + z * z
    half = z * math.sqrt(z * z + 4 * successes * (1 - p))
    denominator = 2 * (n + z * z)
    # At p = 0 or 1 the limit is exactly 0 or 1; the formula can miss it by rounding error.
    lower = 0.0 if successes == 0 else max(0.0, (centre - half) / denominator)
    upper = 1.0 if successes == n else min(1.0, (centre + half) / denominator)
    return lower, upper


def _paired_phi(a: int, b: int, c: int, d: int) -> float:
    """Newcombe's (1998) phi for method 10, with his adjustment when ad > bc."""
    product = (a + b) * (c + d) * (a + c) * (b + d)
    if product == 0:
        return 0.0
    n = a + b + c + d
    excess = a * d - b * c
    # Newcombe: phi* = max(ad - bc - n/2, 0) / sqrt(...) if ad > bc, else (ad - bc) / sqrt(...).
    # Shrinking a positive correlation widens the interval, which restores coverage.
    numerator = max(excess - n / 2, 0.0) if excess > 0 else float(excess)
    return numerator / math.sqrt(product)


def newcombe_paired_ci(a: int, b: int, c: int, d: int, z: float = Z_95) -> tuple[float, float]:
    """Newcombe (1998) method 10 hybrid score interval for p1 - p2 of paired proportions.

    Cells of the paired 2x2 table: a = yes at both times, b = yes at time 1 only, c = yes at
    time 2 only, d = no at both. p1 = (a + b)/n, p2 = (a + c)/n, so p1 - p2 = (b - c)/n.
    For food insecurity (time 1 = baseline) a positive difference is a reduction.
    Newcombe RG. Improved confidence intervals for the difference between binomial proportions
    based on paired data. Statistics in Medicine 1998; 17: 2635-2650.
    """
    _check_counts(a=a, b=b, c=c, d=d)
    n = a + b + c + d
    if n == 0:
        raise ValueError("No pairs: the interval is undefined.")
    p1 = (a + b) / n
    p2 = (a + c) / n
    l1, u1 = wilson_interval(a + b, n, z)
    l2, u2 = wilson_interval(a + c, n, z)
    phi = _paired_phi(a, b, c, d)
    below_1, above_1 = p1 - l1, u1 - p1
    below_2, above_2 = p2 - l2, u2 - p2
    # Rounding can leave a tiny negative under the root when phi is 1 and the terms cancel.
    delta = math.sqrt(max(0.0, below_1**2 - 2 * phi * below_1 * above_2 + above_2**2))
    epsilon = math.sqrt(max(0.0, above_1**2 - 2 * phi * above_1 * below_2 + below_2**2))
    theta = p1 - p2
    return max(-1.0, theta - delta), min(1.0, theta + epsilon)


@dataclass(frozen=True, slots=True)
class WilcoxonResult:
    """Wilcoxon signed-rank test; statistic = min(W+, W-); two-sided p."""

    statistic: float
    w_plus: float
    w_minus: float
    n: int
    n_zero: int
    p_value: float
    method: Literal["exact", "normal", "none"]
    z: float | None = None


def _average_ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Ranks 1..n, ties given their average rank; also the sizes of the tied groups."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    tie_sizes: list[int] = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        average = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = average
        tie_sizes.append(end - start + 1)
        start = end + 1
    return ranks, tie_sizes


def _exact_signed_rank_cdf(statistic: int, n: int) -> float:
    """P(W <= statistic) under H0 for the signed-rank sum of n untied ranks."""
    top = n * (n + 1) // 2
    counts = [1] + [0] * top  # counts[s] = number of subsets of 1..n with rank sum s
    for rank in range(1, n + 1):
        for total in range(top, rank - 1, -1):
            counts[total] += counts[total - rank]
    return sum(counts[: statistic + 1]) / (1 << n)


def wilcoxon_signed_rank(diffs: Sequence[float]) -> WilcoxonResult:
    """Two-sided Wilcoxon signed-rank test, zero differences dropped (Wilcoxon's method).

    Exact null distribution when at most WILCOXON_EXACT_MAX_N non-zero differences and no tied
    ranks; otherwise the normal approximation with tie and continuity corrections (as
    scipy.stats.wilcoxon(zero_method="wilcox", correction=True, method="asymptotic")).
    Differences are compared exactly, so pass integers or values already rounded.
    """
    if any(not math.isfinite(value) for value in diffs):
        raise ValueError("Differences must be finite numbers.")
    return wilcoxon_from_counts(Counter(float(value) for value in diffs))


def wilcoxon_from_counts(counts: Mapping[float, int]) -> WilcoxonResult:
    """wilcoxon_signed_rank() of the differences `counts` holds (difference -> how many):
    the same result, in time that grows with the distinct differences, not their number."""
    if any(not math.isfinite(value) for value in counts):
        raise ValueError("Differences must be finite numbers.")
    n_zero = sum(count for value, count in counts.items() if value == 0)
    # Tied absolute values share the average of the ranks they span (1-based).
    by_size: dict[float, list[int]] = {}
    for value, count in counts.items():
        if value != 0 and count:
            signs = by_size.setdefault(abs(value), [0, 0])
            signs[0 if value > 0 else 1] += count
    n = sum(plus + minus for plus, minus in by_size.values())
    if n == 0:
        return WilcoxonResult(0.0, 0.0, 0.0, 0, n_zero, 1.0, "none")
    w_plus: float = 0  # an int 0 when no difference is positive, as the rank-by-rank sum
    tie_sizes: list[int] = []
    start = 0
    for size in sorted(by_size):
        plus, minus = by_size[size]
        tied = plus + minus
        end = start + tied - 1
        if plus:
            # A multiple of 0.5 times a count: exact in floating point, as that sum is.
            w_plus += plus * ((start + end) / 2 + 1)
        tie_sizes.append(tied)
        start = end + 1
    w_minus = n * (n + 1) / 2 - w_plus
    statistic = min(w_plus, w_minus)
    if n <= WILCOXON_EXACT_MAX_N and all(size == 1 for size in tie_sizes):
        # Untied ranks are whole numbers, so the statistic is too.
        p_value = min(1.0, 2 * _exact_signed_rank_cdf(round(statistic), n))
        return WilcoxonResult(statistic, w_plus, w_minus, n, n_zero, p_value, "exact")
    mean = n * (n + 1) / 4
    variance = n * (n + 1) * (2 * n + 1) / 24 - sum(t**3 - t for t in tie_sizes) / 48
    correction = math.copysign(0.5, statistic - mean) if statistic != mean else 0.0
    z = (statistic - mean - correction) / math.sqrt(variance)
    p_value = min(1.0, math.erfc(abs(z) / math.sqrt(2)))
    return WilcoxonResult(statistic, w_plus, w_minus, n, n_zero, p_value, "normal", z)


class _Runs:
    """A sorted sequence held as (value, how many) runs, indexable like the list it stands for."""

    def __init__(self, counts: Mapping[float, int]) -> None:
        self.values = sorted(value for value, count in counts.items() if count)
        self.ends = list(accumulate(counts[value] for value in self.values))

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    def __getitem__(self, index: int) -> float:
        return self.values[bisect_right(self.ends, index)]


def _quantile_type7(ordered: Sequence[float] | _Runs, q: float) -> float:
    """Hyndman-Fan type 7 (R, NumPy and Excel QUARTILE.INC default): interpolate order stats."""
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


class AssessmentPair(NamedTuple):
    """A member's baseline and follow-up 10-item results."""

    baseline_category: str
    followup_category: str
    baseline_raw: int
    followup_raw: int


class ScoreLike(Protocol):
    """What outcome analysis needs from a stored score (scoring.Score satisfies it)."""

    @property
    def category_10(self) -> str: ...

    @property
    def raw_score_10(self) -> int: ...

    @property
    def complete(self) -> bool: ...


def pairs_from_scores(score_pairs: Iterable[tuple[ScoreLike, ScoreLike]]) -> list[AssessmentPair]:
    """Pairs for paired_outcome(), leaving out any pair where either assessment is incomplete."""
    return [
        AssessmentPair(
            baseline.category_10, followup.category_10, baseline.raw_score_10, followup.raw_score_10
        )
        for baseline, followup in score_pairs
        if baseline.complete and followup.complete
    ]


@dataclass(frozen=True, slots=True)
class PairedOutcome:
    """Food insecurity at baseline and follow-up for the same members (see module docstring).

    Cells: insecure_both (a), became_secure (b), became_insecure (c), secure_both (d).
    Percentages are None when there are no pairs. Not yet disclosure-controlled.
    """

    n_pairs: int
    insecure_baseline: int
    insecure_followup: int
    pct_insecure_baseline: float | None
    pct_insecure_followup: float | None
    insecure_both: int
    became_secure: int
    became_insecure: int
    secure_both: int
    reduction_pct_points: float | None
    reduction_ci_pct_points: tuple[float, float] | None
    mcnemar_p: float
    transitions: Mapping[str, Mapping[str, int]]
    improved: int
    unchanged: int
    worsened: int
    raw_change_median: float | None
    raw_change_q1: float | None
    raw_change_q3: float | None
    raw_change_iqr: float | None
    wilcoxon: WilcoxonResult
    confidence_z: float = Z_95


@lru_cache(maxsize=4096)  # a few hundred possible pairs; a year's outcome checks ~20,000
def _checked(pair: tuple[str, str, int, int]) -> AssessmentPair:
    checked = AssessmentPair(*pair)
    for category, raw in (
        (checked.baseline_category, checked.baseline_raw),
        (checked.followup_category, checked.followup_raw),
    ):
        if category not in CATEGORIES_10:
            raise ValueError(f"Unknown 10-item category {category!r}.")
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 10:
            raise ValueError(f"A 10-item raw score is a whole number 0 to 10, not {raw!r}.")
        # A mismatch means the category and the raw score came from different records.
        if category_10(raw) != category:
            raise ValueError(f"Raw score {raw} is not in category {category!r}.")
    return checked


def paired_outcome(pairs: Iterable[tuple[str, str, int, int]], *, z: float = Z_95) -> PairedOutcome:
    """Paired reduction in food insecurity: McNemar, Newcombe CI, transitions, Wilcoxon.

    Each pair is (baseline_category_10, followup_category_10, baseline_raw_10, followup_raw_10),
    for complete assessments only (see pairs_from_scores). Improved/worsened compare the
    10-item category order high < marginal < low < very low.
    """
    return paired_outcome_from_counts(Counter(AssessmentPair(*pair) for pair in pairs), z=z)


def paired_outcome_from_counts(
    counts: Mapping[AssessmentPair, int], *, z: float = Z_95
) -> PairedOutcome:
    """paired_outcome() of the pairs `counts` holds (pair -> how many members had it): the
    same figures, in time that grows with the distinct pairs (at most 121), not the members.

    Long on purpose: one analysis, step by step in the order METHODS_NOTE describes it.
    """
    checked: list[tuple[AssessmentPair, int]] = []
    for pair, count in counts.items():
        _check_counts(count=count)
        checked.append((_checked(pair), count))
    n = sum(count for _pair, count in checked)
    transitions: dict[str, dict[str, int]] = {
        before: dict.fromkeys(CATEGORIES_10, 0) for before in CATEGORIES_10
    }
    a = b = c = d = 0
    improved = unchanged = worsened = 0
    severity: dict[str, int] = {category: rank for rank, category in enumerate(CATEGORIES_10)}
    changes: Counter[float] = Counter()
    for pair, count in checked:
        transitions[pair.baseline_category][pair.followup_category] += count
        before_insecure = pair.baseline_category in INSECURE_10
        after_insecure = pair.followup_category in INSECURE_10
        if before_insecure and after_insecure:
            a += count
        elif before_insecure:
            b += count
        elif after_insecure:
            c += count
        else:
            d += count
        step = severity[pair.followup_category] - severity[pair.baseline_category]
        if step < 0:
            improved += count
        elif step == 0:
            unchanged += count
        else:
            worsened += count
        changes[float(pair.followup_raw - pair.baseline_raw)] += count

    ordered = _Runs(changes)
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    ci: tuple[float, float] | None = None
    if n:
        median = _quantile_type7(ordered, 0.5)
        q1 = _quantile_type7(ordered, 0.25)
        q3 = _quantile_type7(ordered, 0.75)
        lower, upper = newcombe_paired_ci(a, b, c, d, z)
        ci = (100 * lower, 100 * upper)
    return PairedOutcome(
        n_pairs=n,
        insecure_baseline=a + b,
        insecure_followup=a + c,
        pct_insecure_baseline=100 * (a + b) / n if n else None,
        pct_insecure_followup=100 * (a + c) / n if n else None,
        insecure_both=a,
        became_secure=b,
        became_insecure=c,
        secure_both=d,
        reduction_pct_points=100 * (b - c) / n if n else None,
        reduction_ci_pct_points=ci,
        mcnemar_p=mcnemar_exact(b, c),
        transitions=transitions,
        improved=improved,
        unchanged=unchanged,
        worsened=worsened,
        raw_change_median=median,
        raw_change_q1=q1,
        raw_change_q3=q3,
        raw_change_iqr=None if q1 is None or q3 is None else q3 - q1,
        wilcoxon=wilcoxon_from_counts(changes),
        confidence_z=z,
    )
