"""The tables of a released report, defined once for the pages, the PDFs and the CSV files.

Cells hold released values only (a whole number, "<10", a percentage, or None where withheld);
each column says how to show them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from supermarket.reporting.charts import SOURCE_LABELS
from supermarket.reporting.release import ReleasedReport
from supermarket.reporting.statistics.reach import BREAKDOWNS
from supermarket.surveys.scoring import CATEGORIES_10

Kind = Literal["text", "count", "money", "money2", "kg", "pct", "mean", "number", "p"]
Cell = int | float | str | None

CATEGORY_LABELS: Final = {
    "high": "High food security",
    "marginal": "Marginal food security",
    "low": "Low food security",
    "very_low": "Very low food security",
}
REASON_LABELS: Final = {
    "past_use_by": "Past its use-by date",
    "damaged": "Damaged",
    "temperature": "Temperature fault",
    "recalled": "Recalled",
    "other": "Other",
}
NOT_SHOWN: Final = "not shown"


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: Kind = "count"


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table; `row_kinds` gives a kind per row for measure/value tables."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    row_kinds: tuple[Kind, ...] | None = None

    def kind(self, row: int, column: int) -> Kind:
        if self.row_kinds is not None and column > 0:
            return self.row_kinds[row]
        return self.columns[column].kind

    def display_rows(self) -> list[list[str]]:
        """Every cell as people read it."""
        return [
            [show(cell, self.kind(r, c)) for c, cell in enumerate(row)]
            for r, row in enumerate(self.rows)
        ]

    def plain_rows(self) -> list[list[Cell]]:
        """Every cell for a spreadsheet: numbers as numbers."""
        return [
            [plain(cell, self.kind(r, c)) for c, cell in enumerate(row)]
            for r, row in enumerate(self.rows)
        ]

    def header_row(self) -> list[str]:
        return [column.title for column in self.columns]


def show(value: Cell, kind: Kind) -> str:
    """A cell as people read it: 1,234 / <10 / £1,234 / 12.5 kg / 45.0% / not shown."""
    if value is None:
        return NOT_SHOWN
    if isinstance(value, str):
        return value
    if kind == "money":
        return f"£{value / 100:,.0f}"
    if kind == "money2":
        return f"£{value / 100:,.2f}"
    if kind == "p":
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    if kind == "kg":
        return f"{value / 1000:,.0f} kg"
    if kind == "pct":
        return f"{value:.1f}%"
    if kind == "mean":
        return f"{value:,.1f}"
    if kind in ("count", "number"):
        return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return str(value)


def plain(value: Cell, kind: Kind) -> Cell:
    """A cell for a CSV file: numbers stay numbers (pounds, kilograms), "" where withheld."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind == "money":
        return round(value / 100)
    if kind == "money2":
        return round(value / 100, 2)
    if kind == "kg":
        return round(value / 1000)
    return value


def _measures(
    key: str, title: str, rows: Sequence[tuple[str, Cell, Kind]], notes: Sequence[str] = ()
) -> Table:
    return Table(
        key=key,
        title=title,
        columns=(Column("Measure", "text"), Column("Value")),
        rows=tuple((label, value) for label, value, _kind in rows),
        notes=tuple(notes),
        row_kinds=tuple(kind for _label, _value, kind in rows),
    )


