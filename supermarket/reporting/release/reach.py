"""Who is reached, released: the households reached in the period by each equality monitoring
question, by postcode district and by eligibility route, as counts under the same rule as
every figure (release/__init__.py).

One linked suppression pattern over every count of every site and of the programme: each
breakdown's categories add up to the households reached (a line per breakdown and scope),
and each category's sites add up to the programme's (households are not additive across
sites, which only errs on the side of hiding more), so that no suppressed count can be worked
out from a total or from another breakdown. The households reached are taken as hidden
wherever the main pattern hides its households. Only aggregates: never a member's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from supermarket.members.monitoring import (
    NOT_ASKED,
    NOT_ASKED_LABEL,
    PREFER_NOT,
    PREFER_NOT_LABEL,
    QUESTIONS,
    EthnicHighLevel,
)
from supermarket.reporting.disclosure import DisclosurePolicy, Released
from supermarket.reporting.release.pattern import Key, Pattern, Scope, section_pattern
from supermarket.reporting.rollups import NO_DISTRICT
from supermarket.reporting.statistics.reach import BREAKDOWNS, ReachStatistics

# Each breakdown's title, as tables and the feed name it.
TITLES: Final = {
    "gender": "Gender (of the person registering)",
    "ethnic_group": "Ethnic group (ONS 2021 high-level groups, of the person registering)",
    "disability": "Disability or long-term illness in the household",
    "employment": "Employment of the household's adults",
    "carer": "Household includes an unpaid carer",
    "veteran": "Household includes a veteran of the armed forces",
    "district": "Postcode district",
    "route": "Route to membership (eligibility)",
}
ROUTE_LABELS: Final = {
    "self_declared": "Self-declared need",
    "referral": "Referred by an agency",
    "benefits": "Receives benefits",
    "postcode": "Lives in the catchment area",
    "no_fixed_abode": "No fixed abode",
}
SECTION_NOTE: Final = (
    "Households that visited in the period, by the answers they chose to give. Every question"
    ' is optional: "Prefer not to say" is an answer; "Not asked" means no answer was recorded.'
    " Counts only; a member's own answers never leave the site."
)
# The count the section shares with the main report's pattern: (name here, name there).
SHARED: Final = (("households", "households"),)


def _label(breakdown: str, category: str) -> str:
    if category == NOT_ASKED:
        return NOT_ASKED_LABEL
    if category == PREFER_NOT:
        return PREFER_NOT_LABEL
    if breakdown == "ethnic_group":
        return EthnicHighLevel(category).label
    if breakdown == "district":
        return "Not recorded" if category == NO_DISTRICT else category
    if breakdown == "route":
        return ROUTE_LABELS.get(category, category.replace("_", " ").capitalize())
    return QUESTIONS[breakdown][1](category).label


def _name(breakdown: str, category: str) -> str:
    return f"{breakdown}.{category}"


def reach_pattern(stats: ReachStatistics, main: Pattern, site_ids: Sequence[int]) -> Pattern:
    """One suppression pattern over every reach count of every site and the programme, the
    households hidden wherever `main` hides them."""
    policy = main.policy
    values: dict[Key, int] = {}
    forced: set[Key] = set()
    for scope, figures in stats.by_scope.items():
        values[("households", scope)] = figures.households
        for breakdown in BREAKDOWNS:
            for category in stats.categories[breakdown]:
                values[(_name(breakdown, category), scope)] = figures.by[breakdown][category]
        for here, there in SHARED:
            if main.hidden(there, scope):
                forced.add((here, scope))
    within = [([_name(b, c) for c in stats.categories[b]], "households") for b in BREAKDOWNS]
    return section_pattern(values, within, forced, policy, stats.by_scope, site_ids)


@dataclass(frozen=True, slots=True)
class _Scope:
    pattern: Pattern
    scope: Scope

    def count(self, name: str) -> Released:
        return self.pattern.show(name, self.scope)


def reach_block(pattern: Pattern, scope: Scope, stats: ReachStatistics) -> dict[str, Any]:
    """One scope's released reach section (the JSON feed's `reach`)."""
    s = _Scope(pattern, scope)
    return {
        "households": s.count("households"),
        "breakdowns": {
            breakdown: {
                "title": TITLES[breakdown],
                "rows": [
                    {
                        "category": category,
                        "label": _label(breakdown, category),
                        "households": s.count(_name(breakdown, category)),
                    }
                    for category in stats.categories[breakdown]
                ],
            }
            for breakdown in BREAKDOWNS
        },
        "notes": [SECTION_NOTE],
    }


def methods_paragraphs(policy: DisclosurePolicy) -> list[str]:
    """How the section's figures are made, for the methods page and every PDF."""
    return [
        "Households reached: members who visited in the period (a visit not voided); at a"
        " site, those who visited that site; across the programme, each household once.",
        "Equality monitoring: at registration the desk may ask, optionally, the gender and"
        " ethnic group of the person registering, whether anyone in the household has a"
        " disability or long-term illness, the employment of the household's adults (one"
        " answer per household: their main situation), and whether the household includes an"
        ' unpaid carer or a veteran. Every question can be left unasked, and "Prefer not to'
        ' say" is always an answer; the two are counted apart. Each household counts'
        " under its answers as they stood when it was counted: the night after its first visit"
        " of the period, and all again the night after the period ends. After that a correction"
        " to an answer does not move the period's figures; a correction to one of its visits"
        " has it counted again, with the answers as they then stand.",
        "Ethnic group: the ONS 2021 census categories for England; the detailed category is"
        " recorded, and reports count its high-level group (Asian, Black, Mixed, White, Other)"
        " so that small groups are not singled out.",
        "Geography: the member's postcode district (such as CM20), never anything finer; every"
        " district reached anywhere in the programme is listed for each site. Routes: how the"
        " household is eligible, as recorded at registration or since.",
        f"All these counts are under the same rule as every other figure (below {policy.min_count}"
        f' shown as "{policy.suppressed_symbol}", others rounded to the nearest'
        f" {policy.rounding_base}), with one pattern of suppression for every site and the"
        " programme: each breakdown adds up to the households reached, and the sites to the"
        " programme, so that no suppressed count can be worked out from the others.",
    ]
