"""Printable stock documents: the donor's delivery note, the stocktake count sheet, the
temperature log for environmental-health inspections and the site's stock report."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from supermarket.formatting import kg, money, uk_date, uk_datetime
from supermarket.models import utcnow
from supermarket.sites.models import Site
from supermarket.stock.models import (
    Category,
    Donation,
    DonorKind,
    MovementKind,
    Stocktake,
    StocktakeLine,
    TemperatureCheck,
    WasteReason,
)
from supermarket.stock.services.reports import StockReport, Totals

_STYLES = getSampleStyleSheet()
BODY = _STYLES["BodyText"]
CELL = ParagraphStyle("cell", parent=BODY, fontSize=9, leading=11)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=colors.grey)
H1 = _STYLES["Heading1"]
H2 = _STYLES["Heading2"]
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f4ea")),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa5ad")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
)


def plain_paragraph(text: object, style: ParagraphStyle = BODY) -> Paragraph:
    """User text is escaped: reportlab paragraphs read a little markup."""
    return Paragraph(escape(str(text)), style)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float] | None = None
) -> Table:
    data = [list(header)] + [
        [c if isinstance(c, Paragraph) else plain_paragraph(c, CELL) for c in r] for r in rows
    ]
    if len(data) == 1:
        data.append([plain_paragraph("None.")] + [""] * (len(header) - 1))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    return table


def _build(title: str, story: list[Any]) -> bytes:
    buffer = io.BytesIO()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(15 * mm, 10 * mm, f"{title} - printed {uk_datetime(utcnow())}")
        canvas.drawRightString(195 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _date_text(best_before: date | None, use_by: date | None) -> str:
    if use_by:
        return f"Use by {uk_date(use_by)}"
    if best_before:
        return f"Best before {uk_date(best_before)}"
    return ""


def delivery_note(donation: Donation) -> bytes:
    """What the site received from a donor, to give or send them as a receipt."""
    site = donation.site
    story: list[Any] = [
        plain_paragraph(site.name, H1),
        plain_paragraph(", ".join(x for x in (site.address, site.postcode) if x)),
        Spacer(1, 4 * mm),
        plain_paragraph(f"Delivery note {donation.id}", H2),
        plain_paragraph(f"From: {donation.donor.name} ({DonorKind(donation.donor.kind).label})"),
        plain_paragraph(f"Received on: {uk_date(donation.received_on)}"),
    ]
    if donation.note:
        story.append(plain_paragraph(f"Note: {donation.note}"))
    story.append(Spacer(1, 4 * mm))
    purchase = donation.donor.kind == DonorKind.PURCHASE
    header = ["Product", "Category", "Quantity", "Weight", "Date"] + (["Cost"] if purchase else [])
    rows = []
    for line in donation.lines:
        product = line.product
        row = [
            product.name,
            Category(product.category).label,
            "weighed" if product.weight_only else f"{line.quantity:,}",
            kg(line.weight_g),
            _date_text(line.best_before, line.use_by),
        ]
        if purchase:
            row.append(money(line.cost_pence))
        rows.append(row)
    story.append(_table(header, rows))
    story += [
        Spacer(1, 4 * mm),
        plain_paragraph(
            f"Total: {donation.total_quantity:,} items, {kg(donation.total_weight_g)}"
            + (f", cost {money(donation.total_cost_pence)}" if purchase else "")
        ),
        Spacer(1, 8 * mm),
        plain_paragraph(
            "Thank you. Food from this delivery goes to local households through the "
            "community supermarket.",
            SMALL,
        ),
        Spacer(1, 10 * mm),
        plain_paragraph("Received by (signature): ______________________________"),
    ]
    return _build(f"Delivery note {donation.id}", story)


def count_sheet(stocktake: Stocktake, lines: Sequence[StocktakeLine]) -> bytes:
    """A blind count sheet: what to count, with space for the count (not what the ledger
    expects, so counters count rather than confirm)."""
    site = stocktake.site
    story: list[Any] = [
        plain_paragraph(f"Stocktake {stocktake.id}: {site.name}", H1),
        plain_paragraph(
            f"{stocktake.category_label}. Started {uk_datetime(stocktake.started_at)}."
        ),
        plain_paragraph(
            "Count what is on the shelves and in the store. Weighed crates in kilograms. "
            "Write 0 where there is none. Add anything not listed at the end.",
            SMALL,
        ),
        Spacer(1, 4 * mm),
    ]
    current = None
    rows: list[list[Any]] = []
    for line in lines:
        product = line.batch.product
        if product.category != current:
            if rows:
                story += [
                    _table(
                        ["Product", "Code", "Date", "Count"],
                        rows,
                        [80 * mm, 30 * mm, 40 * mm, 30 * mm],
                    ),
                    Spacer(1, 4 * mm),
                ]
                rows = []
            current = product.category
            story.append(plain_paragraph(Category(product.category).label, H2))
        rows.append(
            [
                product.name,
                product.sku,
                _date_text(line.batch.best_before, line.batch.use_by),
                "kg" if product.weight_only else "",
            ]
        )
    if rows:
        story.append(
            _table(["Product", "Code", "Date", "Count"], rows, [80 * mm, 30 * mm, 40 * mm, 30 * mm])
        )
    extra = [["", "", "", ""] for _ in range(6)]
    story += [
        Spacer(1, 4 * mm),
        plain_paragraph("Not listed", H2),
        _table(["Product", "Code", "Date", "Count"], extra, [80 * mm, 30 * mm, 40 * mm, 30 * mm]),
        Spacer(1, 8 * mm),
        plain_paragraph("Counted by: ____________________   Date: ___________"),
    ]
    return _build(f"Count sheet {stocktake.id}", story)


def temperature_log(
    site: Site, checks: Sequence[TemperatureCheck], start: date, end: date
) -> bytes:
    """Every reading in the period, oldest first, out-of-range readings with their action."""
    out = [c for c in checks if c.out_of_range]
    story: list[Any] = [
        plain_paragraph(f"Fridge and freezer temperatures: {site.name}", H1),
        plain_paragraph(
            f"{uk_date(start)} to {uk_date(end)}. {len(checks)} reading(s), "
            f"{len(out)} out of range."
        ),
        plain_paragraph("Safe ranges: fridges 0 to 5 °C; freezers -18 °C or colder.", SMALL),
        Spacer(1, 4 * mm),
    ]
    rows = [
        [
            uk_datetime(c.at),
            f"{c.unit_name} ({c.unit_kind})",
            f"{c.celsius:.1f} °C",
            "OUT OF RANGE" if c.out_of_range else "OK",
            c.action_taken,
            c.actor.name if c.actor else "",
        ]
        for c in checks
    ]
    story.append(
        _table(
            ["When", "Unit", "Reading", "Check", "Action taken", "By"],
            rows,
            [26 * mm, 32 * mm, 18 * mm, 30 * mm, 48 * mm, 26 * mm],
        )
    )
    return _build(f"Temperature log {site.name}", story)


def _totals_rows(mapping: dict[str, Totals], label: Any, value: bool = False) -> list[list[str]]:
    rows = []
    for key, t in mapping.items():
        row = [label(key), f"{t.items:,}", kg(t.weight_g)]
        if value:
            row.append(money(t.value_pence))
        rows.append(row)
    return rows


def _label(enum: Any) -> Any:
    def get(value: str) -> str:
        try:
            return str(enum(value).label)
        except ValueError:
            return value.replace("_", " ").capitalize()

    return get


def stock_report(report: StockReport) -> bytes:
    """Levels now (items, weight, value at reference prices) and the period's flows."""
    site = report.site
    story: list[Any] = [
        plain_paragraph(f"Stock report: {site.name}", H1),
        plain_paragraph(
            f"{uk_date(report.start)} to {uk_date(report.end)}. Levels as printed. Items do "
            "not include crates weighed in by category; their weight does.",
            SMALL,
        ),
        plain_paragraph("Held now", H2),
        _table(
            ["Category", "Items", "Weight", "Value"],
            [
                *_totals_rows(report.held_by_category, _label(Category), value=True),
                [
                    "Total",
                    f"{report.held.items:,}",
                    kg(report.held.weight_g),
                    money(report.held.value_pence),
                ],
            ],
        ),
    ]
    for heading, by, totals, kind in (
        ("In: received by source", "Source", report.received_by_source, DonorKind),
        ("In: received by category", "Category", report.received_by_category, Category),
        ("Out: issued to members by category", "Category", report.issued_by_category, Category),
        ("Wasted by reason", "Reason", report.wasted_by_reason, WasteReason),
        ("All movements", "Kind", report.flows, MovementKind),
    ):
        story += [
            plain_paragraph(heading, H2),
            _table([by, "Items", "Weight"], _totals_rows(totals, _label(kind))),
        ]
    if report.purchases_cost_pence:
        story.append(plain_paragraph(f"Spent on purchases: {money(report.purchases_cost_pence)}"))
    return _build(f"Stock report {site.name}", story)
