"""Disclosure control for every figure that leaves a site: the programme's 10-5 rule.

Counts below 10 are shown as "<10", other counts rounded to the nearest 5 (halves up), and
further cells are withheld ("[c]") wherever a suppressed count could otherwise be worked out
by subtraction from a published total. Totals are summed from the unrounded counts, then
released like any other count. Percentages and means need a denominator of at least 20.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, count, islice
from typing import Any, TypeVar

Released = int | str
# A position in a released table: (row, column); None stands for the total in that direction,
# so (row, None) is a row total, (None, column) a column total, (None, None) the grand total.
Position = tuple[str | None, str | None]

_K = TypeVar("_K", bound=Hashable)


def _round_half_up(n: int, base: int) -> int:
    # Integer arithmetic: floor(n / base + 1/2) * base, so 12 -> 10 and 13 -> 15 (base 5),
    # and an exact half such as 15 -> 20 (base 10) always goes up, never to even.
    return (2 * n + base) // (2 * base) * base


@dataclass(frozen=True, slots=True)
class DisclosurePolicy:
    """Thresholds of the disclosure rule; `description` is the text every output cites."""

    min_count: int = 10
    rounding_base: int = 5
    min_denominator: int = 20
    name: str = "ONS 10-5 rule"
    secondary_symbol: str = "[c]"

    def __post_init__(self) -> None:
        for field in ("min_count", "rounding_base", "min_denominator"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{field} must be a whole number, 1 or more.")
        # Otherwise the smallest releasable count could be shown below the threshold,
        # telling the reader it is exactly min_count.
        if _round_half_up(self.min_count, self.rounding_base) < self.min_count:
            raise ValueError("Rounding must never release a count below min_count.")
        if not self.secondary_symbol:
            raise ValueError("secondary_symbol must not be empty.")

    @property
    def suppressed_symbol(self) -> str:
        """What a count below min_count is shown as, e.g. "<10"."""
        return f"<{self.min_count}"

    @property
    def description(self) -> str:
        """The rule, in words, for every output to cite."""
        return (
            f"{self.name}: counts below {self.min_count} suppressed, others rounded to the"
            f" nearest {self.rounding_base}; secondary suppression; percentages and means only"
            f" where the denominator is at least {self.min_denominator}"
        )

    @property
    def legend(self) -> str:
        """What the symbols in a released table mean."""
        if self.secondary_symbol == self.suppressed_symbol:
            return (
                f'"{self.suppressed_symbol}": fewer than {self.min_count}, or withheld so that'
                f" a count below {self.min_count} cannot be worked out from a total. Other"
                f" counts are rounded to the nearest {self.rounding_base}."
            )
        return (
            f'"{self.suppressed_symbol}": fewer than {self.min_count}.'
            f' "{self.secondary_symbol}": withheld so that a suppressed count cannot be worked'
            f" out from a total. Other counts are rounded to the nearest {self.rounding_base}."
        )


DEFAULT_POLICY = DisclosurePolicy()


def _check_count(n: int, what: str = "count") -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"A {what} must be a whole number, 0 or more (got {n!r}).")


def release_count(n: int, policy: DisclosurePolicy = DEFAULT_POLICY) -> Released:
    """Below min_count -> "<10" (never the number); otherwise rounded half up to the base."""
    _check_count(n)
    if n < policy.min_count:
        return policy.suppressed_symbol
    return _round_half_up(n, policy.rounding_base)


def why_percentage_withheld(
    numerator: int, denominator: int, policy: DisclosurePolicy = DEFAULT_POLICY
) -> str | None:
    """Why a percentage may not be shown, or None if it may.

    Withheld below min_denominator, and also when the numerator, or the rest of the
    denominator, is a count that would itself be suppressed: the percentage would give it away.
    """
    _check_count(numerator, "numerator")
    _check_count(denominator, "denominator")
    if numerator > denominator:
        raise ValueError("The numerator cannot exceed the denominator.")
    if denominator < policy.min_denominator:
        return f"Not shown: fewer than {policy.min_denominator} in the denominator."
    if numerator < policy.min_count or denominator - numerator < policy.min_count:
        return f"Not shown: it would reveal a count below {policy.min_count}."
    return None


def release_percentage(
    numerator: int, denominator: int, policy: DisclosurePolicy = DEFAULT_POLICY, ndigits: int = 1
) -> float | None:
    """Percentage of the unrounded counts, or None where why_percentage_withheld() objects."""
    if why_percentage_withheld(numerator, denominator, policy) is not None:
        return None
    return round(100 * numerator / denominator, ndigits)


def why_mean_withheld(denominator: int, policy: DisclosurePolicy = DEFAULT_POLICY) -> str | None:
    """Why a mean may not be shown (denominator below min_denominator), or None if it may."""
    _check_count(denominator, "denominator")
    if denominator < policy.min_denominator:
        return f"Not shown: fewer than {policy.min_denominator} in the denominator."
    return None


def release_mean(
    total: float, denominator: int, policy: DisclosurePolicy = DEFAULT_POLICY, ndigits: int = 1
) -> float | None:
    """Mean total/denominator, or None where the denominator is below min_denominator."""
    if why_mean_withheld(denominator, policy) is not None:
        return None
    return round(total / denominator, ndigits)


def suppress_linked(
    values: Mapping[_K, int],
    lines: Sequence[tuple[Sequence[_K], _K]],
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    primary: frozenset[_K] | None = None,
) -> tuple[frozenset[_K], frozenset[_K]]:
    """Primary and secondary suppression over any set of linked entries (see _suppress).

    For outputs that tie many breakdowns together (a table per measure, sites summing to the
    programme): every entry that any output shows goes in `values` and every sum relation in
    `lines`, so a single pattern protects all outputs at once. `primary` overrides the default
    primary set (entries below min_count), e.g. for magnitudes with too few contributors.
    """
    for value in values.values():
        if type(value) is not int or value < 0:  # the common case, quickly; else as ever
            _check_count(value)
    return _suppress(values, lines, policy, primary=primary)


def _suppress(
    values: Mapping[_K, int],
    lines: Sequence[tuple[Sequence[_K], _K]],
    policy: DisclosurePolicy,
    *,
    primary: frozenset[_K] | None = None,
) -> tuple[frozenset[_K], frozenset[_K]]:
    """Primary and secondary suppression over entries tied by `lines` (members sum to total).

    A line with exactly one hidden entry (member or total) would give it away by subtraction,
    so its smallest visible member is hidden too (its total if no member is left); repeat
    until no line has exactly one. Ties go to the earlier entry, for stable output.

    The lines are read in passes, in order, each pass taking the hidden entries as they stand
    (so a line later in the pass sees what an earlier one hid), until a pass hides nothing.
    Only a line with exactly one hidden entry can act, and a line's count of hidden entries
    changes only when one of its entries is hidden, so each line keeps that count and only
    the lines whose count has just become one are read again: in this pass if they come after
    the line that hid the entry, else in the next. The result is exactly that of re-reading
    every line each pass, in time that grows with the lines' size, not with the passes times
    it (a national programme's pattern has a thousand sites on every programme line).
    """
    if primary is None:
        primary = frozenset(key for key, value in values.items() if value < policy.min_count)
    hidden = set(primary)
    is_hidden = hidden.__contains__
    # A line with two hidden entries or more never acts again (entries are only ever hidden),
    # so only the others need following.
    lines_of: dict[_K, list[int]] = {}
    hidden_in = [0] * len(lines)
    for index, (members, total) in enumerate(lines):
        # Up to two of its hidden entries: a long line of mostly small sites stops early.
        found = len(list(islice(filter(is_hidden, chain(members, (total,))), 2)))
        hidden_in[index] = found
        if found < 2:
            for key in members:
                lines_of.setdefault(key, []).append(index)
            lines_of.setdefault(total, []).append(index)
    order: dict[_K, int] = {}
    # The first pass reads every line; only those with exactly one hidden entry can act.
    queued = [found == 1 for found in hidden_in]
    this_pass = [index for index, found in enumerate(hidden_in) if found == 1]
    while this_pass:
        next_pass: list[int] = []
        while this_pass:
            index = heapq.heappop(this_pass)
            queued[index] = False
            members, total = lines[index]
            if not members or hidden_in[index] != 1:
                continue
            visible = [key for key in members if key not in hidden]
            if not order:
                order = dict(zip(values, count()))
            chosen = min(visible, key=lambda key: (values[key], order[key])) if visible else total
            newly = chosen not in hidden
            hidden.add(chosen)
            for other in lines_of.get(chosen, ()):
                if newly:
                    hidden_in[other] += 1
                if hidden_in[other] == 1 and not queued[other]:
                    queued[other] = True
                    if other > index:
                        heapq.heappush(this_pass, other)
                    else:
                        next_pass.append(other)
        this_pass = next_pass
        heapq.heapify(this_pass)
    return primary, frozenset(hidden - primary)


def _show(
    value: int,
    position: _K,
    primary: frozenset[_K],
    secondary: frozenset[_K],
    policy: DisclosurePolicy,
) -> Released:
    if position in primary:
        return policy.suppressed_symbol
    if position in secondary:
        return policy.secondary_symbol
    return release_count(value, policy)


@dataclass(frozen=True, slots=True)
class ReleasedTable:
    """A two-way table of counts after disclosure control; totals None when not published."""

    policy: DisclosurePolicy
    row_keys: tuple[str, ...]
    column_keys: tuple[str, ...]
    cells: Mapping[str, Mapping[str, Released]]
    row_totals: Mapping[str, Released] | None
    column_totals: Mapping[str, Released] | None
    grand_total: Released | None
    primary: frozenset[Position]
    secondary: frozenset[Position]

    @property
    def suppressed(self) -> frozenset[Position]:
        """Every position not shown as a number."""
        return self.primary | self.secondary

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, citing the rule applied."""
        return {
            "rule": self.policy.description,
            "legend": self.policy.legend,
            "columns": list(self.column_keys),
            "rows": {row: dict(self.cells[row]) for row in self.row_keys},
            "row_totals": None if self.row_totals is None else dict(self.row_totals),
            "column_totals": None if self.column_totals is None else dict(self.column_totals),
            "grand_total": self.grand_total,
        }


def release_table(
    rows: Mapping[str, Mapping[str, int]],
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
) -> ReleasedTable:
    """Release a table of counts: primary and secondary suppression, rounding, margins.

    Columns are all column keys in first-seen order; a cell missing from a row counts as 0.
    The grand total is published whenever either set of totals is, and the margins are
    protected like the body (a row total is a cell of the column of row totals).
    """
    row_keys = tuple(rows)
    column_keys = tuple(dict.fromkeys(column for row in rows.values() for column in row))
    values: dict[Position, int] = {}
    for row in row_keys:
        for column in column_keys:
            value = rows[row].get(column, 0)
            _check_count(value)
            values[(row, column)] = value
    lines: list[tuple[list[Position], Position]] = []
    if row_totals:
        for row in row_keys:
            values[(row, None)] = sum(values[(row, column)] for column in column_keys)
            lines.append(([(row, column) for column in column_keys], (row, None)))
    if column_totals:
        for column in column_keys:
            values[(None, column)] = sum(values[(row, column)] for row in row_keys)
            lines.append(([(row, column) for row in row_keys], (None, column)))
    publish_grand = row_totals or column_totals
    if publish_grand:
        values[(None, None)] = sum(
            values[(row, column)] for row in row_keys for column in column_keys
        )
        if row_totals:
            lines.append(([(row, None) for row in row_keys], (None, None)))
        if column_totals:
            lines.append(([(None, column) for column in column_keys], (None, None)))

    primary, secondary = _suppress(values, lines, policy)

    def show(position: Position) -> Released:
        return _show(values[position], position, primary, secondary, policy)

    return ReleasedTable(
        policy=policy,
        row_keys=row_keys,
        column_keys=column_keys,
        cells={row: {column: show((row, column)) for column in column_keys} for row in row_keys},
        row_totals={row: show((row, None)) for row in row_keys} if row_totals else None,
        column_totals=(
            {column: show((None, column)) for column in column_keys} if column_totals else None
        ),
        grand_total=show((None, None)) if publish_grand else None,
        primary=primary,
        secondary=secondary,
    )


@dataclass(frozen=True, slots=True)
class ReleasedSeries:
    """A one-way breakdown after disclosure control; the key None in primary/secondary is the total.

    percentages are of the unrounded total, None where suppressed or withheld (see reasons).
    """

    policy: DisclosurePolicy
    keys: tuple[str, ...]
    values: Mapping[str, Released]
    total: Released | None
    percentages: Mapping[str, float | None]
    percentage_reasons: Mapping[str, str]
    primary: frozenset[str | None]
    secondary: frozenset[str | None]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, citing the rule applied."""
        return {
            "rule": self.policy.description,
            "legend": self.policy.legend,
            "values": dict(self.values),
            "total": self.total,
            "percentages": dict(self.percentages),
        }


def release_series(
    values: Mapping[str, int], total: int | None, policy: DisclosurePolicy = DEFAULT_POLICY
) -> ReleasedSeries:
    """Release a breakdown whose parts sum to at most `total` (None: no total published).

    With a total, secondary suppression treats the parts as the whole line: if they sum to
    less than the total, the unlisted remainder is not relied on to protect a suppressed part.
    """
    counts: dict[str | None, int] = {}
    for key, value in values.items():
        _check_count(value)
        counts[key] = value
    lines: list[tuple[list[str | None], str | None]] = []
    if total is not None:
        _check_count(total, "total")
        if total < sum(values.values()):
            raise ValueError("The parts add up to more than the total.")
        counts[None] = total
        lines.append((list(values), None))
    primary, secondary = _suppress(counts, lines, policy)
    hidden = primary | secondary
    percentages: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for key, value in values.items():
        percentages[key] = None
        if total is None:
            reasons[key] = "Not shown: no total."
        elif key in hidden or None in hidden:
            # A percentage of a withheld count, or of a withheld total, would undo the withholding.
            reasons[key] = "Not shown: the count is suppressed."
        elif (reason := why_percentage_withheld(value, total, policy)) is not None:
            reasons[key] = reason
        else:
            percentages[key] = release_percentage(value, total, policy)
    return ReleasedSeries(
        policy=policy,
        keys=tuple(values),
        values={
            key: _show(value, key, primary, secondary, policy) for key, value in values.items()
        },
        total=None if total is None else _show(total, None, primary, secondary, policy),
        percentages=percentages,
        percentage_reasons=reasons,
        primary=primary,
        secondary=secondary,
    )
