"""The JSON stock report of a site."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, roles
from supermarket.http import api_doc
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, query_args, staff_site
from supermarket.stock.services import reports


@bp.get("/sites/<code>/stock/report")
@roles(*MANAGERS)
@api_doc(
    "Stock held (items, weight, value) and in/out/waste in a period (default: this month).",
    query=s.PeriodQuery,
    responses={200: s.ReportOut},
    tag="stock",
)
def report(code: str) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    args = query_args(s.PeriodQuery())
    return s.ReportOut().dump(reports.stock_report(site, actor=actor(), **args))
