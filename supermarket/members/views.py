"""Members pages for the desk tablet: search, register, member page, edit, cards, data rights."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from supermarket.auth.models import Role
from supermarket.auth.web import MANAGERS, STAFF, actor, require_current_site, roles
from supermarket.errors import Conflict, InvalidInput, PermissionDenied
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_page, plain
from supermarket.members import pdf, services
from supermarket.members.forms import (
    fee_from_form,
    member_form_errors,
    registration_from_form,
    update_from_form,
)
from supermarket.members.identifiers import display_number
from supermarket.members.models import (
    DIETARY_LABELS,
    DIETARY_NEEDS,
    ConsentKind,
    ConsentMethod,
    Member,
    MemberStatus,
)
from supermarket.members.monitoring import answer_label
from supermarket.members.monitoring_form import MONITORING_FORM, monitoring_from_form
from supermarket.members.schemas import FeePaymentIn, MemberIn, MemberUpdateIn
from supermarket.members.services import access, importing, monitoring, privacy
from supermarket.members.terms import AGE_BANDS
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site

bp = Blueprint("members", __name__, url_prefix="/members")

ROUTE_LABELS = {
    "self_declared": "Self-declared need",
    "referral": "Referred by an agency",
    "benefits": "Receives benefits",
    "postcode": "Lives in the catchment area",
    "no_fixed_abode": "No fixed address",
}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "route_labels": ROUTE_LABELS,
        "dietary_needs": DIETARY_NEEDS,
        "dietary_labels": DIETARY_LABELS,
        "MemberStatus": MemberStatus,
        "ConsentKind": ConsentKind,
        "ConsentMethod": ConsentMethod,
        "show_number": display_number,
        "monitoring_form": MONITORING_FORM,
        "monitoring_label": answer_label,
        "age_bands": [(label, label) for _, label in AGE_BANDS],
    }


def _pdf(data: bytes, name: str) -> Response:
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


@bp.get("")
@roles(*STAFF)
def search() -> ResponseReturnValue:
    site = require_current_site()
    q = request.args.get("q", "")[:100]
    status = request.args.get("status") or None
    if status not in {s.value for s in MemberStatus} | {None}:
        status = None
    page = services.search_members(
        site, q, actor=actor(), status=status, cursor=request.args.get("cursor") or None
    )
    if page.exact is not None:  # a scanned or typed card number goes straight to the member
        return redirect(url_for("members.detail", number=page.exact.membership_number), 303)
    return render_template(
        "members/search.html", site=site, q=q, status=status, page=page, today=site_today(site)
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*STAFF)
def register() -> ResponseReturnValue:
    site = require_current_site()
    errors: dict[str, str] = {}
    duplicate = None
    if request.method == "POST":
        schema = MemberIn()
        try:
            fields = registration_from_form(request.form)
            if site.settings.joining_fee_pence:
                fields["joining_fee"] = fee_from_form(request.form)
            fields["monitoring"] = monitoring_from_form(request.form)
            data = schema.load(fields)
            result = services.register_member(site, data, actor=actor())
        except (ValidationError, InvalidInput, Conflict) as exc:
            errors = member_form_errors(exc, schema)
            duplicate = exc.details.get("membership_number") if isinstance(exc, Conflict) else None
        else:
            db.session.commit()
            member = result.member
            flash(
                f"{member.first_name} is registered: membership number "
                f"{display_number(member.membership_number)}.",
                "info",
            )
            for warning in result.warnings:
                flash(warning["message"], "warning")
            detail = url_for("members.detail", number=member.membership_number)
            # At the desk the food questions come straight after joining, if agreed to.
            if member.consent_flags()["survey"] and "surveys.take" in current_app.view_functions:
                return redirect(
                    url_for("surveys.take", number=member.membership_number, next=detail), 303
                )
            return redirect(detail, 303)
    return form_page(
        "members/register.html",
        errors,
        site=site,
        settings=site.settings,
        form=request.form,
        duplicate=duplicate,
    )


@bp.get("/<number>")
@roles(*STAFF)
def detail(number: str) -> ResponseReturnValue:
    site = require_current_site()
    member = services.view_member(site, number, actor=actor())
    db.session.commit()
    return _member_page(site, member)


def _member_page(site: Site, member: Member, **extra: Any) -> str:
    """The member's page (`extra`: a form's errors and what was typed in it)."""
    return render_template(
        "members/detail.html",
        site=site,
        member=member,
        today=site_today(site),
        waiting_position=services.waiting_position(member),
        monitoring=monitoring.answers_for(member, actor()),
        member_proxies=access.list_proxies(member),
        **extra,
    )


@bp.route("/<number>/edit", methods=["GET", "POST"])
@roles(*STAFF)
def edit(number: str) -> ResponseReturnValue:
    site = require_current_site()
    member = services.get_member(site, number, actor=actor())
    manager = actor().role == Role.SITE_MANAGER
    errors: dict[str, str] = {}
    if request.method == "POST":
        schema = MemberUpdateIn()
        try:
            unknown = frozenset(
                name for name in ("postcode", "date_of_birth") if getattr(member, name) is None
            )
            fields = update_from_form(request.form, manager=manager, unknown=unknown)
            if manager:
                fields["monitoring"] = monitoring_from_form(request.form)
            changes = schema.load(fields)
            services.update_member(member, changes, actor=actor())
        except (ValidationError, InvalidInput, PermissionDenied, Conflict) as exc:
            errors = member_form_errors(exc, schema)
        else:
            return commit_and_redirect(
                "Changes saved.", url_for("members.detail", number=member.membership_number)
            )
    return form_page(
        "members/edit.html",
        errors,
        site=site,
        member=member,
        manager=manager,
        form=request.form,
        monitoring=monitoring.answers_for(member, actor()) or {},
    )


_ACTIONS: dict[str, Callable[..., Member]] = {
    "reinstate": services.reinstate_member,
    "review": services.record_review,
    "admit": services.admit_from_waiting_list,
}
_DONE = {
    "suspend": "Membership suspended.",
    "reinstate": "Suspension lifted.",
    "renew": "Membership renewed.",
    "review": "Review recorded.",
    "admit": "Place given: the membership starts today.",
    "close": "Membership closed.",
}


@bp.post("/<number>/status/<action>")
@roles(*MANAGERS)
def change_status(number: str, action: str) -> ResponseReturnValue:
    site = require_current_site()
    member = services.get_member(site, number, actor=actor(), managers_only=True)
    reason = request.form.get("reason", "")
    if action == "suspend" and not reason.strip():
        # Said beside the box, with the reason's form kept, as every form does.
        return _member_page(
            site,
            member,
            errors={"suspend-reason": "Give a reason for suspending the membership."},
            form=request.form,
        ), 422
    if action == "suspend":
        services.suspend_member(member, reason, actor=actor())
    elif action == "renew":
        fee = fee_from_form(request.form)
        payment = FeePaymentIn().load(fee) if fee is not None else None
        services.renew_member(member, actor=actor(), fee=payment)
    elif action == "close":
        services.close_member(member, reason, actor=actor())
    elif action in _ACTIONS:
        _ACTIONS[action](member, actor=actor())
    else:
        return render_template("errors/404.html"), 404
    return commit_and_redirect(
        _DONE[action], url_for("members.detail", number=member.membership_number)
    )


@bp.post("/<number>/consents/<kind>/<change>")
@roles(*STAFF)
def consent(number: str, kind: str, change: str) -> ResponseReturnValue:
    site = require_current_site()
    member = services.get_member(site, number, actor=actor())
    method = request.form.get("method", ConsentMethod.IN_PERSON.value)
    if method not in {m.value for m in ConsentMethod} - {ConsentMethod.IMPORT.value}:
        method = ConsentMethod.IN_PERSON.value
    if change == "withdraw":
        services.withdraw_consent(member, kind, method, actor=actor())
        flash("Consent withdrawn.", "info")
    elif change == "give":
        services.give_consent(member, kind, method, actor=actor())
        flash("Consent recorded.", "info")
    else:
        return render_template("errors/404.html"), 404
    db.session.commit()
    return redirect(url_for("members.detail", number=member.membership_number) + "#consents", 303)


@bp.get("/<number>/card.pdf")
@roles(*STAFF)
def card(number: str) -> ResponseReturnValue:
    site = require_current_site()
    member = services.card_for(site, number, actor=actor())
    db.session.commit()
    return _pdf(pdf.card_pdf(member, site), f"card-{member.membership_number}.pdf")


@bp.get("/cards.pdf")
@roles(*STAFF)
def cards() -> ResponseReturnValue:
    site = require_current_site()
    registered_on = site_today(site) if request.args.get("registered") == "today" else None
    members = services.members_for_cards(
        site, actor=actor(), numbers=request.args.getlist("number"), registered_on=registered_on
    )
    db.session.commit()
    return _pdf(pdf.card_sheet_pdf(members, site), "cards.pdf")


@bp.get("/<number>/export.json")
@roles(*MANAGERS)
def export_json(number: str) -> ResponseReturnValue:
    data = privacy.export_member(require_current_site(), number, actor=actor())
    db.session.commit()
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="member-data-{number}.json"'
    return response


@bp.get("/<number>/export.pdf")
@roles(*MANAGERS)
def export_pdf(number: str) -> ResponseReturnValue:
    data = privacy.export_member(require_current_site(), number, actor=actor())
    db.session.commit()
    return _pdf(pdf.export_pdf(data), f"member-data-{number}.pdf")


@bp.post("/<number>/anonymise")
@roles(*MANAGERS)
def anonymise(number: str) -> ResponseReturnValue:
    site = require_current_site()
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm the member asked to be forgotten.", "error")
        return redirect(url_for("members.detail", number=number) + "#erase", 303)
    privacy.anonymise_member(site, number, actor=actor())
    return commit_and_redirect(
        "The member has been anonymised. Their visits still count in the statistics, "
        "without anything that identifies them.",
        url_for("members.search"),
    )


@bp.route("/import", methods=["GET", "POST"])
@roles(*MANAGERS)
def import_members() -> ResponseReturnValue:
    site = require_current_site()
    report = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors["file"] = "Choose the CSV file to import."
        else:
            report = importing.import_members(
                site,
                upload.stream,
                actor=actor(),
                dry_run=request.form.get("dry_run") == "on",
                skip_bad_rows=request.form.get("mode") == "skip",
                source=upload.filename,
            )
            db.session.commit()  # the import rolled back its own rows if it was refused
    return form_page(
        "members/import.html",
        errors,
        site=site,
        report=report,
        form=request.form,
        columns=importing.COLUMNS,
        error_csv=importing.errors_csv(report.errors) if report else "",
        plain=plain,
    )


@bp.get("/import/template.csv")
@roles(*MANAGERS)
def import_template() -> ResponseReturnValue:
    return Response(
        importing.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="members-template.csv"'},
    )


from supermarket.members import views_access  # noqa: E402, F401  (its routes are on bp)
