"""Stocktakes: input and output shapes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate, validates_schema

from supermarket.inputs import Id, Int, Str
from supermarket.stock.schemas.base import (
    CATEGORIES,
    batch_dates,
    one_date_only,
    unit_field,
)


class StocktakeIn(Schema):
    category = Str(load_default=None, allow_none=True, validate=validate.OneOf(CATEGORIES))
    note = Str(load_default="", validate=validate.Length(max=500))


class CountIn(Schema):
    id = Id(required=True)
    counted = Int(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=10_000_000)
    )


class CountsIn(Schema):
    counts = fields.List(fields.Nested(CountIn), required=True, validate=validate.Length(max=5000))


class FoundLineIn(Schema):
    sku = Str(required=True, validate=validate.Length(min=1, max=20))
    counted = Int(required=True, strict=True, validate=validate.Range(min=1, max=10_000_000))
    best_before = fields.Date(load_default=None, allow_none=True)
    use_by = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        one_date_only(data)


class StocktakeLineOut(Schema):
    id = fields.Integer()
    sku = fields.String(attribute="batch.product.sku")
    name = fields.String(attribute="batch.product.name")
    unit = unit_field("batch.product.unit")
    best_before, use_by = batch_dates("batch.")
    expected = fields.Integer(attribute="expected_quantity")
    counted = fields.Integer(attribute="counted_quantity", allow_none=True)
    difference = fields.Integer(allow_none=True)


class StocktakeOut(Schema):
    id = fields.Integer()
    category = fields.String(allow_none=True)
    status = fields.String()
    note = fields.String()
    started_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(StocktakeLineOut))
