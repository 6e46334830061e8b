"""Pages for referral agencies and their inbound referrals: the register of agencies
(administrators keep it; site managers read those referring to their sites), the referrer's
home (their referral form and their agency's referrals with the site's decision), and the
site's incoming list with its accept page (the desk's registration form, pre-filled) and its
decline form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from supermarket.auth.access import sites_for
from supermarket.auth.models import Role
from supermarket.auth.web import STAFF, actor, require_current_site, roles
from supermarket.errors import Conflict, DomainError, InvalidInput
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_errors, form_page, whole
from supermarket.members.forms import (
    HOUSEHOLD,
    date_from_parts,
    fee_from_form,
    member_form_errors,
    registration_from_form,
)
from supermarket.members.identifiers import display_number
from supermarket.members.models import DIETARY_LABELS, DIETARY_NEEDS, ConsentKind, MemberStatus
from supermarket.members.schemas import MemberIn
from supermarket.members.terms import AGE_BANDS
from supermarket.members.views import ROUTE_LABELS
from supermarket.support.agency_models import AgencyKind, InboundStatus, Urgency
from supermarket.support.agency_schemas import AgencyChangesIn, AgencyIn, DeclineIn, InboundIn
from supermarket.support.services import agencies, inbound

bp = Blueprint("support_agencies", __name__, url_prefix="/support")
ADMINS = (Role.ADMIN,)
READERS = (Role.SITE_MANAGER, Role.ADMIN)
REFERRER = (Role.REFERRER,)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "agency_kinds": AgencyKind.choices(),
        "urgencies": Urgency.choices(),
        "InboundStatus": InboundStatus,
    }


# --- the register ------------------------------------------------------------------------


@bp.get("/agencies")
@roles(*READERS)
def agency_list() -> ResponseReturnValue:
    user = actor()
    return render_template(
        "support/agencies.html",
        agencies=agencies.list_agencies(user),
        editor=user.role == Role.ADMIN,
    )


def _agency_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    return {
        "name": form.get("name", "").strip(),
        "kind": form.get("kind", ""),
        "phone": form.get("phone", "").strip(),
        "email": form.get("email", "").strip() or None,
        "sites": form.getlist("sites"),
        "active": form.get("active") == "yes",
    }


@bp.route("/agencies/new", methods=["GET", "POST"])
@roles(*ADMINS)
def agency_new() -> ResponseReturnValue:
    user = actor()
    errors: dict[str, str] = {}
    form: Any = request.form
    if request.method == "POST":
        try:
            agency = agencies.create_agency(
                AgencyIn().load(_agency_from_form(request.form)), actor=user
            )
        except (ValidationError, DomainError) as exc:
            errors = form_errors(exc)
        else:
            return commit_and_redirect(
                f"“{agency.name}” is in the register.", url_for("support_agencies.agency_list")
            )
    else:
        form = MultiDict({"active": "yes"})
    return form_page(
        "support/agency_form.html", errors, form=form, agency=None, sites=sites_for(user)
    )


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@roles(*ADMINS)
def agency_edit(agency_id: int) -> ResponseReturnValue:
    user = actor()
    agency = agencies.get_agency(agency_id, actor=user)
    errors: dict[str, str] = {}
    items = [(n, getattr(agency, n) or "") for n in ("name", "kind", "phone", "email")]
    items += [("sites", s.code) for s in agency.sites]
    if agency.active:
        items.append(("active", "yes"))
    form: Any = MultiDict(items)
    if request.method == "POST":
        form = request.form
        try:
            data = AgencyChangesIn().load(_agency_from_form(request.form))
            agencies.update_agency(agency_id, data, actor=user)
        except (ValidationError, DomainError) as exc:
            errors = form_errors(exc)
            agency = agencies.get_agency(agency_id, actor=user)
        else:
            return commit_and_redirect("Changes saved.", url_for("support_agencies.agency_list"))
    return form_page(
        "support/agency_form.html", errors, form=form, agency=agency, sites=sites_for(user)
    )


# --- the referrer's home -----------------------------------------------------------------


def _inbound_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": form.get("first_name", ""),
        "last_name": form.get("last_name", ""),
        "postcode": form.get("postcode", ""),
        "phone": form.get("phone", ""),
        "email": form.get("email", ""),
        "household": {
            name: whole(form.get(name), empty=1 if name == "adults" else 0) for name in HOUSEHOLD
        },
        "consent_given": form.get("consent_given") == "yes",
        "reason": form.get("reason", ""),
        "urgency": form.get("urgency", "routine"),
    }
    born = date_from_parts(
        form.get("dob_day", ""), form.get("dob_month", ""), form.get("dob_year", "")
    )
    if born:
        data["date_of_birth"] = born
    for name in ("phone", "email"):
        if not data[name].strip():
            data[name] = None
    return data


def _inbound_errors(exc: Exception) -> dict[str, str]:
    errors = form_errors(exc)
    for name in HOUSEHOLD:  # {"household": {"adults": [...]}} sits by its own box
        if isinstance(exc, ValidationError) and isinstance(exc.messages, dict):
            nested = exc.messages.get("household")
            if isinstance(nested, dict) and name in nested:
                message = nested[name]
                errors[name] = message[0] if isinstance(message, list) else str(message)
    if "date_of_birth" in errors:
        errors["dob"] = errors.pop("date_of_birth")
    return errors


@bp.route("/referrals", methods=["GET", "POST"])
@roles(*REFERRER)
def referrer_home() -> ResponseReturnValue:
    """A referrer's page: the form to refer a household, and their agency's referrals."""
    user = actor()
    agency = agencies.agency_of(user)
    choices = inbound.referrer_sites(user)
    errors: dict[str, str] = {}
    form: Any = request.form
    if request.method == "POST":
        try:
            site = inbound.referrer_site(request.form.get("site", ""), user)
        except DomainError:
            errors = {"site": "Choose one of the sites your agency refers to."}
        else:
            try:
                data = inbound.NewInbound.from_dict(
                    InboundIn().load(_inbound_from_form(request.form))
                )
                referral = inbound.refer(site, data, actor=user)
            except (ValidationError, DomainError) as exc:
                errors = _inbound_errors(exc)
            else:
                return commit_and_redirect(
                    f"Referral of {referral.first_name} {referral.last_name} sent to {site.name}.",
                    url_for("support_agencies.referrer_home"),
                )
    else:
        form = MultiDict({"adults": "1", "urgency": "routine"})
    found = inbound.referrer_list(user)
    return form_page(
        "support/inbound_referrer.html",
        errors,
        form=form,
        agency=agency,
        sites=choices,
        site_options=([("", "Choose…")] if len(choices) > 1 else [])
        + [(s.code, s.name) for s in choices],
        referrals=found,
        taken_up=inbound.taken_up(found),
    )


# --- the site's incoming list ------------------------------------------------------------


@bp.get("/inbound")
@roles(*STAFF)
def inbound_list() -> ResponseReturnValue:
    site = require_current_site()
    return render_template(
        "support/inbound_list.html",
        site=site,
        referrals=inbound.site_list(site, actor=actor()),
    )


def _registration_page(
    referral: Any, form: Any, errors: dict[str, str], duplicate: str | None
) -> ResponseReturnValue:
    site = referral.site
    return form_page(
        "members/register.html",
        errors,
        site=site,
        settings=site.settings,
        form=form,
        duplicate=duplicate,
        inbound_referral=referral,
        route_labels=ROUTE_LABELS,
        dietary_needs=DIETARY_NEEDS,
        dietary_labels=DIETARY_LABELS,
        MemberStatus=MemberStatus,
        ConsentKind=ConsentKind,
        show_number=display_number,
        age_bands=[(label, label) for _, label in AGE_BANDS],
    )


@bp.route("/inbound/<int:referral_id>/accept", methods=["GET", "POST"])
@roles(*STAFF)
def inbound_accept(referral_id: int) -> ResponseReturnValue:
    """The desk's registration form, pre-filled from the referral; registering accepts it."""
    site = require_current_site()
    user = actor()
    referral = inbound.get_for_site(site, referral_id, actor=user)
    if referral.status != InboundStatus.PENDING:
        flash(f"This referral has already been {referral.status}.", "error")
        return redirect(url_for("support_agencies.inbound_list"), 303)
    errors: dict[str, str] = {}
    duplicate = None
    form: Any = inbound.registration_form(referral)
    if request.method == "POST":
        form = request.form
        schema = MemberIn()
        try:
            fields = registration_from_form(request.form)
            if site.settings.joining_fee_pence:
                fields["joining_fee"] = fee_from_form(request.form)
            data = schema.load(fields)
            done = inbound.accept(site, referral_id, actor=user, registration=data)
        except (ValidationError, InvalidInput, Conflict) as exc:
            errors = member_form_errors(exc, schema)
            duplicate = exc.details.get("membership_number") if isinstance(exc, Conflict) else None
            referral = inbound.get_for_site(site, referral_id, actor=user)
        else:
            db.session.commit()
            member = done.member
            flash(
                f"{member.first_name} is registered from the referral: membership number "
                f"{display_number(member.membership_number)}.",
                "info",
            )
            for warning in done.warnings:
                flash(warning["message"], "warning")
            return redirect(url_for("members.detail", number=member.membership_number), 303)
    return _registration_page(referral, form, errors, duplicate)


