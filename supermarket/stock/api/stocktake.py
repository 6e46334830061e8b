"""JSON endpoints for stocktakes."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor
from supermarket.sites.models import Site
from supermarket.stock import schemas as s
from supermarket.stock.api.base import SITE, StockRoutes, bp
from supermarket.stock.models import Stocktake
from supermarket.stock.services import stocktake

api = StockRoutes(bp, tag="stocktakes", prefix=SITE)
ONE = "/stocktakes/<int:stocktake_id>"


@api.site_change("POST", "/stocktakes", MANAGERS, body=s.StocktakeIn, created=s.StocktakeOut)
def start_stocktake(site: Site, data: dict[str, Any]) -> Stocktake:
    """Start a stocktake (one category, or all)."""
    return stocktake.start_stocktake(site, actor=actor(), **data)


@api.site_read(ONE, MANAGERS, ok=s.StocktakeOut)
def get_stocktake(site: Site, _: None, stocktake_id: int) -> ResponseReturnValue:
    """A stocktake with its lines and differences."""
    return s.StocktakeOut().dump(stocktake.get_stocktake(site, stocktake_id, actor=actor()))


@api.site_change("PUT", f"{ONE}/counts", MANAGERS, body=s.CountsIn, ok=s.StocktakeOut)
def put_counts(site: Site, data: dict[str, Any], stocktake_id: int) -> Stocktake:
    """Save counts by line id (null clears a count)."""
    counts = {c["id"]: c["counted"] for c in data["counts"]}
    return stocktake.record_counts(site, stocktake_id, counts, actor=actor())


@api.site_change("POST", f"{ONE}/lines", MANAGERS, body=s.FoundLineIn, created=s.StocktakeOut)
def add_found(site: Site, data: dict[str, Any], stocktake_id: int) -> Stocktake:
    """Count stock the sheet did not list."""
    return stocktake.add_found_line(site, stocktake_id, actor=actor(), **data).stocktake


@api.site_change("POST", f"{ONE}/approve", MANAGERS, ok=s.StocktakeOut)
def approve(site: Site, _: None, stocktake_id: int) -> Stocktake:
    """Approve: every difference becomes an adjustment."""
    return stocktake.approve_stocktake(site, stocktake_id, actor=actor())


@api.site_change("POST", f"{ONE}/cancel", MANAGERS, ok=s.StocktakeOut)
def cancel_stocktake(site: Site, _: None, stocktake_id: int) -> Stocktake:
    """Abandon an open stocktake; nothing changes."""
    return stocktake.cancel_stocktake(site, stocktake_id, actor=actor())
