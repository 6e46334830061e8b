"""The statistics feed, the report packs (PDF) and every table as CSV: released figures only."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import Blueprint, Response, current_app, request, send_file
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from supermarket.api_routes import LEADS, PDF, Answers, ApiRoutes
from supermarket.auth.web import REPORTERS, actor
from supermarket.reporting import services
from supermarket.reporting.schemas import MonthQuery, PeriodQuery, StatsOut, StatsQuery, dump_stats

bp = Blueprint("reporting_api", __name__, url_prefix="/api/v1")
TAG = "reporting"
api = ApiRoutes(bp, tag=TAG)
PERIOD_NOT_OVER = "period_not_over: programme figures are published once the period is over"
NOT_OVER: Answers = {409: PERIOD_NOT_OVER}
PDF_ANSWERS = PDF | NOT_OVER
STATS_REFUSALS = {404: "site_not_found"} | NOT_OVER
CSV_ANSWERS = {200: "text/csv", 404: "site_not_found or table_not_found"} | NOT_OVER


def _report_pdf(
    query: type[Schema], make: Callable[..., tuple[str, bytes]], *site: str
) -> ResponseReturnValue:
    """A report pack made for the period in the query string, as a PDF download."""
    args = query().load(request.args.to_dict())
    name, data = make(
        *site, actor=actor(), period=args["period"], programme=current_app.config["PROGRAMME_NAME"]
    )
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=True
    )


@api.get("/stats", REPORTERS, query=StatsQuery, ok=StatsOut, responses=STATS_REFUSALS)
def stats() -> ResponseReturnValue:
    """A fixed period's anonymised statistics (all sites, or one with site=CODE), after the
    disclosure rule, which the answer names. Leads and admins: every site; site managers:
    their own. Programme figures are published once the period is over (409 period_not_over
    before)."""
    args = StatsQuery().load(request.args.to_dict())
    report = services.stats_feed(actor=actor(), period=args["period"], site=args["site"])
    return dump_stats(report.as_dict())


@api.get("/stats/tables/<name>.csv", REPORTERS, query=StatsQuery, responses=CSV_ANSWERS)
def table_csv(name: str) -> ResponseReturnValue:
    """One table of the statistics as CSV (summary, sites, people, food, baseline, outcome,
    transitions, trend; support, support_categories, support_inbound, support_answers,
    support_advice; reach_gender, reach_ethnic_group, reach_disability, reach_employment,
    reach_carer, reach_veteran, reach_district, reach_route), with the disclosure rule at
    the top; safe to open in a spreadsheet."""
    args = StatsQuery().load(request.args.to_dict())
    filename, text = services.table_download(
        name, actor=actor(), period=args["period"], site=args["site"]
    )
    return Response(
        text.encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@api.get("/reports/programme.pdf", LEADS, query=PeriodQuery, responses=PDF_ANSWERS)
def programme_pdf() -> ResponseReturnValue:
    """The programme report pack (PDF) for a quarter (2026-Q3) or a year (2026)."""
    return _report_pdf(PeriodQuery, services.programme_report_pdf)


@api.get("/sites/<code>/reports/monthly.pdf", REPORTERS, query=MonthQuery, responses=PDF_ANSWERS)
def monthly_pdf(code: str) -> ResponseReturnValue:
    """A site's monthly report (PDF) for period=2026-09: its managers, leads and admins."""
    return _report_pdf(MonthQuery, services.monthly_site_report_pdf, code)
