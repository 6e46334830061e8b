"""Visits by type and anonymous households, released: for each visit type its visits,
households, items, retail value and fees; and the parcels given without registering, counted
as anonymous households apart from everything else.

The same rule as every figure (release/__init__.py), as support's section does it
(release/support.py): one linked suppression pattern over every count of every site and of
the programme, with its sums (the types' visits to the report's visits, the types' anonymous
households to their total, the age bands to the people, the sites to the programme) as
lines, so that no suppressed count can be worked out from a total. The report's visits are
taken as hidden wherever the main pattern hides them. Items, retail value and fees are shown
only where the type's visits and households are: money to the nearest pound.

A type that no site gave to members in the period (or gave anonymously) has no cells: its
zero at every site is structural (an emergency parcel for non-members only, a weekly shop never
anonymous) and shows as 0, giving nothing away; counting such zeros as small cells would only
hide the real figures beside them.

Anonymous households are never added to the report's unique households, visits or people:
a household with no member cannot be told from another, so it is counted once per parcel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from supermarket.reporting.disclosure import DisclosurePolicy, Released
from supermarket.reporting.release.pattern import Key, Pattern, Scope, section_pattern
from supermarket.reporting.statistics.visit_types import (
    ANONYMOUS_PEOPLE,
    TypeFigures,
    VisitTypeStatistics,
)
from supermarket.sites.settings import WEEKLY_SHOP

SECTION_NOTE: Final = (
    "Member visits (not voided) by the type of visit recorded on each; they add up to the"
    " report's visits. Before visit types were recorded every visit was a weekly shop, so the"
    " weekly shop's row compares with earlier periods. Households: members with a visit of the"
    " type (a household may have visits of two types). Items, retail value and fees are shown"
    " only where the type's visits and households are."
)
ANONYMOUS_NOTE: Final = (
    "Anonymous households: parcels given to someone who did not want to register, each"
    " counted as one household with its people as told at the door. They are never counted in"
    " the unique households, visits or people above: with no member, one parcel's household"
    " cannot be told from another's."
)
# Counts the section shares with the main report's pattern: (name here, name there).
SHARED: Final = (("type.visits", "visits"),)
PEOPLE_NAMES: Final = (*ANONYMOUS_PEOPLE, "children", "total")


def _round_to(value: float, base: int) -> int:
    return int((2 * round(value) + base) // (2 * base) * base)


def member_types(stats: VisitTypeStatistics) -> list[str]:
    """The types with member visits somewhere in the programme (the weekly shop always)."""
    programme = stats.by_scope[None]
    return [k for k, _ in stats.types if k == WEEKLY_SHOP or programme.measure(k, "visits")]


def anonymous_types(stats: VisitTypeStatistics) -> list[str]:
    """The types given anonymously somewhere in the programme."""
    programme = stats.by_scope[None]
    return [k for k, _ in stats.types if programme.anonymous.get(k)]


def _counts(f: TypeFigures, members: Sequence[str], anonymous: Sequence[str]) -> dict[str, int]:
    """Every count the section may show for one scope, by name."""
    counts: dict[str, int] = {}
    for key in members:
        counts[f"type.{key}.visits"] = f.measure(key, "visits")
        counts[f"type.{key}.households"] = f.measure(key, "households")
    for key in anonymous:
        counts[f"anon.{key}"] = f.anonymous.get(key, 0)
    counts["anon.households"] = sum(f.anonymous.values())
    for name in ANONYMOUS_PEOPLE:
        counts[f"anon.people.{name}"] = f.anonymous_people[name]
    counts["anon.people.children"] = sum(f.anonymous_people[n] for n in ANONYMOUS_PEOPLE[1:])
    counts["anon.people.total"] = sum(f.anonymous_people.values())
    return counts


def _lines(members: Sequence[str], anonymous: Sequence[str]) -> list[tuple[list[str], str]]:
    """The sum relations inside one scope: (parts, total)."""
    return [
        ([f"type.{key}.visits" for key in members], "type.visits"),
        ([f"anon.{key}" for key in anonymous], "anon.households"),
        ([f"anon.people.{name}" for name in ANONYMOUS_PEOPLE[1:]], "anon.people.children"),
        (["anon.people.adults", "anon.people.children"], "anon.people.total"),
    ]


def visit_type_pattern(
    stats: VisitTypeStatistics, main: Pattern, site_ids: Sequence[int]
) -> Pattern:
    """One suppression pattern over every count of the section for every site and the
    programme, the report's visits hidden wherever `main` hides them."""
    policy = main.policy
    members, anonymous = member_types(stats), anonymous_types(stats)
    values: dict[Key, int] = {}
    forced: set[Key] = set()
    for scope, figures in stats.by_scope.items():
        for name, value in _counts(figures, members, anonymous).items():
            values[(name, scope)] = value
        for here, there in SHARED:
            values[(here, scope)] = main.raw(there, scope)
            if main.hidden(there, scope):
                forced.add((here, scope))
    within = _lines(members, anonymous)
    return section_pattern(values, within, forced, policy, stats.by_scope, site_ids)


