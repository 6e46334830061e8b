"""The JSON stock report of a site."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor
from supermarket.sites.models import Site
from supermarket.stock import schemas as s
from supermarket.stock.api.base import SITE, StockRoutes, bp
from supermarket.stock.services import reports

api = StockRoutes(bp, tag="stock", prefix=SITE)


@api.site_read("/stock/report", MANAGERS, query=s.PeriodQuery, ok=s.ReportOut)
def report(site: Site, args: dict[str, Any]) -> ResponseReturnValue:
    """Stock held (items, weight, value) and in/out/waste in a period (default: this month)."""
    return s.ReportOut().dump(reports.stock_report(site, actor=actor(), **args))
