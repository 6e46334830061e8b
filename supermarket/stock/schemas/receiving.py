"""Receiving's input and output shapes: donors, donations and their lines."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from supermarket.inputs import Id, Int, Str
from supermarket.serialise import PageOut
from supermarket.stock.schemas.base import (
    CATEGORIES,
    DONOR_KINDS,
    batch_dates,
    one_date_only,
    unit_field,
)
from supermarket.stock.services.receiving import DeliveryLine, DonationRequest, DonorChoice


class DonorIn(Schema):
    id = Id(metadata={"description": "An existing donor, or give name and kind"})
    name = Str(validate=validate.Length(min=1, max=120))
    kind = Str(validate=validate.OneOf(DONOR_KINDS))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if "id" in data or ("name" in data and "kind" in data):
            return
        if "name" in data:
            raise ValidationError("Choose the kind of donor.", "kind")
        if "kind" in data:
            raise ValidationError("Give the new donor's name.", "name")
        raise ValidationError("Choose a donor, or give a new donor's name and kind.", "name")

    @post_load
    def _choice(self, data: dict[str, Any], **_: Any) -> DonorChoice:
        return DonorChoice(**data)


class DonationLineIn(Schema):
    """An item line (sku and quantity) or a weigh-in line (category and weight_g)."""

    sku = Str(validate=validate.Length(min=1, max=20))
    category = Str(validate=validate.OneOf(CATEGORIES))
    quantity = Int(strict=True, validate=validate.Range(min=1, max=100_000))
    weight_g = Int(strict=True, validate=validate.Range(min=1, max=10_000_000))
    best_before = fields.Date(allow_none=True)
    use_by = fields.Date(allow_none=True)
    cost_pence = Int(strict=True, allow_none=True, validate=validate.Range(min=0, max=10_000_000))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        one_date_only(data)
        if "sku" in data and "category" in data:
            raise ValidationError("Give a sku or a category, not both.", "category")
        if "sku" in data and "quantity" not in data:
            raise ValidationError("Give the quantity.", "quantity")

    @post_load
    def _line(self, data: dict[str, Any], **_: Any) -> DeliveryLine:
        return DeliveryLine(**data)


class DonationIn(Schema):
    donor = fields.Nested(DonorIn, required=True)
    received_on = fields.Date(
        load_default=None, metadata={"description": "Defaults to today at the site"}
    )
    note = Str(load_default="", validate=validate.Length(max=500))
    lines = fields.List(
        fields.Nested(DonationLineIn),
        required=True,
        validate=validate.Length(min=1, max=500, error="Add from 1 to 500 lines."),
    )

    @post_load
    def _request(self, data: dict[str, Any], **_: Any) -> DonationRequest:
        return DonationRequest(
            data["donor"], tuple(data["lines"]), data["received_on"], data["note"]
        )


class DonorOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


class DonationLineOut(Schema):
    sku = fields.String(attribute="product.sku")
    name = fields.String(attribute="product.name")
    category = fields.String(attribute="product.category")
    unit = unit_field("product.unit")
    quantity = fields.Integer()
    weight_g = fields.Integer()
    best_before, use_by = batch_dates()
    cost_pence = fields.Integer(allow_none=True)


class DonationOut(Schema):
    id = fields.Integer()
    site = fields.String(attribute="site.code")
    donor = fields.Nested(DonorOut)
    received_on = fields.Date()
    note = fields.String()
    total_quantity = fields.Integer(metadata={"description": "Items; weighed crates excluded"})
    total_weight_g = fields.Integer()
    total_cost_pence = fields.Integer()
    lines = fields.List(fields.Nested(DonationLineOut))
    created_at = fields.DateTime()


class DonationSummaryOut(DonationOut):
    class Meta:
        exclude = ("lines",)


class DonationListOut(PageOut):
    items = fields.List(fields.Nested(DonationSummaryOut))


class DonorListOut(PageOut):
    items = fields.List(fields.Nested(DonorOut))