@dataclass
class _Scope:
    pattern: Pattern
    scope: Scope
    figures: TypeFigures
    withheld: dict[str, str]

    @property
    def policy(self) -> DisclosurePolicy:
        return self.pattern.policy

    def count(self, name: str) -> Released:
        """A count as released; 0 for a type with no cells (a structural zero)."""
        if (name, self.scope) not in self.pattern.values:
            return 0
        return self.pattern.show(name, self.scope)

    def hidden(self, name: str) -> bool:
        return self.pattern.hidden(name, self.scope)

    def magnitude(self, path: str, value: int, base: int, *counts: str) -> int | None:
        """A magnitude shown only where the households it comes from are."""
        if any(self.hidden(name) for name in counts):
            self.withheld[path] = (
                f"Not shown: it comes from fewer than {self.policy.min_count} households, or"
                " would give away a figure that does."
            )
            return None
        return _round_to(value, base)


def _type_row(s: _Scope, key: str, label: str) -> dict[str, Any]:
    f = s.figures
    counts = (f"type.{key}.visits", f"type.{key}.households")
    path = f"visit_types.{key}"
    base = s.policy.rounding_base
    return {
        "type": key,
        "label": label,
        "visits": s.count(f"type.{key}.visits"),
        "households": s.count(f"type.{key}.households"),
        "items": s.magnitude(f"{path}.items", f.measure(key, "items"), base, *counts),
        "retail_value_pence": s.magnitude(
            f"{path}.retail_value_pence", f.measure(key, "retail_value_pence"), 100, *counts
        ),
        "fees_pence": s.magnitude(f"{path}.fees_pence", f.measure(key, "fees_pence"), 100, *counts),
        "anonymous_households": s.count(f"anon.{key}"),
    }


def visit_types_block(
    pattern: Pattern,
    stats: VisitTypeStatistics,
    scope: Scope,
    withheld: dict[str, str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One scope's released sections: the JSON feed's `visit_types` and `anonymous`."""
    s = _Scope(pattern, scope, stats.by_scope[scope], withheld)
    by_type = {
        "types": [_type_row(s, key, label) for key, label in stats.types],
        "visits": s.count("type.visits"),
        "notes": [SECTION_NOTE],
    }
    f = s.figures
    anonymous = {
        "households": s.count("anon.households"),
        "by_type": [
            {"type": key, "label": label, "households": s.count(f"anon.{key}")}
            for key, label in stats.types
            if key in anonymous_types(stats)
        ],
        "people": {name: s.count(f"anon.people.{name}") for name in PEOPLE_NAMES},
        "fees_pence": s.magnitude(
            "anonymous.fees_pence", f.anonymous_fees_pence, 100, "anon.households"
        ),
        "retail_value_pence": s.magnitude(
            "anonymous.retail_value_pence",
            f.anonymous_retail_value_pence,
            100,
            "anon.households",
        ),
        "in_unique_households": False,
        "notes": [ANONYMOUS_NOTE],
    }
    return by_type, anonymous


def methods_paragraphs(policy: DisclosurePolicy) -> list[str]:
    """How each figure of the section is made, for the methods page and every PDF."""
    return [
        "Visits by type: member visits (not voided) by the kind of visit recorded at"
        " check-in: the weekly shop, emergency parcels, holiday hampers, seasonal extras and a"
        " site's own. They add up to the visits above, which count every member visit as"
        " they always have; the weekly shop's row is the one to compare with periods before"
        " visit types were recorded (every visit then was a weekly shop).",
        "Households by type: members with at least one visit of the type in the period, each"
        " once (across sites too); a household may have visits of two types. Items are those"
        " recorded on the visits; retail value is their reference value; fees are the"
        " amounts paid at them. Items, retail value and fees are shown only where the type's"
        f" visits and households are at least {policy.min_count}: money to the nearest pound.",
        f"Anonymous households: {ANONYMOUS_NOTE.removeprefix('Anonymous households: ')}",
        "These counts are under the same rule as every other figure, with one pattern of"
        " suppression for every site and the programme: the types' visits add up to the"
        " visits, the types' anonymous households to their total, and the sites to the"
        " programme, so that no suppressed count can be worked out from the others.",
    ]


def summary_rows(section: Mapping[str, Any], anonymous: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The section as (label, value, kind) rows for the page, the PDF and the CSV."""
    rows = [
        {"label": f"Visits: {row['label']}", "value": row["visits"], "kind": "count"}
        for row in section["types"]
    ]
    rows.append(
        {"label": "Anonymous households", "value": anonymous["households"], "kind": "count"}
    )
    return rows