def summary(report: ReleasedReport) -> Table:
    f = report.figures
    rows: list[tuple[str, Cell, Kind]] = [
        ("Active member households", f["members"]["active_households"], "count"),
        ("New member households", f["members"]["new_households"], "count"),
        ("Visits", f["visits"]["visits"], "count"),
        ("Households that visited", f["visits"]["unique_households"], "count"),
        ("Visits per household", f["visits"]["visits_per_household"], "mean"),
        ("People reached", f["people"]["total"], "count"),
        ("Adults", f["people"]["adults"], "count"),
        ("Children", f["people"]["children"], "count"),
        ("Food received (kg)", f["food"]["received_g"], "kg"),
        ("Food given to members (kg)", f["food"]["given_to_members_g"], "kg"),
        ("Food wasted (kg)", f["food"]["wasted_g"], "kg"),
        ("Meals equivalent", f["food"]["meals_equivalent"], "number"),
        ("CO2e avoided (kg)", f["food"]["co2e_avoided_kg"], "number"),
        ("Retail value of food given (£)", f["money"]["retail_value_pence"], "money"),
        ("Fees collected (£)", f["money"]["fees_collected_pence"], "money"),
        ("Of which joining fees (£)", f["money"]["joining_fees_pence"], "money"),
        ("Members' savings (£)", f["money"]["savings_pence"], "money"),
        ("Of the fees, pay as you feel (£)", f["money"]["pay_as_you_feel_pence"], "money"),
        ("Membership fees (£)", f["money"]["membership_fees_pence"], "money"),
        ("Points spent (not money)", f["money"]["points_spent"], "number"),
        ("Savings per visit (£)", f["money"]["savings_per_visit_pence"], "money2"),
        ("Savings per household (£)", f["money"]["savings_per_household_pence"], "money2"),
        ("Visits with a rule overridden", f["visits"]["overrides_used"], "count"),
    ]
    return _measures(
        "summary",
        f"Headline figures: {report.scope_label}, {report.period.label}",
        rows,
        report.notes,
    )


SITE_COLUMNS: Final = (
    Column("Site", "text"),
    Column("Active households"),
    Column("New households"),
    Column("Visits"),
    Column("Visiting households"),
    Column("People reached"),
    Column("Children"),
    Column("Food given (kg)", "kg"),
    Column("Savings (£)", "money"),
    Column("Overrides"),
    Column("First surveys"),
    Column("Follow-up rate", "pct"),
)


def _site_row(name: str, f: Any, outcome: Any) -> tuple[Cell, ...]:
    return (
        name,
        f["members"]["active_households"],
        f["members"]["new_households"],
        f["visits"]["visits"],
        f["visits"]["unique_households"],
        f["people"]["total"],
        f["people"]["children"],
        f["food"]["given_to_members_g"],
        f["money"]["savings_pence"],
        f["visits"]["overrides_used"],
        outcome["baseline_surveys"],
        outcome["follow_up_rate_pct"],
    )


def sites(report: ReleasedReport) -> Table:
    """One row per site and a row for all sites (programme reports only)."""
    rows = [_site_row(row["name"], row["figures"], row["outcome"]) for row in report.sites]
    outcome = report.outcome
    rows.append(
        _site_row(
            "All sites",
            report.figures,
            {
                "baseline_surveys": outcome["baseline"]["surveys"],
                "follow_up_rate_pct": outcome["follow_up"]["rate_pct"],
            },
        )
    )
    return Table(
        key="sites",
        title=f"Site by site, {report.period.label}",
        columns=SITE_COLUMNS,
        rows=tuple(rows),
        notes=(
            'Some figures of 10 or more also read "<10": they are held back so that a smaller'
            " site's figure cannot be worked out by taking the other sites from the total.",
            "A household that visited two sites counts once in the all-sites row, so the site"
            " rows may add up to more.",
        ),
    )


def people(report: ReleasedReport) -> Table:
    p = report.figures["people"]
    rows: tuple[tuple[Cell, ...], ...] = (
        ("Adults", p["adults"]),
        ("Children aged 0-4", p["children_0_4"]),
        ("Children aged 5-11", p["children_5_11"]),
        ("Children aged 12-17", p["children_12_17"]),
        ("All children", p["children"]),
        ("All people", p["total"]),
    )
    return Table(
        key="people",
        title="People reached",
        columns=(Column("Who", "text"), Column("People")),
        rows=rows,
        notes=("Each household once, as recorded at its last visit in the period.",),
    )


