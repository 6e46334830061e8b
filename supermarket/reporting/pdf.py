"""Report packs as PDF (reportlab platypus): the programme's quarter or year, a site's month.

Drawn only from a ReleasedReport, so a PDF carries exactly what the dashboard shows: released
figures, site names, and nothing about any person.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from supermarket.reporting import charts as chart_module
from supermarket.reporting import tables as table_module
from supermarket.reporting.charts import Chart, change_text
from supermarket.reporting.pdf_layout import (
    FRAME_WIDTH,
    MARGIN,
    MUTED,
    PALE,
    WARN,
    box,
    fonts,
    paragraph,
    scaled,
    table_flowables,
)
from supermarket.reporting.release import ReleasedReport
from supermarket.reporting.tables import Column


def _chart(chart: Chart) -> list[Any]:
    if chart.empty:
        message = next((note for note in chart.notes if note), "Nothing to show for this period.")
        return [paragraph(chart.title, "h2"), paragraph(message, "body"), Spacer(1, 6)]
    block: list[Any] = [paragraph(chart.title, "h2"), scaled(chart.drawing, FRAME_WIDTH)]
    for note in chart.notes:
        if note:
            block.append(paragraph(note, "small"))
    return [KeepTogether(block), Spacer(1, 6)]


def _headline_tiles(report: ReleasedReport) -> Table:
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
        ("CO2e avoided", _co2e(f["food"]["co2e_avoided_kg"])),
        ("Members' savings", show(f["money"]["savings_pence"], "money")),
    ]
    cells = [[paragraph(value, "big"), paragraph(label, "tile_label")] for label, value in tiles]
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


def _co2e(kg: int | None) -> str:
    if kg is None:
        return table_module.NOT_SHOWN
    return f"{kg / 1000:,.1f} t" if kg >= 1000 else f"{kg:,} kg"


def outcome_sentence(report: ReleasedReport) -> str:
    """The food-insecurity result in one plain sentence, or why it is not shown."""
    outcome = report.outcome
    paired = outcome["paired"]
    rate = outcome["follow_up"]["rate_pct"]
    rate_text = f"follow-up rate {rate:.0f}%" if rate is not None else "follow-up rate not shown"
    if paired["reduction_pct_points"] is None:
        pairs = table_module.show(paired["pairs"], "count")
        why = report.withheld.get("outcome.paired.analysis", "").removeprefix("Not shown: ")
        return (
            f"Members who answered both surveys: {pairs}. The change in food insecurity is not"
            f" shown: {why} {rate_text[0].upper()}{rate_text[1:]}."
        )
    change = change_text(paired["reduction_pct_points"]).lower()
    if paired["ci95_pct_points"] is not None:
        low, high = paired["ci95_pct_points"]
        p = paired["mcnemar_exact_p"]
        p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        change += f"; 95% CI {low:.1f} to {high:.1f} points; exact McNemar {p_text}"
    else:
        change += "; too few changed in one direction to show the interval and test"
    return (
        f"Of {table_module.show(paired['pairs'], 'count')} households surveyed when they"
        f" joined and again at {outcome['follow_up_months']} months, the share food insecure"
        f" went from {paired['pct_food_insecure_at_baseline']:.0f}% to"
        f" {paired['pct_food_insecure_at_follow_up']:.0f}% ({change}); {rate_text}."
    )


def _outcome_section(report: ReleasedReport) -> list[Any]:
    outcome = report.outcome
    flowables: list[Any] = [
        paragraph("Food insecurity: first survey and follow-up", "h1"),
        paragraph(outcome_sentence(report), "lead"),
        Spacer(1, 6),
        box([paragraph("Read with care", "cell_bold"), paragraph(outcome["caveat"], "body")], WARN),
        Spacer(1, 6),
    ]
    flowables += _chart(chart_module.food_insecurity(report))
    flowables += table_flowables(
        table_module.outcome(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3]
    )
    flowables += table_flowables(table_module.transitions(report))
    flowables += table_flowables(table_module.baseline(report))
    return flowables


def _methods(report: ReleasedReport) -> list[Any]:
    """The methods page: how the figures were made and protected, section by section.

    Long on purpose: mostly the page's text, in the order it prints."""
    policy = report.policy
    conv = report.conversions
    sections: list[tuple[str, list[str]]] = [
        (
            "The disclosure rule",
            [
                f"{policy.description}.",
                policy.legend,
                'Some "<10" cells hold more than 9: they are withheld so that a count below'
                " 10 cannot be worked out by subtracting the other figures from a total. One"
                " pattern covers every site and the programme, so a site's own report cannot"
                " be set against this one to undo it.",
                *report.notes[2:],
                "Only aggregates leave a site: no names, dates of birth, postcodes, contact"
                " details, notes or membership numbers are in any report.",
            ],
        ),
        (
            "Conversions",
            [
                report.notes[0],
                report.notes[1],
                f"Settings: {conv.meal_grams} g per meal; {conv.co2e_kg_per_tonne:,} kg CO2e"
                " per tonne.",
                "Savings: the reference retail value of the food a member took less the fee"
                " they paid. Retail value: from the products' reference prices (for typed"
                " items, the band's average value).",
            ],
        ),
        (
            "Definitions",
            [
                "Active member households: memberships that covered any day of the period."
                " New: joined during it.",
                "Visits leave out visits voided on the day. Households that visited: each"
                " household once; in the all-sites figures a household that visited two sites"
                " counts once.",
                "People reached: the people in those households as recorded at each"
                " household's last visit in the period (adults; children aged 0-4, 5-11 and"
                " 12-17).",
                "Food received: deliveries and purchases, not transfers between sites. Food"
                " given to members: issued at visits, less anything returned when a visit was"
                " voided.",
            ],
        ),
        (
            "The survey",
            [
                "The USDA ERS U.S. Adult Food Security Survey Module (10 items, item wording"
                " unchanged), asked over the last 30 days at every time point, with its"
                " screening order. Raw score = affirmative answers; 0 high, 1-2 marginal, 3-5"
                " low, 6-10 very low food security; food insecure = low or very low. A survey"
                " with 3 or more don't-know or refused answers is left out.",
                "It is optional, asked with the member's consent, and answers never affect"
                " membership. The UK Food Standards Agency's Food and You 2 uses the same"
                " module (Wave 9: 21% of households food insecure).",
                outcome_methods(report),
                report.outcome["methods"],
                report.outcome["caveat"],
            ],
        ),
    ]
    flowables: list[Any] = [PageBreak(), paragraph("Methods", "h1")]
    for title, paragraphs in sections:
        flowables.append(paragraph(title, "h2"))
        for text in paragraphs:
            flowables.append(paragraph(text, "body"))
            flowables.append(Spacer(1, 4))
    return flowables


