"""JSON endpoints for anonymous visits: staff of the site only (404 for other sites); a
programme lead never reaches a row (403)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from supermarket.api_routes import ApiRoutes, page, staff_site
from supermarket.auth.web import MANAGERS, STAFF, actor
from supermarket.extensions import db
from supermarket.http import json_body
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site
from supermarket.transactions import late_write_lock, take_write_lock
from supermarket.visits import schemas as s
from supermarket.visits.anonymous import AnonymousVisit
from supermarket.visits.services import anonymous as services

bp = Blueprint("anonymous_visits_api", __name__, url_prefix="/api/v1/sites/<code>")
api = ApiRoutes(bp, tag="visits")


@api.post(
    "/anonymous-visits",
    STAFF,
    body=s.AnonymousVisitIn,
    created=s.AnonymousVisitOut,
    ok=s.AnonymousVisitOut,
)
@late_write_lock
def record(code: str) -> ResponseReturnValue:
    """Record a parcel given to someone who does not want to register (201): the household's
    counts only. Send an Idempotency-Key header and reuse it on retry: a retry answers 200 with
    the first record; the key reused for a different parcel is 409 idempotency_key_reused
    (error.details.anonymous_visit_id: the first parcel). The visit type must be one the site
    gives to non-members (409 visit_type_members_only or no_anonymous_visit_type otherwise)."""
    site = staff_site(code)
    data = s.AnonymousVisitIn().load(json_body())
    take_write_lock()
    result = services.record_anonymous_visit(
        site, data, actor=actor(), key=request.headers.get("Idempotency-Key")
    )
    body = s.AnonymousVisitOut().dump(result.visit)
    db.session.commit()
    headers = {} if result.created else {"Idempotent-Replayed": "true"}
    return body, 201 if result.created else 200, headers


@api.get("/anonymous-visits", STAFF, query=s.AnonymousRangeQuery, ok=s.AnonymousVisitListOut)
def list_range(code: str) -> ResponseReturnValue:
    """The site's anonymous visits from `from` to `to` (both included; today by default)."""
    site = staff_site(code)
    args = s.AnonymousRangeQuery().load({k: v for k, v in request.args.items() if k != "limit"})
    start = args["from_"] or site_today(site)
    stmt = services.list_anonymous_visits(site, start, args["to"] or start, actor=actor())
    return page(stmt, AnonymousVisit.id, s.AnonymousVisitOut, args["cursor"])


@api.site_change(
    "POST",
    "/anonymous-visits/<int:anonymous_visit_id>/void",
    MANAGERS,
    body=s.VoidIn,
    ok=s.AnonymousVisitOut,
)
def void(site: Site, data: dict[str, Any], anonymous_visit_id: int) -> AnonymousVisit:
    """Void an anonymous visit made today, with a reason (site managers)."""
    return services.void_anonymous_visit(site, anonymous_visit_id, data["reason"], actor=actor())
