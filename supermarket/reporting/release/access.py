"""Who may see which released figures, and for which periods; the reports they get."""

from __future__ import annotations

from datetime import date

from flask import current_app

from supermarket.auth.access import site_for_reporting
from supermarket.auth.models import Role, User
from supermarket.errors import InvalidInput, PermissionDenied, RuleViolation
from supermarket.models import utcnow
from supermarket.reporting.periods import Period, months_ending, parse_period
from supermarket.reporting.release.pattern import RELEASE_POLICY
from supermarket.reporting.release.report import (
    TREND_MONTHS,
    TREND_TABLE_MONTHS,
    ReleasedReport,
    release_statistics,
    release_trend,
)
from supermarket.reporting.rollups import one_reading, period_breakdowns
from supermarket.reporting.statistics import (
    Conversions,
    TrendPoint,
    all_sites,
    monthly_trend,
    period_statistics,
)
from supermarket.reporting.statistics.reach import reach_statistics
from supermarket.reporting.statistics.support import support_statistics
from supermarket.reporting.statistics.visit_types import visit_type_statistics
from supermarket.sites.calendar import programme_today
from supermarket.sites.models import Site


def conversions_from_config() -> Conversions:
    config = current_app.config
    return Conversions(
        meal_grams=int(config.get("MEAL_GRAMS", 420)),
        co2e_kg_per_tonne=int(config.get("CO2E_KG_PER_TONNE", 1600)),
    )


def sees_all_sites(actor: User) -> bool:
    return Role(actor.role) in (Role.PROGRAMME_LEAD, Role.ADMIN)


def reporting_site(actor: User, code: str | None) -> Site | None:
    """The site a report is about (None: all sites), if the actor may see it.

    Leads and admins: any site, or all. Site managers: one of their own sites; with no code,
    their only site. Volunteers: never (403).
    """
    role = Role(actor.role)
    if role not in (Role.SITE_MANAGER, Role.PROGRAMME_LEAD, Role.ADMIN):
        raise PermissionDenied("Reports are for site managers and programme leads.")
    if code:
        return site_for_reporting(code, actor)
    if sees_all_sites(actor):
        return None
    own = [site for site in actor.sites]
    if len(own) == 1:
        return own[0]
    raise InvalidInput(
        "Say which of your sites the figures are for.",
        code="site_required",
        fields={"site": "Give the code of one of your sites."},
    )


def check_period(period: Period, actor: User, today: date) -> None:
    """Programme figures are published once a period is over; a site manager may follow
    their own site's current period to date."""
    if not period.has_started(today):
        raise InvalidInput(
            f"{period.label} has not started yet.",
            code="period_not_started",
            fields={"period": "Choose a period that has started."},
        )
    if not period.is_complete(today) and sees_all_sites(actor):
        latest = Period.containing(today, period.kind).previous()
        raise RuleViolation(
            f"{period.label} is not over yet. Programme figures are published once a period"
            f" ends, so that they cannot be compared day by day to reveal a small group. The"
            f" latest is {latest.label} ({latest.key}).",
            code="period_not_over",
            fields={"period": f"Choose a period that is over, such as {latest.key}."},
        )


def release_report(
    period: Period,
    *,
    actor: User,
    site_code: str | None = None,
    today: date | None = None,
    with_trend: bool = True,
) -> ReleasedReport:
    """The figures an actor may see for a fixed period: the programme's or one site's."""
    site = reporting_site(actor, site_code)
    return report_for(period, site=site, actor=actor, today=today, with_trend=with_trend)


def report_for(
    period: Period,
    *,
    site: Site | None,
    actor: User,
    today: date | None = None,
    with_trend: bool = True,
) -> ReleasedReport:
    """As release_report(), for a period and site already chosen and checked."""
    today = today or programme_today()
    check_period(period, actor, today)
    with one_reading():
        return _report(period, site, actor, today, with_trend=with_trend)


def _report(
    period: Period, site: Site | None, actor: User, today: date, *, with_trend: bool
) -> ReleasedReport:
    stats = period_statistics(period, today=today, conversions=conversions_from_config())
    ref = None if site is None else stats.site(site.code)
    trend: list[TrendPoint] = []
    if with_trend:
        months = months_ending(period, max(TREND_MONTHS, len(period.months())))
        trend = monthly_trend(
            [m for m in months if m.is_complete(today) or not sees_all_sites(actor)],
            today=today,
            known=stats,
        )
    site_ids = [s.id for s in stats.sites]
    pairs = {site_id: figures.pair_counts for site_id, figures in stats.by_site.items()}
    support = support_statistics(site_ids, period, today, pairs=pairs)
    counts = period_breakdowns(site_ids, period, today)
    reach = reach_statistics(site_ids, period, today, counts=counts)
    by_type = visit_type_statistics(site_ids, period, today, counts=counts, sums=stats.type_sums)
    return release_statistics(
        stats, site=ref, trend=trend, support=support, reach=reach, visit_types=by_type
    )


def trend_report(
    period: Period,
    *,
    actor: User,
    site_code: str | None = None,
    months: int = TREND_TABLE_MONTHS,
    today: date | None = None,
) -> ReleasedReport:
    """Only the month-by-month trend to the end of a period (the trend table): two reads of
    the rollups whatever the number of months, without the rest of the period's figures."""
    site = reporting_site(actor, site_code)
    today = today or programme_today()
    check_period(period, actor, today)
    sites = all_sites()
    ref = None if site is None else next(s for s in sites if s.id == site.id)
    with one_reading():
        trend = monthly_trend(
            [
                month
                for month in months_ending(period, months)
                if month.is_complete(today) or not sees_all_sites(actor)
            ],
            today=today,
        )
    return ReleasedReport(
        period=period,
        complete=period.is_complete(today),
        as_of=today,
        site=ref,
        generated_at=utcnow(),
        policy=RELEASE_POLICY,
        conversions=conversions_from_config(),
        figures={},
        outcome={},
        sites=[],
        trend=release_trend(trend, [s.id for s in sites], None if ref is None else ref.id),
        withheld={},
    )


def default_period(actor: User, today: date | None = None) -> Period:
    """What a dashboard opens on: the latest month that is over for the programme (its
    freshest published figures; quarters and years are a choice away); the current month
    to date for a site manager."""
    today = today or programme_today()
    if sees_all_sites(actor):
        return Period.containing(today, "month").previous()
    return Period.containing(today, "month")


def latest_pack_period(today: date | None = None) -> Period:
    """The quarter the programme's report pack is offered for when a month is shown."""
    return Period.containing(today or programme_today(), "quarter").previous()


def choose_period(
    requested: str | None,
    actor: User,
    today: date | None = None,
    *,
    fallback: Period | None = None,
) -> tuple[Period, str | None]:
    """The period a dashboard shows, and a note when the one asked for cannot be shown;
    with none asked for (or one refused), `fallback` (default_period() if not given)."""
    today = today or programme_today()
    fallback = fallback or default_period(actor, today)
    if not requested:
        return fallback, None
    try:
        period = parse_period(requested)
        check_period(period, actor, today)
    except (InvalidInput, RuleViolation) as refusal:
        return fallback, f"{refusal.message} Showing {fallback.label} instead."
    return period, None