def food(report: ReleasedReport, *, compact: bool = False) -> Table:
    """Food in and out; `compact` (pages, PDFs) leaves out the sources and reasons at 0 kg."""
    food_figures = report.figures["food"]
    rows: list[tuple[Cell, ...]] = [
        (f"Received: {SOURCE_LABELS.get(source, source)}", grams)
        for source, grams in food_figures["received_by_source_g"].items()
    ]
    rows.append(("Received: all sources", food_figures["received_g"]))
    rows.append(("Transferred in from other sites", food_figures["transferred_in_g"]))
    rows.append(("Transferred out to other sites", food_figures["transferred_out_g"]))
    rows.append(("Given to members", food_figures["given_to_members_g"]))
    rows.append(("Of which surplus food", food_figures["surplus_given_to_members_g"]))
    rows.extend(
        (f"Wasted: {REASON_LABELS.get(reason, reason)}", grams)
        for reason, grams in food_figures["wasted_by_reason_g"].items()
    )
    rows.append(("Wasted: all reasons", food_figures["wasted_g"]))
    rows.append(("Stocktake corrections (net)", food_figures["stocktake_adjustments_g"]))
    if compact:
        rows = [row for row in rows if row[1] != 0 or "all " in str(row[0])]
    return Table(
        key="food",
        title="Food in and out (kg)",
        columns=(Column("Food", "text"), Column("Kilograms", "kg")),
        rows=tuple(rows),
        notes=tuple(report.notes[:2]),
    )


def outcome(report: ReleasedReport) -> Table:
    o = report.outcome
    paired = o["paired"]
    ci = paired["ci95_pct_points"]
    rows: list[tuple[str, Cell, Kind]] = [
        ("First surveys taken in the period", o["baseline"]["surveys"], "count"),
        ("Food insecure at first survey", o["baseline"]["food_insecure"], "count"),
        ("Food insecure at first survey (%)", o["baseline"]["food_insecure_pct"], "pct"),
        ("Follow-ups due (window closed or answered)", o["follow_up"]["expected"], "count"),
        ("Follow-ups answered", o["follow_up"]["completed"], "count"),
        ("Follow-up rate (%)", o["follow_up"]["rate_pct"], "pct"),
        ("Members with both surveys (pairs)", paired["pairs"], "count"),
        ("Pairs food insecure at first survey (%)", paired["pct_food_insecure_at_baseline"], "pct"),
        ("Pairs food insecure at follow-up (%)", paired["pct_food_insecure_at_follow_up"], "pct"),
        ("Fall in percentage points", paired["reduction_pct_points"], "mean"),
        ("95% CI for the fall, lower", None if ci is None else ci[0], "mean"),
        ("95% CI for the fall, upper", None if ci is None else ci[1], "mean"),
        ("Exact McNemar p", paired["mcnemar_exact_p"], "p"),
        ("Improved", paired["improved"], "count"),
        ("Unchanged", paired["unchanged"], "count"),
        ("Worse", paired["worsened"], "count"),
        ("Improved (%)", paired["improved_pct"], "pct"),
        ("Unchanged (%)", paired["unchanged_pct"], "pct"),
        ("Worse (%)", paired["worsened_pct"], "pct"),
    ]
    return _measures(
        "outcome",
        "Food insecurity: first survey and follow-up",
        rows,
        (o["cohort"], o["methods"]),
    )


def transitions(report: ReleasedReport) -> Table:
    paired = report.outcome["paired"]
    matrix = paired["transitions"]
    rows: list[tuple[Cell, ...]] = [
        (
            CATEGORY_LABELS[before],
            *(matrix[before][after] for after in CATEGORIES_10),
            paired["transitions_baseline_totals"][before],
        )
        for before in CATEGORIES_10
    ]
    rows.append(
        (
            "All",
            *(paired["transitions_follow_up_totals"][after] for after in CATEGORIES_10),
            paired["pairs"],
        )
    )
    return Table(
        key="transitions",
        title="From first survey (rows) to follow-up (columns)",
        columns=(
            Column("At first survey", "text"),
            *(Column(CATEGORY_LABELS[c]) for c in CATEGORIES_10),
            Column("All"),
        ),
        rows=tuple(rows),
    )


def baseline(report: ReleasedReport) -> Table:
    b = report.outcome["baseline"]
    rows: list[tuple[Cell, ...]] = [
        (CATEGORY_LABELS[c], b["categories"][c], b["category_pct"][c]) for c in CATEGORIES_10
    ]
    rows.append(("All", b["surveys"], None))
    return Table(
        key="baseline",
        title="Food security at the first survey",
        columns=(Column("Category", "text"), Column("Members"), Column("Share", "pct")),
        rows=tuple(rows),
    )


