"""The report packs' page furniture: colours, fonts, paragraph styles, and the building
blocks a pack is made of (paragraphs, boxes, tables, charts scaled to the frame)."""

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
from reportlab.platypus import (
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from supermarket.reporting import tables as table_module

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


def paragraph(text: str, style: str = "body") -> Paragraph:
    """Text as a paragraph of the pack (escaped: reportlab paragraphs read a little markup)."""
    return Paragraph(escape(text), styles()[style])


def box(flowables: Sequence[Any], background: Any = PALE) -> Table:
    """Flowables in a shaded box the width of the frame."""
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


def table_flowables(
    table: table_module.Table, widths: Sequence[float] | None = None, *, notes: bool = True
) -> list[Any]:
    """A report table with its title and (unless the methods page has them) its notes."""
    numeric = [
        column.kind != "text" or (table.row_kinds is not None and index > 0)
        for index, column in enumerate(table.columns)
    ]
    header = [
        paragraph(column.title, "head_num" if numeric[index] else "head")
        for index, column in enumerate(table.columns)
    ]
    body = [
        [
            paragraph(cell, "cell_num" if numeric[index] else "cell")
            for index, cell in enumerate(row)
        ]
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
    flowables: list[Any] = [paragraph(table.title, "h2"), grid]
    for note in table.notes if notes else ():
        flowables.append(Spacer(1, 3))
        flowables.append(paragraph(note, "small"))
    return flowables


def scaled(drawing: Drawing, width: float, height: float = MAX_CHART_HEIGHT) -> Drawing:
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