def outcome_methods(report: ReleasedReport) -> str:
    return str(report.outcome["cohort"])


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


def _cover(report: ReleasedReport, programme: str, title: str) -> list[Any]:
    status = (
        ""
        if report.complete
        else f" Figures to {report.as_of.strftime('%d/%m/%Y')}: the period is not over yet."
    )
    return [
        Spacer(1, 50 * mm),
        paragraph(programme, "subtitle"),
        Spacer(1, 4),
        paragraph(title, "title"),
        Spacer(1, 6),
        paragraph(f"{report.scope_label} · {report.period.long_label}", "subtitle"),
        Spacer(1, 14),
        paragraph(f"Made on {report.generated_at.strftime('%d/%m/%Y')}.{status}", "body"),
        Spacer(1, 30 * mm),
        box(
            [
                paragraph("Anonymised statistics", "cell_bold"),
                paragraph(
                    f"Every figure here has been through the programme's disclosure rule:"
                    f" {report.policy.description}. {report.policy.legend}",
                    "body",
                ),
            ]
        ),
        PageBreak(),
    ]


def _site_tables(report: ReleasedReport) -> list[Any]:
    """The site-by-site table, split in two so that it fits a portrait page."""
    full = table_module.sites(report)
    reach_columns = (0, 1, 2, 3, 4, 5, 6)
    other_columns = (0, 7, 8, 9, 10, 11)
    parts = []
    for title, chosen, notes in (
        ("Site by site: members and reach", reach_columns, ()),
        ("Site by site: food, money and surveys", other_columns, full.notes),
    ):
        columns: tuple[Column, ...] = tuple(full.columns[i] for i in chosen)
        rows = tuple(tuple(row[i] for i in chosen) for row in full.rows)
        part = table_module.Table(full.key, title, columns, rows, notes)
        first = FRAME_WIDTH * 0.22
        rest = (FRAME_WIDTH - first) / (len(columns) - 1)
        parts += table_flowables(part, [first] + [rest] * (len(columns) - 1))
    return parts


def programme_pdf(report: ReleasedReport, *, programme: str) -> bytes:
    """The programme report pack for a quarter or a year."""
    title = "Programme report"
    story = _cover(report, programme, title)
    story += [
        paragraph(f"Headline figures, {report.period.label}", "h1"),
        _headline_tiles(report),
        Spacer(1, 8),
        paragraph(outcome_sentence(report), "lead"),
        Spacer(1, 6),
        paragraph(report.outcome["caveat"], "small"),
        Spacer(1, 6),
    ]
    story += table_flowables(
        table_module.summary(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3], notes=False
    )
    story += [PageBreak()]
    story += _site_tables(report)
    story += [CondPageBreak(120 * mm), paragraph("Charts", "h1")]
    for chart in (
        chart_module.over_time(report),
        chart_module.food_by_source(report),
        chart_module.savings(report),
    ):
        story += _chart(chart)
    story += table_flowables(table_module.people(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3])
    story += table_flowables(
        table_module.food(report, compact=True), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3]
    )
    story += [PageBreak()]
    story += _outcome_section(report)
    story += _methods(report)
    return _build(report, title, story)


def monthly_site_pdf(report: ReleasedReport, *, programme: str) -> bytes:
    """A site's report for one month."""
    title = "Monthly site report"
    story = _cover(report, programme, title)
    story += [
        paragraph(f"{report.scope_label}: {report.period.label}", "h1"),
        _headline_tiles(report),
        Spacer(1, 8),
    ]
    story += table_flowables(
        table_module.summary(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3], notes=False
    )
    story += table_flowables(table_module.people(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3])
    story += table_flowables(
        table_module.food(report, compact=True), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3]
    )
    story += [CondPageBreak(120 * mm), paragraph("Charts", "h1")]
    for chart in (
        chart_module.over_time(report),
        chart_module.food_by_source(report),
        chart_module.savings(report),
    ):
        story += _chart(chart)
    story += [PageBreak()]
    story += _outcome_section(report)
    story += _methods(report)
    return _build(report, title, story)
