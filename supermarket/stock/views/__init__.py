"""Stock pages for staff at the site they are working at (the tablet's chosen site).

Split by use: levels and alerts, receiving, transfers, stocktakes, food safety, reports and
the catalogue; each module adds its routes to the one `stock` blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import ValidationError

from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.stock.forms import line_errors
from supermarket.stock.models import Category, DonorKind, WasteReason

bp = Blueprint("stock", __name__, url_prefix="/stock")


@bp.context_processor
def _stock_labels() -> dict[str, Any]:
    return {
        "stock_categories": [(c.value, c.label) for c in Category],
        "donor_kinds": [(k.value, k.label) for k in DonorKind],
        "waste_reasons": [(r.value, r.label) for r in WasteReason],
        "category_label": lambda v: (
            Category(v).label
            if v in Category.__members__.values()
            else str(v).replace("_", " ").capitalize()
        ),
        "source_label": lambda v: (
            DonorKind(v).label if v in DonorKind.__members__.values() else str(v).capitalize()
        ),
        "reason_label": lambda v: (
            WasteReason(v).label
            if v in WasteReason.__members__.values()
            else str(v or "").replace("_", " ").capitalize()
        ),
        "qty": quantity_text,
    }


def quantity_text(quantity: int, unit: str) -> str:
    """Items as a number; weighed crates (grams) as kilograms."""
    if unit == "g":
        return f"{quantity / 1000:,.1f} kg"
    return f"{quantity:,}"


def form_errors_from(error: Exception, prefixes: list[str] | None = None) -> dict[str, str]:
    """A failed form's errors by field name, after undoing whatever the attempt wrote."""
    db.session.rollback()
    if isinstance(error, ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
        return line_errors(messages, prefixes)
    assert isinstance(error, DomainError)
    errors = line_errors(error.fields, prefixes) if error.fields else {}
    if not errors or error.status != 422:
        errors["_"] = error.message
    return errors


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


from supermarket.stock.views import (  # noqa: E402 - the modules add routes to bp above
    catalogue,
    food_safety,
    levels,
    receiving,
    reports,
    stocktake,
    transfers,
)

__all__ = [
    "bp",
    "catalogue",
    "food_safety",
    "levels",
    "receiving",
    "reports",
    "stocktake",
    "transfers",
]
