"""Support pages: the services directory (list, add, edit), recording a signpost or referral
and its outcome from the member's page, and the site manager's follow-up list.

The member's page (members/detail.html) shows the support panel through the template global
`support_panel(member)`, so the members domain never imports this one.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from supermarket.auth.access import sites_for
from supermarket.auth.models import Role
from supermarket.auth.web import MANAGERS, STAFF, actor, current_site, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.forms import commit_and_redirect, form_errors, form_page
from supermarket.members.models import Member
from supermarket.sites.models import Site
from supermarket.support import services
from supermarket.support.models import FOLLOW_UP_DAYS, Category, ReferralStatus, SupportService
from supermarket.support.schemas import OutcomeIn, ReferralIn, ServiceChangesIn, ServiceIn

bp = Blueprint("support", __name__, url_prefix="/support")
EDITORS = (Role.SITE_MANAGER, Role.ADMIN)
DIRECTORY_READERS = (Role.VOLUNTEER, Role.SITE_MANAGER, Role.PROGRAMME_LEAD, Role.ADMIN)
TEXT_FIELDS = ("name", "provider", "category", "description", "phone", "website", "walk_in")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "categories": Category.choices(),
        "statuses": ReferralStatus.choices(),
        "follow_up_days": FOLLOW_UP_DAYS,
    }


@bp.app_template_global()
def support_panel(member: Member) -> Markup:
    """The member page's support panel: their signposts and referrals, and the short form
    that records one (staff of the member's site; the page has checked that)."""
    site = current_site()
    if site is None or site.id != member.site_id:
        return Markup("")
    # A rendered template: Jinja has escaped everything in it already.
    return Markup(  # noqa: S704
        render_template(
            "support/_member_panel.html",
            member=member,
            referrals=services.referrals_of(member),
            site_services=services.services_for_site(site),
            outcome_choices=ReferralStatus.choices(),
        )
    )


# --- the directory -----------------------------------------------------------------------------


def _service_from_form(form: MultiDict[str, str], *, admin: bool) -> dict[str, Any]:
    data: dict[str, Any] = {name: form.get(name, "").strip() for name in TEXT_FIELDS}
    email = form.get("email", "").strip()
    data["email"] = email or None
    data["active"] = form.get("active") == "yes"
    data["sites"] = form.getlist("sites")
    if admin:
        data["all_sites"] = form.get("all_sites") == "yes"
    elif form.get("site"):
        data["site"] = form.get("site", "")
    return data


def _form_sites(user: Any) -> list[Site]:
    return sites_for(user)


@bp.get("/services")
@roles(*DIRECTORY_READERS)
def service_list() -> ResponseReturnValue:
    user = actor()
    editor = user.role in EDITORS
    found = services.list_services(user, include_inactive=editor)
    return render_template(
        "support/services.html",
        services=found,
        can_edit=lambda s: services.can_edit(s, user),
        editor=editor,
    )


@bp.route("/services/new", methods=["GET", "POST"])
@roles(*EDITORS)
def service_new() -> ResponseReturnValue:
    user = actor()
    errors: dict[str, str] = {}
    form: Any = request.form
    if request.method == "POST":
        try:
            data = ServiceIn().load(_service_from_form(request.form, admin=user.role == Role.ADMIN))
            service = services.create_service(data, actor=user)
        except (ValidationError, DomainError) as exc:
            errors = form_errors(exc)
        else:
            return commit_and_redirect(
                f"“{service.name}” is in the directory.", url_for("support.service_list")
            )
    else:
        form = MultiDict({"active": "yes"})
    return form_page(
        "support/service_form.html",
        errors,
        form=form,
        service=None,
        sites=_form_sites(user),
        admin=user.role == Role.ADMIN,
    )


def _as_form(service: SupportService) -> MultiDict[str, str]:
    items = [(name, getattr(service, name) or "") for name in (*TEXT_FIELDS, "email")]
    items += [("sites", s.code) for s in service.sites]
    if service.active:
        items.append(("active", "yes"))
    if service.all_sites:
        items.append(("all_sites", "yes"))
    return MultiDict(items)


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def service_edit(service_id: int) -> ResponseReturnValue:
    user = actor()
    service = services.get_service(service_id, actor=user)
    errors: dict[str, str] = {}
    form: Any = _as_form(service)
    if request.method == "POST":
        form = request.form
        try:
            data = ServiceChangesIn().load(
                _service_from_form(request.form, admin=user.role == Role.ADMIN)
            )
            data.pop("site", None)
            services.update_service(service_id, data, actor=user)
        except (ValidationError, DomainError) as exc:
            errors = form_errors(exc)
            service = services.get_service(service_id, actor=user)
        else:
            return commit_and_redirect("Changes saved.", url_for("support.service_list"))
    return form_page(
        "support/service_form.html",
        errors,
        form=form,
        service=service,
        sites=_form_sites(user),
        admin=user.role == Role.ADMIN,
    )


# --- a member's signposts and referrals --------------------------------------------------------


def _back(number: str) -> str:
    return url_for("members.detail", number=number) + "#support"


def _refused(exc: Exception) -> None:
    errors = form_errors(exc)
    for message in dict.fromkeys(errors.values()):
        flash(message, "error")


@bp.post("/members/<number>/referrals")
@roles(*STAFF)
def record(number: str) -> ResponseReturnValue:
    site = require_current_site()
    form = request.form
    fields: dict[str, Any] = {
        "service_id": _service_id(form.get("service_id", "")),
        "kind": form.get("kind", ""),
        "consent_given": form.get("consent_given") == "yes",
        "note": form.get("note", "").strip(),
    }
    try:
        data = services.NewReferral.from_dict(ReferralIn().load(fields))
        referral = services.record_referral(site, number, data, actor=actor())
    except (ValidationError, DomainError) as exc:
        _refused(exc)
        return redirect(_back(number), 303)
    what = "Referral" if referral.kind == "referral" else "Signpost"
    return commit_and_redirect(f"{what} to {referral.service.name} recorded.", _back(number))


def _service_id(text: str) -> int | str:
    """A service's id from a form: the number, or the text for the schema to refuse."""
    digits = text.strip()
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else text


@bp.post("/members/<number>/referrals/<int:referral_id>")
@roles(*STAFF)
def outcome(number: str, referral_id: int) -> ResponseReturnValue:
    site = require_current_site()
    fields: dict[str, Any] = {"status": request.form.get("status", "")}
    if request.form.get("on"):
        fields["on"] = request.form.get("on", "")
    try:
        change = services.OutcomeUpdate.from_dict(OutcomeIn().load(fields))
        referral = services.update_outcome(site, number, referral_id, change, actor=actor())
    except (ValidationError, DomainError) as exc:
        _refused(exc)
        return redirect(_back(number), 303)
    return commit_and_redirect(
        f"{referral.service.name}: now “{referral.status_label.lower()}”.", _back(number)
    )


@bp.get("/follow-up")
@roles(*MANAGERS)
def follow_up() -> ResponseReturnValue:
    site = require_current_site()
    found = services.follow_up_list(site, actor=actor())
    return render_template(
        "support/follow_up.html",
        site=site,
        referrals=found,
        cutoff=services.follow_up_cutoff(site),
    )
