"""CSV downloads of a released report's tables, safe to open in a spreadsheet.

Every file starts with what it is and the disclosure rule it applied, then the table. Text
cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with a single quote (OWASP, CSV injection).
"""

from __future__ import annotations

import csv
import io
from typing import Final

from supermarket.errors import NotFound
from supermarket.reporting.release import ReleasedReport
from supermarket.reporting.tables import BUILDERS, Cell, Table, names_for

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Cell) -> Cell:
    """A cell that cannot start a formula; numbers are left as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_csv(report: ReleasedReport, table: Table) -> str:
    """One table as CSV text, headed by its title, period, scope and disclosure rule."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header: list[Cell] = list(table.header_row())
    preamble: list[list[Cell]] = [
        [table.title],
        ["Period", report.period.label, report.period.key],
        ["Sites", report.scope_label],
        ["Disclosure rule", report.policy.description],
        ["Key", report.policy.legend],
        [],
        header,
    ]
    for row in preamble:
        writer.writerow([safe_cell(cell) for cell in row])
    for cells in table.plain_rows():
        writer.writerow([safe_cell(cell) for cell in cells])
    if table.notes:
        writer.writerow([])
        for note in table.notes:
            writer.writerow([safe_cell(note)])
    return out.getvalue()


def csv_for(report: ReleasedReport, name: str) -> tuple[str, str]:
    """(file name, CSV text) for one of the report's tables; 404 for an unknown table."""
    if name not in names_for(report):
        raise NotFound("No such table.", code="table_not_found")
    table = BUILDERS[name](report)
    scope = "all-sites" if report.site is None else report.site.code
    return f"{scope}-{report.period.key}-{name}.csv", table_csv(report, table)