def trend(report: ReleasedReport) -> Table:
    first = report.trend[0]["label"] if report.trend else ""
    last = report.trend[-1]["label"] if report.trend else ""
    return Table(
        key="trend",
        title=f"Visits and households, month by month ({first} to {last})",
        columns=(Column("Month", "text"), Column("Visits"), Column("Households")),
        rows=tuple((p["label"], p["visits"], p["households"]) for p in report.trend),
    )


# --- support beyond food (release/support.py) ------------------------------------------------


def support(report: ReleasedReport) -> Table:
    """The support section's headline figures: one row per summary row (more can be added
    there, in release/support.py's summary_rows())."""
    rows: list[tuple[str, Cell, Kind]] = [
        (row["label"], row["value"], row["kind"]) for row in report.support["summary"]
    ]
    return _measures(
        "support",
        f"Support beyond food: {report.scope_label}, {report.period.label}",
        rows,
        tuple(report.support["notes"]),
    )


def support_categories(report: ReleasedReport) -> Table:
    """Signposts, referrals and the referrals' outcomes by the services' category."""
    section = report.support
    rows: list[tuple[Cell, ...]] = [
        (
            row["label"],
            row["signposts"],
            row["referrals"],
            row["total"],
            row["engaged"],
            row["resolved"],
            row["pct_engaged"],
        )
        for row in (*section["categories"], {"label": "All categories", **section["totals"]})
    ]
    return Table(
        key="support_categories",
        title="Signposts, referrals and outcomes by kind of support",
        columns=(
            Column("Kind of support", "text"),
            Column("Signposts"),
            Column("Referrals"),
            Column("All"),
            Column("Referrals engaged"),
            Column("Referrals resolved"),
            Column("Engaged (% of referrals)", "pct"),
        ),
        rows=tuple(rows),
        notes=("Engaged counts referrals engaged or resolved, as last recorded.",),
    )


def support_answers(report: ReleasedReport) -> Table:
    """The answers to the follow-up survey's support question."""
    answers = report.support["survey_answers"]
    rows: list[tuple[Cell, ...]] = [(a["label"], a["count"]) for a in answers["answers"]]
    rows.append(("All answers", answers["total"]))
    return Table(
        key="support_answers",
        title=f"“{answers['question']}” (follow-up surveys)",
        columns=(Column("Answer", "text"), Column("Members")),
        rows=tuple(rows),
        notes=(
            "Asked, optionally, at the follow-up survey of members signposted or referred"
            " before it. The answer never affects membership or the survey's score.",
        ),
    )


def support_advice(report: ReleasedReport) -> Table:
    """Food insecurity of households who engaged with advice, beside those who did not."""
    comparison = report.support["advice_comparison"]
    groups = comparison["groups"]
    rows: list[tuple[Cell, ...]] = [
        (
            g["label"],
            g["members"],
            g["pct_insecure_baseline"],
            g["pct_insecure_follow_up"],
            g["change_pct_points"],
        )
        for g in (groups["engaged"], groups["other"])
    ]
    return Table(
        key="support_advice",
        title="Food insecurity and advice: not a controlled comparison",
        columns=(
            Column("Households", "text"),
            Column("Members with both surveys"),
            Column("Food insecure at first survey", "pct"),
            Column("Food insecure at follow-up", "pct"),
            Column("Change (percentage points)", "mean"),
        ),
        rows=tuple(rows),
        notes=(comparison["caveat"], comparison["cohort"]),
    )


def support_inbound(report: ReleasedReport) -> Table:
    """Households referred by agencies, by the agency's kind, and how many were accepted."""
    inbound = report.support["inbound"]
    rows: list[tuple[Cell, ...]] = [
        (row["label"], row["received"], row["accepted"]) for row in inbound["by_agency_kind"]
    ]
    rows.append(("All agencies", inbound["received"], inbound["accepted"]))
    return Table(
        key="support_inbound",
        title="Households referred to us by agencies",
        columns=(
            Column("Kind of agency", "text"),
            Column("Referred"),
            Column("Accepted (became members)"),
        ),
        rows=tuple(rows),
        notes=(
            "Referrals received in the period through the system; accepted: registered, or"
            " matched to a member already registered.",
        ),
    )


