"""Transfers between sites: input and output shapes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from supermarket.inputs import Id, Int, Str
from supermarket.serialise import PageOut
from supermarket.stock.schemas.base import (
    batch_dates,
    unit_field,
)
from supermarket.stock.services.transfers import (
    ReceivedLine,
    TransferLine,
    TransferReceipt,
    TransferRequest,
)


class TransferLineIn(Schema):
    sku = Str(required=True, validate=validate.Length(min=1, max=20))
    quantity = Int(required=True, strict=True, validate=validate.Range(min=1, max=10_000_000))

    @post_load
    def _line(self, data: dict[str, Any], **_: Any) -> TransferLine:
        return TransferLine(**data)


class TransferIn(Schema):
    to_site = Str(required=True, validate=validate.Length(min=1, max=20))
    note = Str(load_default="", validate=validate.Length(max=500))
    lines = fields.List(
        fields.Nested(TransferLineIn), required=True, validate=validate.Length(min=1, max=200)
    )

    @post_load
    def _request(self, data: dict[str, Any], **_: Any) -> TransferRequest:
        return TransferRequest(data["to_site"], tuple(data["lines"]), data["note"])


class ReceivedLineIn(Schema):
    id = Id(required=True)
    quantity_received = Int(
        required=True, strict=True, validate=validate.Range(min=0, max=10_000_000)
    )

    @post_load
    def _line(self, data: dict[str, Any], **_: Any) -> ReceivedLine:
        return ReceivedLine(**data)


class TransferReceiveIn(Schema):
    lines = fields.List(
        fields.Nested(ReceivedLineIn),
        load_default=list,
        metadata={"description": "Lines that arrived short; others in full"},
    )
    note = Str(load_default="", validate=validate.Length(max=500))

    @post_load
    def _receipt(self, data: dict[str, Any], **_: Any) -> TransferReceipt:
        return TransferReceipt(tuple(data["lines"]), data["note"])


class TransferLineOut(Schema):
    id = fields.Integer()
    sku = fields.String(attribute="product.sku")
    name = fields.String(attribute="product.name")
    unit = unit_field("product.unit")
    best_before, use_by = batch_dates("from_batch.")
    quantity_sent = fields.Integer()
    quantity_received = fields.Integer(allow_none=True)
    quantity_short = fields.Integer(allow_none=True)


class TransferOut(Schema):
    id = fields.Integer()
    from_site = fields.String(attribute="from_site.code")
    to_site = fields.String(attribute="to_site.code")
    status = fields.String()
    note = fields.String()
    receive_note = fields.String()
    sent_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(TransferLineOut))


class TransferListOut(PageOut):
    items = fields.List(fields.Nested(TransferOut))
