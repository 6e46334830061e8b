"""JSON endpoints for transfers between sites."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, roles
from supermarket.http import api_doc, json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, page, query_args, saved, staff_site
from supermarket.stock.models import (
    StockTransfer,
)
from supermarket.stock.services import transfers as xfers


@bp.post("/sites/<code>/transfers")
@roles(*MANAGERS)
@api_doc(
    "Send stock to another site (earliest-expiring first, never past use-by).",
    body=s.TransferIn,
    responses={201: s.TransferOut},
    tag="transfers",
)
def send_transfer(code: str) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    data = s.TransferIn().load(json_body())
    transfer = xfers.send_transfer(site, data, actor=actor())
    return saved(s.TransferOut(), transfer, 201)


@bp.get("/sites/<code>/transfers")
@roles(*MANAGERS)
@api_doc(
    "Transfers sent from or coming to the site.",
    query=s.PageQuery,
    responses={200: s.TransferListOut},
    tag="transfers",
)
def list_transfers(code: str) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    args = query_args(s.PageQuery())
    stmt = xfers.transfers_query(site, actor=actor())
    return page(stmt, StockTransfer.id, s.TransferOut, args.get("cursor"))


@bp.get("/sites/<code>/transfers/<int:transfer_id>")
@roles(*MANAGERS)
@api_doc("One transfer.", responses={200: s.TransferOut}, tag="transfers")
def get_transfer(code: str, transfer_id: int) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
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
    site = staff_site(code, managers_only=True)
    data = s.TransferReceiveIn().load(json_body())
    transfer = xfers.receive_transfer(site, transfer_id, data, actor=actor())
    return saved(s.TransferOut(), transfer)


@bp.post("/sites/<code>/transfers/<int:transfer_id>/cancel")
@roles(*MANAGERS)
@api_doc("Call back a transfer still in transit.", responses={200: s.TransferOut}, tag="transfers")
def cancel_transfer(code: str, transfer_id: int) -> ResponseReturnValue:
    transfer = xfers.cancel_transfer(
        staff_site(code, managers_only=True), transfer_id, actor=actor()
    )
    return saved(s.TransferOut(), transfer)
