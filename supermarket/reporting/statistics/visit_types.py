"""Visits by type, and anonymous visits: the RAW figures of a period, per site.

Internal only, like the rest of `statistics`: release/visit_types.py turns these into what may
leave a site. The sums come from the daily rollup by type (rollups.visit_type_sums: days
already rolled up from daily_visit_type_stats, the rest from the visits), the households by
type from the stored breakdowns (rollups.period_breakdowns), the anonymous visits from their
own table (a parcel is a row, and they are few); all through the session, so a reporting
request reads them from the replica.

Definitions (the methods page repeats them):

- Visits by type: member visits not voided, by the visit type recorded on each (every visit
  before visit types existed is a weekly shop). Their sum is the report's visits, which still
  counts every member visit as it always has: the weekly shop's own row is the figure that
  compares with periods before visit types.
- Households by type: distinct members with a visit of the type; across sites a household
  counts once. A household may have visits of two types, so the types' households do not add
  up to the report's unique households.
- Items: items recorded on the visits of the type (every band, free items too). Retail value
  and fees: the visits' reference retail value and the amounts paid at them.
- Anonymous households: parcels given to someone who did not register (not voided), each one
  household, by visit type, with the people in them. They are never unique households: with
  no member there is nothing to tell one visit's household from another's, so they are never
  added to the report's households, visits or people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import (
    VISIT_TYPE,
    Breakdowns,
    TypeSums,
    period_breakdowns,
    visit_type_sums,
)
from supermarket.reporting.site_filter import in_sites
from supermarket.sites.models import Site
from supermarket.sites.settings import PROGRAMME_VISIT_TYPES, WEEKLY_SHOP
from supermarket.visits.anonymous import AnonymousVisit

Scope = int | None
MEASURES: Final = ("visits", "households", "items", "retail_value_pence", "fees_pence")
ANONYMOUS_PEOPLE: Final = ("adults", "children_0_4", "children_5_11", "children_12_17")


@dataclass(slots=True)
class TypeFigures:
    """One scope's (a site's, or the programme's) raw figures by visit type."""

    # type key -> measure (MEASURES) -> value
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    # type key -> anonymous visits (each one household)
    anonymous: dict[str, int] = field(default_factory=dict)
    anonymous_people: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(ANONYMOUS_PEOPLE, 0)
    )
    anonymous_fees_pence: int = 0
    anonymous_retail_value_pence: int = 0

    def measure(self, key: str, name: str) -> int:
        return self.by_type.get(key, {}).get(name, 0)

    def _row(self, key: str) -> dict[str, int]:
        return self.by_type.setdefault(key, dict.fromkeys(MEASURES, 0))

    def add(self, other: TypeFigures) -> None:
        """Add a site's figures into the programme's (all but households, which are not
        additive across sites: a household may visit two)."""
        for key, measures in other.by_type.items():
            row = self._row(key)
            for name in MEASURES:
                if name != "households":
                    row[name] += measures[name]
        for key, count in other.anonymous.items():
            self.anonymous[key] = self.anonymous.get(key, 0) + count
        for name in ANONYMOUS_PEOPLE:
            self.anonymous_people[name] += other.anonymous_people[name]
        self.anonymous_fees_pence += other.anonymous_fees_pence
        self.anonymous_retail_value_pence += other.anonymous_retail_value_pence


@dataclass(frozen=True, slots=True)
class VisitTypeStatistics:
    """Every site's figures by type for a period, and the programme's (key None); `types`
    the types to show, in order, with their labels."""

    by_scope: dict[Scope, TypeFigures]
    types: tuple[tuple[str, str], ...]


def visit_type_statistics(
    site_ids: Sequence[int],
    period: Period,
    today: date,
    *,
    counts: Breakdowns | None = None,
    sums: TypeSums | None = None,
) -> VisitTypeStatistics:
    """The raw figures by visit type, and the anonymous visits, of every site and the
    programme for the period (to `today` if it is still running); `counts` the period's
    household breakdowns and `sums` its visit_type_sums for these sites, if already read."""
    end = min(period.end, today)
    found: dict[Scope, TypeFigures] = {site_id: TypeFigures() for site_id in site_ids}
    if site_ids and period.start <= end:
        if sums is None:
            sums = visit_type_sums(site_ids, period.start, end)
        for site_id, by_type in sums.items():
            for key, sums_of_type in by_type.items():
                row = found[site_id]._row(key)
                for name in ("visits", "items", "retail_value_pence", "fees_pence"):
                    row[name] += sums_of_type[name]
        _anonymous(found, site_ids, period.start, end)
    programme = TypeFigures()
    for site_id in site_ids:
        programme.add(found[site_id])
    found[None] = programme
    if site_ids and period.start <= end:
        if counts is None:
            counts = period_breakdowns(site_ids, period, today)
        for scope, figures in found.items():
            households_by_type = counts.get(scope, {}).get(VISIT_TYPE, Counter())
            for kind, households in households_by_type.items():
                figures._row(kind)["households"] = households
    return VisitTypeStatistics(by_scope=found, types=_types(site_ids, found))


def _anonymous(
    found: dict[Scope, TypeFigures], site_ids: Sequence[int], start: date, end: date
) -> None:
    a = AnonymousVisit
    rows = db.session.execute(
        select(
            a.site_id,
            a.visit_type,
            func.count(),
            func.coalesce(func.sum(a.adults), 0),
            func.coalesce(func.sum(a.children_0_4), 0),
            func.coalesce(func.sum(a.children_5_11), 0),
            func.coalesce(func.sum(a.children_12_17), 0),
            func.coalesce(func.sum(a.amount_paid_pence), 0),
            func.coalesce(func.sum(a.retail_value_pence), 0),
        )
        .where(
            in_sites(a.site_id, site_ids), a.local_date.between(start, end), a.voided_at.is_(None)
        )
        .group_by(a.site_id, a.visit_type)
    )
    for site_id, key, count, adults, young, middle, older, fees, retail in rows:
        figures = found[site_id]
        figures.anonymous[key] = figures.anonymous.get(key, 0) + int(count)
        for name, value in zip(ANONYMOUS_PEOPLE, (adults, young, middle, older), strict=True):
            figures.anonymous_people[name] += int(value)
        figures.anonymous_fees_pence += int(fees)
        figures.anonymous_retail_value_pence += int(retail)


def _types(site_ids: Sequence[int], found: dict[Scope, TypeFigures]) -> tuple[tuple[str, str], ...]:
    """The types to show: the weekly shop, and every type with figures in the period (a type
    no site used is left out: its zeros would say nothing), each with its label (the
    programme's, else a site's), the programme's defaults first."""
    labels = {t.key: t.label for t in PROGRAMME_VISIT_TYPES}
    if site_ids:
        # The types alone, read from the stored JSON (not each site's whole settings parsed);
        # a site that never stored any has the weekly shop, already labelled.
        for kinds in db.session.scalars(
            select(Site.stored_setting("visit_types")).where(in_sites(Site.id, site_ids))
        ):
            for kind in kinds or ():
                labels.setdefault(kind["key"], kind["label"])
    used: set[str] = {WEEKLY_SHOP}
    for figures in found.values():
        used |= {key for key, row in figures.by_type.items() if row["visits"]}
        used |= {key for key, count in figures.anonymous.items() if count}
    order = [t.key for t in PROGRAMME_VISIT_TYPES if t.key in used]
    order += sorted(used - set(order))
    return tuple((key, labels.get(key, key.replace("_", " ").capitalize())) for key in order)
