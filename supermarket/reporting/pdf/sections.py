"""The report's sections: headline tiles, the outcome sentence and section, the methods page,
the cover and the site-by-site tables."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, PageBreak, Spacer, Table, TableStyle

from supermarket.reporting import charts as chart_module
from supermarket.reporting import tables as table_module
from supermarket.reporting.pdf.layout import (
    FRAME_WIDTH,
    PALE,
    WARN,
    boxed,
    chart_block,
    plain_paragraph,
    report_table,
)
from supermarket.reporting.release import ReleasedReport, wording
from supermarket.reporting.tables import Column


def headline_tiles(report: ReleasedReport) -> Table:
    f = report.figures
    show = table_module.show
    tiles = [
        ("Households that visited", show(f["visits"]["unique_households"], "count")),
        ("People reached", show(f["people"]["total"], "count")),
        ("of whom children", show(f["people"]["children"], "count")),
        ("Visits", show(f["visits"]["visits"], "count")),
        ("New member households", show(f["members"]["new_households"], "count")),
        ("Food given to members", show(f["food"]["given_to_members_g"], "kg")),
        ("Meals equivalent", show(f["food"]["meals_equivalent"], "number")),
        ("CO2e avoided", co2e_text(f["food"]["co2e_avoided_kg"])),
        ("Members' savings", show(f["money"]["savings_pence"], "money")),
    ]
    cells = [
        [plain_paragraph(value, "big"), plain_paragraph(label, "tile_label")]
        for label, value in tiles
    ]
    rows = [cells[i : i + 3] for i in range(0, len(cells), 3)]
    width = FRAME_WIDTH / 3
    grid = Table(rows, colWidths=[width] * 3)
    grid.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), PALE),
                ("BOX", (0, 0), (-1, -1), 0.5, colors.white),
                ("INNERGRID", (0, 0), (-1, -1), 4, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return grid


def co2e_text(kg: int | None) -> str:
    if kg is None:
        return table_module.NOT_SHOWN
    return f"{kg / 1000:,.1f} t" if kg >= 1000 else f"{kg:,} kg"


def outcome_sentence(report: ReleasedReport) -> str:
    """The food-insecurity result in plain sentences, or why it cannot be given yet."""
    return wording.outcome_sentence(report)


def lead_sentences(report: ReleasedReport) -> list[Any]:
    """The plain sentences a report opens with: who was reached, the food and the savings,
    and the change in food insecurity."""
    return [
        plain_paragraph(" ".join(wording.reach_sentences(report)), "lead"),
        Spacer(1, 4),
        plain_paragraph(outcome_sentence(report), "lead"),
        Spacer(1, 6),
    ]


def plain_outcome_table(report: ReleasedReport) -> table_module.Table:
    """The outcome table with plain labels; its methods are at the end of the report."""
    table = table_module.outcome(report)
    return replace(
        table, rows=wording.plain_outcome_rows(table.rows), notes=(report.outcome["cohort"],)
    )


def outcome_section(report: ReleasedReport) -> list[Any]:
    outcome = report.outcome
    flowables: list[Any] = [
        plain_paragraph("Food insecurity: first survey and follow-up", "h1"),
        plain_paragraph(outcome_sentence(report), "lead"),
        Spacer(1, 6),
        boxed(
            [
                plain_paragraph("Read with care", "cell_bold"),
                plain_paragraph(outcome["caveat"], "body"),
            ],
            WARN,
        ),
        Spacer(1, 6),
    ]
    chart = chart_module.food_insecurity(report)
    if not chart.empty:  # the sentence above already says why there is nothing to draw
        flowables += chart_block(chart)
    flowables += report_table(plain_outcome_table(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3])
    flowables += report_table(table_module.transitions(report))
    flowables += report_table(table_module.baseline(report))
    return flowables


def methods(report: ReleasedReport) -> list[Any]:
    """The methods, at the end: the disclosure rule, the conversions, the definitions, the
    survey and the statistics (wording.methods_sections, shared with the methods page)."""
    flowables: list[Any] = [PageBreak(), plain_paragraph("Methods", "h1")]
    for title, paragraphs in wording.methods_sections(report.policy, report.conversions):
        flowables.append(plain_paragraph(title, "h2"))
        for text in paragraphs:
            flowables.append(plain_paragraph(text, "body"))
            flowables.append(Spacer(1, 4))
    return flowables


def cover(report: ReleasedReport, programme: str, title: str) -> list[Any]:
    status = (
        ""
        if report.complete
        else f" Figures to {report.as_of.strftime('%d/%m/%Y')}: the period is not over yet."
    )
    return [
        Spacer(1, 50 * mm),
        plain_paragraph(programme, "subtitle"),
        Spacer(1, 4),
        plain_paragraph(title, "title"),
        Spacer(1, 6),
        plain_paragraph(f"{report.scope_label} · {report.period.long_label}", "subtitle"),
        Spacer(1, 14),
        plain_paragraph(f"Made on {report.generated_at.strftime('%d/%m/%Y')}.{status}", "body"),
        Spacer(1, 30 * mm),
        boxed(
            [
                plain_paragraph("Anonymised statistics", "cell_bold"),
                plain_paragraph(wording.suppressed_note(report.policy), "body"),
                plain_paragraph(
                    f"Every figure has been through the programme's disclosure rule (the"
                    f" {report.policy.name}); the methods at the end explain it and how each"
                    " figure is made.",
                    "body",
                ),
            ]
        ),
        PageBreak(),
    ]


# Beyond this many sites the PDF prints the sites with most visits and points to the CSV file
# and the report page for every site: a national network's thousand rows would be fifty pages
# (and a chart of a thousand bars) that nobody reads on paper.
MAX_SITE_ROWS = 60
SHOWN_SITES = 25


def _released_visits(row: Any) -> int:
    """A site's visits as released ("<10" as nothing): ranking released figures reveals
    nothing the table does not already show."""
    visits = row["figures"]["visits"]["visits"]
    return visits if isinstance(visits, int) else 0


def busiest_sites(report: ReleasedReport) -> ReleasedReport:
    """The report with only its busiest sites when it has too many to print (the programme's
    own figures, the all-sites row among them, are unchanged)."""
    if report.site is not None or len(report.sites) <= MAX_SITE_ROWS:
        return report
    shown = sorted(report.sites, key=_released_visits, reverse=True)[:SHOWN_SITES]
    return replace(report, sites=tuple(shown))


def site_tables(report: ReleasedReport, *, of: int | None = None) -> list[Any]:
    """The site-by-site table, split in two so that it fits a portrait page. `of`: how many
    sites the programme has when `report` holds only its busiest (busiest_sites)."""
    parts: list[Any] = []
    if of is not None and of > len(report.sites):
        parts.append(
            plain_paragraph(
                f"The programme has {of:,} sites: the tables and the savings chart below show"
                f' the {len(report.sites)} with most visits. Every site is in the "sites" CSV file'
                " and on the report's page; the all-sites row is the whole programme.",
                "body",
            )
        )
    full = table_module.sites(report)
    reach_columns = (0, 1, 2, 3, 4, 5, 6)
    other_columns = (0, 7, 8, 9, 10, 11)
    for title, chosen, notes in (
        ("Site by site: members and reach", reach_columns, ()),
        ("Site by site: food, money and surveys", other_columns, _site_notes(full)),
    ):
        columns: tuple[Column, ...] = tuple(full.columns[i] for i in chosen)
        rows = tuple(tuple(row[i] for i in chosen) for row in full.rows)
        part = table_module.Table(full.key, title, columns, rows, notes)
        first = FRAME_WIDTH * 0.22
        rest = (FRAME_WIDTH - first) / (len(columns) - 1)
        parts += report_table(part, [first] + [rest] * (len(columns) - 1))
    return parts


def _site_notes(table: table_module.Table) -> tuple[str, ...]:
    """The site table's notes less its own explanation of "<10" (the cover gives it once)."""
    return tuple(note for note in table.notes if "<10" not in note)


