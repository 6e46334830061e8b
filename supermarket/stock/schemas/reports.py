"""The stock report's output shape."""

from __future__ import annotations

from marshmallow import Schema, fields


class TotalsOut(Schema):
    items = fields.Integer()
    weight_g = fields.Integer()
    value_pence = fields.Integer()


def _totals(description: str = "") -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.Nested(TotalsOut), metadata={"description": description}
    )


class ReportOut(Schema):
    site = fields.String(attribute="site.code")
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    held = fields.Nested(TotalsOut)
    held_by_category = _totals("By category")
    received_by_source = _totals("By donor kind or purchase")
    received_by_category = _totals("By category")
    issued_by_category = _totals("By category")
    wasted_by_reason = _totals("By waste reason")
    wasted_by_category = _totals("By category")
    flows = _totals("Signed totals by movement kind")
    purchases_cost_pence = fields.Integer()
