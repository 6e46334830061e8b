"""JSON endpoints for fridge and freezer temperatures."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, roles
from supermarket.http import api_doc, json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, page, query_args, saved, staff_site
from supermarket.stock.models import (
    TemperatureCheck,
)
from supermarket.stock.services import temperatures as temps


@bp.post("/sites/<code>/temperatures")
@roles(*MANAGERS)
@api_doc(
    "Record a fridge or freezer reading; out of range needs the action taken.",
    body=s.TemperatureIn,
    responses={201: s.TemperatureOut},
    tag="food safety",
)
def record_temperature(code: str) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    data = s.TemperatureIn().load(json_body())
    check = temps.record_temperature(site, actor=actor(), **data)
    return saved(s.TemperatureOut(), check, 201)


@bp.get("/sites/<code>/temperatures")
@roles(*MANAGERS)
@api_doc(
    "Temperature readings, oldest first (filter from, to).",
    query=s.PeriodPageQuery,
    responses={200: s.TemperatureListOut},
    tag="food safety",
)
def list_temperatures(code: str) -> ResponseReturnValue:
    site = staff_site(code, managers_only=True)
    args = query_args(s.PeriodPageQuery())
    stmt = temps.temperatures_query(site, actor=actor(), start=args["start"], end=args["end"])
    return page(stmt, TemperatureCheck.id, s.TemperatureOut, args.get("cursor"))
