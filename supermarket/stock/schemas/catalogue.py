"""The catalogue's input and output shapes: products."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from supermarket.inputs import Int, Str, limit_field
from supermarket.serialise import PageOut
from supermarket.stock.schemas.base import (
    CATEGORIES,
)
from supermarket.stock.services.products import NewProduct, ProductChanges


class ProductIn(Schema):
    sku = Str(required=True, validate=validate.Length(min=2, max=20))
    name = Str(required=True, validate=validate.Length(min=1, max=120))
    category = Str(required=True, validate=validate.OneOf(CATEGORIES))
    band = Str(load_default="blue", validate=validate.Length(min=1, max=20))
    unit_weight_g = Int(required=True, strict=True, validate=validate.Range(min=1, max=100_000))
    reference_price_pence = Int(
        load_default=0, strict=True, validate=validate.Range(min=0, max=100_000)
    )
    barcode = Str(load_default=None, allow_none=True, validate=validate.Length(max=20))
    active = fields.Boolean(load_default=True)
    min_level = Int(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=1_000_000),
    )

    @post_load
    def _product(
        self, data: dict[str, Any], *, partial: Any = None, **_: Any
    ) -> NewProduct | ProductChanges:
        """A new product; loaded with partial=True, the changes sent."""
        if partial:
            return ProductChanges(sent=frozenset(data), **data)
        return NewProduct(**data)


class ProductPatch(ProductIn):
    """Any of ProductIn's fields; load it with partial=True."""


class ProductOut(Schema):
    sku = fields.String()
    name = fields.String()
    category = fields.String()
    band = fields.String()
    unit_weight_g = fields.Integer()
    reference_price_pence = fields.Integer()
    barcode = fields.String(allow_none=True)
    active = fields.Boolean()
    min_level = fields.Integer(allow_none=True)
    weight_only = fields.Boolean(metadata={"description": "Weighed crates: quantities in grams"})
    unit = fields.String(metadata={"description": "item, or g for weight-only products"})


class ProductListOut(PageOut):
    items = fields.List(fields.Nested(ProductOut))


class ProductQuery(Schema):
    q = Str(metadata={"description": "A scanned barcode, a sku, or words of the name"})
    category = Str(validate=validate.OneOf(CATEGORIES))
    limit = limit_field()
    cursor = Str()
