"""Every CSV the app writes is safe to open in a spreadsheet: one rule, one writer."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest

import supermarket
from supermarket.spreadsheets import csv_text, safe_cell, starts_formula

# What a spreadsheet may run as a formula: the ASCII triggers, their full-width, small and
# superscript forms, the minus sign, and any of them after spaces, breaks or invisible
# characters; and any cell that starts with a tab, a carriage return or a line feed.
FORMULAS = [
    '=HYPERLINK("http://x")',
    "+44 1234",
    "-2+3",
    "@SUM(A1)",
    "＝1+1 Site",
    "＋1",
    "－1",
    "＠SUM(A1)",
    "﹦1",
    "﹢1",
    "﹣1",
    "﹫x",
    "⁼1",
    "−1",
    " =1+1",
    "   +1",
    "\n=1+1",
    "\r\n=1",
    "\t=1",
    "\u00a0=1",
    "\u3000＝1",
    "\u200b=1",
    "\ufeff=1",
    "\x0b=1",
    "\tcmd",
    "\rcmd",
    "\nplain",
]
SAFE = ["Harlow", "  Harlow", "1+1=2", "a=b", "<10", "", "'=already quoted", "Site ＝ 1", "£3.50"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_that_could_start_a_formula_is_prefixed(value):
    assert safe_cell(value) == "'" + value
    assert not starts_formula(safe_cell(value))


@pytest.mark.parametrize("value", [*SAFE, -5, 12.5, 0, None])
def test_other_cells_are_left_as_they_are(value):
    assert safe_cell(value) == value


def test_csv_text_makes_every_cell_safe():
    rows = list(csv.reader(io.StringIO(csv_text([FORMULAS, [1, "x"]]), newline="")))
    assert rows[0] == ["'" + value for value in FORMULAS]
    assert rows[1] == ["1", "x"]


def _csv_writers_outside_spreadsheets() -> list[str]:
    found = []
    root = Path(supermarket.__file__).parent
    for path in root.rglob("*.py"):
        if path.name == "spreadsheets.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
                and node.attr in ("writer", "DictWriter")
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_every_csv_the_app_writes_goes_through_the_one_safe_writer():
    assert _csv_writers_outside_spreadsheets() == []
