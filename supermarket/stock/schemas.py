"""API shapes for stock: inputs reject unknown fields; outputs say each quantity's unit."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from supermarket.inputs import Decimal, Id, Int, Str, limit_field
from supermarket.serialise import Computed
from supermarket.stock.models import (
    Category,
    DonorKind,
    MovementKind,
    UnitKind,
    WasteReason,
)
from supermarket.stock.services.temperatures import PLAUSIBLE

CATEGORIES = [c.value for c in Category]
DONOR_KINDS = [k.value for k in DonorKind]
WASTE_REASONS = [r.value for r in WasteReason]
# A plausible fridge or freezer reading, in °C (the service's bounds, in tenths).
CELSIUS = (PLAUSIBLE[0] // 10, PLAUSIBLE[1] // 10)


def _one_date(data: dict[str, Any]) -> None:
    if data.get("best_before") is not None and data.get("use_by") is not None:
        raise ValidationError("Give a use-by or a best-before date, not both.", "use_by")


def _unit(attribute: str) -> fields.String:
    return fields.String(
        attribute=attribute,
        metadata={"enum": ["item", "g"], "description": "item, or g for weight-only products"},
    )


# --- products ------------------------------------------------------------------------------


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


class ProductListOut(Schema):
    items = fields.List(fields.Nested(ProductOut))
    next = fields.String(allow_none=True)


class ProductQuery(Schema):
    q = Str(metadata={"description": "A scanned barcode, a sku, or words of the name"})
    category = Str(validate=validate.OneOf(CATEGORIES))
    limit = limit_field()
    cursor = Str()


# --- donations -----------------------------------------------------------------------------


class DonorIn(Schema):
    id = Id(metadata={"description": "An existing donor, or give name and kind"})
    name = Str(validate=validate.Length(min=1, max=120))
    kind = Str(validate=validate.OneOf(DONOR_KINDS))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if "id" not in data and not ("name" in data and "kind" in data):
            raise ValidationError("Give the donor's id, or its name and kind.", "name")


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
        _one_date(data)
        if "sku" in data and "category" in data:
            raise ValidationError("Give a sku or a category, not both.", "category")
        if "sku" in data and "quantity" not in data:
            raise ValidationError("Give the quantity.", "quantity")


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


class DonorOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


class DonationLineOut(Schema):
    sku = fields.String(attribute="product.sku")
    name = fields.String(attribute="product.name")
    category = fields.String(attribute="product.category")
    unit = _unit("product.unit")
    quantity = fields.Integer()
    weight_g = fields.Integer()
    best_before = fields.Date(allow_none=True)
    use_by = fields.Date(allow_none=True)
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


class DonationListOut(Schema):
    items = fields.List(fields.Nested(DonationSummaryOut))
    next = fields.String(allow_none=True)


class DonorListOut(Schema):
    items = fields.List(fields.Nested(DonorOut))
    next = fields.String(allow_none=True)


# --- levels, alerts, ledger ----------------------------------------------------------------


class LevelOut(Schema):
    sku = fields.String(attribute="product.sku")
    name = fields.String(attribute="product.name")
    category = fields.String(attribute="product.category")
    band = fields.String(attribute="product.band")
    unit = _unit("product.unit")
    quantity = fields.Integer()
    usable_quantity = fields.Integer(metadata={"description": "Not past its use-by date"})
    weight_g = fields.Integer()
    value_pence = fields.Integer(metadata={"description": "At reference retail prices"})
    best_before = fields.Date(attribute="earliest_best_before", allow_none=True)
    use_by = fields.Date(attribute="earliest_use_by", allow_none=True)
    min_level = fields.Integer(allow_none=True)
    flags = fields.List(
        fields.String(),
        metadata={"description": "below_minimum, use_by_soon, past_use_by, past_best_before"},
    )


class LevelListOut(Schema):
    items = fields.List(fields.Nested(LevelOut))
    next = fields.String(allow_none=True)


class BatchOut(Schema):
    id = fields.Integer()
    sku = fields.String(attribute="product.sku")
    name = fields.String(attribute="product.name")
    category = fields.String(attribute="product.category")
    unit = _unit("product.unit")
    quantity = fields.Integer()
    weight_g = Computed(lambda b: b.quantity * b.product.unit_weight_g, fields.Integer())
    best_before = fields.Date(allow_none=True)
    use_by = fields.Date(allow_none=True)
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
    unit = _unit("product.unit")
    quantity = fields.Integer()
    weight_g = fields.Integer()
    reason = fields.String(allow_none=True)
    note = fields.String()
    source = fields.String()
    category = fields.String()
    best_before = fields.Date(attribute="batch.best_before", allow_none=True)
    use_by = fields.Date(attribute="batch.use_by", allow_none=True)
    donation_id = fields.Integer(allow_none=True)
    transfer_id = fields.Integer(allow_none=True)
    stocktake_id = fields.Integer(allow_none=True)
    visit_id = fields.Integer(allow_none=True)
    at = fields.DateTime()
    local_date = fields.Date()


class MovementListOut(Schema):
    items = fields.List(fields.Nested(MovementOut))
    next = fields.String(allow_none=True)


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


# --- transfers -----------------------------------------------------------------------------


class TransferLineIn(Schema):
    sku = Str(required=True, validate=validate.Length(min=1, max=20))
    quantity = Int(required=True, strict=True, validate=validate.Range(min=1, max=10_000_000))


class TransferIn(Schema):
    to_site = Str(required=True, validate=validate.Length(min=1, max=20))
    note = Str(load_default="", validate=validate.Length(max=500))
    lines = fields.List(
        fields.Nested(TransferLineIn), required=True, validate=validate.Length(min=1, max=200)
    )


class ReceivedLineIn(Schema):
    id = Id(required=True)
    quantity_received = Int(
        required=True, strict=True, validate=validate.Range(min=0, max=10_000_000)
    )


class TransferReceiveIn(Schema):
    lines = fields.List(
        fields.Nested(ReceivedLineIn),
        load_default=list,
        metadata={"description": "Lines that arrived short; others in full"},
    )
    note = Str(load_default="", validate=validate.Length(max=500))


class TransferLineOut(Schema):
    id = fields.Integer()
    sku = fields.String(attribute="product.sku")
    name = fields.String(attribute="product.name")
    unit = _unit("product.unit")
    best_before = fields.Date(attribute="from_batch.best_before", allow_none=True)
    use_by = fields.Date(attribute="from_batch.use_by", allow_none=True)
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


class TransferListOut(Schema):
    items = fields.List(fields.Nested(TransferOut))
    next = fields.String(allow_none=True)


# --- stocktakes ----------------------------------------------------------------------------


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
        _one_date(data)


class StocktakeLineOut(Schema):
    id = fields.Integer()
    sku = fields.String(attribute="batch.product.sku")
    name = fields.String(attribute="batch.product.name")
    unit = _unit("batch.product.unit")
    best_before = fields.Date(attribute="batch.best_before", allow_none=True)
    use_by = fields.Date(attribute="batch.use_by", allow_none=True)
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


# --- temperatures --------------------------------------------------------------------------


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


class TemperatureListOut(Schema):
    items = fields.List(fields.Nested(TemperatureOut))
    next = fields.String(allow_none=True)


class PeriodQuery(Schema):
    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)


class PageQuery(Schema):
    limit = limit_field()
    cursor = Str()


class PeriodPageQuery(PeriodQuery, PageQuery):
    pass


class LevelQuery(Schema):
    category = Str(load_default=None, validate=validate.OneOf(CATEGORIES))


# --- report --------------------------------------------------------------------------------


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
