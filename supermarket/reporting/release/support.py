"""Support beyond food, released: signposts and referrals by category, the share of
households referred or signposted, outcomes, the survey's support question, and the food-
security change of households who engaged with advice beside the rest.

The same rule as every figure (release/__init__.py): one linked suppression pattern over every
support count of every site and of the programme, with its sums (kinds to a category's total,
categories to the total, sites to the programme) as lines, so that no suppressed count can
be worked out from a total, within a report or between a site's and the programme's. The
counts the section shares with the main report (households, the paired outcome's cohort)
are taken as hidden wherever the main pattern hides them.

To add figures to the section (more rows): give their raw counts in `SupportStatistics`
(statistics/support.py), name them in `_counts()` with their sums in `_lines()`, and add a
row to `summary_rows()`; the page, the PDF and the CSV show every summary row, and the JSON
feed carries them under `support.summary`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any, Final

from supermarket.reporting.disclosure import (
    DisclosurePolicy,
    Released,
    why_percentage_withheld,
)
from supermarket.reporting.outcomes import AssessmentPair
from supermarket.reporting.release.pattern import Key, Pattern, Scope, section_pattern
from supermarket.reporting.statistics.support import (
    AGENCY_KINDS,
    ANSWERS,
    CATEGORIES,
    GROUPS,
    PROMPTS,
    SupportFigures,
    SupportStatistics,
)
from supermarket.support.agency_models import AgencyKind
from supermarket.support.models import Category
from supermarket.surveys.models import SUPPORT_QUESTION, SupportAnswer
from supermarket.surveys.scoring import INSECURE_10

# What each check-in prompt is about, as the summary rows name it.
PROMPT_LABELS: Final = {"healthy_start": "Healthy Start", "advice": "advice services"}
GROUP_LABELS: Final = {
    "engaged": "Engaged with benefits or debt advice",
    "other": "Did not (as far as we know)",
}
CAVEAT: Final = (
    "This is not a controlled comparison. Households who take up advice may differ from those"
    " who do not in many ways (their needs, their circumstances, how soon they came to us), so"
    " a difference between the two groups does not show that the advice caused it."
)
COMPARISON_NOTE: Final = (
    "Members whose 3-month follow-up survey fell due in the period, with both surveys"
    " complete (the cohort of the food-security outcome), split by whether they had a"
    " referral to benefits or debt advice that was engaged with or resolved, made on or before"
    " the follow-up. Food insecure: low or very low food security (10-item)."
)
SECTION_NOTE: Final = (
    "Signposts and referrals made in the period, by the service's category. Outcomes are for"
    " referrals (not signposts) made in the period, as last recorded: engaged counts those"
    " engaged or resolved. Households: members who visited in the period and were signposted"
    " or referred in it."
)
# Counts the section shares with the main report's pattern: (name here, name there).
SHARED: Final = (
    ("households", "households"),
    ("advice.n", "pairs.n"),
    ("advice.insecure_baseline", "pairs.insecure_baseline"),
    ("advice.insecure_follow_up", "pairs.insecure_follow_up"),
)


def _insecure(pairs: Counter[AssessmentPair]) -> tuple[int, int, int]:
    """(pairs, food insecure at baseline, food insecure at follow-up)."""
    n = sum(pairs.values())
    before = sum(c for p, c in pairs.items() if p.baseline_category in INSECURE_10)
    after = sum(c for p, c in pairs.items() if p.followup_category in INSECURE_10)
    return n, before, after


def _counts(f: SupportFigures) -> dict[str, int]:
    """Every support count an output may show for one scope, by name."""
    counts: dict[str, int] = {}
    for category in CATEGORIES:
        signposts = f.made[category]["signpost"]
        referrals = f.made[category]["referral"]
        counts[f"cat.{category}.signpost"] = signposts
        counts[f"cat.{category}.referral"] = referrals
        counts[f"cat.{category}.total"] = signposts + referrals
        counts[f"cat.{category}.engaged"] = f.engaged[category]
        counts[f"cat.{category}.resolved"] = f.resolved[category]
    for name in ("signpost", "referral", "total", "engaged", "resolved"):
        counts[f"all.{name}"] = sum(counts[f"cat.{c}.{name}"] for c in CATEGORIES)
    counts["households_supported"] = f.households_supported
    for kind in PROMPTS:
        counts[f"prompt.{kind}.shown"] = f.prompted[kind]
        counts[f"prompt.{kind}.acted"] = f.prompts_acted[kind]
    for answer in ANSWERS:
        counts[f"answer.{answer}"] = f.answers[answer]
    counts["answer.total"] = sum(f.answers.values())
    for kind in AGENCY_KINDS:
        counts[f"inbound.{kind}.received"] = f.inbound[kind]
        counts[f"inbound.{kind}.accepted"] = f.inbound_accepted[kind]
    counts["inbound.received"] = sum(f.inbound.values())
    counts["inbound.accepted"] = sum(f.inbound_accepted.values())
    counts["inbound.first_visits"] = len(f.days_to_first_visit)
    for group in GROUPS:
        n, before, after = _insecure(f.advice_pairs[group])
        counts[f"advice.{group}.n"] = n
        counts[f"advice.{group}.insecure_baseline"] = before
        counts[f"advice.{group}.insecure_follow_up"] = after
    for name in ("n", "insecure_baseline", "insecure_follow_up"):
        counts[f"advice.{name}"] = sum(counts[f"advice.{g}.{name}"] for g in GROUPS)
    return counts


def _lines() -> list[tuple[list[str], str]]:
    """The sum relations inside one scope: (parts, total)."""
    lines: list[tuple[list[str], str]] = [
        ([f"cat.{c}.signpost", f"cat.{c}.referral"], f"cat.{c}.total") for c in CATEGORIES
    ]
    for name in ("signpost", "referral", "total", "engaged", "resolved"):
        lines.append(([f"cat.{c}.{name}" for c in CATEGORIES], f"all.{name}"))
    lines.append((["all.signpost", "all.referral"], "all.total"))
    lines.append(([f"answer.{a}" for a in ANSWERS], "answer.total"))
    for name in ("received", "accepted"):
        lines.append(([f"inbound.{k}.{name}" for k in AGENCY_KINDS], f"inbound.{name}"))
    for name in ("n", "insecure_baseline", "insecure_follow_up"):
        lines.append(([f"advice.{g}.{name}" for g in GROUPS], f"advice.{name}"))
    return lines


def support_pattern(stats: SupportStatistics, main: Pattern, site_ids: Sequence[int]) -> Pattern:
    """One suppression pattern over every support count of every site and the programme,
    the counts shared with the main report hidden wherever `main` hides them."""
    policy = main.policy
    values: dict[Key, int] = {}
    forced: set[Key] = set()
    for scope, figures in stats.by_scope.items():
        for name, value in _counts(figures).items():
            values[(name, scope)] = value
        for here, there in SHARED:
            # The main pattern's count, so that this pattern's sums agree with it.
            values[(here, scope)] = main.raw(there, scope)
            if main.hidden(there, scope):
                forced.add((here, scope))
    return section_pattern(values, _lines(), forced, policy, stats.by_scope, site_ids)


@dataclass
class _Scope:
    pattern: Pattern
    scope: Scope
    withheld: dict[str, str]
    days_to_first_visit: Sequence[int] = ()

    @property
    def policy(self) -> DisclosurePolicy:
        return self.pattern.policy

    def count(self, name: str) -> Released:
        return self.pattern.show(name, self.scope)

    def percentage(self, path: str, numerator: str, denominator: str) -> float | None:
        part = self.pattern.raw(numerator, self.scope)
        whole = self.pattern.raw(denominator, self.scope)
        if part > whole:  # never expected; a figure read at another moment than the other
            self.withheld[f"support.{path}"] = "Not shown: its counts do not agree."
            return None
        reason = why_percentage_withheld(part, whole, self.policy)
        hidden = self.pattern.hidden
        if reason is None and (hidden(numerator, self.scope) or hidden(denominator, self.scope)):
            reason = "Not shown: a count it is made from is suppressed."
        if reason is not None:
            self.withheld[f"support.{path}"] = reason
            return None
        return round(100 * part / whole, 1)


def _median_days(s: _Scope) -> float | None:
    """The median days from an inbound referral to the first visit: shown only where as many
    households came as a percentage needs, and their count is shown."""
    n = s.pattern.raw("inbound.first_visits", s.scope)
    path = "support.inbound.median_days_to_first_visit"
    if n < s.policy.min_denominator:
        s.withheld[path] = (
            f"Not shown: fewer than {s.policy.min_denominator} households came to a first visit."
        )
        return None
    if s.pattern.hidden("inbound.first_visits", s.scope):
        s.withheld[path] = "Not shown: a count it is made from is suppressed."
        return None
    return float(median(s.days_to_first_visit))


def _inbound_block(s: _Scope) -> dict[str, Any]:
    return {
        "by_agency_kind": [
            {
                "kind": kind.value,
                "label": kind.label,
                "received": s.count(f"inbound.{kind.value}.received"),
                "accepted": s.count(f"inbound.{kind.value}.accepted"),
            }
            for kind in AgencyKind
        ],
        "received": s.count("inbound.received"),
        "accepted": s.count("inbound.accepted"),
        "pct_accepted": s.percentage(
            "inbound.pct_accepted", "inbound.accepted", "inbound.received"
        ),
        "first_visits": s.count("inbound.first_visits"),
        "median_days_to_first_visit": _median_days(s),
    }


def _category_row(s: _Scope, key: str, label: str) -> dict[str, Any]:
    return {
        "category": key,
        "label": label,
        "signposts": s.count(f"{key}.signpost"),
        "referrals": s.count(f"{key}.referral"),
        "total": s.count(f"{key}.total"),
        "engaged": s.count(f"{key}.engaged"),
        "resolved": s.count(f"{key}.resolved"),
        "pct_engaged": s.percentage(f"{key}.pct_engaged", f"{key}.engaged", f"{key}.referral"),
    }


def _group(s: _Scope, group: str) -> dict[str, Any]:
    prefix = f"advice.{group}"
    before = s.percentage(f"{prefix}.pct_baseline", f"{prefix}.insecure_baseline", f"{prefix}.n")
    after = s.percentage(f"{prefix}.pct_follow_up", f"{prefix}.insecure_follow_up", f"{prefix}.n")
    change = None if before is None or after is None else round(after - before, 1)
    if change is None:
        s.withheld[f"support.{prefix}.change_pct_points"] = (
            "Not shown: both percentages it compares must be shown."
        )
    return {
        "label": GROUP_LABELS[group],
        "members": s.count(f"{prefix}.n"),
        "insecure_baseline": s.count(f"{prefix}.insecure_baseline"),
        "insecure_follow_up": s.count(f"{prefix}.insecure_follow_up"),
        "pct_insecure_baseline": before,
        "pct_insecure_follow_up": after,
        "change_pct_points": change,
    }


def summary_rows(section: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The section's headline figures as (key, label, value, kind) rows: the place to add
    more (see the module's docstring)."""
    totals = section["totals"]
    households = section["households"]
    rows = [
        {"key": "signposts", "label": "Signposts", "value": totals["signposts"], "kind": "count"},
        {"key": "referrals", "label": "Referrals", "value": totals["referrals"], "kind": "count"},
        {
            "key": "households_supported",
            "label": "Households signposted or referred",
            "value": households["supported"],
            "kind": "count",
        },
        {
            "key": "pct_households_supported",
            "label": "Share of households signposted or referred",
            "value": households["pct_supported"],
            "kind": "pct",
        },
        {
            "key": "referrals_engaged",
            "label": "Referrals engaged (or resolved)",
            "value": totals["engaged"],
            "kind": "count",
        },
        {
            "key": "referrals_resolved",
            "label": "Referrals resolved",
            "value": totals["resolved"],
            "kind": "count",
        },
        {
            "key": "pct_referrals_engaged",
            "label": "Share of referrals engaged",
            "value": totals["pct_engaged"],
            "kind": "pct",
        },
    ]
    prompts = section["prompts"]
    for kind, about in PROMPT_LABELS.items():
        rows += [
            {
                "key": f"{kind}_prompted",
                "label": f"Households prompted about {about} at check-in",
                "value": prompts[kind]["prompted"],
                "kind": "count",
            },
            {
                "key": f"{kind}_prompts_acted_on",
                "label": f"... of them signposted or referred to {about}",
                "value": prompts[kind]["acted_on"],
                "kind": "count",
            },
            {
                "key": f"pct_{kind}_prompts_acted_on",
                "label": f"Share of {about} prompts taken up",
                "value": prompts[kind]["pct_acted_on"],
                "kind": "pct",
            },
        ]
    inbound = section["inbound"]
    rows += [
        {
            "key": "inbound_received",
            "label": "Households referred to us by agencies",
            "value": inbound["received"],
            "kind": "count",
        },
        {
            "key": "inbound_accepted",
            "label": "... of them who became members (accepted)",
            "value": inbound["accepted"],
            "kind": "count",
        },
        {
            "key": "inbound_first_visits",
            "label": "... of them who have come to a first visit",
            "value": inbound["first_visits"],
            "kind": "count",
        },
        {
            "key": "inbound_median_days_to_first_visit",
            "label": "Median days from an agency's referral to the first visit",
            "value": inbound["median_days_to_first_visit"],
            "kind": "mean",
        },
    ]
    return rows


