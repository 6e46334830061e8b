"""The pages' look and their building blocks: colours, fonts, paragraph styles, boxes,
report tables and charts fitted to the frame."""

from __future__ import annotations

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
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from supermarket.reporting import tables as table_module
from supermarket.reporting.charts import Chart

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


# The longest figure drawn as a plain string in a table (longer text wraps, as a paragraph).
SHORT_FIGURE = 16


def plain_paragraph(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped: reportlab reads a little markup) in a named style."""
    return Paragraph(escape(text), styles()[style])


def boxed(flowables: Sequence[Any], background: Any = PALE) -> Table:
    """The flowables in one shaded, outlined box the frame's width."""
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


def report_table(
    table: table_module.Table, widths: Sequence[float] | None = None, *, notes: bool = True
) -> list[Any]:
    """A report table with its title and (unless the methods page has them) its notes."""
    numeric = [
        column.kind != "text" or (table.row_kinds is not None and index > 0)
        for index, column in enumerate(table.columns)
    ]
    header = [
        plain_paragraph(column.title, "head_num" if numeric[index] else "head")
        for index, column in enumerate(table.columns)
    ]
    # A short figure is drawn as a string in a right-aligned cell: no paragraph to lay out
    # (most of a long table's cells, and most of the PDF's time when they were paragraphs).
    body = [
        [
            cell
            if numeric[index] and len(cell) <= SHORT_FIGURE
            else plain_paragraph(cell, "cell_num" if numeric[index] else "cell")
            for index, cell in enumerate(row)
        ]
        for row in table.display_rows()
    ]
    grid = Table(
        [header, *body],
        colWidths=None if widths is None else list(widths),
        repeatRows=1,
        hAlign="LEFT",
    )
    style = [
        ("LINEBELOW", (0, 0), (-1, 0), 1, BRAND),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    figure = styles()["cell_num"]
    for index, is_numeric in enumerate(numeric):
        if is_numeric:
            column = ((index, 1), (index, -1))
            style += [
                ("FONT", *column, figure.fontName, figure.fontSize, figure.leading),
                ("ALIGN", *column, "RIGHT"),
                ("TEXTCOLOR", *column, figure.textColor),
            ]
    grid.setStyle(TableStyle(style))
    flowables: list[Any] = [plain_paragraph(table.title, "h2"), grid]
    for note in table.notes if notes else ():
        flowables.append(Spacer(1, 3))
        flowables.append(plain_paragraph(note, "small"))
    return flowables


def fit_to_frame(drawing: Drawing, width: float, height: float = MAX_CHART_HEIGHT) -> Drawing:
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


def chart_block(chart: Chart) -> list[Any]:
    """A chart with its title and notes, kept on one page (or why there is nothing to show)."""
    if chart.empty:
        message = next((note for note in chart.notes if note), "Nothing to show for this period.")
        return [plain_paragraph(chart.title, "h2"), plain_paragraph(message, "body"), Spacer(1, 6)]
    block: list[Any] = [
        plain_paragraph(chart.title, "h2"),
        fit_to_frame(chart.drawing, FRAME_WIDTH),
    ]
    for note in chart.notes:
        if note:
            block.append(plain_paragraph(note, "small"))
    return [KeepTogether(block), Spacer(1, 6)]
