"""Disclosure control: the 10-5 rule, secondary suppression, percentages and means."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supermarket.reporting.disclosure import (
    DEFAULT_POLICY,
    DisclosurePolicy,
    Position,
    Released,
    ReleasedTable,
    release_count,
    release_mean,
    release_percentage,
    release_series,
    release_table,
    why_mean_withheld,
    why_percentage_withheld,
)

PROPERTIES = settings(database=None, max_examples=400, deadline=None)

# --- policy and single counts --------------------------------------------------------------


def test_policy_cites_the_rule() -> None:
    policy = DEFAULT_POLICY
    assert (policy.min_count, policy.rounding_base, policy.min_denominator) == (10, 5, 20)
    assert DEFAULT_POLICY.description == (
        "ONS 10-5 rule: counts below 10 suppressed, others rounded to the nearest 5; secondary"
        " suppression; percentages and means only where the denominator is at least 20"
    )
    assert DEFAULT_POLICY.suppressed_symbol == "<10"
    assert '"<10"' in DEFAULT_POLICY.legend
    assert '"[c]"' in DEFAULT_POLICY.legend


def test_policy_description_follows_its_thresholds() -> None:
    policy = DisclosurePolicy(min_count=8, rounding_base=5, min_denominator=30, name="Local rule")
    assert policy.description.startswith("Local rule: counts below 8 suppressed")
    assert policy.description.endswith("denominator is at least 30")
    assert release_count(7, policy) == "<8"
    assert release_count(8, policy) == 10


@pytest.mark.parametrize(
    "kwargs",
    [{"min_count": 7}, {"rounding_base": 0}, {"min_denominator": 0}, {"secondary_symbol": ""}],
)
def test_policy_rejects_unsafe_thresholds(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        DisclosurePolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "released"),
    [
        (0, "<10"),
        (1, "<10"),
        (9, "<10"),
        (10, 10),
        (12, 10),
        (13, 15),  # 12.5 is the half-way point: 13 goes up, 12 down
        (17, 15),
        (18, 20),
        (22, 20),
        (23, 25),
        (100, 100),
        (102, 100),
        (103, 105),
    ],
)
def test_release_count(n: int, released: Released) -> None:
    assert release_count(n) == released


def test_release_count_rounds_exact_halves_up() -> None:
    policy = DisclosurePolicy(min_count=10, rounding_base=10)
    assert release_count(15, policy) == 20
    assert release_count(25, policy) == 30  # not banker's rounding to 20
    assert release_count(14, policy) == 10


@pytest.mark.parametrize("bad", [-1, True, 2.0])
def test_release_count_rejects_non_counts(bad: object) -> None:
    with pytest.raises(ValueError):
        release_count(bad)  # type: ignore[arg-type]


@PROPERTIES
@given(st.integers(0, 100_000))
def test_released_counts_are_never_small_and_always_multiples_of_5(n: int) -> None:
    released = release_count(n)
    if n < 10:
        assert released == "<10"
    else:
        assert isinstance(released, int)
        assert released >= 10
        assert released % 5 == 0
        assert abs(released - n) <= 2


# --- percentages and means -----------------------------------------------------------------


def test_release_percentage() -> None:
    assert release_percentage(10, 19) is None
    assert release_percentage(10, 20) == 50.0
    assert release_percentage(33, 120) == 27.5
    assert release_percentage(40, 120, ndigits=0) == 33.0
    assert release_percentage(5, 100) is None  # would reveal a count of 5
    assert release_percentage(95, 100) is None  # would reveal the other 5


def test_percentage_reasons() -> None:
    assert why_percentage_withheld(10, 19) == "Not shown: fewer than 20 in the denominator."
    assert why_percentage_withheld(0, 50) == "Not shown: it would reveal a count below 10."
    assert why_percentage_withheld(25, 50) is None
    with pytest.raises(ValueError):
        why_percentage_withheld(51, 50)


def test_release_mean() -> None:
    assert release_mean(100.0, 19) is None
    assert why_mean_withheld(19) == "Not shown: fewer than 20 in the denominator."
    assert release_mean(100.0, 20) == 5.0
    assert release_mean(1234.5, 40, ndigits=2) == 30.86
    assert why_mean_withheld(20) is None


@PROPERTIES
@given(st.integers(0, 19), st.data())
def test_no_percentage_or_mean_below_the_minimum_denominator(
    denominator: int, data: st.DataObject
) -> None:
    numerator = data.draw(st.integers(0, denominator))
    assert release_percentage(numerator, denominator) is None
    assert release_mean(float(numerator), denominator) is None


# --- tables --------------------------------------------------------------------------------


def test_table_primary_and_secondary_suppression() -> None:
    table = release_table(
        {"A": {"x": 5, "y": 30, "z": 40}, "B": {"x": 20, "y": 25, "z": 12}},
    )
    # Row A: x is <10, so its next smallest (y) goes too; columns x and y then each need a
    # second hidden cell, which is B's.
    assert table.cells == {
        "A": {"x": "<10", "y": "[c]", "z": 40},
        "B": {"x": "[c]", "y": "[c]", "z": 10},
    }
    assert table.row_totals == {"A": 75, "B": 55}
    assert table.column_totals == {"x": 25, "y": 55, "z": 50}
    assert table.grand_total == 130
    assert table.primary == {("A", "x")}
    assert table.secondary == {("A", "y"), ("B", "x"), ("B", "y")}
    assert table.as_dict()["rule"] == DEFAULT_POLICY.description


def test_totals_are_summed_before_rounding() -> None:
    table = release_table({"A": {"x": 12, "y": 12}}, row_totals=True, column_totals=False)
    # 12 + 12 = 24 -> 25, not 10 + 10 = 20.
    assert table.cells == {"A": {"x": 10, "y": 10}}
    assert table.row_totals == {"A": 25}
    assert table.grand_total == 25


def test_single_column_table_withholds_a_margin_when_no_cell_is_left() -> None:
    table = release_table({"A": {"n": 5}, "B": {"n": 30}, "C": {"n": 40}})
    assert table.cells == {"A": {"n": "<10"}, "B": {"n": "[c]"}, "C": {"n": 40}}
    # B's row total equals B's only cell, so it is withheld with it.
    assert table.row_totals == {"A": "<10", "B": "[c]", "C": 40}
    assert table.column_totals == {"n": 75}


def test_no_secondary_suppression_without_totals() -> None:
    table = release_table({"A": {"x": 5, "y": 30}}, row_totals=False, column_totals=False)
    assert table.cells == {"A": {"x": "<10", "y": 30}}
    assert table.row_totals is None
    assert table.column_totals is None
    assert table.grand_total is None
    assert table.secondary == frozenset()


def test_two_small_cells_protect_each_other() -> None:
    table = release_table({"A": {"x": 3, "y": 4, "z": 50}}, column_totals=False)
    assert table.cells == {"A": {"x": "<10", "y": "<10", "z": 50}}
    assert table.row_totals == {"A": 55}
    assert table.secondary == frozenset()


def test_small_table_is_all_suppressed() -> None:
    table = release_table({"A": {"x": 2, "y": 3}})
    assert table.cells == {"A": {"x": "<10", "y": "<10"}}
    assert table.row_totals == {"A": "<10"}
    assert table.column_totals == {"x": "<10", "y": "<10"}
    assert table.grand_total == "<10"


def test_missing_cells_count_as_zero() -> None:
    table = release_table({"A": {"x": 50, "y": 60}, "B": {"y": 70}}, row_totals=False)
    assert table.column_keys == ("x", "y")
    assert table.cells["B"]["x"] == "<10"


def test_table_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        release_table({"A": {"x": -1}})


def _lines(table: ReleasedTable) -> Iterator[tuple[list[Position], Position]]:
    """Every set of published entries tied together by a sum, recomputed from the output."""
    rows, columns = table.row_keys, table.column_keys
    if table.row_totals is not None:
        for row in rows:
            yield [(row, column) for column in columns], (row, None)
        yield [(row, None) for row in rows], (None, None)
    if table.column_totals is not None:
        for column in columns:
            yield [(row, column) for row in rows], (None, column)
        yield [(None, column) for column in columns], (None, None)


def _shown(table: ReleasedTable, position: Position) -> Released:
    row, column = position
    if row is not None and column is not None:
        return table.cells[row][column]
    if row is not None:
        assert table.row_totals is not None
        return table.row_totals[row]
    if column is not None:
        assert table.column_totals is not None
        return table.column_totals[column]
    assert table.grand_total is not None
    return table.grand_total


def _true(rows: dict[str, dict[str, int]], position: Position) -> int:
    row, column = position
    return sum(
        value
        for r, cells in rows.items()
        if row in (None, r)
        for c, value in cells.items()
        if column in (None, c)
    )


small_or_large = st.one_of(st.integers(0, 12), st.integers(0, 80))


@st.composite
def tables(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    n_rows = draw(st.integers(1, 5))
    n_columns = draw(st.integers(1, 5))
    return {
        f"r{i}": {f"c{j}": draw(small_or_large) for j in range(n_columns)} for i in range(n_rows)
    }


@PROPERTIES
@given(tables(), st.booleans(), st.booleans())
def test_released_tables_never_disclose(
    rows: dict[str, dict[str, int]], row_totals: bool, column_totals: bool
) -> None:
    table = release_table(rows, row_totals=row_totals, column_totals=column_totals)
    positions: list[Position] = [(r, c) for r in table.row_keys for c in table.column_keys]
    if row_totals:
        positions += [(r, None) for r in table.row_keys]
    if column_totals:
        positions += [(None, c) for c in table.column_keys]
    if row_totals or column_totals:
        positions.append((None, None))
    else:
        assert table.grand_total is None

    for position in positions:
        shown, true = _shown(table, position), _true(rows, position)
        if isinstance(shown, int):
            # No released number is small, every one is a multiple of 5 close to the truth.
            assert shown >= 10
            assert shown % 5 == 0
            assert abs(shown - true) <= 2
        else:
            # Suppressed entries are always a symbol, never a number.
            assert shown == ("<10" if position in table.primary else "[c]")
        assert (true < 10) == (position in table.primary)
        assert (shown == "[c]") == (position in table.secondary)

    for members, total in _lines(table):
        hidden_members = sum(1 for p in members if isinstance(_shown(table, p), str))
        hidden = hidden_members + isinstance(_shown(table, total), str)
        # Exactly one unknown in a sum could be recovered by subtraction.
        assert hidden != 1
        if isinstance(_shown(table, total), int):
            assert hidden_members == 0 or hidden_members >= 2


# --- series --------------------------------------------------------------------------------


def test_series_with_total() -> None:
    series = release_series({"a": 5, "b": 33, "c": 50}, 88)
    assert series.values == {"a": "<10", "b": "[c]", "c": 50}
    assert series.total == 90
    assert series.primary == {"a"}
    assert series.secondary == {"b"}
    assert series.percentages == {"a": None, "b": None, "c": 56.8}
    assert series.percentage_reasons["a"] == "Not shown: the count is suppressed."
    assert series.as_dict()["rule"] == DEFAULT_POLICY.description


def test_series_without_total_needs_no_secondary_suppression() -> None:
    series = release_series({"a": 5, "b": 33}, None)
    assert series.values == {"a": "<10", "b": 35}
    assert series.total is None
    assert series.percentages == {"a": None, "b": None}
    assert series.percentage_reasons["b"] == "Not shown: no total."


def test_series_percentages_need_a_denominator_of_20() -> None:
    series = release_series({"a": 10, "b": 9}, 19)
    assert series.percentages == {"a": None, "b": None}
    assert release_series({"a": 10, "b": 10}, 20).percentages == {"a": 50.0, "b": 50.0}


def test_series_with_one_part_and_a_larger_total() -> None:
    # Conservative: the unlisted remainder is not trusted to protect the suppressed part.
    series = release_series({"a": 5}, 40)
    assert series.values == {"a": "<10"}
    assert series.total == "[c]"


def test_series_rejects_parts_above_total() -> None:
    with pytest.raises(ValueError):
        release_series({"a": 30, "b": 30}, 50)


@PROPERTIES
@given(
    st.dictionaries(st.sampled_from("abcdefg"), small_or_large, min_size=1),
    st.one_of(st.none(), st.integers(0, 30)),
)
def test_released_series_never_disclose(values: dict[str, int], extra: int | None) -> None:
    total = None if extra is None else sum(values.values()) + extra
    series = release_series(values, total)
    shown: dict[str | None, Released] = {key: value for key, value in series.values.items()}
    if series.total is not None:
        shown[None] = series.total
    for key, released in shown.items():
        true = total if key is None else values[key]
        assert true is not None
        if isinstance(released, int):
            assert released >= 10
            assert released % 5 == 0
        else:
            assert released == ("<10" if key in series.primary else "[c]")
        assert (true < 10) == (key in series.primary)
    if total is not None:
        hidden = sum(1 for released in shown.values() if isinstance(released, str))
        assert hidden != 1
        for key, percentage in series.percentages.items():
            if percentage is not None:
                assert isinstance(series.values[key], int)
                assert total >= 20
