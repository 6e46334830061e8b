"""Fridge and freezer checks, and the log an environmental-health officer asks to see."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.forms import form_page
from supermarket.sites.calendar import site_today
from supermarket.stock import pdf
from supermarket.stock.forms import temperature_errors
from supermarket.stock.services import temperatures as temps
from supermarket.stock.views import bp, pdf_response

LOG_DAYS = 30


def _period(today: date) -> tuple[date, date]:
    """The from/to dates asked for, else the last 30 days."""

    def parse(name: str, default: date) -> date:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return default

    return parse("from", today - timedelta(days=LOG_DAYS - 1)), parse("to", today)


@bp.route("/temperatures", methods=["GET", "POST"])
@roles(*MANAGERS)
def temperatures() -> ResponseReturnValue:
    site = require_current_site()
    errors: dict[str, str] = {}
    if request.method == "POST":
        f = request.form
        try:
            check = temps.record_temperature(
                site,
                unit_name=f.get("unit_name", ""),
                unit_kind=f.get("unit_kind", ""),
                celsius=f.get("celsius", ""),
                action_taken=f.get("action_taken", ""),
                actor=actor(),
            )
        except DomainError as exc:
            errors = temperature_errors(exc, f)
        else:
            db.session.commit()
            flash(
                f"{check.unit_name}: {check.celsius:.1f} °C recorded"
                + (" — out of range, action noted." if check.out_of_range else "."),
                "warning" if check.out_of_range else "info",
            )
            return redirect(url_for("stock.temperatures"), 303)
    start, end = _period(site_today(site))
    return form_page(
        "stock/temperatures.html",
        errors,
        site=site,
        form=request.form,
        checks=temps.list_temperatures(site, actor=actor(), start=start, end=end),
        units=temps.unit_names(site),
        start=start,
        end=end,
    )


@bp.get("/temperatures/log.pdf")
@roles(*MANAGERS)
def temperatures_pdf() -> ResponseReturnValue:
    site = require_current_site()
    start, end = _period(site_today(site))
    checks = temps.list_temperatures(site, actor=actor(), start=start, end=end)
    return pdf_response(
        pdf.temperature_log(site, list(reversed(checks)), start, end),
        f"temperature-log-{site.code}-{start}-{end}.pdf",
    )
