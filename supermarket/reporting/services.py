"""Reporting use cases: dashboards, the JSON feed, PDF packs and CSV tables.

Each takes the acting user, checks what they may see (release.py: leads and admins every
site; site managers their own; volunteers nothing) and returns released figures only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from supermarket.auth.access import require_role, site_for_reporting
from supermarket.auth.models import Role, User
from supermarket.errors import InvalidInput
from supermarket.reporting import pdf
from supermarket.reporting.charts import Chart, charts_for
from supermarket.reporting.exports import csv_for
from supermarket.reporting.periods import Period, recent_periods
from supermarket.reporting.release import (
    ReleasedReport,
    choose_period,
    latest_pack_period,
    release_report,
    report_for,
    reporting_site,
    sees_all_sites,
    trend_report,
)
from supermarket.reporting.statistics import SiteRef, all_sites
from supermarket.reporting.tables import Table, tables_for
from supermarket.sites.calendar import programme_today
from supermarket.sites.models import Site


@dataclass(frozen=True, slots=True)
class Dashboard:
    """What a dashboard page shows: the released report, its charts and tables, and choices."""

    report: ReleasedReport
    charts: list[Chart]
    tables: dict[str, Table]
    periods: list[Period]
    sites: Sequence[SiteRef]
    notice: str | None
    outcome_sentence: str
    pack_period: Period

    @property
    def period(self) -> Period:
        return self.report.period


def _dashboard(report: ReleasedReport, actor: User, notice: str | None, today: date) -> Dashboard:
    return Dashboard(
        report=report,
        charts=charts_for(report),
        tables=tables_for(report, compact=True),
        periods=list(recent_periods(today, include_current=not sees_all_sites(actor))),
        sites=all_sites() if sees_all_sites(actor) else (),
        notice=notice,
        outcome_sentence=pdf.outcome_sentence(report),
        pack_period=report.period if report.period.kind != "month" else latest_pack_period(today),
    )


def programme_dashboard(
    *, actor: User, period: str | None = None, site: str | None = None
) -> Dashboard:
    """The programme lead's dashboard: all sites (or one), anonymised."""
    require_role(actor, Role.PROGRAMME_LEAD, Role.ADMIN)
    today = programme_today()
    chosen, notice = choose_period(period, actor, today)
    scope = reporting_site(actor, site or None)
    return _dashboard(
        report_for(chosen, site=scope, actor=actor, today=today), actor, notice, today
    )


def site_dashboard(site: Site, *, actor: User, period: str | None = None) -> Dashboard:
    """A site manager's dashboard for the site they are working at."""
    today = programme_today()
    checked = site_for_reporting(site.code, actor)
    chosen, notice = choose_period(period, actor, today)
    return _dashboard(
        report_for(chosen, site=checked, actor=actor, today=today), actor, notice, today
    )


def stats_feed(*, actor: User, period: Period, site: str | None = None) -> ReleasedReport:
    """The JSON feed: a fixed period's released figures, naming the rule applied."""
    return release_report(period, actor=actor, site_code=site)


def programme_report_pdf(*, actor: User, period: Period, programme: str) -> tuple[str, bytes]:
    """The programme report pack for a quarter or a year (leads and admins)."""
    require_role(actor, Role.PROGRAMME_LEAD, Role.ADMIN)
    chosen = period
    if chosen.kind == "month":
        raise InvalidInput(
            "The programme report is for a quarter or a year.",
            code="invalid_period",
            fields={"period": "Give a quarter (2026-Q3) or a year (2026)."},
        )
    report = report_for(chosen, site=reporting_site(actor, None), actor=actor)
    return f"programme-report-{chosen.key}.pdf", pdf.programme_pdf(report, programme=programme)


def monthly_site_report_pdf(
    code: str, *, actor: User, period: Period, programme: str
) -> tuple[str, bytes]:
    """A site's report for one month (its managers, leads and admins)."""
    site = reporting_site(actor, code)
    chosen = period
    if chosen.kind != "month":
        raise InvalidInput(
            "The site report is for one month.",
            code="invalid_period",
            fields={"period": "Give a month, such as 2026-09."},
        )
    report = report_for(chosen, site=site, actor=actor)
    return f"{code}-{chosen.key}-report.pdf", pdf.monthly_site_pdf(report, programme=programme)


def table_download(
    name: str, *, actor: User, period: Period, site: str | None = None
) -> tuple[str, str]:
    """One table of a report as CSV: (file name, text)."""
    if name == "trend":
        return csv_for(trend_report(period, actor=actor, site_code=site), name)
    report = release_report(period, actor=actor, site_code=site, with_trend=False)
    return csv_for(report, name)
