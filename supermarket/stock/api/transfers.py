"""JSON endpoints for transfers between sites."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.api_routes import ApiRoutes
from supermarket.auth.web import MANAGERS, actor
from supermarket.http import json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, page, query_args, saved, staff_site
from supermarket.stock.models import (
    StockTransfer,
)
from supermarket.stock.services import transfers as xfers

api = ApiRoutes(bp, tag="transfers")


@api.route(
    "POST", "/sites/<code>/transfers", MANAGERS, body=s.TransferIn, responses={201: s.TransferOut}
)
def send_transfer(code: str) -> ResponseReturnValue:
    """Send stock to another site (earliest-expiring first, never past use-by)."""
    site = staff_site(code, managers_only=True)
    data = s.TransferIn().load(json_body())
    transfer = xfers.send_transfer(site, data, actor=actor())
    return saved(s.TransferOut(), transfer, 201)


@api.route(
    "GET",
    "/sites/<code>/transfers",
    MANAGERS,
    query=s.PageQuery,
    responses={200: s.TransferListOut},
)
def list_transfers(code: str) -> ResponseReturnValue:
    """Transfers sent from or coming to the site."""
    site = staff_site(code, managers_only=True)
    args = query_args(s.PageQuery())
    stmt = xfers.transfers_query(site, actor=actor())
    return page(stmt, StockTransfer.id, s.TransferOut, args.get("cursor"))


@api.route(
    "GET", "/sites/<code>/transfers/<int:transfer_id>", MANAGERS, responses={200: s.TransferOut}
)
def get_transfer(code: str, transfer_id: int) -> ResponseReturnValue:
    """One transfer."""
    site = staff_site(code, managers_only=True)
    return s.TransferOut().dump(xfers.get_transfer(site, transfer_id, actor=actor()))


@api.route(
    "POST",
    "/sites/<code>/transfers/<int:transfer_id>/receive",
    MANAGERS,
    body=s.TransferReceiveIn,
    responses={200: s.TransferOut},
)
def receive_transfer(code: str, transfer_id: int) -> ResponseReturnValue:
    """Receive a transfer at this site; list only the lines that arrived short."""
    site = staff_site(code, managers_only=True)
    data = s.TransferReceiveIn().load(json_body())
    transfer = xfers.receive_transfer(site, transfer_id, data, actor=actor())
    return saved(s.TransferOut(), transfer)


@api.route(
    "POST",
    "/sites/<code>/transfers/<int:transfer_id>/cancel",
    MANAGERS,
    responses={200: s.TransferOut},
)
def cancel_transfer(code: str, transfer_id: int) -> ResponseReturnValue:
    """Call back a transfer still in transit."""
    transfer = xfers.cancel_transfer(
        staff_site(code, managers_only=True), transfer_id, actor=actor()
    )
    return saved(s.TransferOut(), transfer)