def visit_types_section(report: ReleasedReport) -> list[Any]:
    """Visits by type, with the anonymous households apart (nothing when not computed)."""
    if not report.visit_types:
        return []
    return [
        CondPageBreak(60 * mm),
        plain_paragraph("Visits by type", "h1"),
        *report_table(table_module.visit_types(report)),
    ]


def support_section(report: ReleasedReport) -> list[Any]:
    """Support beyond food: the headline rows, by kind of support, the survey question's
    answers, and the advice comparison with its caveat (nothing when not computed)."""
    if not report.support:
        return []
    comparison = report.support["advice_comparison"]
    flowables: list[Any] = [
        CondPageBreak(80 * mm),
        plain_paragraph("Support beyond food", "h1"),
    ]
    flowables += report_table(table_module.support(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3])
    flowables += report_table(table_module.support_categories(report))
    flowables += report_table(table_module.support_inbound(report))
    flowables += report_table(
        table_module.support_answers(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3]
    )
    flowables += [
        boxed(
            [
                plain_paragraph("Not a controlled comparison", "cell_bold"),
                plain_paragraph(comparison["caveat"], "body"),
            ],
            WARN,
        ),
        Spacer(1, 6),
    ]
    flowables += report_table(table_module.support_advice(report))
    return flowables
