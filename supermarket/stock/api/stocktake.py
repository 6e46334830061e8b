"""JSON endpoints for stocktakes."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.api_routes import ApiRoutes
from supermarket.auth.web import MANAGERS, actor
from supermarket.http import json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, saved, staff_site
from supermarket.stock.services import stocktake

api = ApiRoutes(bp, tag="stocktakes")


@api.route(
    "POST",
    "/sites/<code>/stocktakes",
    MANAGERS,
    body=s.StocktakeIn,
    responses={201: s.StocktakeOut},
)
def start_stocktake(code: str) -> ResponseReturnValue:
    """Start a stocktake (one category, or all)."""
    site = staff_site(code, managers_only=True)
    data = s.StocktakeIn().load(json_body())
    take = stocktake.start_stocktake(site, actor=actor(), **data)
    return saved(s.StocktakeOut(), take, 201)


@api.route(
    "GET", "/sites/<code>/stocktakes/<int:stocktake_id>", MANAGERS, responses={200: s.StocktakeOut}
)
def get_stocktake(code: str, stocktake_id: int) -> ResponseReturnValue:
    """A stocktake with its lines and differences."""
    site = staff_site(code, managers_only=True)
    return s.StocktakeOut().dump(stocktake.get_stocktake(site, stocktake_id, actor=actor()))


@api.route(
    "PUT",
    "/sites/<code>/stocktakes/<int:stocktake_id>/counts",
    MANAGERS,
    body=s.CountsIn,
    responses={200: s.StocktakeOut},
)
def put_counts(code: str, stocktake_id: int) -> ResponseReturnValue:
    """Save counts by line id (null clears a count)."""
    site = staff_site(code, managers_only=True)
    counts = {c["id"]: c["counted"] for c in s.CountsIn().load(json_body())["counts"]}
    take = stocktake.record_counts(site, stocktake_id, counts, actor=actor())
    return saved(s.StocktakeOut(), take)


@api.route(
    "POST",
    "/sites/<code>/stocktakes/<int:stocktake_id>/lines",
    MANAGERS,
    body=s.FoundLineIn,
    responses={201: s.StocktakeOut},
)
def add_found(code: str, stocktake_id: int) -> ResponseReturnValue:
    """Count stock the sheet did not list."""
    site = staff_site(code, managers_only=True)
    data = s.FoundLineIn().load(json_body())
    line = stocktake.add_found_line(site, stocktake_id, actor=actor(), **data)
    return saved(s.StocktakeOut(), line.stocktake, 201)


@api.route(
    "POST",
    "/sites/<code>/stocktakes/<int:stocktake_id>/approve",
    MANAGERS,
    responses={200: s.StocktakeOut},
)
def approve(code: str, stocktake_id: int) -> ResponseReturnValue:
    """Approve: every difference becomes an adjustment."""
    take = stocktake.approve_stocktake(
        staff_site(code, managers_only=True), stocktake_id, actor=actor()
    )
    return saved(s.StocktakeOut(), take)


@api.route(
    "POST",
    "/sites/<code>/stocktakes/<int:stocktake_id>/cancel",
    MANAGERS,
    responses={200: s.StocktakeOut},
)
def cancel_stocktake(code: str, stocktake_id: int) -> ResponseReturnValue:
    """Abandon an open stocktake; nothing changes."""
    take = stocktake.cancel_stocktake(
        staff_site(code, managers_only=True), stocktake_id, actor=actor()
    )
    return saved(s.StocktakeOut(), take)
