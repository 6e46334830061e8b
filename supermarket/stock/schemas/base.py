"""What the stock schemas share: the choices they offer, the period and page queries, and
small field helpers."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields

from supermarket.inputs import Str, limit_field
from supermarket.stock.models import Category, DonorKind, WasteReason
from supermarket.stock.services.temperatures import PLAUSIBLE

CATEGORIES = [c.value for c in Category]
DONOR_KINDS = [k.value for k in DonorKind]
WASTE_REASONS = [r.value for r in WasteReason]
# A plausible fridge or freezer reading, in °C (the service's bounds, in tenths).
CELSIUS = (PLAUSIBLE[0] // 10, PLAUSIBLE[1] // 10)


def one_date_only(data: dict[str, Any]) -> None:
    if data.get("best_before") is not None and data.get("use_by") is not None:
        raise ValidationError("Give a use-by or a best-before date, not both.", "use_by")


def unit_field(attribute: str) -> fields.String:
    return fields.String(
        attribute=attribute,
        metadata={"enum": ["item", "g"], "description": "item, or g for weight-only products"},
    )


def batch_dates(prefix: str = "") -> tuple[fields.Date, fields.Date]:
    """The best-before and use-by date fields of an output, read from `prefix`best_before and
    `prefix`use_by (a batch's dates: at most one is set)."""
    return (
        fields.Date(attribute=f"{prefix}best_before" if prefix else None, allow_none=True),
        fields.Date(attribute=f"{prefix}use_by" if prefix else None, allow_none=True),
    )


class PeriodQuery(Schema):
    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)


class PageQuery(Schema):
    limit = limit_field()
    cursor = Str()


class PeriodPageQuery(PeriodQuery, PageQuery):
    pass
