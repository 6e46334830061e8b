"""Reporting use cases: dashboards, the JSON feed, PDF packs and CSV tables.

Each takes the acting user, checks what they may see (release.py: leads and admins every
site; site managers their own; volunteers nothing) and returns released figures only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

from supermarket.auth.access import require_role, site_for_reporting
from supermarket.auth.models import Role, User
from supermarket.errors import InvalidInput
from supermarket.reporting import pdf
from supermarket.reporting.charts import Chart, charts_for
from supermarket.reporting.disclosure import suppress_linked
from supermarket.reporting.exports import csv_for
from supermarket.reporting.periods import Period, recent_periods
from supermarket.reporting.release import (
    RELEASE_POLICY,
    ReleasedReport,
    choose_period,
    conversions_from_config,
    default_period,
    latest_pack_period,
    release_report,
    report_for,
    reporting_site,
    sees_all_sites,
    trend_report,
    wording,
)
from supermarket.reporting.rollups import daily_visits, households_for
from supermarket.reporting.statistics import SiteRef, all_sites
from supermarket.reporting.tables import Table, tables_for
from supermarket.sites.calendar import programme_today
from supermarket.sites.models import Site


@dataclass(frozen=True, slots=True)
class PeriodChoice:
    """A period a dashboard offers, and whether its figures are mostly shown (`has_data`) or
    there is anything at all in it (`any_visits`)."""

    period: Period
    has_data: bool
    any_visits: bool
    # The last day of the period's last month with visits (None: none).
    visits_to: date | None = None

    @property
    def key(self) -> str:
        return self.period.key


@dataclass(frozen=True, slots=True)
class Dashboard:
    """What a dashboard page shows: the released report, its charts and tables, and choices."""

    report: ReleasedReport
    charts: list[Chart]
    tables: dict[str, Table]
    periods: list[Period]
    sites: Sequence[SiteRef]
    notice: str | None
    pack_period: Period | None
    choices: list[PeriodChoice] = field(default_factory=list)
    reach_sentences: list[str] = field(default_factory=list)
    outcome_sentences: list[str] = field(default_factory=list)
    suppressed_note: str = ""
    no_data: bool = False

    @property
    def period(self) -> Period:
        return self.report.period

    def choice_groups(self) -> list[tuple[str, list[PeriodChoice]]]:
        """The period chooser's groups: periods with figures first (months, quarters,
        years), then those whose figures are mostly hidden."""
        kinds = (("month", "Months"), ("quarter", "Quarters"), ("year", "Years"))
        split = any(c.has_data for c in self.choices) and not all(c.has_data for c in self.choices)
        groups = [
            (
                label,
                [c for c in self.choices if c.period.kind == kind and (c.has_data or not split)],
            )
            for kind, label in kinds
        ]
        if split:
            groups.append(
                ("Too few people to show most figures", [c for c in self.choices if not c.has_data])
            )
        return [(label, found) for label, found in groups if found]


# --- which periods have figures --------------------------------------------------------------

_KIND_ORDER: Final = {"month": 0, "quarter": 1, "year": 2}


def period_choices(
    periods: Sequence[Period], *, site: Site | None, today: date
) -> list[PeriodChoice]:
    """Whether each period's figures (the programme's, or one site's) are mostly shown.

    Cheap, from the rollups: visits per site and day (one read over all the periods), then
    the distinct households of the periods with at least `min_count` visits (stored for the
    periods that are over). A scope's figures are mostly shown when its households are (the
    money, the food and the people follow them), after the same site-to-programme protection
    the report applies. (A small site's row in the programme's table may still read "<10".)
    """
    if not periods:
        return []
    policy = RELEASE_POLICY
    sites = all_sites()
    site_ids = [ref.id for ref in sites]
    start = min(p.start for p in periods)
    end = min(max(p.end for p in periods), today)
    by_month: dict[tuple[int, str], int] = {}
    if start <= end:
        for (site_id, day), count in daily_visits(site_ids, start, end).items():
            key = (site_id, f"{day.year}-{day.month:02d}")
            by_month[key] = by_month.get(key, 0) + count
    visits: dict[str, dict[int, int]] = {}
    for period in periods:
        months = {m.key for m in period.months()}
        visits[period.key] = {
            site_id: sum(
                n for (s, month), n in by_month.items() if s == site_id and month in months
            )
            for site_id in site_ids
        }
    scope = None if site is None else site.id

    def scope_visits(key: str) -> int:
        counts = visits[key]
        return sum(counts.values()) if scope is None else counts.get(scope, 0)

    def visits_to(period: Period) -> date | None:
        months = [
            m
            for m in period.months()
            if any(n for (s, key), n in by_month.items() if key == m.key and scope in (None, s))
        ]
        return months[-1].end if months else None

    candidates = [p for p in periods if scope_visits(p.key) >= policy.min_count]
    reach = households_for(site_ids, candidates) if candidates else {}
    choices = []
    for period in periods:
        shown = False
        if period.key in reach:
            found = {key: value["households"] for key, value in reach[period.key].items()}
            lines: list[tuple[list[int | None], int | None]] = [(list(site_ids), None)]
            primary, secondary = suppress_linked(found, lines, policy)
            hidden = primary | secondary
            shown = scope not in hidden
        choices.append(PeriodChoice(period, shown, scope_visits(period.key) > 0, visits_to(period)))
    return choices


def best_period(
    choices: Sequence[PeriodChoice], today: date, *, kinds: Sequence[str] = tuple(_KIND_ORDER)
) -> Period | None:
    """The most recent period (of these kinds) whose figures are mostly shown: the one whose
    figures run latest (to its end, or to its last month with visits if that is earlier; a
    period still running counts from its start, so this month so far comes before last
    month, but the year so far after it), a month before a quarter before a year on a tie."""
    found = [c for c in choices if c.has_data and c.period.kind in kinds]
    if not found:
        return None

    def recency(choice: PeriodChoice) -> tuple[date, int]:
        period = choice.period
        runs_to = period.end if period.is_complete(today) else period.start
        if choice.visits_to is not None:
            runs_to = min(runs_to, choice.visits_to)
        return runs_to, -_KIND_ORDER[period.kind]

    return max(found, key=recency).period


def _pack_period(
    report: ReleasedReport, choices: Sequence[PeriodChoice], today: date
) -> Period | None:
    """The period the programme's report pack is offered for: the quarter or year shown; else
    the latest quarter or year that is over with figures mostly shown; else the last quarter
    that is over, if anything happened in it; else none."""
    if report.period.kind != "month":
        return report.period
    over = [c for c in choices if c.period.is_complete(today)]
    best = best_period(over, today, kinds=("quarter", "year"))
    if best is not None:
        return best
    latest = latest_pack_period(today)
    if any(c.key == latest.key and c.any_visits for c in choices):
        return latest
    return None


def _page_tables(report: ReleasedReport) -> dict[str, Table]:
    """The report's tables as the pages show them: the outcome table in plain words (its
    methods on the methods page) and no second explanation of "<10" under the site table."""
    tables = tables_for(report, compact=True)
    outcome = tables["outcome"]
    tables["outcome"] = replace(
        outcome,
        rows=wording.plain_outcome_rows(outcome.rows),
        notes=(report.outcome["cohort"],),
    )
    if "support_advice" in tables:  # its caveat stands out above it on the page
        advice = tables["support_advice"]
        tables["support_advice"] = replace(advice, notes=advice.notes[1:])
    if "sites" in tables:
        sites = tables["sites"]
        tables["sites"] = replace(sites, notes=tuple(n for n in sites.notes if "<10" not in n))
    return tables


def _dashboard(
    report: ReleasedReport,
    actor: User,
    notice: str | None,
    today: date,
    choices: list[PeriodChoice],
) -> Dashboard:
    return Dashboard(
        report=report,
        charts=charts_for(report),
        tables=_page_tables(report),
        periods=[c.period for c in choices],
        sites=all_sites() if sees_all_sites(actor) else (),
        notice=notice,
        pack_period=_pack_period(report, choices, today),
        choices=choices,
        reach_sentences=wording.reach_sentences(report),
        outcome_sentences=wording.outcome_sentences(report),
        suppressed_note=wording.suppressed_explanation(report.policy),
        no_data=not any(c.any_visits for c in choices),
    )


def _choose(
    requested: str | None, actor: User, site: Site | None, today: date
) -> tuple[Period, str | None, list[PeriodChoice]]:
    """The period to show (the most recent with figures mostly shown, unless one is asked
    for), the note if the one asked for cannot be, and the choices to offer."""
    offered = list(recent_periods(today, include_current=not sees_all_sites(actor)))
    choices = period_choices(offered, site=site, today=today)
    fallback = best_period(choices, today) or default_period(actor, today)
    chosen, notice = choose_period(requested, actor, today, fallback=fallback)
    return chosen, notice, choices


def programme_dashboard(
    *, actor: User, period: str | None = None, site: str | None = None
) -> Dashboard:
    """The programme lead's dashboard: all sites (or one), anonymised."""
    require_role(actor, Role.PROGRAMME_LEAD, Role.ADMIN)
    today = programme_today()
    scope = reporting_site(actor, site or None)
    chosen, notice, choices = _choose(period, actor, scope, today)
    return _dashboard(
        report_for(chosen, site=scope, actor=actor, today=today), actor, notice, today, choices
    )


def site_dashboard(site: Site, *, actor: User, period: str | None = None) -> Dashboard:
    """A site manager's dashboard for the site they are working at."""
    today = programme_today()
    checked = site_for_reporting(site.code, actor)
    chosen, notice, choices = _choose(period, actor, checked, today)
    return _dashboard(
        report_for(chosen, site=checked, actor=actor, today=today), actor, notice, today, choices
    )


def methods_page() -> list[tuple[str, list[str]]]:
    """The methods page's sections: the rule and the settings in force."""
    return wording.methods_sections(RELEASE_POLICY, conversions_from_config())


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
