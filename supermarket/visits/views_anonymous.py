"""The tablet form for a parcel given without registering, its confirmation, and voiding one.

Reached from the check-in page ("Parcel without registering"); the day's visits list them.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from supermarket.auth.models import Role
from supermarket.auth.web import STAFF, actor, current_site, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.formatting import LONDON, money
from supermarket.forms import commit_and_redirect, dotted_field, form_errors, pence, whole
from supermarket.sites.models import Site
from supermarket.transactions import late_write_lock, take_write_lock
from supermarket.visits.anonymous import MAX_COUNT
from supermarket.visits.models import PaymentMethod
from supermarket.visits.schemas import AnonymousVisitIn
from supermarket.visits.services import anonymous as services
from supermarket.visits.services.requests import MAX_AMOUNT_PENCE

bp = Blueprint("anonymous_visits", __name__)

COUNTS = (
    ("adults", "Adults (18 and over)"),
    ("children_0_4", "Children aged 0 to 4"),
    ("children_5_11", "Children aged 5 to 11"),
    ("children_12_17", "Children aged 12 to 17"),
)
COUNT_WORDS = f"Enter a whole number from 0 to {MAX_COUNT}."
AMOUNT_WORDS = f"Enter an amount in pounds, from £0.00 to {money(MAX_AMOUNT_PENCE)}."
WORDS = {
    **{name: COUNT_WORDS for name, _ in COUNTS},
    "payment.amount_pence": AMOUNT_WORDS,
    "payment.method": "Choose cash, card or waived.",
    "payment.reason": "Keep the reason to 200 characters or fewer.",
    "retail_value_pence": AMOUNT_WORDS,
    "visit_type": "Choose the kind of visit.",
}
REUSED_WORDS = (
    "This form was already sent for a different parcel, which stands as it was recorded. "
    "Check the counts below and send again only if this is another parcel."
)


def _words(field: str, message: str) -> str:
    return WORDS.get(field, message)


def body_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """An anonymous visit's body (for AnonymousVisitIn) from the tablet form."""
    body: dict[str, Any] = {name: whole(form.get(name), empty=0) for name, _ in COUNTS}
    if form.get("visit_type"):
        body["visit_type"] = form["visit_type"]
    method = form.get("payment_method", PaymentMethod.CASH.value)
    payment: dict[str, Any] = {"method": method, "reason": form.get("payment_reason", "")}
    if method != PaymentMethod.WAIVED.value:
        payment["amount_pence"] = pence(form.get("amount"), exact=True)
    body["payment"] = payment
    body["retail_value_pence"] = pence(form.get("retail_value"), exact=True) or 0
    return body


def _form(site: Site, **context: Any) -> dict[str, Any]:
    settings = site.settings
    types = services.types_for_desk(site, actor=actor())
    return {
        "site": site,
        "types": types,
        "fees": {t.key: services.fee_for(settings, t) for t in types},
        "counts": COUNTS,
        "max_count": MAX_COUNT,
        "methods": PaymentMethod.choices(),
        "errors": {},
        "error": "",
        "form": {},
        "key": str(uuid.uuid4()),
        **context,
    }


@bp.get("/checkin/anonymous")
@roles(*STAFF)
def new() -> ResponseReturnValue:
    """The form for a parcel given without registering: the household's counts only."""
    site = current_site()
    if site is None:
        return redirect(url_for("auth.choose_site"))
    return render_template("visits/anonymous.html", **_form(site))


@bp.post("/checkin/anonymous")
@roles(*STAFF)
@late_write_lock
def create() -> ResponseReturnValue:
    """Record the parcel; the confirmation next (a replayed form shows the first)."""
    site = require_current_site()
    try:
        data = AnonymousVisitIn().load(body_from_form(request.form))
        take_write_lock()
        result = services.record_anonymous_visit(
            site, data, actor=actor(), key=request.form.get("idempotency_key")
        )
    except (DomainError, ValidationError) as error:
        if isinstance(error, DomainError) and error.status in (403, 404):
            raise
        # A rule's own words are plain already; a schema's are put in the form's.
        schema = isinstance(error, ValidationError)
        errors = form_errors(
            error, field=dotted_field, friendly=_words if schema else None, summary=None
        )
        text = error.message if isinstance(error, DomainError) else "Check the boxes marked."
        key = request.form.get("idempotency_key") or str(uuid.uuid4())
        reused = isinstance(error, DomainError) and error.code == "idempotency_key_reused"
        if reused:
            # The form was sent before for another parcel (sent again after going back and
            # changing it): the first stands; a fresh key lets this one be sent as a new one.
            text, key = REUSED_WORDS, str(uuid.uuid4())
        context = _form(site, errors=errors, error=text, form=request.form, key=key)
        return render_template("visits/anonymous.html", **context), 409 if reused else 422
    return commit_and_redirect(
        "Parcel recorded without registering.",
        url_for("anonymous_visits.done", visit_id=result.visit.id),
    )


@bp.get("/checkin/anonymous/<int:visit_id>")
@roles(*STAFF)
def done(visit_id: int) -> ResponseReturnValue:
    """The confirmation: what was recorded, and the way back to the desk."""
    site = require_current_site()
    visit = services.get_anonymous_visit(site, visit_id, actor=actor())
    kind = site.settings.visit_type(visit.visit_type)
    return render_template(
        "visits/anonymous_done.html",
        site=site,
        visit=visit,
        at=visit.visited_at.astimezone(LONDON).strftime("%H:%M"),
        type_label=kind.label if kind is not None else visit.visit_type,
        parcel=kind.parcel if kind is not None else "",
    )


@bp.post("/checkin/anonymous/<int:visit_id>/void")
@roles(Role.SITE_MANAGER)
def void(visit_id: int) -> ResponseReturnValue:
    """Void an anonymous visit made today, with a reason (site managers)."""
    site = require_current_site()
    visit = services.void_anonymous_visit(
        site, visit_id, request.form.get("reason", ""), actor=actor()
    )
    return commit_and_redirect(
        "Parcel without registering voided; it no longer counts.",
        url_for("visits.day", date=visit.local_date.isoformat()),
    )
