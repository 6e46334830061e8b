"""The JSON stock report of a site."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.api_routes import ApiRoutes
from supermarket.auth.web import MANAGERS, actor
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, query_args, staff_site
from supermarket.stock.services import reports

api = ApiRoutes(bp, tag="stock")


@api.route(
    "GET", "/sites/<code>/stock/report", MANAGERS, query=s.PeriodQuery, responses={200: s.ReportOut}
)
def report(code: str) -> ResponseReturnValue:
    """Stock held (items, weight, value) and in/out/waste in a period (default: this month)."""
    site = staff_site(code, managers_only=True)
    args = query_args(s.PeriodQuery())
    return s.ReportOut().dump(reports.stock_report(site, actor=actor(), **args))
