"""The ONE place where statistics are made fit to leave a site: disclosure control, applied.

Every page, PDF, CSV and JSON answer of reporting is drawn from a ReleasedReport made here,
and each one names the rule it applied.

How the rule is applied (DOMAIN.md, "Anonymised statistics"; disclosure.py has the mechanics):

- Counts of people, households, visits and surveys: below 10 -> "<10"; others rounded to the
  nearest 5. Secondary suppression over ONE linked pattern for the whole programme and period:
  every count of every site and of the programme is an entry, and every sum relation an
  output could show (a site's figures adding up to the programme's; children by age band to
  children; the food-insecurity cells to their margins) is a line. A single site's report is
  a projection of that same pattern, so comparing it with the programme's report reveals
  nothing the programme's report hides. Withheld-to-protect cells also read "<10" (as the
  programme's rule asks), and the legend says so.
- Money and food given to members (and meals and CO2e, made from it) are totals over the
  households that visited: withheld (null) wherever that scope's household (or visit) count
  is withheld, so at least 10 households stand behind every such total and the programme's
  total cannot give a site's away; otherwise money to the nearest pound, weights to the
  nearest kilogram. Food received, moved and wasted is about
  food, not people, and is shown to the nearest kilogram.
- Percentages and means only where the denominator is at least 20, the cells they are made
  of are shown, and (for percentages) neither the part nor the rest is below 10.
- The paired outcome: the reduction only where both percentages it compares are shown; its
  confidence interval and the p-values (functions of the discordant counts) only where both
  discordant counts are shown too, so that none of them can give back a suppressed count.
- Figures for the programme are published for periods that are over (fixed periods, so they
  cannot be differenced day by day); a site manager may follow their own site's current
  period to date.
"""

from supermarket.reporting.release.access import (
    check_period,
    choose_period,
    conversions_from_config,
    default_period,
    latest_pack_period,
    release_report,
    report_for,
    reporting_site,
    sees_all_sites,
    trend_report,
)
from supermarket.reporting.release.pattern import RELEASE_POLICY, Pattern, linked_pattern
from supermarket.reporting.release.report import (
    ReleasedReport,
    disclosure_block,
    release_statistics,
    release_trend,
)
from supermarket.sites.calendar import programme_today

__all__ = [
    "RELEASE_POLICY",
    "Pattern",
    "ReleasedReport",
    "check_period",
    "choose_period",
    "conversions_from_config",
    "default_period",
    "disclosure_block",
    "latest_pack_period",
    "linked_pattern",
    "programme_today",
    "release_report",
    "release_statistics",
    "release_trend",
    "report_for",
    "reporting_site",
    "sees_all_sites",
    "trend_report",
]