@bp.post("/inbound/<int:referral_id>/accept-existing")
@roles(*STAFF)
def inbound_accept_existing(referral_id: int) -> ResponseReturnValue:
    """Accept onto a member already registered at the site (a possible duplicate that is
    the same household)."""
    site = require_current_site()
    number = request.form.get("membership_number", "").strip()
    try:
        done = inbound.accept(site, referral_id, actor=actor(), membership_number=number or "-")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("support_agencies.inbound_accept", referral_id=referral_id), 303)
    return commit_and_redirect(
        f"Referral accepted for member {display_number(done.member.membership_number)}.",
        url_for("members.detail", number=done.member.membership_number),
    )


@bp.route("/inbound/<int:referral_id>/decline", methods=["GET", "POST"])
@roles(*STAFF)
def inbound_decline(referral_id: int) -> ResponseReturnValue:
    site = require_current_site()
    user = actor()
    referral = inbound.get_for_site(site, referral_id, actor=user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = DeclineIn().load({"reason": request.form.get("reason", "")})
            inbound.decline(site, referral_id, data["reason"], actor=user)
        except (ValidationError, DomainError) as exc:
            errors = form_errors(exc, refusal_summary=True)
            referral = inbound.get_for_site(site, referral_id, actor=user)
        else:
            return commit_and_redirect(
                "Referral declined. The agency will see your reason.",
                url_for("support_agencies.inbound_list"),
            )
    return form_page(
        "support/inbound_decline.html", errors, form=request.form, referral=referral, site=site
    )