def support_block(
    pattern: Pattern,
    scope: Scope,
    withheld: dict[str, str],
    days_to_first_visit: Sequence[int] = (),
) -> dict[str, Any]:
    """One scope's released support section (the JSON feed's `support`); the scope's raw
    days from inbound referral to first visit give the median, when it may be shown."""
    s = _Scope(pattern, scope, withheld, days_to_first_visit)
    categories = [_category_row(s, f"cat.{c.value}", c.label) for c in Category]
    for row in categories:
        row["category"] = row["category"].removeprefix("cat.")
    totals = _category_row(s, "all", "All categories")
    section: dict[str, Any] = {
        "categories": categories,
        "totals": {key: value for key, value in totals.items() if key not in ("category", "label")},
        "households": {
            "supported": s.count("households_supported"),
            "households": s.count("households"),
            "pct_supported": s.percentage(
                "households.pct_supported", "households_supported", "households"
            ),
        },
        "prompts": {
            kind: {
                "prompted": s.count(f"prompt.{kind}.shown"),
                "acted_on": s.count(f"prompt.{kind}.acted"),
                "pct_acted_on": s.percentage(
                    f"prompts.{kind}.pct_acted_on",
                    f"prompt.{kind}.acted",
                    f"prompt.{kind}.shown",
                ),
            }
            for kind in PROMPTS
        },
        "inbound": _inbound_block(s),
        "survey_answers": {
            "question": SUPPORT_QUESTION,
            "answers": [
                {"answer": a.value, "label": a.label, "count": s.count(f"answer.{a.value}")}
                for a in SupportAnswer
            ],
            "total": s.count("answer.total"),
        },
        "advice_comparison": {
            "cohort": COMPARISON_NOTE,
            "caveat": CAVEAT,
            "groups": {group: _group(s, group) for group in GROUPS},
        },
        "notes": [SECTION_NOTE],
    }
    section["summary"] = summary_rows(section)
    return section


