"""JSON endpoints for fridge and freezer temperatures."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from supermarket.api_routes import page
from supermarket.auth.web import MANAGERS, actor
from supermarket.sites.models import Site
from supermarket.stock import schemas as s
from supermarket.stock.api.base import SITE, StockRoutes, bp
from supermarket.stock.models import TemperatureCheck
from supermarket.stock.services import temperatures as temps

api = StockRoutes(bp, tag="food safety", prefix=SITE)


@api.site_change("POST", "/temperatures", MANAGERS, body=s.TemperatureIn, created=s.TemperatureOut)
def record_temperature(site: Site, data: dict[str, Any]) -> TemperatureCheck:
    """Record a fridge or freezer reading; out of range needs the action taken."""
    return temps.record_temperature(site, actor=actor(), **data)


@api.site_read("/temperatures", MANAGERS, query=s.PeriodPageQuery, ok=s.TemperatureListOut)
def list_temperatures(site: Site, args: dict[str, Any]) -> ResponseReturnValue:
    """Temperature readings, oldest first (filter from, to)."""
    stmt = temps.temperatures_query(site, actor=actor(), start=args["start"], end=args["end"])
    return page(stmt, TemperatureCheck.id, s.TemperatureOut, args.get("cursor"))