# --- who is reached (release/reach.py) ----------------------------------------------------------


def reach(report: ReleasedReport, breakdown: str) -> Table:
    """Households reached by one breakdown (a monitoring question, district or route)."""
    section = report.reach["breakdowns"][breakdown]
    rows: list[tuple[Cell, ...]] = [(row["label"], row["households"]) for row in section["rows"]]
    rows.append(("All households reached", report.reach["households"]))
    return Table(
        key=f"reach_{breakdown}",
        title=section["title"],
        columns=(Column(_REACH_FIRST.get(breakdown, "Answer"), "text"), Column("Households")),
        rows=tuple(rows),
        notes=tuple(report.reach["notes"]),
    )


_REACH_FIRST: Final = {"district": "Postcode district", "route": "Route"}


def _reach_builder(breakdown: str) -> Callable[[ReleasedReport], Table]:
    return lambda report: reach(report, breakdown)


REACH_TABLES: Final = tuple(f"reach_{breakdown}" for breakdown in BREAKDOWNS)


# --- visits by type and anonymous households (release/visit_types.py) --------------------------


def visit_types(report: ReleasedReport) -> Table:
    """Visits, households, food and fees by visit type, with the anonymous households apart
    (a last row, never in the households above it)."""
    section, anonymous = report.visit_types, report.anonymous
    rows: list[tuple[Cell, ...]] = [
        (
            row["label"],
            row["visits"],
            row["households"],
            row["items"],
            row["retail_value_pence"],
            row["fees_pence"],
            row["anonymous_households"],
        )
        for row in section["types"]
    ]
    rows.append(
        (
            "All member visits",
            section["visits"],
            "",  # households of the types do not add up: a household may have two
            "",
            "",
            "",
            anonymous["households"],
        )
    )
    return Table(
        key="visit_types",
        title=f"Visits by type: {report.scope_label}, {report.period.label}",
        columns=(
            Column("Type of visit", "text"),
            Column("Visits"),
            Column("Households"),
            Column("Items"),
            Column("Retail value (£)", "money"),
            Column("Fees (£)", "money"),
            Column("Anonymous households"),
        ),
        rows=tuple(rows),
        notes=(*section["notes"], *anonymous["notes"]),
    )


SUPPORT_TABLES: Final = (
    "support",
    "support_categories",
    "support_inbound",
    "support_answers",
    "support_advice",
)
TABLES: Final = (
    "summary",
    "sites",
    "people",
    "food",
    "baseline",
    "outcome",
    "transitions",
    "trend",
    "visit_types",
    *SUPPORT_TABLES,
    *REACH_TABLES,
)


BUILDERS: Final[dict[str, Callable[[ReleasedReport], Table]]] = {
    "summary": summary,
    "sites": sites,
    "people": people,
    "food": food,
    "baseline": baseline,
    "outcome": outcome,
    "transitions": transitions,
    "trend": trend,
    "visit_types": visit_types,
    "support": support,
    "support_categories": support_categories,
    "support_inbound": support_inbound,
    "support_answers": support_answers,
    "support_advice": support_advice,
    **{f"reach_{breakdown}": _reach_builder(breakdown) for breakdown in BREAKDOWNS},
}


def tables_for(report: ReleasedReport, *, compact: bool = False) -> dict[str, Table]:
    """Every table of the report (the site table only for the programme)."""
    found = {name: BUILDERS[name](report) for name in names_for(report)}
    found["food"] = food(report, compact=compact)
    return found


def names_for(report: ReleasedReport) -> Sequence[str]:
    return [
        name
        for name in TABLES
        if (name != "sites" or report.site is None)
        and (name not in SUPPORT_TABLES or report.support)
        and (name not in REACH_TABLES or report.reach)
        and (name != "visit_types" or report.visit_types)
    ]
