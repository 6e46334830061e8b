"""Fridge and freezer temperatures: input and output shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supermarket.inputs import Decimal, Str
from supermarket.serialise import Computed, PageOut
from supermarket.stock.models import (
    UnitKind,
)
from supermarket.stock.schemas.base import (
    CELSIUS,
)


class TemperatureIn(Schema):
    unit_name = Str(required=True, validate=validate.Length(min=1, max=60))
    unit_kind = Str(required=True, validate=validate.OneOf([k.value for k in UnitKind]))
    celsius = Decimal(
        required=True, minimum=CELSIUS[0], maximum=CELSIUS[1], metadata={"description": "°C"}
    )
    action_taken = Str(load_default="", validate=validate.Length(max=500))


class TemperatureOut(Schema):
    id = fields.Integer()
    unit_name = fields.String()
    unit_kind = fields.String()
    celsius = fields.Float()
    out_of_range = fields.Boolean()
    action_taken = fields.String()
    recorded_by = Computed(lambda t: t.actor.name if t.actor else "", fields.String())
    at = fields.DateTime()
    local_date = fields.Date()


class TemperatureListOut(PageOut):
    items = fields.List(fields.Nested(TemperatureOut))
