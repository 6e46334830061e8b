"""Membership cards (credit-card size, or A4 sheets of 8) and the subject access PDF.

A card shows the site's name, the member's first name and the number; its QR code and
Code 128 barcode encode the membership number only, never personal data. Cheap USB
scanners read only 1D barcodes, so both are printed.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from supermarket.members.identifiers import format_membership_number
from supermarket.members.models import Member
from supermarket.sites.models import Site

CARD_W, CARD_H = 85.6 * mm, 54 * mm
BRAND = colors.HexColor("#0b5d3b")
SHEET_COLUMNS, SHEET_ROWS = 2, 4
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
_CJK_FONT = "STSong-Light"


@cache
def fonts() -> tuple[str, str]:
    """A regular and a bold font covering Latin, Greek, Cyrillic and more (DejaVu if the
    system has it, else reportlab's bundled Vera); CJK text falls back to a CID font."""
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("MemberSans", str(regular)))
            pdfmetrics.registerFont(TTFont("MemberSans-Bold", str(bold)))
            break
    else:
        pdfmetrics.registerFont(TTFont("MemberSans", "Vera.ttf"))
        pdfmetrics.registerFont(TTFont("MemberSans-Bold", "VeraBd.ttf"))
    pdfmetrics.registerFont(UnicodeCIDFont(_CJK_FONT))
    return "MemberSans", "MemberSans-Bold"


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) or "IDEOGRAPH" in name


def _runs(text: str, font: str) -> list[tuple[str, str]]:
    """Split text into runs of one font: CJK characters in the CID font, the rest in `font`."""
    runs: list[tuple[str, str]] = []
    for ch in text:
        wanted = _CJK_FONT if _is_cjk(ch) else font
        if runs and runs[-1][1] == wanted:
            runs[-1] = (runs[-1][0] + ch, wanted)
        else:
            runs.append((ch, wanted))
    return runs


def _width(text: str, font: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(t, f, size) for t, f in _runs(text, font))


def _draw(
    c: canvas.Canvas,
    x: float,
    y: float,
    text: str,
    font: str,
    size: float,
    max_width: float | None = None,
) -> None:
    """Draw text in mixed fonts, shrinking it (down to 60%) and then cutting it to fit."""
    if max_width is not None:
        while size > 6 and _width(text, font, size) > max_width:
            size -= 0.5
        while len(text) > 1 and _width(text, font, size) > max_width:
            text = text[:-2] + "…"
    for run, run_font in _runs(text, font):
        c.setFont(run_font, size)
        c.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, run_font, size)


def _card(c: canvas.Canvas, x: float, y: float, member: Member, site: Site) -> None:
    regular, bold = fonts()
    c.saveState()
    c.translate(x, y)
    c.setStrokeColor(colors.HexColor("#9aa5ad"))
    c.setLineWidth(0.4)
    c.roundRect(0, 0, CARD_W, CARD_H, 3 * mm, stroke=1, fill=0)
    c.setFillColor(BRAND)
    c.roundRect(0, CARD_H - 11 * mm, CARD_W, 11 * mm, 3 * mm, stroke=0, fill=1)
    c.rect(0, CARD_H - 11 * mm, CARD_W, 4 * mm, stroke=0, fill=1)
    c.setFillColor(colors.white)
    _draw(c, 4 * mm, CARD_H - 7.2 * mm, site.name, bold, 9, max_width=CARD_W - 8 * mm)

    number = member.membership_number
    qr = QrCodeWidget(number, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    side = 24 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, c, CARD_W - side - 2.5 * mm, CARD_H - side - 13 * mm)

    c.setFillColor(colors.HexColor("#4a5560"))
    _draw(c, 4 * mm, CARD_H - 17 * mm, "Member", regular, 7)
    c.setFillColor(colors.black)
    _draw(c, 4 * mm, CARD_H - 23 * mm, member.first_name, bold, 13, max_width=CARD_W - 36 * mm)
    c.setFillColor(colors.HexColor("#4a5560"))
    _draw(c, 4 * mm, CARD_H - 29 * mm, "Membership number", regular, 7)
    c.setFillColor(colors.black)
    c.setFont("Courier-Bold", 14)
    c.drawString(4 * mm, CARD_H - 35 * mm, format_membership_number(number))

    barcode = code128.Code128(number, barHeight=8 * mm, barWidth=0.28 * mm, quiet=False)
    barcode.drawOn(c, 4 * mm, 6 * mm)
    c.setFillColor(colors.HexColor("#4a5560"))
    _draw(c, 4 * mm, 2.5 * mm, "Please bring this card to every visit.", regular, 6)
    c.restoreState()


