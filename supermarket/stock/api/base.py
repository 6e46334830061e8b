"""The stock API's blueprint and what its endpoints share: the site from the URL, the
query arguments, and the shapes of acting on one site's stock."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from supermarket.auth.access import site_for_staff
from supermarket.auth.models import Role
from supermarket.auth.web import actor
from supermarket.extensions import db
from supermarket.http import keyset_page, page_limit
from supermarket.sites.models import Site

bp = Blueprint("stock_api", __name__, url_prefix="/api/v1")
EDITORS = (Role.SITE_MANAGER, Role.ADMIN)


def staff_site(code: str, *, managers_only: bool = False) -> Site:
    return site_for_staff(code, actor(), managers_only=managers_only)


def query_args(schema: Schema) -> dict[str, Any]:
    return dict(schema.load(request.args.to_dict()))


def page(
    stmt: Select[Any], key: InstrumentedAttribute[int], out: type[Schema], cursor: str | None
) -> dict[str, Any]:
    """One page of a list: its rows dumped through `out`, and the cursor of the next page."""
    rows, nxt = keyset_page(stmt, key, limit=page_limit(), cursor=cursor)
    return {"items": out(many=True).dump(rows), "next": nxt}


def saved(out: Schema, result: Any, status: int = 200) -> ResponseReturnValue:
    """Commit what the use case changed, then answer with its result dumped through `out`."""
    db.session.commit()
    return out.dump(result), status
