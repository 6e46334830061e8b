"""The check-in desk, the day's visits, till sessions and a member's visit history.

The check-in page works with plain forms; checkin.js enhances it to fetch the panel and the
name matches in place and to check in through the JSON API without reloading.
"""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from supermarket.auth.models import Role
from supermarket.auth.web import STAFF, actor, current_site, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.formatting import LONDON, money
from supermarket.forms import Path, commit_and_redirect, dotted_field, form_errors, pence
from supermarket.members import services as members
from supermarket.members.identifiers import normalise_membership_number
from supermarket.sites.settings import WEEKLY_SHOP
from supermarket.support import services as support
from supermarket.support.models import DismissReason
from supermarket.support.schemas import DismissIn, ReferralIn
from supermarket.transactions import late_write_lock, take_write_lock
from supermarket.visits import pdf, services
from supermarket.visits.forms import checkin_from_form
from supermarket.visits.models import Visit
from supermarket.visits.schemas import CheckInIn
from supermarket.visits.services import anonymous
from supermarket.visits.services.requests import MAX_AMOUNT_PENCE, MAX_BAND_ITEMS, CheckInRequest

bp = Blueprint("visits", __name__)
MATCHES = 8


# What the desk's boxes take, said in the units they show (the schema counts pence).
AMOUNT_WORDS = f"Enter the amount paid in pounds, from £0.00 to {money(MAX_AMOUNT_PENCE)}."
ITEMS_WORDS = f"Enter a whole number of items, from 0 to {MAX_BAND_ITEMS}."
REASON_WORDS = "Keep the reason to 200 characters or fewer."
DESK_WORDS = {
    "payment.amount_pence": AMOUNT_WORDS,
    "payment.reason": REASON_WORDS,
    "payment.method": "Choose cash, card or waived.",
    "override_reason": REASON_WORDS,
    "membership_number": "Scan the card again.",
    "visit_type": "Choose the kind of visit.",
}


@bp.context_processor
def _helpers() -> dict[str, Any]:
    # What the desk's boxes take, for the page to say it before anything is sent.
    return {
        "local_time": local_time,
        "max_amount_pence": MAX_AMOUNT_PENCE,
        "amount_words": AMOUNT_WORDS,
        "items_words": ITEMS_WORDS,
        "dismiss_reasons": DismissReason.choices(),
    }


def desk_field(path: Path) -> str:
    """The desk's box a message belongs to: "payment.amount_pence", "basket.red" (whatever
    the schema says about the band's key or value)."""
    if path and path[0] == "basket":
        return ".".join(str(key) for key in path[:2])
    return dotted_field(path)


def desk_words(field: str, _message: str) -> str:
    """A schema's message for a desk box, in the box's units and plain words."""
    if field.startswith("basket."):
        return ITEMS_WORDS
    return DESK_WORDS.get(field, "Check this and send it again.")


def local_time(at: datetime) -> str:
    """14:05, on the UK clock."""
    return at.astimezone(LONDON).strftime("%H:%M")


def _no_site() -> ResponseReturnValue:
    return redirect(url_for("auth.choose_site"))


def _page(site: Any, **context: Any) -> dict[str, Any]:
    return {
        "site": site,
        "open_session": services.current_session(site, actor=actor()),
        "stale": services.stale_session(site),
        **context,
    }


def _panel_or_message(site: Any, number: str) -> tuple[Any, str | None, int]:
    try:
        panel = services.checkin_panel(site, number, actor=actor())
    except DomainError as error:
        db.session.rollback()
        return None, error.message, error.status
    db.session.commit()  # the view of the member is audited
    return panel, None, 200


@bp.get("/checkin")
@roles(*STAFF)
def checkin() -> ResponseReturnValue:
    """The desk: a search box with focus; a member's panel once found."""
    site = current_site()
    if site is None:
        return _no_site()
    q = request.args.get("q", "").strip()[:100]
    number = request.args.get("number", "").strip()[:32]
    if q and not number and normalise_membership_number(q) is not None:
        number = q
    panel, message, status = (None, None, 200)
    matches: list[Any] = []
    if number:
        panel, message, status = _panel_or_message(site, number)
    elif q:
        matches = members.search_members(site, q, actor=actor(), limit=MATCHES).items
    context = _page(
        site,
        q=q,
        panel=panel,
        message=message,
        matches=matches,
        searched=bool(q) and panel is None and message is None,
        key=str(uuid.uuid4()),
        errors={},
        form={},
    )
    return render_template("visits/checkin.html", **context), status


