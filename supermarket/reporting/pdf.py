"""Report packs as PDF (reportlab platypus): the programme's quarter or year, a site's month.

Drawn only from a ReleasedReport, so a PDF carries exactly what the dashboard shows: released
figures, site names, and nothing about any person.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from supermarket.reporting import charts as chart_module
from supermarket.reporting import tables as table_module
from supermarket.reporting.charts import Chart, change_text
from supermarket.reporting.release import ReleasedReport
from supermarket.reporting.tables import Column

BRAND: Final = colors.HexColor("#0b5d3b")
INK: Final = colors.HexColor("#1b1f23")
MUTED: Final = colors.HexColor("#4a5560")
LINE: Final = colors.HexColor("#c9d1d9")
PALE: Final = colors.HexColor("#eef4f0")
WARN: Final = colors.HexColor("#fff4ce")
MARGIN: Final = 18 * mm
FRAME_WIDTH: Final = A4[0] - 2 * MARGIN
# A chart and its title within one page's frame, whatever the chart.
MAX_CHART_HEIGHT: Final = 660
_FONT_DIRS: Final = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)


@cache
def fonts() -> tuple[str, str]:
    """A regular and a bold font with £ and accented letters (DejaVu, else reportlab's Vera)."""
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("ReportSans", str(regular)))
            pdfmetrics.registerFont(TTFont("ReportSans-Bold", str(bold)))
            return "ReportSans", "ReportSans-Bold"
    pdfmetrics.registerFont(TTFont("ReportSans", "Vera.ttf"))
    pdfmetrics.registerFont(TTFont("ReportSans-Bold", "VeraBd.ttf"))
    return "ReportSans", "ReportSans-Bold"


@cache
def styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    base = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, textColor=INK)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11.5, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=bold, fontSize=8.5, leading=10.5
        ),
        "head": ParagraphStyle("head", parent=base, fontName=bold, fontSize=8, leading=10),
        "head_num": ParagraphStyle(
            "head_num", parent=base, fontName=bold, fontSize=8, leading=10, alignment=TA_RIGHT
        ),
        "cell_num": ParagraphStyle(
            "cell_num", parent=base, fontSize=8.5, leading=10.5, alignment=TA_RIGHT
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=bold, fontSize=26, leading=32, textColor=BRAND
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=15, leading=20),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=bold,
            fontSize=16,
            leading=21,
            spaceBefore=4,
            spaceAfter=8,
            textColor=BRAND,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=bold,
            fontSize=12,
            leading=16,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "big": ParagraphStyle("big", parent=base, fontName=bold, fontSize=18, leading=22),
        "tile_label": ParagraphStyle("tile_label", parent=base, fontSize=9, leading=11.5),
        "lead": ParagraphStyle("lead", parent=base, fontSize=11.5, leading=16, alignment=TA_LEFT),
    }


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), styles()[style])


