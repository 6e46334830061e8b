"""Dashboard pages: the programme's (leads and admins) and a site's (its managers)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth.models import Role
from supermarket.auth.web import actor, require_current_site, roles
from supermarket.reporting import services
from supermarket.reporting.release import sees_all_sites
from supermarket.reporting.tables import NOT_SHOWN, show

bp = Blueprint("reporting", __name__, url_prefix="/reporting")


@bp.app_template_filter("released")
def released(value: object, kind: str = "count") -> str:
    """A released figure as people read it ("<10", "1,235", "£3,410", "1.2 t")."""
    if kind == "co2e":
        if value is None or isinstance(value, str):
            return NOT_SHOWN if value is None else value
        kg = float(value)  # type: ignore[arg-type]
        return f"{kg / 1000:,.1f} t" if kg >= 1000 else f"{kg:,.0f} kg"
    return show(value, kind)  # type: ignore[arg-type]


@bp.get("/programme")
@roles(Role.PROGRAMME_LEAD, Role.ADMIN)
def programme() -> ResponseReturnValue:
    dashboard = services.programme_dashboard(
        actor=actor(), period=request.args.get("period"), site=request.args.get("site")
    )
    return render_template("reporting/dashboard.html", d=dashboard, programme_view=True)


@bp.get("/site")
@roles(Role.SITE_MANAGER)
def site_dashboard() -> ResponseReturnValue:
    dashboard = services.site_dashboard(
        require_current_site(), actor=actor(), period=request.args.get("period")
    )
    return render_template("reporting/dashboard.html", d=dashboard, programme_view=False)


@bp.get("/methods")
@roles(Role.PROGRAMME_LEAD, Role.ADMIN, Role.SITE_MANAGER)
def methods() -> ResponseReturnValue:
    """How the figures are made: the disclosure rule, the conversions and the statistics."""
    return render_template(
        "reporting/methods.html",
        sections=services.methods_page(),
        back=url_for(
            "reporting.programme" if sees_all_sites(actor()) else "reporting.site_dashboard"
        ),
    )
