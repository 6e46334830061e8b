"""Report packs as PDF (reportlab platypus): the programme's quarter or year, a site's month.

Drawn only from a ReleasedReport, so a PDF carries exactly what the dashboard shows: released
figures, site names, and nothing about any person. The building blocks are in `layout`, the
sections in `sections`; this module puts them in order.
"""

from __future__ import annotations

import io
from typing import Any, Final

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, PageBreak, SimpleDocTemplate, Spacer

from supermarket.reporting import charts as chart_module
from supermarket.reporting import tables as table_module
from supermarket.reporting.pdf.layout import (
    FRAME_WIDTH,
    MARGIN,
    MUTED,
    chart_block,
    fonts,
    plain_paragraph,
    report_table,
)
from supermarket.reporting.pdf.reach import reach_section
from supermarket.reporting.pdf.sections import (
    busiest_sites,
    cover,
    headline_tiles,
    lead_sentences,
    methods,
    outcome_section,
    outcome_sentence,
    site_tables,
    support_section,
    visit_types_section,
)
from supermarket.reporting.release import ReleasedReport

__all__ = ["monthly_site_pdf", "outcome_sentence", "programme_pdf"]


def _footer(report: ReleasedReport, title: str) -> Any:
    regular, _bold = fonts()
    generated = report.generated_at.strftime("%d/%m/%Y")

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 10 * mm, f"{title} · {report.period.label} · made {generated}")
        canvas.drawRightString(
            A4[0] - MARGIN, 10 * mm, f"{report.policy.name} applied · page {doc.page}"
        )
        canvas.restoreState()

    return draw


def _build(report: ReleasedReport, title: str, story: list[Any]) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{title}: {report.period.label}",
        author="Community supermarket programme",
        subject=f"{report.scope_label}, {report.period.label}",
    )
    footer = _footer(report, title)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# The widths of a two-column table: a label, and its figure.
LABEL_AND_FIGURE: Final = (FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3)


def _charts(report: ReleasedReport) -> list[Any]:
    """The charts page: visits over time, food by source and members' savings."""
    story: list[Any] = [CondPageBreak(120 * mm), plain_paragraph("Charts", "h1")]
    for chart in (
        chart_module.over_time(report),
        chart_module.food_by_source(report),
        chart_module.savings(report),
    ):
        story += chart_block(chart)
    return story


def _people_and_food(report: ReleasedReport) -> list[Any]:
    """The people reached and the food, as label-and-figure tables."""
    return report_table(table_module.people(report), LABEL_AND_FIGURE) + report_table(
        table_module.food(report, compact=True), LABEL_AND_FIGURE
    )


def programme_pdf(report: ReleasedReport, *, programme: str) -> bytes:
    """The programme report pack for a quarter or a year."""
    title = "Programme report"
    story = cover(report, programme, title)
    story += [plain_paragraph(f"Headline figures, {report.period.label}", "h1")]
    story += lead_sentences(report)
    story += [
        plain_paragraph(report.outcome["caveat"], "small"),
        Spacer(1, 8),
        headline_tiles(report),
        Spacer(1, 8),
    ]
    story += report_table(table_module.summary(report), LABEL_AND_FIGURE, notes=False)
    story += [PageBreak()]
    shown = busiest_sites(report)
    story += site_tables(shown, of=len(report.sites))
    story += _charts(shown)
    story += _people_and_food(report)
    story += [
        PageBreak(),
        *visit_types_section(report),
        *outcome_section(report),
        *support_section(report),
    ]
    story += reach_section(report)
    story += methods(report)
    return _build(report, title, story)


def monthly_site_pdf(report: ReleasedReport, *, programme: str) -> bytes:
    """A site's report for one month."""
    title = "Monthly site report"
    story = cover(report, programme, title)
    story += [
        plain_paragraph(f"{report.scope_label}: {report.period.label}", "h1"),
        *lead_sentences(report),
        headline_tiles(report),
        Spacer(1, 8),
    ]
    story += report_table(table_module.summary(report), LABEL_AND_FIGURE, notes=False)
    story += _people_and_food(report)
    story += _charts(report)
    story += [
        PageBreak(),
        *visit_types_section(report),
        *outcome_section(report),
        *support_section(report),
    ]
    story += reach_section(report)
    story += methods(report)
    return _build(report, title, story)