def _new_canvas(buffer: io.BytesIO, size: tuple[float, float], title: str) -> canvas.Canvas:
    c = canvas.Canvas(buffer, pagesize=size, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("Community supermarket")
    return c


def card_pdf(member: Member, site: Site) -> bytes:
    """One card on a credit-card-sized page, for card printers."""
    buffer = io.BytesIO()
    c = _new_canvas(buffer, (CARD_W, CARD_H), "Membership card")
    _card(c, 0, 0, member, site)
    c.showPage()
    c.save()
    return buffer.getvalue()


def card_sheet_pdf(members: Sequence[Member], site: Site) -> bytes:
    """A4 sheets of 8 cards (2 across, 4 down) with cutting outlines, for office printers."""
    buffer = io.BytesIO()
    page_w, page_h = A4
    c = _new_canvas(buffer, A4, "Membership cards")
    margin_x = (page_w - SHEET_COLUMNS * CARD_W) / 2
    margin_y = (page_h - SHEET_ROWS * CARD_H) / 2
    per_page = SHEET_COLUMNS * SHEET_ROWS
    if not members:
        _draw(c, 20 * mm, page_h - 30 * mm, "No cards to print.", fonts()[0], 12)
    for index, member in enumerate(members):
        if index and index % per_page == 0:
            c.showPage()
        slot = index % per_page
        column, row = slot % SHEET_COLUMNS, slot // SHEET_COLUMNS
        _card(c, margin_x + column * CARD_W, page_h - margin_y - (row + 1) * CARD_H, member, site)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _lines(value: Any) -> Iterable[str]:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text if text not in ("", "null") else "—"
    while len(text) > 90:
        yield text[:90]
        text = text[90:]
    yield text


def export_pdf(data: dict[str, Any]) -> bytes:
    """The subject access export as a readable PDF: every section and field of the JSON."""
    regular, bold = fonts()
    buffer = io.BytesIO()
    page_w, page_h = A4
    c = _new_canvas(buffer, A4, "Your information")
    y = page_h - 20 * mm

    def line(text: str, font: str = regular, size: float = 9, gap: float = 4.6 * mm) -> None:
        nonlocal y
        if y < 20 * mm:
            c.showPage()
            y = page_h - 20 * mm
        _draw(c, 18 * mm, y, text, font, size, max_width=page_w - 36 * mm)
        y -= gap

    controller = data["controller"]
    line("The information we hold about you", bold, 15, 9 * mm)
    line(f"Held by {controller['site']}. Produced {data['generated_at'][:10]}.")
    line("Every record that refers to you is listed below, table by table.", gap=8 * mm)
    line("Your membership", bold, 12, 6 * mm)
    for key, value in data["member"].items():
        for index, text in enumerate(_lines(value)):
            line(f"{key.replace('_', ' ')}: {text}" if index == 0 else f"    {text}")
    for table, rows in data["records"].items():
        y -= 3 * mm
        line(f"{table.replace('_', ' ').capitalize()} ({len(rows)})", bold, 12, 6 * mm)
        for number, row in enumerate(rows, 1):
            line(f"Record {number}", bold, 9)
            for key, value in row.items():
                for index, text in enumerate(_lines(value)):
                    line(f"  {key.replace('_', ' ')}: {text}" if index == 0 else f"      {text}")
    y -= 3 * mm
    line("Activity on your record", bold, 12, 6 * mm)
    for event in data["activity"]:
        line(f"{event['at'][:16].replace('T', ' ')}  {event['action']}")
    c.showPage()
    c.save()
    return buffer.getvalue()
