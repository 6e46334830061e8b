"""The site manager's stock report, as a page and a PDF."""

from __future__ import annotations

from datetime import date

from flask import flash, render_template, request
from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, require_current_site, roles
from supermarket.errors import InvalidInput
from supermarket.stock import pdf
from supermarket.stock.services import reports
from supermarket.stock.views import bp, pdf_response


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/report")
@roles(*MANAGERS)
def report() -> ResponseReturnValue:
    site = require_current_site()
    try:
        found = reports.stock_report(site, actor=actor(), start=_day("from"), end=_day("to"))
    except InvalidInput as exc:
        flash(exc.message, "error")
        found = reports.stock_report(site, actor=actor())
    return render_template("stock/report.html", site=site, report=found)


@bp.get("/report.pdf")
@roles(*MANAGERS)
def report_pdf() -> ResponseReturnValue:
    site = require_current_site()
    found = reports.stock_report(site, actor=actor(), start=_day("from"), end=_day("to"))
    return pdf_response(
        pdf.stock_report(found), f"stock-report-{site.code}-{found.start}-{found.end}.pdf"
    )
