"""A released report: one period's disclosure-controlled figures for the programme or one
site, made from the blocks (blocks.py), with the notes and the month-by-month trend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from supermarket.models import utcnow
from supermarket.reporting.disclosure import (
    DisclosurePolicy,
    suppress_linked,
)
from supermarket.reporting.periods import Period
from supermarket.reporting.release.blocks import (
    ScopeFigures,
    figures_block,
    lone_membership_withheld,
    outcome_block,
    site_outcome_summary,
)
from supermarket.reporting.release.pattern import (
    RELEASE_POLICY,
    Key,
    Pattern,
    Scope,
    linked_pattern,
)
from supermarket.reporting.release.reach import reach_block, reach_pattern
from supermarket.reporting.release.support import support_block, support_pattern
from supermarket.reporting.release.visit_types import visit_type_pattern, visit_types_block
from supermarket.reporting.statistics import (
    Conversions,
    Figures,
    PeriodStatistics,
    SiteRef,
    TrendPoint,
)
from supermarket.reporting.statistics.reach import ReachStatistics
from supermarket.reporting.statistics.support import SupportStatistics
from supermarket.reporting.statistics.visit_types import VisitTypeStatistics

TREND_MONTHS: Final = 12
# The trend table (CSV) goes back further than the dashboard's chart: three years.
TREND_TABLE_MONTHS: Final = 36
MAGNITUDE_NOTE: Final = (
    "Money and food given to members are shown only where they come from at least"
    f" {RELEASE_POLICY.min_count} households: money to the nearest pound, weights to the nearest"
    " kilogram. Food received, moved between sites and wasted is about food, not people,"
    " and is shown to the nearest kilogram."
)
PERIOD_NOTE: Final = (
    "Fixed periods only (month, quarter, year), published for the programme once they are"
    " over, so that figures cannot be compared day by day to reveal a small group."
)
MEALS_NOTE: Final = (
    "Meals are an equivalence ({meal_grams} g of food = 1 meal, WRAP), not a count of"
    " balanced meals served."
)
CO2E_NOTE: Final = (
    "CO2e avoided: {factor} t CO2e per tonne of surplus food given to members (FareShare /"
    " Carbon Trust), counting FareShare, retailer, public and community sources, never"
    " purchased stock."
)

# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleasedReport:
    """Disclosure-controlled figures for one period: the programme's or one site's."""

    period: Period
    complete: bool
    as_of: date
    site: SiteRef | None
    generated_at: datetime
    policy: DisclosurePolicy
    conversions: Conversions
    figures: Mapping[str, Any]
    outcome: Mapping[str, Any]
    sites: Sequence[Mapping[str, Any]]
    trend: Sequence[Mapping[str, Any]]
    withheld: Mapping[str, str]
    # Support beyond food (release/support.py); empty where not computed (the trend table).
    support: Mapping[str, Any] = field(default_factory=dict)
    # Who is reached (release/reach.py); empty where not computed.
    reach: Mapping[str, Any] = field(default_factory=dict)
    # Visits by type and anonymous households (release/visit_types.py); empty where not
    # computed.
    visit_types: Mapping[str, Any] = field(default_factory=dict)
    anonymous: Mapping[str, Any] = field(default_factory=dict)

    @property
    def scope_label(self) -> str:
        return self.site.name if self.site is not None else "All sites"

    @property
    def notes(self) -> list[str]:
        return notes_for(self.conversions)

    def disclosure(self) -> dict[str, Any]:
        return disclosure_block(self.policy)

    def as_dict(self) -> dict[str, Any]:
        """The JSON feed's shape."""
        body: dict[str, Any] = {
            "period": {
                "key": self.period.key,
                "kind": self.period.kind,
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
                "complete": self.complete,
                "figures_to": min(self.period.end, self.as_of).isoformat(),
            },
            "site": (
                "all" if self.site is None else {"code": self.site.code, "name": self.site.name}
            ),
            "generated_at": self.generated_at.isoformat(),
            "disclosure": self.disclosure(),
            "conversions": {
                "meal_grams": self.conversions.meal_grams,
                "co2e_kg_per_tonne": self.conversions.co2e_kg_per_tonne,
            },
            "figures": self.figures,
            "outcome": self.outcome,
            "trend": list(self.trend),
            "withheld": dict(self.withheld),
            "notes": self.notes,
        }
        if self.support:
            body["support"] = dict(self.support)
        if self.reach:
            body["reach"] = dict(self.reach)
        if self.visit_types:
            body["visit_types"] = dict(self.visit_types)
            body["anonymous"] = dict(self.anonymous)
        if self.site is None:
            body["sites"] = list(self.sites)
        return body


def notes_for(conversions: Conversions) -> list[str]:
    """The notes every report carries: meals, CO2e, money and food, periods."""
    return [
        MEALS_NOTE.format(meal_grams=conversions.meal_grams),
        CO2E_NOTE.format(factor=_tonnes_factor(conversions)),
        MAGNITUDE_NOTE,
        PERIOD_NOTE,
    ]


