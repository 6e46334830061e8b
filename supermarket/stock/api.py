"""JSON endpoints for the catalogue and each site's stock (site codes in the URL)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from supermarket.auth.access import site_for_staff
from supermarket.auth.models import Role
from supermarket.auth.web import ALL_ROLES, MANAGERS, STAFF, actor, roles
from supermarket.extensions import db
from supermarket.http import api_doc, json_body, keyset_page, page_limit
from supermarket.sites.models import Site
from supermarket.stock import schemas as s
from supermarket.stock.models import (
    Donation,
    Product,
    StockMovement,
    StockTransfer,
    TemperatureCheck,
)
from supermarket.stock.services import ledger, levels, products, receiving, reports, stocktake
from supermarket.stock.services import temperatures as temps
from supermarket.stock.services import transfers as xfers

bp = Blueprint("stock_api", __name__, url_prefix="/api/v1")
EDITORS = (Role.SITE_MANAGER, Role.ADMIN)


def _site(code: str, *, managers_only: bool = False) -> Site:
    return site_for_staff(code, actor(), managers_only=managers_only)


def _query(schema: Schema) -> dict[str, Any]:
    return dict(schema.load(request.args.to_dict()))


# --- catalogue -----------------------------------------------------------------------------


@bp.get("/products")
@roles(*ALL_ROLES)
@api_doc(
    "Search the catalogue: a scanned barcode or sku finds that product, else name words.",
    query=s.ProductQuery,
    responses={200: s.ProductListOut},
    tag="products",
)
def list_products() -> ResponseReturnValue:
    args = _query(s.ProductQuery())
    stmt = products.products_query(q=args.get("q", ""), category=args.get("category"))
    items, nxt = keyset_page(stmt, Product.id, limit=page_limit(), cursor=args.get("cursor"))
    return {"items": s.ProductOut(many=True).dump(items), "next": nxt}


@bp.post("/products")
@roles(*EDITORS)
@api_doc(
    "Add a product (site managers, administrators).",
    body=s.ProductIn,
    responses={201: s.ProductOut},
    tag="products",
)
def create_product() -> ResponseReturnValue:
    product = products.create_product(s.ProductIn().load(json_body()), actor=actor())
    db.session.commit()
    return s.ProductOut().dump(product), 201


@bp.get("/products/<code>")
@roles(*ALL_ROLES)
@api_doc("A product by sku or barcode.", responses={200: s.ProductOut}, tag="products")
def get_product(code: str) -> ResponseReturnValue:
    return s.ProductOut().dump(products.lookup_product(code))


@bp.patch("/products/<code>")
@roles(*EDITORS)
@api_doc(
    "Change some of a product's fields.",
    body=s.ProductPatch(partial=True),
    responses={200: s.ProductOut},
    tag="products",
)
def update_product(code: str) -> ResponseReturnValue:
    changes = s.ProductPatch(partial=True).load(json_body())
    product = products.update_product(products.lookup_product(code), changes, actor=actor())
    db.session.commit()
    return s.ProductOut().dump(product)


# --- levels, alerts, waste, ledger ---------------------------------------------------------


@bp.get("/sites/<code>/stock")
@roles(*STAFF)
@api_doc(
    "Stock levels: every product held or with a minimum, with its earliest dates and flags.",
    query=s.LevelQuery,
    responses={200: s.LevelListOut},
    tag="stock",
)
def list_levels(code: str) -> ResponseReturnValue:
    site = _site(code)
    args = _query(s.LevelQuery())
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
    return s.AlertsOut().dump(levels.alerts(_site(code), actor=actor()))


@bp.get("/sites/<code>/stock/items/<sku>")
@roles(*STAFF)
@api_doc(
    "One product at the site with its batches in issuing order.",
    responses={200: s.ItemOut},
    tag="stock",
)
def item(code: str, sku: str) -> ResponseReturnValue:
    return s.ItemOut().dump(levels.stock_item(_site(code), sku, actor=actor()))


@bp.put("/sites/<code>/stock/items/<sku>/minimum")
@roles(*MANAGERS)
@api_doc(
    "Set the site's own minimum level for a product (null: use the catalogue's).",
    body=s.MinimumIn,
    responses={200: s.ItemOut},
    tag="stock",
)
def set_minimum(code: str, sku: str) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    data = s.MinimumIn().load(json_body())
    levels.set_site_minimum(site, sku, data["min_level"], actor=actor())
    db.session.commit()
    return s.ItemOut().dump(levels.stock_item(site, sku, actor=actor()))


@bp.post("/sites/<code>/stock/waste")
@roles(*MANAGERS)
@api_doc(
    "Write stock off with a reason, earliest-dated first (or from one batch).",
    body=s.WasteIn,
    responses={201: s.MovementsOut},
    tag="stock",
)
def waste(code: str) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    data = s.WasteIn().load(json_body())
    moved = ledger.waste(
        site,
        data.pop("sku"),
        data.pop("quantity"),
        data.pop("reason"),
        actor=actor(),
        **data,
    )
    db.session.commit()
    return s.MovementsOut().dump({"movements": moved}), 201


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
    site = _site(code)
    data = s.GiveOutIn().load(json_body())
    moved = ledger.give_out(site, data["sku"], data["quantity"], actor=actor())
    db.session.commit()
    return s.MovementsOut().dump({"movements": moved}), 201


@bp.post("/sites/<code>/stock/waste-expired")
@roles(*MANAGERS)
@api_doc(
    "Write off everything past its use-by date in one action.",
    body=s.WasteExpiredIn,
    responses={201: s.MovementsOut},
    tag="stock",
)
def waste_expired(code: str) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    data = s.WasteExpiredIn().load(json_body())
    moved = ledger.waste_expired(site, actor=actor(), **data)
    db.session.commit()
    return s.MovementsOut().dump({"movements": moved}), 201


@bp.get("/sites/<code>/stock/movements")
@roles(*STAFF)
@api_doc(
    "The site's stock ledger, oldest first (filter by kind, sku, from, to).",
    query=s.MovementQuery,
    responses={200: s.MovementListOut},
    tag="stock",
)
def movements(code: str) -> ResponseReturnValue:
    site = _site(code)
    args = _query(s.MovementQuery())
    stmt = levels.movements_query(
        site,
        actor=actor(),
        kind=args.get("kind"),
        sku=args.get("sku"),
        start=args.get("start"),
        end=args.get("end"),
    )
    rows, nxt = keyset_page(stmt, StockMovement.id, limit=page_limit(), cursor=args.get("cursor"))
    return {"items": s.MovementOut(many=True).dump(rows), "next": nxt}


@bp.get("/sites/<code>/stock/report")
@roles(*MANAGERS)
@api_doc(
    "Stock held (items, weight, value) and in/out/waste in a period (default: this month).",
    query=s.PeriodQuery,
    responses={200: s.ReportOut},
    tag="stock",
)
def report(code: str) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    args = _query(s.PeriodQuery())
    return s.ReportOut().dump(reports.stock_report(site, actor=actor(), **args))


# --- donations -----------------------------------------------------------------------------


@bp.get("/sites/<code>/donors")
@roles(*STAFF)
@api_doc("The site's donors.", responses={200: s.DonorListOut}, tag="donations")
def donors(code: str) -> ResponseReturnValue:
    rows = receiving.list_donors(_site(code), actor=actor())
    return {"items": s.DonorOut(many=True).dump(rows), "next": None}


@bp.post("/sites/<code>/donations")
@roles(*STAFF)
@api_doc(
    "Receive a delivery or purchase: item lines (sku, quantity) and weigh-in lines "
    "(category, weight_g). One bad line and nothing is stored.",
    body=s.DonationIn,
    responses={201: s.DonationOut},
    tag="donations",
)
def receive(code: str) -> ResponseReturnValue:
    site = _site(code)
    donation = receiving.receive_donation(site, s.DonationIn().load(json_body()), actor=actor())
    db.session.commit()
    return s.DonationOut().dump(donation), 201


@bp.get("/sites/<code>/donations")
@roles(*STAFF)
@api_doc(
    "Donations received at the site, oldest first.",
    query=s.PageQuery,
    responses={200: s.DonationListOut},
    tag="donations",
)
def donations(code: str) -> ResponseReturnValue:
    site = _site(code)
    args = _query(s.PageQuery())
    stmt = receiving.donations_query(site, actor=actor())
    rows, nxt = keyset_page(stmt, Donation.id, limit=page_limit(), cursor=args.get("cursor"))
    return {"items": s.DonationSummaryOut(many=True).dump(rows), "next": nxt}


@bp.get("/sites/<code>/donations/<int:donation_id>")
@roles(*STAFF)
@api_doc("One donation with its lines.", responses={200: s.DonationOut}, tag="donations")
def donation(code: str, donation_id: int) -> ResponseReturnValue:
    return s.DonationOut().dump(receiving.get_donation(_site(code), donation_id, actor=actor()))


# --- transfers -----------------------------------------------------------------------------


@bp.post("/sites/<code>/transfers")
@roles(*MANAGERS)
@api_doc(
    "Send stock to another site (earliest-expiring first, never past use-by).",
    body=s.TransferIn,
    responses={201: s.TransferOut},
    tag="transfers",
)
def send_transfer(code: str) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    data = s.TransferIn().load(json_body())
    transfer = xfers.send_transfer(site, data, actor=actor())
    db.session.commit()
    return s.TransferOut().dump(transfer), 201


@bp.get("/sites/<code>/transfers")
@roles(*MANAGERS)
@api_doc(
    "Transfers sent from or coming to the site.",
    query=s.PageQuery,
    responses={200: s.TransferListOut},
    tag="transfers",
)
def list_transfers(code: str) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    args = _query(s.PageQuery())
    stmt = xfers.transfers_query(site, actor=actor())
    rows, nxt = keyset_page(stmt, StockTransfer.id, limit=page_limit(), cursor=args.get("cursor"))
    return {"items": s.TransferOut(many=True).dump(rows), "next": nxt}


@bp.get("/sites/<code>/transfers/<int:transfer_id>")
@roles(*MANAGERS)
@api_doc("One transfer.", responses={200: s.TransferOut}, tag="transfers")
def get_transfer(code: str, transfer_id: int) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    return s.TransferOut().dump(xfers.get_transfer(site, transfer_id, actor=actor()))


@bp.post("/sites/<code>/transfers/<int:transfer_id>/receive")
@roles(*MANAGERS)
@api_doc(
    "Receive a transfer at this site; list only the lines that arrived short.",
    body=s.TransferReceiveIn,
    responses={200: s.TransferOut},
    tag="transfers",
)
def receive_transfer(code: str, transfer_id: int) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    data = s.TransferReceiveIn().load(json_body())
    transfer = xfers.receive_transfer(site, transfer_id, data, actor=actor())
    db.session.commit()
    return s.TransferOut().dump(transfer)


@bp.post("/sites/<code>/transfers/<int:transfer_id>/cancel")
@roles(*MANAGERS)
@api_doc("Call back a transfer still in transit.", responses={200: s.TransferOut}, tag="transfers")
def cancel_transfer(code: str, transfer_id: int) -> ResponseReturnValue:
    transfer = xfers.cancel_transfer(_site(code, managers_only=True), transfer_id, actor=actor())
    db.session.commit()
    return s.TransferOut().dump(transfer)


# --- stocktakes ----------------------------------------------------------------------------


@bp.post("/sites/<code>/stocktakes")
@roles(*MANAGERS)
@api_doc(
    "Start a stocktake (one category, or all).",
    body=s.StocktakeIn,
    responses={201: s.StocktakeOut},
    tag="stocktakes",
)
def start_stocktake(code: str) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    data = s.StocktakeIn().load(json_body())
    take = stocktake.start_stocktake(site, actor=actor(), **data)
    db.session.commit()
    return s.StocktakeOut().dump(take), 201


@bp.get("/sites/<code>/stocktakes/<int:stocktake_id>")
@roles(*MANAGERS)
@api_doc(
    "A stocktake with its lines and differences.", responses={200: s.StocktakeOut}, tag="stocktakes"
)
def get_stocktake(code: str, stocktake_id: int) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    return s.StocktakeOut().dump(stocktake.get_stocktake(site, stocktake_id, actor=actor()))


@bp.put("/sites/<code>/stocktakes/<int:stocktake_id>/counts")
@roles(*MANAGERS)
@api_doc(
    "Save counts by line id (null clears a count).",
    body=s.CountsIn,
    responses={200: s.StocktakeOut},
    tag="stocktakes",
)
def put_counts(code: str, stocktake_id: int) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    counts = {c["id"]: c["counted"] for c in s.CountsIn().load(json_body())["counts"]}
    take = stocktake.record_counts(site, stocktake_id, counts, actor=actor())
    db.session.commit()
    return s.StocktakeOut().dump(take)


@bp.post("/sites/<code>/stocktakes/<int:stocktake_id>/lines")
@roles(*MANAGERS)
@api_doc(
    "Count stock the sheet did not list.",
    body=s.FoundLineIn,
    responses={201: s.StocktakeOut},
    tag="stocktakes",
)
def add_found(code: str, stocktake_id: int) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    data = s.FoundLineIn().load(json_body())
    line = stocktake.add_found_line(site, stocktake_id, actor=actor(), **data)
    db.session.commit()
    return s.StocktakeOut().dump(line.stocktake), 201


@bp.post("/sites/<code>/stocktakes/<int:stocktake_id>/approve")
@roles(*MANAGERS)
@api_doc(
    "Approve: every difference becomes an adjustment.",
    responses={200: s.StocktakeOut},
    tag="stocktakes",
)
def approve(code: str, stocktake_id: int) -> ResponseReturnValue:
    take = stocktake.approve_stocktake(_site(code, managers_only=True), stocktake_id, actor=actor())
    db.session.commit()
    return s.StocktakeOut().dump(take)


@bp.post("/sites/<code>/stocktakes/<int:stocktake_id>/cancel")
@roles(*MANAGERS)
@api_doc(
    "Abandon an open stocktake; nothing changes.", responses={200: s.StocktakeOut}, tag="stocktakes"
)
def cancel_stocktake(code: str, stocktake_id: int) -> ResponseReturnValue:
    take = stocktake.cancel_stocktake(_site(code, managers_only=True), stocktake_id, actor=actor())
    db.session.commit()
    return s.StocktakeOut().dump(take)


# --- temperatures --------------------------------------------------------------------------


@bp.post("/sites/<code>/temperatures")
@roles(*MANAGERS)
@api_doc(
    "Record a fridge or freezer reading; out of range needs the action taken.",
    body=s.TemperatureIn,
    responses={201: s.TemperatureOut},
    tag="food safety",
)
def record_temperature(code: str) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    data = s.TemperatureIn().load(json_body())
    check = temps.record_temperature(site, actor=actor(), **data)
    db.session.commit()
    return s.TemperatureOut().dump(check), 201


@bp.get("/sites/<code>/temperatures")
@roles(*MANAGERS)
@api_doc(
    "Temperature readings, oldest first (filter from, to).",
    query=s.PeriodPageQuery,
    responses={200: s.TemperatureListOut},
    tag="food safety",
)
def list_temperatures(code: str) -> ResponseReturnValue:
    site = _site(code, managers_only=True)
    args = _query(s.PeriodPageQuery())
    stmt = temps.temperatures_query(site, actor=actor(), start=args["start"], end=args["end"])
    rows, nxt = keyset_page(
        stmt, TemperatureCheck.id, limit=page_limit(), cursor=args.get("cursor")
    )
    return {"items": s.TemperatureOut(many=True).dump(rows), "next": nxt}