def _box(flowables: Sequence[Any], background: Any = PALE) -> Table:
    table = Table([[list(flowables)]], colWidths=[FRAME_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), background),
                ("BOX", (0, 0), (-1, -1), 0.5, LINE),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def _table(
    table: table_module.Table, widths: Sequence[float] | None = None, *, notes: bool = True
) -> list[Any]:
    """A report table with its title and (unless the methods page has them) its notes."""
    numeric = [
        column.kind != "text" or (table.row_kinds is not None and index > 0)
        for index, column in enumerate(table.columns)
    ]
    header = [
        _p(column.title, "head_num" if numeric[index] else "head")
        for index, column in enumerate(table.columns)
    ]
    body = [
        [_p(cell, "cell_num" if numeric[index] else "cell") for index, cell in enumerate(row)]
        for row in table.display_rows()
    ]
    grid = Table([header, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("LINEBELOW", (0, 0), (-1, 0), 1, BRAND),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    grid.setStyle(TableStyle(style))
    flowables: list[Any] = [_p(table.title, "h2"), grid]
    for note in table.notes if notes else ():
        flowables.append(Spacer(1, 3))
        flowables.append(_p(note, "small"))
    return flowables


def _scaled(drawing: Drawing, width: float, height: float = MAX_CHART_HEIGHT) -> Drawing:
    """The chart scaled to fit the frame's width (drawings are made for pages, 520 pt wide)
    and a page's height (a bar chart of very many sites would not fit otherwise)."""
    factor = min(1.0, width / drawing.width, height / drawing.height)
    if factor >= 1.0:
        return drawing
    scaled = Drawing(drawing.width * factor, drawing.height * factor)
    for item in drawing.contents:
        scaled.add(item)
    scaled.scale(factor, factor)
    return scaled


def _chart(chart: Chart) -> list[Any]:
    if chart.empty:
        message = next((note for note in chart.notes if note), "Nothing to show for this period.")
        return [_p(chart.title, "h2"), _p(message, "body"), Spacer(1, 6)]
    block: list[Any] = [_p(chart.title, "h2"), _scaled(chart.drawing, FRAME_WIDTH)]
    for note in chart.notes:
        if note:
            block.append(_p(note, "small"))
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
    cells = [[_p(value, "big"), _p(label, "tile_label")] for label, value in tiles]
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
        _p("Food insecurity: first survey and follow-up", "h1"),
        _p(outcome_sentence(report), "lead"),
        Spacer(1, 6),
        _box([_p("Read with care", "cell_bold"), _p(outcome["caveat"], "body")], WARN),
        Spacer(1, 6),
    ]
    flowables += _chart(chart_module.food_insecurity(report))
    flowables += _table(table_module.outcome(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3])
    flowables += _table(table_module.transitions(report))
    flowables += _table(table_module.baseline(report))
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
    flowables: list[Any] = [PageBreak(), _p("Methods", "h1")]
    for title, paragraphs in sections:
        flowables.append(_p(title, "h2"))
        for text in paragraphs:
            flowables.append(_p(text, "body"))
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
        _p(programme, "subtitle"),
        Spacer(1, 4),
        _p(title, "title"),
        Spacer(1, 6),
        _p(f"{report.scope_label} · {report.period.long_label}", "subtitle"),
        Spacer(1, 14),
        _p(f"Made on {report.generated_at.strftime('%d/%m/%Y')}.{status}", "body"),
        Spacer(1, 30 * mm),
        _box(
            [
                _p("Anonymised statistics", "cell_bold"),
                _p(
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
        parts += _table(part, [first] + [rest] * (len(columns) - 1))
    return parts


def programme_pdf(report: ReleasedReport, *, programme: str) -> bytes:
    """The programme report pack for a quarter or a year."""
    title = "Programme report"
    story = _cover(report, programme, title)
    story += [
        _p(f"Headline figures, {report.period.label}", "h1"),
        _headline_tiles(report),
        Spacer(1, 8),
        _p(outcome_sentence(report), "lead"),
        Spacer(1, 6),
        _p(report.outcome["caveat"], "small"),
        Spacer(1, 6),
    ]
    story += _table(
        table_module.summary(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3], notes=False
    )
    story += [PageBreak()]
    story += _site_tables(report)
    story += [CondPageBreak(120 * mm), _p("Charts", "h1")]
    for chart in (
        chart_module.over_time(report),
        chart_module.food_by_source(report),
        chart_module.savings(report),
    ):
        story += _chart(chart)
    story += _table(table_module.people(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3])
    story += _table(table_module.food(report, compact=True), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3])
    story += [PageBreak()]
    story += _outcome_section(report)
    story += _methods(report)
    return _build(report, title, story)


def monthly_site_pdf(report: ReleasedReport, *, programme: str) -> bytes:
    """A site's report for one month."""
    title = "Monthly site report"
    story = _cover(report, programme, title)
    story += [
        _p(f"{report.scope_label}: {report.period.label}", "h1"),
        _headline_tiles(report),
        Spacer(1, 8),
    ]
    story += _table(
        table_module.summary(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3], notes=False
    )
    story += _table(table_module.people(report), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3])
    story += _table(table_module.food(report, compact=True), [FRAME_WIDTH * 0.7, FRAME_WIDTH * 0.3])
    story += [CondPageBreak(120 * mm), _p("Charts", "h1")]
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