def methods_paragraphs(policy: DisclosurePolicy) -> list[str]:
    """How each figure of the section is made, for the methods page and every PDF."""
    return [
        "Signposts (information given, such as when an advice session runs) and referrals"
        " (the household passed on to a service, with their consent) made in the period, by"
        " the category of the service: benefits advice, debt advice, energy, housing,"
        " employment and skills, childcare and early years, health and wellbeing, Healthy"
        " Start, other food help, other.",
        "Households signposted or referred: members who visited in the period and were"
        " signposted or referred in it (at a site, both at that site), each once; the share"
        " is of the households that visited, shown only where at least"
        f" {policy.min_denominator} households visited and neither part is below"
        f" {policy.min_count}.",
        "Outcomes: the referrals (not signposts) made in the period, by their latest status as"
        " staff last recorded it. A referral counts as engaged if the household engaged with"
        " the service or the matter was resolved; resolved counts only those resolved. A"
        " referral made late in a period may not have an outcome yet.",
        "Prompts at check-in: members whose check-in panel first showed the volunteer a"
        " prompt in the period (Healthy Start, for a household with a child under 5 or a"
        " pregnancy recorded with consent whose route to membership is a qualifying benefit;"
        " advice services, for a household whose latest survey showed very low food"
        " security), and of them those signposted or referred to a matching service from the"
        " prompt, then or later. Each member is counted once.",
        "Inbound referrals: households an agency (Citizens Advice, the council's early-help"
        " team, a school, a GP social prescriber, Jobcentre Plus ...) referred to a site"
        " through the system, received on a day of the period (London time), by the agency's"
        " kind; accepted: registered as members, or matched to a member already registered."
        " First visit: the household's first visit on or after the day of the referral, to"
        " now; the median of the days between is shown only where at least"
        f" {policy.min_denominator} households came and their count is shown.",
        f'The follow-up survey asks, optionally, "{SUPPORT_QUESTION}" of members signposted'
        " or referred before it; the answers are counted for the follow-ups taken in the"
        " period. The answer never affects membership or the survey's score.",
        f"Food insecurity and advice: {COMPARISON_NOTE} {CAVEAT}",
        "All these counts are under the same rule as every other figure, with one pattern of"
        " suppression for every site and the programme: a category's signposts and"
        " referrals add up to its total, the categories to the total, and the sites to the"
        " programme, so that no suppressed count can be worked out from the others.",
    ]
