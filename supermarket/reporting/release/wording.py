"""A released report in plain words: the sentences that lead the dashboard and the PDF, the
one note that explains a hidden figure, and the methods (kept apart from the main text).

Every sentence is built from the released figures only (the same "<10" and withheld values
the tables show), so it can never say more than they do: where a figure is hidden, the
sentence says so in words and gives no number for it.
"""

from __future__ import annotations

import math
from typing import Any, Final

from supermarket.reporting.disclosure import DisclosurePolicy
from supermarket.reporting.outcomes import METHODS_NOTE, REGRESSION_TO_THE_MEAN_WARNING
from supermarket.reporting.release.blocks import COHORT_NOTE
from supermarket.reporting.release.reach import methods_paragraphs as reach_methods
from supermarket.reporting.release.report import ReleasedReport, notes_for
from supermarket.reporting.release.support import methods_paragraphs as support_methods
from supermarket.reporting.release.visit_types import methods_paragraphs as visit_type_methods
from supermarket.reporting.statistics import FOLLOW_UP_MONTHS, Conversions

# Below this p-value a change is "unlikely to be chance" (the usual 5% level).
CHANCE_LEVEL: Final = 0.05


def _count(value: object) -> int | None:
    """A released count as a number, or None where it is hidden ("<10") or withheld."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def weight_text(grams: int) -> str:
    """Food as people say it: "52 tonnes", "5.2 tonnes", "850 kg"."""
    kg = grams / 1000
    if kg >= 10_000:
        return f"{kg / 1000:,.0f} tonnes"
    if kg >= 1000:
        return f"{kg / 1000:,.1f} tonnes"
    return f"{kg:,.0f} kg"


def money_text(pence: int) -> str:
    return f"£{pence / 100:,.0f}"


def suppressed_explanation(policy: DisclosurePolicy) -> str:
    """What a hidden figure means, after its symbol ("<10 means ...")."""
    return (
        f"means fewer than {policy.min_count} people, hidden to protect privacy (a few larger"
        " figures are hidden too, so that a small one cannot be worked out from a total);"
        ' "not shown" is a total hidden for the same reason. Other counts are rounded to the'
        f" nearest {policy.rounding_base}."
    )


def suppressed_note(policy: DisclosurePolicy) -> str:
    """The one explanation of a hidden figure, for the top of a page or a report."""
    return f'"{policy.suppressed_symbol}" {suppressed_explanation(policy)}'


def reach_sentences(report: ReleasedReport) -> list[str]:
    """Who used the supermarkets, how often, the food and the savings, in a sentence or two.

    "1,240 households (3,100 people, 1,200 of them children) used the supermarkets in
    October 2026, making 14,300 visits. Members took home 52 tonnes of food (about 124,000
    meals) and saved £38,000 against shop prices."
    """
    f = report.figures
    where = "the supermarkets" if report.site is None else report.site.name
    when = report.period.label if report.complete else f"{report.period.label} so far"
    households = _count(f["visits"]["unique_households"])
    visits = _count(f["visits"]["visits"])
    if households is None:
        sentences = [f"Too few households used {where} in {when} to publish figures about them."]
        if visits is not None:
            sentences.append(f"There were {_plural(visits, 'visit', 'visits')}.")
        return sentences
    who = _plural(households, "household", "households")
    people = _count(f["people"]["total"])
    children = _count(f["people"]["children"])
    if people is not None:
        of_them = f", {children:,} of them children" if children is not None else ""
        who += f" ({_plural(people, 'person', 'people')}{of_them})"
    making = f", making {_plural(visits, 'visit', 'visits')}" if visits is not None else ""
    sentences = [f"{who} used {where} in {when}{making}."]
    food = f["food"]["given_to_members_g"]
    savings = f["money"]["savings_pence"]
    meals = f["food"]["meals_equivalent"]
    if isinstance(food, int) and isinstance(savings, int):
        meal_text = f" (about {meals:,} meals)" if isinstance(meals, int) and meals else ""
        took = f"took home {weight_text(food)} of food{meal_text} and " if food else ""
        sentences.append(f"Members {took}saved {money_text(savings)} against shop prices.")
    else:
        sentences.append("The food and money figures are not shown.")
    return sentences


def _whole(value: float) -> int:
    """Half up, as people round: 56.5 -> 57."""
    return math.floor(value + 0.5)


def _pct(value: float) -> str:
    return f"{_whole(value)}%"


def _points(value: float) -> str:
    return str(_whole(abs(value)))


def _range_text(low: float, high: float) -> str:
    """The interval for a fall (positive) in points, in words."""
    if low >= 0:
        return f"a fall of between {_points(low)} and {_points(high)} points"
    if high <= 0:
        return f"a rise of between {_points(high)} and {_points(low)} points"
    return f"anything from a rise of {_points(low)} to a fall of {_points(high)} points"


def outcome_sentences(report: ReleasedReport) -> list[str]:
    """The food-insecurity result in plain sentences, or why it cannot be given yet."""
    outcome = report.outcome
    paired = outcome["paired"]
    months = outcome.get("follow_up_months", FOLLOW_UP_MONTHS)
    pairs = _count(paired["pairs"])
    sentences: list[str] = []
    if paired["reduction_pct_points"] is None:
        reason = report.withheld.get("outcome.paired.analysis", "")
        if pairs is None or "too few" in reason:
            sentences.append(
                f"Too few members were surveyed again after {months} months to report the"
                " change in food insecurity yet."
            )
        else:
            sentences.append(
                f"{_plural(pairs, 'member was', 'members were')} surveyed again after"
                f" {months} months; the change in food insecurity is not given, because it"
                " would reveal a very small group."
            )
    else:
        before = paired["pct_food_insecure_at_baseline"]
        after = paired["pct_food_insecure_at_follow_up"]
        change = paired["reduction_pct_points"]
        who = (
            f"Of {pairs:,} members surveyed again after {months} months"
            if pairs is not None
            else f"Of the members surveyed again after {months} months"
        )
        if _whole(before) == _whole(after):
            moved = f"the share who were food insecure stayed at about {_pct(before)}"
        else:
            verb = "fell" if change > 0 else "rose"
            moved = f"the share who were food insecure {verb} from {_pct(before)} to {_pct(after)}"
        sentences.append(f"{who}, {moved}.")
        ci = paired["ci95_pct_points"]
        p = paired["mcnemar_exact_p"]
        if ci is not None and p is not None:
            chance = (
                "The change is unlikely to be chance"
                if p < CHANCE_LEVEL
                else "The change could be chance"
            )
            sentences.append(
                f"{chance}: the range we are 95% sure of is {_range_text(ci[0], ci[1])}"
                " in every 100 members."
            )
        else:
            sentences.append("Too few members changed to say how sure we can be of the change.")
    rate = outcome["follow_up"]["rate_pct"]
    if rate is not None:
        sentences.append(f"{_pct(rate)} of the members due a follow-up survey answered it.")
    return sentences


def outcome_sentence(report: ReleasedReport) -> str:
    return " ".join(outcome_sentences(report))


# Row labels of the outcome table in plain words (the CSV keeps the statistical ones).
PLAIN_OUTCOME_LABELS: Final = {
    "Fall in percentage points": "Fall in the share food insecure (points in 100)",
    "95% CI for the fall, lower": "Range we are 95% sure of: smallest fall",
    "95% CI for the fall, upper": "Range we are 95% sure of: largest fall",
    "Exact McNemar p": "Chance of a change this size if nothing had changed",
}


def methods_sections(
    policy: DisclosurePolicy, conversions: Conversions
) -> list[tuple[str, list[str]]]:
    """The methods: the disclosure rule, the conversions, the definitions, the survey and
    the statistics. For the methods page and the end of every PDF, never the main text."""
    notes = notes_for(conversions)
    return [
        (
            "The disclosure rule",
            [
                f"{policy.description}.",
                policy.legend,
                f'Some "{policy.suppressed_symbol}" cells hold more than'
                f" {policy.min_count - 1}: they are withheld (secondary suppression) so that a"
                f" count below {policy.min_count} cannot be worked out by subtracting the other"
                " figures from a total. One pattern covers every site and the programme, so a"
                " site's own report cannot be set against the programme's to undo it.",
                *notes[2:],
                "Only aggregates leave a site: no names, dates of birth, postcodes, contact"
                " details, notes or membership numbers are in any report.",
            ],
        ),
        (
            "Conversions",
            [
                notes[0],
                notes[1],
                f"Settings: {conversions.meal_grams} g per meal;"
                f" {conversions.co2e_kg_per_tonne:,} kg CO2e per tonne.",
                "Savings: the reference retail value of the food a member took less the fee"
                " they paid. Retail value: from the products' reference prices (for typed"
                " items, the band's average value).",
            ],
        ),
        (
            "Definitions",
            [
                "Active member households: memberships that covered any day of the period."
                " New: joined during it.",
                "Visits leave out visits voided on the day. Households that visited: each"
                " household once; in the all-sites figures a household that visited two sites"
                " counts once.",
                "People reached: the people in those households as recorded at each"
                " household's last visit in the period (adults; children aged 0-4, 5-11 and"
                " 12-17).",
                "Food received: deliveries and purchases, not transfers between sites. Food"
                " given to members: issued at visits, less anything returned when a visit was"
                " voided.",
            ],
        ),
        (
            "The survey",
            [
                "The USDA ERS U.S. Adult Food Security Survey Module (10 items, item wording"
                " unchanged), asked over the last 30 days at every time point, with its"
                " screening order. Raw score = affirmative answers; 0 high, 1-2 marginal, 3-5"
                " low, 6-10 very low food security; food insecure = low or very low. A survey"
                " with 3 or more don't-know or refused answers is left out.",
                "It is optional, asked with the member's consent, and answers never affect"
                " membership. The UK Food Standards Agency's Food and You 2 uses the same"
                " module (Wave 9: 21% of households food insecure).",
                COHORT_NOTE,
            ],
        ),
        (
            "The statistics",
            [
                METHODS_NOTE,
                '"The change is unlikely to be chance" means the exact McNemar test gives'
                f' p below {CHANCE_LEVEL:g}; "the range we are 95% sure of" is the 95%'
                " confidence interval (Newcombe) for the fall, in percentage points. In the"
                ' outcome table, "chance of a change this size if nothing had changed" is'
                " that p-value.",
                REGRESSION_TO_THE_MEAN_WARNING,
            ],
        ),
        ("Support beyond food", support_methods(policy)),
        ("Who is reached", reach_methods(policy)),
        ("Visits by type and anonymous households", visit_type_methods(policy)),
    ]


def plain_outcome_rows(rows: Any) -> tuple[tuple[Any, ...], ...]:
    """The outcome table's rows with their labels in plain words."""
    return tuple((PLAIN_OUTCOME_LABELS.get(row[0], row[0]), *row[1:]) for row in rows)