@bp.get("/checkin/panel/<number>")
@roles(*STAFF)
def panel_fragment(number: str) -> ResponseReturnValue:
    """The member's panel alone, for checkin.js to put in place."""
    site = require_current_site()
    panel, message, status = _panel_or_message(site, number)
    return render_template(
        "visits/_panel.html",
        site=site,
        panel=panel,
        message=message,
        key=str(uuid.uuid4()),
        errors={},
        form={},
    ), status


# --- support from the panel ----------------------------------------------------------------
# checkin.js sends these forms with an X-Fragment: support header and puts the answer (the
# panel's support part) in place, so the check-in in progress stays as it is. Without it they
# return to the panel: after a redirect when done, or the desk again with the errors.


def _support_answer(
    site: Any,
    number: str,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    if request.headers.get("X-Fragment") != "support":
        if not errors:
            db.session.commit()
            flash(done, "info")
            return redirect(url_for("visits.checkin", number=number), 303)
        db.session.rollback()
        panel, message, _ = _panel_or_message(site, number)
        context = _page(
            site,
            q="",
            panel=panel,
            message=message,
            matches=[],
            searched=False,
            key=str(uuid.uuid4()),
            errors={},
            form={},
            support_errors=errors,
            support_form=request.form,
        )
        return render_template("visits/checkin.html", **context), status
    if errors:
        db.session.rollback()
    member = members.get_member(site, number, actor=actor())
    support_services, prompts = services.support_for(member, site, services.site_today(site))
    db.session.commit()
    return render_template(
        "support/_checkin_support.html",
        member=member,
        prompts=prompts,
        support_services=support_services,
        support_errors=errors or {},
        support_form=request.form,
        support_done=done,
        support_open=bool(errors),
    ), status


def _support_errors(error: Exception) -> dict[str, str]:
    found = form_errors(error, summary=None)
    if not found and isinstance(error, DomainError):
        found = {"form": error.message}
    return found


@bp.post("/checkin/panel/<number>/support")
@roles(*STAFF)
def panel_support(number: str) -> ResponseReturnValue:
    """Record a signpost or referral from the check-in panel (the member's page's service)."""
    site = require_current_site()
    form = request.form
    service_id = form.get("service_id", "").strip()
    fields: dict[str, Any] = {
        "service_id": int(service_id)
        if service_id.isascii() and service_id.isdigit() and len(service_id) < 10
        else service_id,
        "kind": form.get("kind", ""),
        "consent_given": form.get("consent_given") == "yes",
    }
    try:
        data = support.NewReferral.from_dict(ReferralIn().load(fields))
        referral = support.record_referral(site, number, data, actor=actor())
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status != 422:
            raise  # not this member's site, or not allowed: the app's own answer
        return _support_answer(site, number, errors=_support_errors(error), status=422)
    what = "Referral" if referral.kind == "referral" else "Signpost"
    return _support_answer(site, number, done=f"{what} to {referral.service.name} recorded.")


@bp.post("/checkin/panel/<number>/prompts/<kind>/dismiss")
@roles(*STAFF)
def panel_dismiss(number: str, kind: str) -> ResponseReturnValue:
    """Dismiss a prompt from the check-in panel, with a reason."""
    site = require_current_site()
    fields = {"reason": request.form.get("reason", ""), "note": request.form.get("note", "")}
    try:
        data = DismissIn().load(fields)
        support.dismiss_prompt(site, number, kind, data["reason"], data["note"], actor=actor())
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status != 422:
            raise  # not this member's site, or not allowed: the app's own answer
        return _support_answer(site, number, errors=_support_errors(error), status=422)
    return _support_answer(site, number, done="Dismissed. Thank you.")


@bp.get("/checkin/matches")
@roles(*STAFF)
def matches_fragment() -> ResponseReturnValue:
    """Members matching a typed name, for checkin.js to show as you type."""
    site = require_current_site()
    q = request.args.get("q", "").strip()[:100]
    found = members.search_members(site, q, actor=actor(), limit=MATCHES).items if q else []
    return render_template("visits/_matches.html", matches=found, q=q, searched=bool(q))


@bp.post("/checkin")
@roles(*STAFF)
@late_write_lock
def checkin_submit() -> ResponseReturnValue:
    """Check in from the plain form; back to an empty desk, ready for the next card."""
    site = require_current_site()
    bands = [b.name for b in site.settings.bands]
    try:
        data = CheckInIn().load(checkin_from_form(request.form, bands))
        if _empty_override(data, site) and request.form.get("empty_basket") != "yes":
            return _form_again(site, {}, "", 422, ask_empty=True)
        take_write_lock()  # the rules count visits under the lock: never over the limit
        result = services.check_in(
            site, data, actor=actor(), key=request.form.get("idempotency_key")
        )
    except (DomainError, ValidationError) as error:
        # A rule's own words are plain already; a schema's are put in the desk's.
        schema = isinstance(error, ValidationError)
        errors = form_errors(
            error, field=desk_field, friendly=desk_words if schema else None, summary=None
        )
        if isinstance(error, DomainError):
            return _form_again(site, errors, error.message, error.status, code=error.code)
        return _form_again(site, errors, " ".join(dict.fromkeys(errors.values())), 422)
    db.session.commit()
    visit = result.visit
    paid = (
        f"{visit.points_spent} points"
        if visit.payment_model == "points"
        else "nothing to pay"
        if visit.fee_pence == 0 and visit.amount_paid_pence == 0
        else f"{money(visit.amount_paid_pence)} {visit.payment_label.lower()}"
    )
    kind = site.settings.visit_type(visit.visit_type)
    what = f" ({kind.label})" if kind is not None and visit.visit_type != WEEKLY_SHOP else ""
    flash(
        f"{visit.member.first_name} checked in{what}: {paid}. {result.visits_left} left this week.",
        "info",
    )
    return redirect(url_for("visits.checkin"), 303)


def _empty_override(data: CheckInRequest, site: Any) -> bool:
    """An override with nothing in the basket: asked about first, as the desk's script does
    (a fixed parcel never has a basket)."""
    kind = site.settings.visit_type(data.visit_type)
    if kind is not None and kind.parcel:
        return False
    return bool(data.override_reason) and not any(data.basket.values()) and not data.lines


def _form_again(
    site: Any,
    errors: dict[str, str],
    text: str,
    status: int,
    *,
    code: str = "",
    ask_empty: bool = False,
) -> ResponseReturnValue:
    """The desk again with the form as it was sent, saying what to put right."""
    panel, message, _ = _panel_or_message(site, request.form.get("membership_number", ""))
    key = request.form.get("idempotency_key") or str(uuid.uuid4())
    if code == "idempotency_key_reused":
        # The form was sent again changed (the browser's Back button): the first check-in
        # stands. A new key lets the volunteer record another visit, knowingly.
        text = (
            "This form was already used to check the member in, with a different basket "
            "or payment: that first check-in stands and this one was not recorded. To "
            "change it, a site manager voids it in today's visits; to record another "
            "visit, check the form and send it again."
        )
        key = str(uuid.uuid4())
    if ask_empty and panel is not None:
        name = panel.member.first_name
        text = (
            f"Nothing is in {name}'s basket. An override is recorded and reported: add the "
            f"basket, or tick the box to check {name} in with nothing."
        )
    context = _page(
        site,
        q="",
        panel=panel,
        message=message,
        matches=[],
        searched=False,
        key=key,
        errors=errors,
        error=text,
        ask_empty=ask_empty,
        form=request.form,
    )
    return render_template("visits/checkin.html", **context), status


@bp.get("/visits")
@roles(*STAFF)
def day() -> ResponseReturnValue:
    """The visits made at the site on a day; managers may void today's."""
    site = current_site()
    if site is None:
        return _no_site()
    try:
        chosen = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        chosen = services.site_today(site)
    stmt = services.day_visits(site, chosen, actor=actor())
    visits = list(db.session.scalars(stmt.order_by(Visit.visited_at).limit(500)))
    return render_template(
        "visits/day.html",
        site=site,
        day=chosen,
        visits=visits,
        anonymous=anonymous.day_anonymous_visits(site, chosen, actor=actor()),
        today=services.site_today(site),
        is_manager=actor().role == Role.SITE_MANAGER,
    )


@bp.post("/visits/<int:visit_id>/void")
@roles(Role.SITE_MANAGER)
def void(visit_id: int) -> ResponseReturnValue:
    site = require_current_site()
    visit = services.void_visit(site, visit_id, request.form.get("reason", ""), actor=actor())
    return commit_and_redirect(
        f"Visit at {local_time(visit.visited_at)} voided; it no longer counts.",
        url_for("visits.day", date=visit.local_date.isoformat()),
    )


@bp.get("/sessions")
@roles(*STAFF)
def sessions() -> ResponseReturnValue:
    """Open a session, close it with the cash counted, and the site's recent sessions."""
    site = current_site()
    if site is None:
        return _no_site()
    current = services.current_session(site, actor=actor())
    summary = services.takings(current) if current else None
    return render_template(
        "visits/sessions.html",
        site=site,
        current=current,
        summary=summary,
        history=services.list_sessions(site, actor=actor()),
        today=services.site_today(site),
    )


@bp.post("/sessions/open")
@roles(*STAFF)
def open_session() -> ResponseReturnValue:
    site = require_current_site()
    float_pence = pence(request.form.get("float"), exact=True)
    if not isinstance(float_pence, int | None):
        flash("Give the float in pounds and pence, e.g. 20.00.", "error")
        return redirect(url_for("visits.sessions"), 303)
    services.open_session(
        site,
        actor=actor(),
        volunteers=request.form.get("volunteers", ""),
        float_pence=float_pence or 0,
    )
    return commit_and_redirect(
        "Session opened. Visits from now on are part of it.", url_for("visits.checkin")
    )


@bp.post("/sessions/<int:session_id>/close")
@roles(*STAFF)
def close_session(session_id: int) -> ResponseReturnValue:
    site = require_current_site()
    counted = pence(request.form.get("counted_cash"), exact=True)
    if not isinstance(counted, int):
        flash("Type the cash counted in pounds and pence, e.g. 188.50.", "error")
        return redirect(url_for("visits.sessions"), 303)
    session = services.close_session(
        site,
        session_id,
        actor=actor(),
        counted_cash_pence=counted,
        note=request.form.get("note", ""),
    )
    return commit_and_redirect(
        f"Session closed: {session.visits_count} visits, difference "
        f"{money(session.difference_pence)}.",
        url_for("visits.sessions"),
    )


@bp.get("/sessions/<int:session_id>/sheet.pdf")
@roles(*STAFF)
def session_sheet(session_id: int) -> ResponseReturnValue:
    site = require_current_site()
    sheet = services.session_sheet(site, session_id, actor=actor())
    db.session.commit()  # the export is audited
    data = pdf.session_sheet_pdf(sheet)
    name = f"session-{site.code}-{sheet.session.local_date.isoformat()}.pdf"
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


@bp.get("/members/<number>/visits")
@roles(*STAFF)
def member_history(number: str) -> ResponseReturnValue:
    """A member's visits, newest first."""
    site = require_current_site()
    member, stmt = services.member_visits(site, number, actor=actor())
    visits = list(db.session.scalars(stmt.order_by(Visit.id.desc()).limit(200)))
    return render_template("visits/history.html", site=site, member=member, visits=visits)


@bp.get("/visits/review")
@roles(Role.SITE_MANAGER)
def review() -> ResponseReturnValue:
    """Offline check-ins a rule would have refused: accept, note or void each (managers)."""
    site = current_site()
    if site is None:
        return _no_site()
    visits = list(db.session.scalars(services.review_list(site, actor=actor())))
    registrations = list(db.session.scalars(members.registration_reviews(site, actor=actor())))
    return render_template(
        "visits/review.html",
        site=site,
        visits=visits,
        open_count=sum(1 for v in visits if v.review_status == "open"),
        registrations=registrations,
        open_registrations=sum(1 for r in registrations if r.review_status == "open"),
    )


@bp.post("/visits/<int:visit_id>/review")
@roles(Role.SITE_MANAGER)
def review_submit(visit_id: int) -> ResponseReturnValue:
    site = require_current_site()
    action = request.form.get("action", "")
    visit = services.resolve_review(
        site, visit_id, action, request.form.get("note", ""), actor=actor()
    )
    done = {"accept": "accepted", "note": "noted", "void": "voided"}.get(action, "updated")
    return commit_and_redirect(
        f"Visit by {visit.member.first_name} on {visit.local_date.strftime('%-d %B')} {done}.",
        url_for("visits.review"),
    )


@bp.post("/visits/registrations/<number>/review")
@roles(Role.SITE_MANAGER)
def registration_review_submit(number: str) -> ResponseReturnValue:
    """Keep a household registered offline as a separate one, close it as a duplicate with a
    note, or add a note (site managers)."""
    site = require_current_site()
    action = request.form.get("action", "")
    record = members.resolve_registration_review(
        site, number, action, request.form.get("note", ""), actor=actor()
    )
    done = {"keep": "kept as a separate household", "close": "closed as a duplicate"}
    return commit_and_redirect(
        f"Registration of {record.member.first_name} {done.get(action, 'noted')}.",
        url_for("visits.review") + "#registrations",
    )
