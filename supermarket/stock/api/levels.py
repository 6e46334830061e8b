"""JSON endpoints for a site's stock levels, alerts, waste, give-outs and ledger."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, STAFF, actor, roles
from supermarket.http import api_doc, json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, page, query_args, saved, staff_site
from supermarket.stock.models import (
    StockMovement,
)
from supermarket.stock.services import ledger, levels


@bp.get("/sites/<code>/stock")
@roles(*STAFF)
@api_doc(
    "Stock levels: every product held or with a minimum, with its earliest dates and flags.",
    query=s.LevelQuery,
    responses={200: s.LevelListOut},
    tag="stock",
)
def list_levels(code: str) -> ResponseReturnValue:
    site = staff_site(code)
    args = query_args(s.LevelQuery())
    rows = levels.stock_levels(site, actor=actor(), category=args["category"])
    return {"items": s.LevelOut(many=True).dump(rows), "next": None}


@bp.get("/sites/<code>/stock/alerts")
@roles(*STAFF)
@api_doc(
    "Below minimum, use-by soon, past best-before (move to free), past use-by (waste).",
    responses={200: s.AlertsOut},
    tag="stock",
)
def alerts(code: str) -> ResponseReturnValue:
    return s.AlertsOut().dump(levels.alerts(staff_site(code), actor=actor()))


@bp.get("/sites/<code>/stock/items/<sku>")
@roles(*STAFF)
@api_doc(
    "One product at the site with its batches in issuing order.",
    responses={200: s.ItemOut},
    tag="stock",
)
def item(code: str, sku: str) -> ResponseReturnValue:
    return s.ItemOut().dump(levels.stock_item(staff_site(code), sku, actor=actor()))


@bp.put("/sites/<code>/stock/items/<sku>/minimum")
@roles(*MANAGERS)
@api_doc(
    "Set the site's own minimum level for a product (null: use the catalogue's).",
    body=s.MinimumIn,
    responses={200: s.ItemOut},
    tag="stock",
)
def set_minimum(code: str, sku: str) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    data = s.MinimumIn().load(json_body())
    levels.set_site_minimum(site, sku, data["min_level"], actor=actor())
    return saved(s.ItemOut(), levels.stock_item(site, sku, actor=actor()))


@bp.post("/sites/<code>/stock/waste")
@roles(*MANAGERS)
@api_doc(
    "Write stock off with a reason, earliest-dated first (or from one batch).",
    body=s.WasteIn,
    responses={201: s.MovementsOut},
    tag="stock",
)
def waste(code: str) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    data = s.WasteIn().load(json_body())
    moved = ledger.waste(
        site,
        data.pop("sku"),
        data.pop("quantity"),
        data.pop("reason"),
        actor=actor(),
        **data,
    )
    return saved(s.MovementsOut(), {"movements": moved}, 201)


@bp.post("/sites/<code>/stock/give-out")
@roles(*STAFF)
@api_doc(
    "Record stock given out at a session without a scan (free items, band-counted baskets, "
    "weighed crates in grams).",
    body=s.GiveOutIn,
    responses={201: s.MovementsOut},
    tag="stock",
)
def give_out(code: str) -> ResponseReturnValue:
    site = staff_site(code)
    data = s.GiveOutIn().load(json_body())
    moved = ledger.give_out(site, data["sku"], data["quantity"], actor=actor())
    return saved(s.MovementsOut(), {"movements": moved}, 201)


@bp.post("/sites/<code>/stock/waste-expired")
@roles(*MANAGERS)
@api_doc(
    "Write off everything past its use-by date in one action.",
    body=s.WasteExpiredIn,
    responses={201: s.MovementsOut},
    tag="stock",
)
def waste_expired(code: str) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    data = s.WasteExpiredIn().load(json_body())
    moved = ledger.waste_expired(site, actor=actor(), **data)
    return saved(s.MovementsOut(), {"movements": moved}, 201)


@bp.get("/sites/<code>/stock/movements")
@roles(*STAFF)
@api_doc(
    "The site's stock ledger, oldest first (filter by kind, sku, from, to).",
    query=s.MovementQuery,
    responses={200: s.MovementListOut},
    tag="stock",
)
def movements(code: str) -> ResponseReturnValue:
    site = staff_site(code)
    args = query_args(s.MovementQuery())
    stmt = levels.movements_query(
        site,
        actor=actor(),
        kind=args.get("kind"),
        sku=args.get("sku"),
        start=args.get("start"),
        end=args.get("end"),
    )
    return page(stmt, StockMovement.id, s.MovementOut, args.get("cursor"))
