"""CSV downloads of a released report's tables, safe to open in a spreadsheet.

Every file starts with what it is and the disclosure rule it applied, then the table. Text
cells that a spreadsheet could run as a formula are neutralised by supermarket.spreadsheets.
"""

from __future__ import annotations

from supermarket.errors import NotFound
from supermarket.reporting.release import ReleasedReport
from supermarket.reporting.tables import BUILDERS, Cell, Table, names_for
from supermarket.spreadsheets import csv_text


def table_csv(report: ReleasedReport, table: Table) -> str:
    """One table as CSV text, headed by its title, period, scope and disclosure rule."""
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
    notes: list[list[Cell]] = []
    if table.notes:
        notes.append([])
        notes.extend([note] for note in table.notes)
    return csv_text([*preamble, *table.plain_rows(), *notes])


def csv_for(report: ReleasedReport, name: str) -> tuple[str, str]:
    """(file name, CSV text) for one of the report's tables; 404 for an unknown table."""
    if name not in names_for(report):
        raise NotFound("No such table.", code="table_not_found")
    table = BUILDERS[name](report)
    scope = "all-sites" if report.site is None else report.site.code
    return f"{scope}-{report.period.key}-{name}.csv", table_csv(report, table)
