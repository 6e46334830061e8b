"""JSON endpoints for transfers between sites."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from supermarket.api_routes import page
from supermarket.auth.web import MANAGERS, actor
from supermarket.sites.models import Site
from supermarket.stock import schemas as s
from supermarket.stock.api.base import SITE, StockRoutes, bp
from supermarket.stock.models import StockTransfer
from supermarket.stock.services import transfers as xfers
from supermarket.stock.services.transfers import TransferReceipt, TransferRequest

api = StockRoutes(bp, tag="transfers", prefix=SITE)
ONE = "/transfers/<int:transfer_id>"


@api.site_change("POST", "/transfers", MANAGERS, body=s.TransferIn, created=s.TransferOut)
def send_transfer(site: Site, data: TransferRequest) -> StockTransfer:
    """Send stock to another site (earliest-expiring first, never past use-by)."""
    return xfers.send_transfer(site, data, actor=actor())


@api.site_read("/transfers", MANAGERS, query=s.PageQuery, ok=s.TransferListOut)
def list_transfers(site: Site, args: dict[str, Any]) -> ResponseReturnValue:
    """Transfers sent from or coming to the site."""
    stmt = xfers.transfers_query(site, actor=actor())
    return page(stmt, StockTransfer.id, s.TransferOut, args.get("cursor"))


@api.site_read(ONE, MANAGERS, ok=s.TransferOut)
def get_transfer(site: Site, _: None, transfer_id: int) -> ResponseReturnValue:
    """One transfer."""
    return s.TransferOut().dump(xfers.get_transfer(site, transfer_id, actor=actor()))


@api.site_change("POST", f"{ONE}/receive", MANAGERS, body=s.TransferReceiveIn, ok=s.TransferOut)
def receive_transfer(site: Site, data: TransferReceipt, transfer_id: int) -> StockTransfer:
    """Receive a transfer at this site; list only the lines that arrived short."""
    return xfers.receive_transfer(site, transfer_id, data, actor=actor())


@api.site_change("POST", f"{ONE}/cancel", MANAGERS, ok=s.TransferOut)
def cancel_transfer(site: Site, _: None, transfer_id: int) -> StockTransfer:
    """Call back a transfer still in transit."""
    return xfers.cancel_transfer(site, transfer_id, actor=actor())
