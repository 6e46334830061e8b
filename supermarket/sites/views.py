"""Sites' pages: the list, adding and changing a site (administrators), and a site's settings
(administrators and the site's managers)."""

from __future__ import annotations

from typing import TypedDict

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from supermarket.auth.access import site_for_reporting
from supermarket.auth.models import Role
from supermarket.auth.web import actor, roles
from supermarket.errors import DomainError
from supermarket.forms import commit_and_redirect, form_errors, form_page
from supermarket.sites import services
from supermarket.sites.forms import (
    BAND_ROWS,
    HOLIDAY_ROWS,
    MAX_BANDS,
    MAX_SCHOOL_HOLIDAYS,
    MAX_TIERS,
    MAX_VISIT_TYPES,
    TIER_ROWS,
    posted_rows,
    row_count,
    settings_errors,
    settings_from_form,
)
from supermarket.sites.settings import (
    ELIGIBILITY_ROUTES,
    FREQUENCIES,
    MEMBERSHIP_FEE_PERIODS,
    PAYMENT_MODELS,
    PROGRAMME_VISIT_TYPES,
    SiteSettingsSchema,
)

# The list and details of sites keep their addresses among the administration pages (/admin);
# a site's settings are under /sites.
bp = Blueprint("sites", __name__)


class _Details(TypedDict):
    name: str
    address: str
    postcode: str
    timezone: str


def _details(form: MultiDict[str, str]) -> _Details:
    """A site's details as typed on its form."""
    return {
        "name": form.get("name", ""),
        "address": form.get("address", ""),
        "postcode": form.get("postcode", ""),
        "timezone": form.get("timezone", "Europe/London"),
    }


@bp.get("/admin/sites")
@roles(Role.ADMIN)
def site_list() -> ResponseReturnValue:
    return render_template("admin/sites.html", sites=services.list_sites())


@bp.route("/admin/sites/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def site_new() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            site = services.create_site(
                code=request.form.get("code", ""), **_details(request.form), actor=actor()
            )
        except DomainError as exc:
            errors = form_errors(exc)
        else:
            return commit_and_redirect(
                f"{site.name} added. Now check its settings.",
                url_for("sites.settings", code=site.code),
            )
    return form_page("admin/site_form.html", errors, site=None, form=request.form)


@bp.route("/admin/sites/<code>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def site_edit(code: str) -> ResponseReturnValue:
    site = services.get_site(code)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.update_site(
                site,
                **_details(request.form),
                active=request.form.get("active") == "on",
                actor=actor(),
            )
        except DomainError as exc:
            errors = form_errors(exc)
        else:
            return commit_and_redirect(f"{site.name} saved.", url_for("sites.site_list"))
    return form_page("admin/site_form.html", errors, site=site, form=request.form)


@bp.route("/sites/<code>/settings", methods=["GET", "POST"])
@roles(Role.SITE_MANAGER, Role.ADMIN)
def settings(code: str) -> ResponseReturnValue:
    site = site_for_reporting(code, actor())
    errors: dict[str, str] = {}
    values = site.settings
    if request.method == "POST":
        try:
            services.update_settings(
                site, settings_from_form(request.form), actor=actor(), replace=True
            )
        except ValidationError as exc:
            errors = settings_errors(exc, request.form, SiteSettingsSchema())
        else:
            return commit_and_redirect(
                f"Settings for {site.name} saved.", url_for("sites.settings", code=site.code)
            )
    return form_page(
        "sites/settings.html",
        errors,
        site=site,
        s=values,
        form=request.form,
        routes=ELIGIBILITY_ROUTES,
        band_rows=row_count(
            len(values.bands), len(posted_rows(request.form, "band")), BAND_ROWS, MAX_BANDS
        ),
        tier_rows=row_count(
            len(values.tiers), len(posted_rows(request.form, "tier")), TIER_ROWS, MAX_TIERS
        ),
        # Visit types: the site's, a spare row for its own, and the programme's to add.
        type_rows=row_count(
            len(values.visit_types), len(posted_rows(request.form, "type")), 1, MAX_VISIT_TYPES
        ),
        programme_types=[t for t in PROGRAMME_VISIT_TYPES if values.visit_type(t.key) is None],
        frequencies=FREQUENCIES,
        payment_models=PAYMENT_MODELS,
        fee_periods=MEMBERSHIP_FEE_PERIODS,
        holiday_rows=row_count(
            len(values.school_holidays),
            len(posted_rows(request.form, "holiday")),
            HOLIDAY_ROWS,
            MAX_SCHOOL_HOLIDAYS,
        ),
    )
