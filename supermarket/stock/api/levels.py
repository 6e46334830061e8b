"""JSON endpoints for a site's stock levels, alerts, waste, give-outs and ledger."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from supermarket.api_routes import page
from supermarket.auth.web import MANAGERS, STAFF, actor
from supermarket.sites.models import Site
from supermarket.stock import schemas as s
from supermarket.stock.api.base import SITE, StockRoutes, bp
from supermarket.stock.models import StockMovement
from supermarket.stock.services import ledger, levels
from supermarket.stock.services.levels import Item

api = StockRoutes(bp, tag="stock", prefix=SITE)
# What the ledger's actions answer: the movements they recorded.
Movements = dict[str, list[StockMovement]]


@api.site_read("/stock", STAFF, query=s.LevelQuery, ok=s.LevelListOut)
def list_levels(site: Site, args: dict[str, Any]) -> ResponseReturnValue:
    """Stock levels: every product held or with a minimum, with its earliest dates and flags."""
    rows = levels.stock_levels(site, actor=actor(), category=args["category"])
    return {"items": s.LevelOut(many=True).dump(rows), "next": None}


@api.site_read("/stock/alerts", STAFF, ok=s.AlertsOut)
def alerts(site: Site, _: None) -> ResponseReturnValue:
    """Below minimum, use-by soon, past best-before (move to free), past use-by (waste)."""
    return s.AlertsOut().dump(levels.alerts(site, actor=actor()))


@api.site_read("/stock/items/<sku>", STAFF, ok=s.ItemOut)
def item(site: Site, _: None, sku: str) -> ResponseReturnValue:
    """One product at the site with its batches in issuing order."""
    return s.ItemOut().dump(levels.stock_item(site, sku, actor=actor()))


@api.site_change("PUT", "/stock/items/<sku>/minimum", MANAGERS, body=s.MinimumIn, ok=s.ItemOut)
def set_minimum(site: Site, data: dict[str, Any], sku: str) -> Item:
    """Set the site's own minimum level for a product (null: use the catalogue's)."""
    levels.set_site_minimum(site, sku, data["min_level"], actor=actor())
    return levels.stock_item(site, sku, actor=actor())


@api.site_change("POST", "/stock/waste", MANAGERS, body=s.WasteIn, created=s.MovementsOut)
def waste(site: Site, data: dict[str, Any]) -> Movements:
    """Write stock off with a reason, earliest-dated first (or from one batch)."""
    moved = ledger.waste(
        site,
        data.pop("sku"),
        data.pop("quantity"),
        data.pop("reason"),
        actor=actor(),
        **data,
    )
    return {"movements": moved}


@api.site_change("POST", "/stock/give-out", STAFF, body=s.GiveOutIn, created=s.MovementsOut)
def give_out(site: Site, data: dict[str, Any]) -> Movements:
    """Record stock given out at a session without a scan (free items, band-counted baskets,
    weighed crates in grams)."""
    return {"movements": ledger.give_out(site, data["sku"], data["quantity"], actor=actor())}


@api.site_change(
    "POST", "/stock/waste-expired", MANAGERS, body=s.WasteExpiredIn, created=s.MovementsOut
)
def waste_expired(site: Site, data: dict[str, Any]) -> Movements:
    """Write off everything past its use-by date in one action."""
    return {"movements": ledger.waste_expired(site, actor=actor(), **data)}


@api.site_read("/stock/movements", STAFF, query=s.MovementQuery, ok=s.MovementListOut)
def movements(site: Site, args: dict[str, Any]) -> ResponseReturnValue:
    """The site's stock ledger, oldest first (filter by kind, sku, from, to)."""
    stmt = levels.movements_query(
        site,
        actor=actor(),
        kind=args.get("kind"),
        sku=args.get("sku"),
        start=args.get("start"),
        end=args.get("end"),
    )
    return page(stmt, StockMovement.id, s.MovementOut, args.get("cursor"))
