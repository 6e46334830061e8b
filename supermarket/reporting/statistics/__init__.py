"""The programme's statistics for a fixed period, per site and for all sites: RAW figures.

Internal only. Nothing here is rounded or suppressed; release.py is the one place that turns
these figures into something that may leave a site. Every site is always computed, because
disclosure control needs the whole table to keep a site's figure from being worked out from
the programme's total. `figures` holds the types and constants, `counts` the reads that the
rollups do not hold; this module puts a period's statistics and the monthly trend together.

Definitions (where DOMAIN.md leaves a choice, the choice is written here and in the methods
page of every report):

- Active member households: memberships that covered any day of the period (joined by its
  end, not on the waiting list, not closed or expired before it began). New: joined in it.
- Visits: visits not voided. Unique households: distinct members who visited; across sites a
  household visiting two sites counts once. People reached: the people in those households as
  recorded at each household's last visit in the period, adults and children by age band.
- Food in by source: stock received (not transfers between sites). Out to members: issued to
  visits, net of stock returned when a visit was voided. Wasted: by reason.
- Meals equivalent: food given to members / MEAL_GRAMS (420 g, WRAP) - an equivalence, not a
  count of meals. CO2e avoided: surplus food given to members (FareShare, retailer, public
  and community sources; never purchased stock) x CO2E_KG_PER_TONNE (1.6 t per tonne).
- Fees collected: amounts paid at visits, plus joining fees (paid at registration, and at
  renewal where a site takes its joining fee again), which are also given on their own.
  Savings: the visits' reference retail value less the fee paid at the visit.
- Pay as you feel, membership fees and points spent: see statistics.payments.
- Food insecurity: baselines taken in the period (complete ones) by 10-item category; the
  paired outcome for members whose 3-month follow-up fell due in the period (their baseline
  was three months before it), with the follow-up rate among them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import (
    PEOPLE,
    households,
    households_for,
    monthly_visits,
    stock_sums,
    visit_sums,
    visit_type_sums,
)
from supermarket.reporting.statistics.counts import (
    all_sites,
    joining_fees,
    member_counts,
    sites_taking_joining_fees,
    stock_figures,
    survey_counts,
)
from supermarket.reporting.statistics.figures import (
    FOLLOW_UP_MONTHS,
    SOURCES,
    WASTE_REASONS,
    Conversions,
    Figures,
    PeriodStatistics,
    SiteRef,
    TrendPoint,
    programme_figures,
)
from supermarket.reporting.statistics.payments import payment_sums

__all__ = [
    "FOLLOW_UP_MONTHS",
    "SOURCES",
    "WASTE_REASONS",
    "Conversions",
    "Figures",
    "PeriodStatistics",
    "SiteRef",
    "TrendPoint",
    "all_sites",
    "monthly_trend",
    "period_statistics",
    "survey_counts",
]


def period_statistics(
    period: Period, *, today: date, conversions: Conversions | None = None
) -> PeriodStatistics:
    """Every site's raw figures for the period (to `today` if it is still running)."""
    sites = all_sites()
    ids = [site.id for site in sites]
    end = min(period.end, today)
    visits = visit_sums(ids, period.start, end)
    stock = stock_sums(ids, period.start, end)
    reach = households(ids, period)
    members = member_counts(ids, period)
    surveys = survey_counts(ids, period, today)
    joining = joining_fees(ids, period.start, end)
    taking = sites_taking_joining_fees(ids)
    types = visit_type_sums(ids, period.start, end)
    paying = payment_sums(ids, period.start, end, types=types)
    by_site: dict[int, Figures] = {}
    for site in sites:
        sums = visits[site.id]
        active, new = members[site.id]
        by_site[site.id] = Figures(
            active_households=active,
            new_households=new,
            visits=sums["visits"],
            households=reach[site.id]["households"],
            people={name: reach[site.id][name] for name in PEOPLE},
            overrides=sums["overrides"],
            fees_pence=sums["fees_pence"],
            joining_fees_pence=joining[site.id],
            takes_joining_fees=site.id in taking,
            retail_value_pence=sums["retail_value_pence"],
            savings_pence=sums["savings_pence"],
            **paying[site.id],
            **stock_figures(stock[site.id]),  # type: ignore[arg-type]
            **surveys[site.id],
        )
    return PeriodStatistics(
        period=period,
        today=today,
        sites=sites,
        by_site=by_site,
        programme=programme_figures(by_site, reach[None]),
        conversions=conversions or Conversions(),
        type_sums=types,
    )


def monthly_trend(
    months: Sequence[Period], *, today: date, known: PeriodStatistics | None = None
) -> list[TrendPoint]:
    """Visits and households month by month (months not yet begun are left out).

    Two reads whatever the number of months: the daily rollup and the stored households.
    `known`: a month's statistics already computed, whose households are taken from them
    (a month still running counts them from the visits, which is worth doing once).
    """
    ids = [site.id for site in all_sites()]
    started = [month for month in months if month.has_started(today)]
    if not started:
        return []
    by_month = monthly_visits(ids, started[0].start, min(started[-1].end, today))
    reused = known if known is not None and known.period in started else None
    reach = households_for(
        ids, [month for month in started if reused is None or month != reused.period]
    )
    if reused is not None:
        reach[reused.period.key] = {
            **{site_id: {"households": f.households} for site_id, f in reused.by_site.items()},
            None: {"households": reused.programme.households},
        }
    per_month: dict[tuple[int, int], dict[int, int]] = {
        (month.start.year, month.start.month): dict.fromkeys(ids, 0) for month in started
    }
    for (site_id, year, number), count in by_month.items():
        bucket = per_month.get((year, number))
        if bucket is not None:
            bucket[site_id] += count
    points = []
    for month in started:
        points.append(
            TrendPoint(
                period=month,
                visits=per_month[(month.start.year, month.start.month)],
                households={key: value["households"] for key, value in reach[month.key].items()},
            )
        )
    return points
