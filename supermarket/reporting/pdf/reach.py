"""The PDFs' "Who is reached" section: the households reached by each monitoring question, by
postcode district and by route, each table as the pages and the CSV files show it."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak

from supermarket.reporting import tables as table_module
from supermarket.reporting.pdf.layout import FRAME_WIDTH, plain_paragraph, report_table
from supermarket.reporting.release import ReleasedReport
from supermarket.reporting.statistics.reach import BREAKDOWNS

WIDTHS = [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3]


def reach_section(report: ReleasedReport) -> list[Any]:
    """Who is reached (nothing when not computed)."""
    if not report.reach:
        return []
    flowables: list[Any] = [CondPageBreak(80 * mm), plain_paragraph("Who is reached", "h1")]
    for breakdown in BREAKDOWNS:
        flowables += report_table(table_module.reach(report, breakdown), WIDTHS)
    return flowables
