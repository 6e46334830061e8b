"""JSON endpoints for stocktakes."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, roles
from supermarket.http import api_doc, json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, saved, staff_site
from supermarket.stock.services import stocktake


@bp.post("/sites/<code>/stocktakes")
@roles(*MANAGERS)
@api_doc(
    "Start a stocktake (one category, or all).",
    body=s.StocktakeIn,
    responses={201: s.StocktakeOut},
    tag="stocktakes",
)
def start_stocktake(code: str) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    data = s.StocktakeIn().load(json_body())
    take = stocktake.start_stocktake(site, actor=actor(), **data)
    return saved(s.StocktakeOut(), take, 201)


@bp.get("/sites/<code>/stocktakes/<int:stocktake_id>")
@roles(*MANAGERS)
@api_doc(
    "A stocktake with its lines and differences.", responses={200: s.StocktakeOut}, tag="stocktakes"
)
def get_stocktake(code: str, stocktake_id: int) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
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
    site = staff_site(code, managers_only=True)
    counts = {c["id"]: c["counted"] for c in s.CountsIn().load(json_body())["counts"]}
    take = stocktake.record_counts(site, stocktake_id, counts, actor=actor())
    return saved(s.StocktakeOut(), take)


@bp.post("/sites/<code>/stocktakes/<int:stocktake_id>/lines")
@roles(*MANAGERS)
@api_doc(
    "Count stock the sheet did not list.",
    body=s.FoundLineIn,
    responses={201: s.StocktakeOut},
    tag="stocktakes",
)
def add_found(code: str, stocktake_id: int) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    data = s.FoundLineIn().load(json_body())
    line = stocktake.add_found_line(site, stocktake_id, actor=actor(), **data)
    return saved(s.StocktakeOut(), line.stocktake, 201)


@bp.post("/sites/<code>/stocktakes/<int:stocktake_id>/approve")
@roles(*MANAGERS)
@api_doc(
    "Approve: every difference becomes an adjustment.",
    responses={200: s.StocktakeOut},
    tag="stocktakes",
)
def approve(code: str, stocktake_id: int) -> ResponseReturnValue:
    take = stocktake.approve_stocktake(
        staff_site(code, managers_only=True), stocktake_id, actor=actor()
    )
    return saved(s.StocktakeOut(), take)


@bp.post("/sites/<code>/stocktakes/<int:stocktake_id>/cancel")
@roles(*MANAGERS)
@api_doc(
    "Abandon an open stocktake; nothing changes.", responses={200: s.StocktakeOut}, tag="stocktakes"
)
def cancel_stocktake(code: str, stocktake_id: int) -> ResponseReturnValue:
    take = stocktake.cancel_stocktake(
        staff_site(code, managers_only=True), stocktake_id, actor=actor()
    )
    return saved(s.StocktakeOut(), take)
