"""British formats for pages: pounds, dd/mm/yyyy, Europe/London times."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

LONDON = ZoneInfo("Europe/London")


def money(pence: int | None) -> str:
    """1234 -> '£12.34'; negative amounts keep their sign before the pound sign."""
    if pence is None:
        return "–"
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def uk_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return value.strftime("%d/%m/%Y")


def uk_datetime(value: datetime | None) -> str:
    if value is None:
        return "–"
    return value.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def kg(grams: int | None) -> str:
    if grams is None:
        return "–"
    return f"{grams / 1000:,.1f} kg"


def register_filters(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(uk_date, "uk_date")
    app.add_template_filter(uk_datetime, "uk_datetime")
    app.add_template_filter(kg, "kg")