def _tonnes_factor(conversions: Conversions) -> str:
    return f"{conversions.co2e_kg_per_tonne / 1000:g}"


def disclosure_block(policy: DisclosurePolicy = RELEASE_POLICY) -> dict[str, Any]:
    """How every output names the rule it applied."""
    return {
        "rule": policy.name,
        "description": policy.description,
        "legend": policy.legend,
        "suppressed": policy.suppressed_symbol,
        "min_count": policy.min_count,
        "rounding_base": policy.rounding_base,
        "min_denominator": policy.min_denominator,
    }


def release_statistics(
    stats: PeriodStatistics,
    *,
    site: SiteRef | None,
    trend: Sequence[TrendPoint] = (),
    policy: DisclosurePolicy = RELEASE_POLICY,
    support: SupportStatistics | None = None,
    reach: ReachStatistics | None = None,
    visit_types: VisitTypeStatistics | None = None,
) -> ReleasedReport:
    """Apply disclosure control to raw statistics: the programme's view, or one site's.

    Pure: no database, no permissions (release_report() checks those).
    """
    site_ids = [ref.id for ref in stats.sites]
    scopes: dict[Scope, Figures] = {site_id: f for site_id, f in stats.by_site.items()}
    scopes[None] = stats.programme
    outcomes = {key: f.outcome for key, f in scopes.items()}
    pattern = linked_pattern(scopes, site_ids, policy, outcomes)
    scope: Scope = None if site is None else site.id
    withheld: dict[str, str] = {}
    # A site's withheld joining fees could be worked out from the programme's if it were the
    # only site taking them whose fees are withheld.
    withholding = [
        site_id
        for site_id in site_ids
        if scopes[site_id].takes_joining_fees and pattern.hidden("new_households", site_id)
    ]
    lone_membership = scope is None and lone_membership_withheld(scopes, site_ids, policy)
    main = ScopeFigures(
        pattern,
        scope,
        scopes[scope],
        stats.conversions,
        withheld,
        outcomes[scope],
        lone_joining_withheld=scope is None and len(withholding) == 1,
        lone_membership_withheld=lone_membership,
    )
    figures = figures_block(main)
    outcome = outcome_block(main)
    support_section: dict[str, Any] = {}
    if support is not None:
        support_section = support_block(
            support_pattern(support, pattern, site_ids),
            scope,
            withheld,
            support.by_scope[scope].days_to_first_visit,
        )
    reach_section: dict[str, Any] = {}
    if reach is not None:
        reach_section = reach_block(reach_pattern(reach, pattern, site_ids), scope, reach)
    by_type: dict[str, Any] = {}
    anonymous: dict[str, Any] = {}
    if visit_types is not None:
        by_type, anonymous = visit_types_block(
            visit_type_pattern(visit_types, pattern, site_ids), visit_types, scope, withheld
        )
    rows: list[dict[str, Any]] = []
    if site is None:
        for ref in stats.sites:
            row_withheld: dict[str, str] = {}
            one = ScopeFigures(
                pattern, ref.id, scopes[ref.id], stats.conversions, row_withheld, outcomes[ref.id]
            )
            rows.append(
                {
                    "code": ref.code,
                    "name": ref.name,
                    "active": ref.active,
                    "figures": figures_block(one),
                    "outcome": site_outcome_summary(one),
                    "withheld": row_withheld,
                }
            )
    return ReleasedReport(
        period=stats.period,
        complete=stats.complete,
        as_of=stats.today,
        site=site,
        generated_at=utcnow(),
        policy=policy,
        conversions=stats.conversions,
        figures=figures,
        outcome=outcome,
        sites=rows,
        trend=release_trend(trend, site_ids, scope, policy),
        withheld=withheld,
        support=support_section,
        reach=reach_section,
        visit_types=by_type,
        anonymous=anonymous,
    )


def release_trend(
    points: Sequence[TrendPoint],
    site_ids: Sequence[int],
    scope: Scope,
    policy: DisclosurePolicy = RELEASE_POLICY,
) -> list[dict[str, Any]]:
    """Visits and households month by month for a scope, each month protected across sites."""
    released = []
    for point in points:
        values: dict[Key, int] = {}
        for site_id in site_ids:
            values[("visits", site_id)] = point.visits.get(site_id, 0)
            values[("households", site_id)] = point.households.get(site_id, 0)
        values[("visits", None)] = point.programme_visits
        values[("households", None)] = point.households.get(None, 0)
        lines: list[tuple[list[Key], Key]] = [
            ([(name, site_id) for site_id in site_ids], (name, None))
            for name in ("visits", "households")
        ]
        primary, secondary = suppress_linked(values, lines, policy)
        pattern = Pattern(policy, values, primary, secondary)
        released.append(
            {
                "period": point.period.key,
                "label": point.period.short_label,
                "visits": pattern.show("visits", scope),
                "households": pattern.show("households", scope),
            }
        )
    return released
