"""One linked suppression pattern over every count of every site and the programme."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import chain, islice
from typing import Final

from supermarket.reporting.disclosure import (
    DEFAULT_POLICY,
    DisclosurePolicy,
    Released,
    release_count,
    suppress_linked,
)
from supermarket.reporting.outcomes import (
    PairedOutcome,
)
from supermarket.reporting.rollups import PEOPLE
from supermarket.reporting.statistics import (
    Figures,
)
from supermarket.surveys.scoring import CATEGORIES_10, INSECURE_10

# Every suppressed count reads "<10", whether below 10 or withheld to protect one that is.
RELEASE_POLICY: Final = dataclasses.replace(
    DEFAULT_POLICY, secondary_symbol=DEFAULT_POLICY.suppressed_symbol
)

# --- the linked pattern ---------------------------------------------------------------------

Scope = int | None  # a site id, or None for the whole programme
Key = tuple[str, Scope]
_SECURE: Final = tuple(c for c in CATEGORIES_10 if c not in INSECURE_10)
_INSECURE: Final = tuple(c for c in CATEGORIES_10 if c in INSECURE_10)
_SEVERITY: Final = {category: rank for rank, category in enumerate(CATEGORIES_10)}


def transition_key(before: str, after: str) -> str:
    return f"pairs.t.{before}.{after}"


def _counts(figures: Figures, outcome: PairedOutcome) -> dict[str, int]:
    """Every count an output may show for one scope, by name."""
    counts: dict[str, int] = {
        "active_households": figures.active_households,
        "new_households": figures.new_households,
        "visits": figures.visits,
        "households": figures.households,
        "overrides": figures.overrides,
        **{f"people.{name}": figures.people[name] for name in PEOPLE},
        "people.children": figures.children,
        "people.total": figures.people_total,
        **{f"baseline.{c}": figures.baseline_categories.get(c, 0) for c in CATEGORIES_10},
        "baseline.insecure": sum(figures.baseline_categories.get(c, 0) for c in _INSECURE),
        "baseline.secure": sum(figures.baseline_categories.get(c, 0) for c in _SECURE),
        "baseline.total": figures.baselines,
        "follow_up.expected": figures.follow_ups_expected,
        "follow_up.done": figures.follow_ups_done,
        "follow_up.missing": figures.follow_ups_expected - figures.follow_ups_done,
        "pairs.n": outcome.n_pairs,
        "pairs.insecure_both": outcome.insecure_both,
        "pairs.became_secure": outcome.became_secure,
        "pairs.became_insecure": outcome.became_insecure,
        "pairs.secure_both": outcome.secure_both,
        "pairs.insecure_baseline": outcome.insecure_baseline,
        "pairs.insecure_follow_up": outcome.insecure_followup,
        "pairs.secure_baseline": outcome.n_pairs - outcome.insecure_baseline,
        "pairs.secure_follow_up": outcome.n_pairs - outcome.insecure_followup,
        "pairs.improved": outcome.improved,
        "pairs.unchanged": outcome.unchanged,
        "pairs.worsened": outcome.worsened,
    }
    for before in CATEGORIES_10:
        counts[f"pairs.before.{before}"] = sum(outcome.transitions[before].values())
        for after in CATEGORIES_10:
            counts[transition_key(before, after)] = outcome.transitions[before][after]
    for after in CATEGORIES_10:
        counts[f"pairs.after.{after}"] = sum(
            outcome.transitions[before][after] for before in CATEGORIES_10
        )
    return counts


def _within(n: str) -> list[tuple[list[str], str]]:
    """The sum relations inside one scope: (parts, total)."""
    cells = [(b, a) for b in CATEGORIES_10 for a in CATEGORIES_10]

    def among(befores: Iterable[str], afters: Iterable[str]) -> list[str]:
        wanted = {(b, a) for b in befores for a in afters}
        return [transition_key(b, a) for b, a in cells if (b, a) in wanted]

    lines: list[tuple[list[str], str]] = [
        ([f"people.{name}" for name in PEOPLE if name != "adults"], "people.children"),
        (["people.adults", "people.children"], "people.total"),
        ([f"baseline.{c}" for c in CATEGORIES_10], "baseline.total"),
        ([f"baseline.{c}" for c in _INSECURE], "baseline.insecure"),
        ([f"baseline.{c}" for c in _SECURE], "baseline.secure"),
        (["baseline.insecure", "baseline.secure"], "baseline.total"),
        (["follow_up.done", "follow_up.missing"], "follow_up.expected"),
        (among(_INSECURE, _INSECURE), "pairs.insecure_both"),
        (among(_INSECURE, _SECURE), "pairs.became_secure"),
        (among(_SECURE, _INSECURE), "pairs.became_insecure"),
        (among(_SECURE, _SECURE), "pairs.secure_both"),
        (
            [
                "pairs.insecure_both",
                "pairs.became_secure",
                "pairs.became_insecure",
                "pairs.secure_both",
            ],
            n,
        ),
        (["pairs.insecure_both", "pairs.became_secure"], "pairs.insecure_baseline"),
        (["pairs.insecure_both", "pairs.became_insecure"], "pairs.insecure_follow_up"),
        (["pairs.became_insecure", "pairs.secure_both"], "pairs.secure_baseline"),
        (["pairs.became_secure", "pairs.secure_both"], "pairs.secure_follow_up"),
        (["pairs.insecure_baseline", "pairs.secure_baseline"], n),
        (["pairs.insecure_follow_up", "pairs.secure_follow_up"], n),
        ([f"pairs.before.{c}" for c in _INSECURE], "pairs.insecure_baseline"),
        ([f"pairs.after.{c}" for c in _INSECURE], "pairs.insecure_follow_up"),
        (
            [transition_key(b, a) for b, a in cells if _SEVERITY[a] < _SEVERITY[b]],
            "pairs.improved",
        ),
        ([transition_key(b, a) for b, a in cells if a == b], "pairs.unchanged"),
        (
            [transition_key(b, a) for b, a in cells if _SEVERITY[a] > _SEVERITY[b]],
            "pairs.worsened",
        ),
        (["pairs.improved", "pairs.unchanged", "pairs.worsened"], n),
        ([f"pairs.before.{c}" for c in CATEGORIES_10], n),
        ([f"pairs.after.{c}" for c in CATEGORIES_10], n),
    ]
    for before in CATEGORIES_10:
        lines.append(([transition_key(before, a) for a in CATEGORIES_10], f"pairs.before.{before}"))
    for after in CATEGORIES_10:
        lines.append(([transition_key(b, after) for b in CATEGORIES_10], f"pairs.after.{after}"))
    return lines


@dataclass(frozen=True, slots=True)
class Pattern:
    """Which counts are shown, for every scope of one period; `show` gives what to print."""

    policy: DisclosurePolicy
    values: Mapping[Key, int]
    primary: frozenset[Key]
    secondary: frozenset[Key]

    def hidden(self, name: str, scope: Scope) -> bool:
        key = (name, scope)
        return key in self.primary or key in self.secondary

    def show(self, name: str, scope: Scope) -> Released:
        """The count as it may be published: "<10" or a whole number rounded to 5."""
        key = (name, scope)
        if key in self.primary or key in self.secondary:
            return self.policy.suppressed_symbol
        return release_count(self.values[key], self.policy)

    def raw(self, name: str, scope: Scope) -> int:
        return self.values[(name, scope)]


def _inert(parts: Iterable[str], total: str, scope: Scope, primary: AbstractSet[Key]) -> bool:
    """Whether two or more of a line's entries are hidden from the start. Such a line never
    acts in secondary suppression (entries are only ever hidden, so it never has exactly
    one), and the pattern is the same without it: it need not be built. Most lines of a
    programme of many small sites are such lines, and two hidden entries are found early."""
    keys = ((name, scope) for name in chain(parts, (total,)))
    return len(list(islice(filter(primary.__contains__, keys), 2))) >= 2


def _inert_over_sites(name: str, site_ids: Sequence[int], primary: AbstractSet[Key]) -> bool:
    """_inert() for a count's line over the sites to the programme's."""
    keys = ((name, scope) for scope in chain(site_ids, (None,)))
    return len(list(islice(filter(primary.__contains__, keys), 2))) >= 2


def section_pattern(
    values: Mapping[Key, int],
    within: Iterable[tuple[list[str], str]],
    forced: set[Key],
    policy: DisclosurePolicy,
    scopes: Iterable[Scope],
    site_ids: Sequence[int],
) -> Pattern:
    """A report section's own pattern (support, reach, visit types): its counts, the lines
    they add up along (`within`: the parts and their total, the same in every scope) and each
    programme count's line over the sites; every count below the threshold hidden, and
    `forced` ones too (those the main pattern hides), then enough others that no hidden count
    can be worked out."""
    within = list(within)
    primary = frozenset({key for key, value in values.items() if value < policy.min_count} | forced)
    lines: list[tuple[list[Key], Key]] = []
    for scope in scopes:
        for parts, total in within:
            if not _inert(parts, total, scope, primary):
                lines.append(([(part, scope) for part in parts], (total, scope)))
    if site_ids:
        # In the counts' own order (not a set's, which changes with each process's hash seed):
        # every worker must hide the same cells, or two answers together could undo it.
        for name in dict.fromkeys(name for name, scope in values if scope is None):
            if not _inert_over_sites(name, site_ids, primary):
                lines.append(([(name, site_id) for site_id in site_ids], (name, None)))
    primary, secondary = suppress_linked(values, lines, policy, primary=primary)
    return Pattern(policy=policy, values=values, primary=primary, secondary=secondary)


def linked_pattern(
    figures: Mapping[Scope, Figures],
    site_ids: Sequence[int],
    policy: DisclosurePolicy = RELEASE_POLICY,
    outcomes: Mapping[Scope, PairedOutcome] | None = None,
) -> Pattern:
    """One suppression pattern over every count of every site and the programme (key None).

    Households and people are not additive across sites (a household may visit two); their
    site-to-programme lines are kept anyway, which only errs on the side of hiding more.
    """
    values: dict[Key, int] = {}
    outcomes = outcomes or {scope: f.outcome for scope, f in figures.items()}
    per_scope = {scope: _counts(f, outcomes[scope]) for scope, f in figures.items()}
    for scope, counts in per_scope.items():
        for name, value in counts.items():
            values[(name, scope)] = value
    # Every count below the threshold: suppress_linked()'s own primary set.
    primary = frozenset(key for key, value in values.items() if value < policy.min_count)
    lines: list[tuple[list[Key], Key]] = []
    within = _within("pairs.n")  # the same sums in every scope: made once, not per site
    for scope in figures:
        for parts, total in within:
            if not _inert(parts, total, scope, primary):
                lines.append(([(part, scope) for part in parts], (total, scope)))
    if None in figures and site_ids:
        for name in per_scope[None]:
            if not _inert_over_sites(name, site_ids, primary):
                lines.append(([(name, site_id) for site_id in site_ids], (name, None)))
    primary, secondary = suppress_linked(values, lines, policy, primary=primary)
    return Pattern(policy=policy, values=values, primary=primary, secondary=secondary)
