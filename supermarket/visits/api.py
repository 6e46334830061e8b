"""JSON endpoints for check-in and visits: staff of the site only (404 for other sites)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from supermarket.api_routes import ApiRoutes, page, staff_site
from supermarket.auth.web import MANAGERS, STAFF, actor
from supermarket.extensions import db
from supermarket.http import json_body
from supermarket.members.models import MembershipFee
from supermarket.sites.models import Site
from supermarket.transactions import late_write_lock, take_write_lock
from supermarket.visits import schemas as s
from supermarket.visits import services
from supermarket.visits.models import Visit
from supermarket.visits.services import payments
from supermarket.visits.services.requests import Payment

bp = Blueprint("visits_api", __name__, url_prefix="/api/v1/sites/<code>")
TAG = "visits"
api = ApiRoutes(bp, tag=TAG)
# Built once: a marshmallow schema deep-copies its fields each time one is made, which is a
# measurable share of a check-in. Loading and dumping keep no state in the instance.
CHECKIN_IN = s.CheckInIn()


def _args(schema: s.DayQuery | s.PageQuery) -> dict[str, Any]:
    return dict(schema.load({k: v for k, v in request.args.items() if k != "limit"}))


@api.post("/visits", STAFF, body=s.CheckInIn, created=s.CheckInOut, ok=s.CheckInOut)
@late_write_lock
def check_in(code: str) -> ResponseReturnValue:
    """Check a member in (201). Send an Idempotency-Key header (a UUID) and reuse it on retry: a
    retry of the same request answers 200 with the first visit and never records a second; the
    key reused for a different member, basket, payment or override is 409
    idempotency_key_reused (error.details.visit_id: the first visit). Other refusals are 409
    with error.code visit_limit_reached, membership_expired, membership_suspended,
    membership_closed, membership_waiting, allowance_exceeded, insufficient_stock,
    not_allowed_at_this_site, membership_fee_due (take the membership fee with the check-in:
    payment.amount_pence the fee, or waived with a reason) or points_exceeded; send
    override_reason to go past those that allow it. Send visit_type for one of the site's other
    visit types (the weekly shop when left out): its own limit refuses with visit_limit_reached
    naming it (error.details.visit_type); a type the site does not give, or a basket sent for a
    fixed parcel, is 422 naming the field."""
    site = staff_site(code)
    data = CHECKIN_IN.load(json_body())
    take_write_lock()  # the rules below count visits under the lock: never over the limit
    result = services.check_in(
        site, data, actor=actor(), key=request.headers.get("Idempotency-Key")
    )
    body = s.checkin_body(result)  # before the commit, which would expire what it reads
    db.session.commit()  # an acknowledged check-in is committed before the answer is sent
    headers = {} if result.created else {"Idempotent-Replayed": "true"}
    return body, 201 if result.created else 200, headers


@api.get("/visits", STAFF, query=s.DayQuery, ok=s.VisitListOut)
def day_list(code: str) -> ResponseReturnValue:
    """The visits made at the site on a day (today by default)."""
    site = staff_site(code)
    args = _args(s.DayQuery())
    day = args["date"] or services.site_today(site)
    stmt = services.day_visits(site, day, actor=actor())
    return page(stmt, Visit.id, s.VisitOut, args["cursor"])


@api.get("/members/<number>/visits", STAFF, query=s.PageQuery, ok=s.VisitListOut)
def member_history(code: str, number: str) -> ResponseReturnValue:
    """A member's visits at every site, oldest first."""
    site = staff_site(code)
    args = _args(s.PageQuery())
    _, stmt = services.member_visits(site, number, actor=actor())
    return page(stmt, Visit.id, s.VisitOut, args["cursor"])


@api.get("/checkin/<number>", STAFF, ok=s.PanelOut)
def panel(code: str, number: str) -> ResponseReturnValue:
    """The check-in panel for a scanned or typed card number: who, what they may take, and any
    rule in the way (viewing is audited)."""
    site = staff_site(code)
    found = services.checkin_panel(site, number, actor=actor())
    db.session.commit()
    return s.PanelOut().dump(found)


@api.site_change("POST", "/visits/<int:visit_id>/void", MANAGERS, body=s.VoidIn, ok=s.VisitOut)
def void(site: Site, data: dict[str, Any], visit_id: int) -> Visit:
    """Void a visit made today, with a reason (site managers); its stock goes back."""
    return services.void_visit(site, visit_id, data["reason"], actor=actor())


@api.site_change(
    "POST",
    "/members/<number>/membership-fee",
    STAFF,
    body=s.PaymentIn,
    created=s.MembershipFeeTakenOut,
)
def membership_fee(site: Site, data: Payment, number: str) -> MembershipFee:
    """Take a member's membership fee without a visit (visit types paid by membership): cash
    or card for the whole fee, or waived with a reason. It covers a year or a term from today,
    or from the day after the fee it follows. A check-in can take it too (membership_fee_due)."""
    return payments.take_membership_fee(site, number, data, actor=actor())


@api.get("/visits/review", MANAGERS, ok=s.ReviewListOut)
def review_list(code: str) -> ResponseReturnValue:
    """Offline check-ins a rule would have refused, recorded and marked for review (site
    managers): open ones first, then the latest resolved."""
    site = staff_site(code, managers_only=True)
    visits = list(db.session.scalars(services.review_list(site, actor=actor())))
    return s.ReviewListOut().dump({"items": visits, "open": services.open_reviews(site)})


@api.site_change(
    "POST", "/visits/<int:visit_id>/review", MANAGERS, body=s.ReviewIn, ok=s.ReviewedVisitOut
)
def review(site: Site, data: dict[str, Any], visit_id: int) -> Visit:
    """Resolve a visit marked for review (site managers): accept it, add a note, or void it
    with the note as the reason (it stops counting and its stock goes back)."""
    return services.resolve_review(site, visit_id, data["action"], data["note"], actor=actor())
