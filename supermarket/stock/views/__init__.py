"""Stock pages for staff at the site they are working at (the tablet's chosen site).

Split by use: levels and alerts, receiving, transfers, stocktakes, food safety, reports and
the catalogue; each module adds its routes to the one `stock` blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from supermarket.stock.models import Category, DonorKind, WasteReason

bp = Blueprint("stock", __name__, url_prefix="/stock")


@bp.context_processor
def _stock_labels() -> dict[str, Any]:
    return {
        "stock_categories": Category.choices(),
        "donor_kinds": DonorKind.choices(),
        "waste_reasons": WasteReason.choices(),
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
