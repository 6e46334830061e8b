"""The session sheet: a session's visits, takings, overrides and cash-up, for the site's files.

Visits are listed by card number and household size, not by name: the sheet is a till record
and is often printed and filed. Parcels given without registering are listed apart, by their
household's counts (there is nothing personal to list).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from supermarket.formatting import LONDON, money, uk_date, uk_datetime
from supermarket.members.identifiers import display_number
from supermarket.members.pdf import fonts
from supermarket.visits.anonymous import AnonymousVisit
from supermarket.visits.models import Rule
from supermarket.visits.services import SessionSheet

BRAND = colors.HexColor("#0b5d3b")


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    return {
        "title": ParagraphStyle(
            "title", fontName=bold, fontSize=16, leading=20, textColor=BRAND, spaceAfter=4
        ),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", fontName=bold, fontSize=8.5, leading=10.5),
    }


def _table(rows: list[list[object]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, BRAND),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#c9d1d9")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _household(parcel: AnonymousVisit) -> str:
    """A parcel's household as counted: "2 adults, 3 children (0–4: 1, 5–11: 2)"."""
    text = f"{parcel.adults} adult{'s' if parcel.adults != 1 else ''}"
    if parcel.children:
        bands = (
            ("0–4", parcel.children_0_4),
            ("5–11", parcel.children_5_11),
            ("12–17", parcel.children_12_17),
        )
        ages = ", ".join(f"{label}: {n}" for label, n in bands if n)
        text += f", {parcel.children} child{'ren' if parcel.children != 1 else ''} ({ages})"
    return text


def _parcels(sheet: SessionSheet, p: Callable[..., Paragraph]) -> list[object]:
    """The session's parcels given without registering, which its totals count: when, what
    kind, the household's counts and what was paid, nothing personal (there is nothing)."""
    if not sheet.parcels:
        return []
    settings = sheet.session.site.settings
    rows: list[list[object]] = [
        [p(h, "head") for h in ("Time", "Kind", "Household", "Paid", "Notes")]
    ]
    for parcel in sheet.parcels:
        kind = settings.visit_type(parcel.visit_type)
        notes = []
        if parcel.voided_at is not None:
            closed = sheet.session.closed_at
            late = closed is not None and parcel.voided_at > closed
            notes.append(f"VOIDED{' after the cash-up' if late else ''}: {parcel.void_reason}")
        if parcel.payment_reason:
            notes.append(parcel.payment_reason)
        rows.append(
            [
                p(parcel.visited_at.astimezone(LONDON).strftime("%H:%M")),
                p(kind.label if kind is not None else parcel.visit_type),
                p(_household(parcel)),
                p(f"{money(parcel.amount_paid_pence)} {parcel.payment_label.lower()}"),
                p("; ".join(notes)),
            ]
        )
    widths = [14 * mm, 34 * mm, 57 * mm, 26 * mm, 43 * mm]
    return [p("Parcels without registering", "h2"), _table(rows, widths)]


def session_sheet_pdf(sheet: SessionSheet) -> bytes:
    """An A4 sheet of the session: cash-up, takings by method, every visit, the overrides.

    Long on purpose: the sheet's flowables in the order they print, top to bottom, so the
    code reads as the page does."""
    s = _styles()
    session, takings = sheet.session, sheet.takings
    site = session.site

    def p(text: str, style: str = "cell") -> Paragraph:
        return Paragraph(escape(text), s[style])

    story: list[object] = [
        p(f"Session sheet · {site.name}", "title"),
        p(
            f"{uk_date(session.local_date)} · opened {uk_datetime(session.opened_at)}"
            + (
                f" · closed {uk_datetime(session.closed_at)}"
                if session.closed_at
                else " · still open"
            ),
            "body",
        ),
        p(f"On shift: {session.volunteers or 'not recorded'}", "body"),
        p("Cash-up", "h2"),
    ]
    expected = session.float_pence + takings.all_cash_pence
    joining_rows = (
        [
            [p("Joining fees in cash", "head"), p(money(takings.joining_cash_pence))],
            [p("Joining fees by card", "head"), p(money(takings.joining_card_pence))],
            [p("Joining fees waived", "head"), p(str(takings.joining_waived))],
        ]
        if takings.joining_fees
        else []
    )
    cash_rows = [
        [p("Visits", "head"), p(str(takings.visits))],
        [p("Cash taken", "head"), p(money(takings.cash_pence))],
        *joining_rows,
        [p("Float", "head"), p(money(session.float_pence))],
        [p("Cash expected", "head"), p(money(expected))],
        [p("Cash counted", "head"), p(money(session.counted_cash_pence))],
        [p("Difference", "head"), p(money(session.difference_pence))],
        [p("Note", "head"), p(session.note or "–")],
        [p("Card", "head"), p(money(takings.card_pence))],
        [p("Fees waived", "head"), p(str(takings.waived))],
        *[[p(label, "head"), p(value)] for label, value in takings.payment_lines],
        [p("Overrides", "head"), p(str(takings.overrides))],
        [p("Voided visits", "head"), p(str(takings.voided))],
    ]
    story.append(Table(cash_rows, colWidths=[40 * mm, 120 * mm], hAlign="LEFT"))

    story.append(p("Visits", "h2"))
    rows: list[list[object]] = [
        [p(h, "head") for h in ("Time", "Card", "People", "Basket", "Paid", "Notes")]
    ]
    for visit in sheet.visits:
        basket = ", ".join(f"{b.quantity} {b.band}" for b in visit.bands) or "–"
        notes = []
        if visit.voided_at is not None:
            late = session.closed_at is not None and visit.voided_at > session.closed_at
            notes.append(f"VOIDED{' after the cash-up' if late else ''}: {visit.void_reason}")
        if visit.overridden_rules:
            notes.append("Override")
        if visit.payment_reason:
            notes.append(visit.payment_reason)
        rows.append(
            [
                p(visit.visited_at.astimezone(LONDON).strftime("%H:%M")),
                p(display_number(visit.member.membership_number)),
                p(str(visit.people)),
                p(basket),
                p(f"{money(visit.amount_paid_pence)} {visit.payment_label.lower()}"),
                p("; ".join(notes)),
            ]
        )
    if len(rows) == 1:
        rows.append([p("No visits in this session."), "", "", "", "", ""])
    widths = [14 * mm, 24 * mm, 17 * mm, 40 * mm, 26 * mm, 53 * mm]
    story.append(_table(rows, widths))
    story.extend(_parcels(sheet, p))

    overrides = [v for v in sheet.visits if v.overridden_rules]
    story.append(p("Overrides", "h2"))
    if overrides:
        rows = [[p(h, "head") for h in ("Time", "Card", "Rules", "Reason", "By")]]
        for visit in overrides:
            rules = ", ".join(Rule(r).label for r in visit.overridden_rules)
            rows.append(
                [
                    p(visit.visited_at.astimezone(LONDON).strftime("%H:%M")),
                    p(display_number(visit.member.membership_number)),
                    p(rules),
                    p(visit.override_reason),
                    p(visit.overridden_by.name if visit.overridden_by else "–"),
                ]
            )
        story.append(_table(rows, [14 * mm, 24 * mm, 44 * mm, 60 * mm, 32 * mm]))
    else:
        story.append(p("None.", "body"))
    story.append(Spacer(1, 8 * mm))
    story.append(
        p("Printed for the site's records. Members are listed by card number only.", "body")
    )

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"Session sheet {site.name} {uk_date(session.local_date)}",
        author="Community supermarket",
    )
    doc.build(story)
    return out.getvalue()
