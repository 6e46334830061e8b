"""Stock levels, alerts and the ledger: their queries, inputs (waste, give-out, minimum)
and output shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supermarket.inputs import Id, Int, Str, limit_field
from supermarket.serialise import Computed, PageOut
from supermarket.stock.models import (
    MovementKind,
    WasteReason,
)
from supermarket.stock.schemas.base import (
    CATEGORIES,
    WASTE_REASONS,
    batch_dates,
    unit_field,
)
from supermarket.stock.schemas.catalogue import ProductOut


class LevelOut(Schema):
    sku = fields.String(attribute="product.sku")
    name = fields.String(attribute="product.name")
    category = fields.String(attribute="product.category")
    band = fields.String(attribute="product.band")
    unit = unit_field("product.unit")
    quantity = fields.Integer()
    usable_quantity = fields.Integer(metadata={"description": "Not past its use-by date"})
    weight_g = fields.Integer()
    value_pence = fields.Integer(metadata={"description": "At reference retail prices"})
    best_before, use_by = batch_dates("earliest_")
    min_level = fields.Integer(allow_none=True)
    flags = fields.List(
        fields.String(),
        metadata={"description": "below_minimum, use_by_soon, past_use_by, past_best_before"},
    )


class LevelListOut(PageOut):
    items = fields.List(fields.Nested(LevelOut))


class BatchOut(Schema):
    id = fields.Integer()
    sku = fields.String(attribute="product.sku")
    name = fields.String(attribute="product.name")
    category = fields.String(attribute="product.category")
    unit = unit_field("product.unit")
    quantity = fields.Integer()
    weight_g = Computed(lambda b: b.quantity * b.product.unit_weight_g, fields.Integer())
    best_before, use_by = batch_dates()
    source = fields.String()


class ItemOut(Schema):
    product = fields.Nested(ProductOut)
    min_level = fields.Integer(allow_none=True)
    batches = fields.List(fields.Nested(BatchOut))


class AlertsOut(Schema):
    below_minimum = fields.List(fields.Nested(LevelOut))
    use_by_soon = fields.List(fields.Nested(BatchOut))
    past_best_before = fields.List(fields.Nested(BatchOut))
    past_use_by = fields.List(fields.Nested(BatchOut))
    use_by_days = fields.Integer()


class MovementOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    sku = fields.String(attribute="product.sku")
    unit = unit_field("product.unit")
    quantity = fields.Integer()
    weight_g = fields.Integer()
    reason = fields.String(allow_none=True)
    note = fields.String()
    source = fields.String()
    category = fields.String()
    best_before, use_by = batch_dates("batch.")
    donation_id = fields.Integer(allow_none=True)
    transfer_id = fields.Integer(allow_none=True)
    stocktake_id = fields.Integer(allow_none=True)
    visit_id = fields.Integer(allow_none=True)
    at = fields.DateTime()
    local_date = fields.Date()


class MovementListOut(PageOut):
    items = fields.List(fields.Nested(MovementOut))


class MovementQuery(Schema):
    kind = Str(validate=validate.OneOf([k.value for k in MovementKind]))
    sku = Str(validate=validate.Length(max=20))
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    limit = limit_field()
    cursor = Str()


class WasteIn(Schema):
    sku = Str(required=True, validate=validate.Length(min=1, max=20))
    quantity = Int(required=True, strict=True, validate=validate.Range(min=1, max=10_000_000))
    reason = Str(required=True, validate=validate.OneOf(WASTE_REASONS))
    note = Str(load_default="", validate=validate.Length(max=300))
    batch_id = Id(load_default=None, allow_none=True)


class GiveOutIn(Schema):
    sku = Str(required=True, validate=validate.Length(min=1, max=20))
    quantity = Int(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=10_000_000),
        metadata={"description": "In the product's unit: items, or grams for CRATE- skus"},
    )


class WasteExpiredIn(Schema):
    reason = Str(load_default=WasteReason.PAST_USE_BY.value, validate=validate.OneOf(WASTE_REASONS))
    note = Str(load_default="", validate=validate.Length(max=300))


class MovementsOut(Schema):
    movements = fields.List(fields.Nested(MovementOut))
    quantity = Computed(
        lambda ms: -sum(m.quantity for m in ms["movements"]),
        fields.Integer(),
        metadata={"description": "Taken out of stock in all, in the product's unit"},
    )
    weight_g = Computed(lambda ms: -sum(m.weight_g for m in ms["movements"]), fields.Integer())


class MinimumIn(Schema):
    min_level = Int(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000)
    )


class LevelQuery(Schema):
    category = Str(load_default=None, validate=validate.OneOf(CATEGORIES))
