"""The statistics feed's input and output shapes: only declared, aggregate fields ever leave.

Output is dumped through these schemas, so a field that is not declared here cannot reach a
response even if a released report carried it.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from supermarket.inputs import Str
from supermarket.reporting.periods import Period, parse_period
from supermarket.reporting.statistics import SOURCES, WASTE_REASONS
from supermarket.surveys.scoring import CATEGORIES_10

_COUNT_DOC = (
    'A count: a whole number rounded to the nearest 5, or the string "<10" where it is below'
    " 10 or withheld so that such a count cannot be worked out from a total."
)


_COUNT_TYPES = [{"type": "integer", "minimum": 10}, {"type": "string", "enum": ["<10"]}]


def Count(description: str = "") -> fields.Raw:
    """A released count: an integer, or "<10"."""
    return fields.Raw(
        required=True,
        metadata={"description": f"{description} {_COUNT_DOC}".strip(), "oneOf": _COUNT_TYPES},
    )


def _count_value() -> fields.Raw:
    """A released count as the value of a mapping."""
    return fields.Raw(metadata={"oneOf": _COUNT_TYPES})


def Optional(field: fields.Field[Any], description: str) -> fields.Field[Any]:
    field.allow_none = True
    field.metadata = {**field.metadata, "description": description, "nullable": True}
    return field


def _map(keys: tuple[str, ...], description: str, value: Any) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(keys)),
        values=value,
        metadata={"description": f"{description} Keys: {', '.join(keys)}."},
    )


# What parse_period accepts; anything else answers 422 invalid_period.
PERIOD_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-[Qq][1-4])?$"
WITHHELD_DOC = "null where withheld; `withheld` says why."


class PeriodField(Str):
    """A period in a query (2026-09, 2026-Q3 or 2026), loaded straight to a Period: text of
    the wrong length is a field error like any other; text parse_period does not read is its
    422 invalid_period. `pattern` and `example` are for the OpenAPI document."""

    def __init__(self, description: str, pattern: str, example: str) -> None:
        super().__init__(
            required=True,
            validate=validate.Length(min=4, max=7),
            metadata={"description": description, "pattern": pattern, "example": example},
        )

    # A String to the OpenAPI document (and Str's checks), a Period once loaded.
    def _deserialize(  # type: ignore[override]
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> Period:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        super()._validate(text)
        return parse_period(text)

    def _validate(self, value: Any) -> None:
        """The validators are for the text, run by _deserialize before it is parsed."""


class StatsQuery(Schema):
    """?period=2026-Q3[&site=CODE]"""

    period = PeriodField(
        "A month (2026-09), a quarter (2026-Q3) or a year (2026).", PERIOD_PATTERN, "2026-Q3"
    )
    site = Str(
        load_default=None,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "A site's code; leave out for all sites (leads and admins)."},
    )


class PeriodQuery(Schema):
    """?period= for the programme report: a quarter or a year."""

    period = PeriodField(
        "A quarter (2026-Q3) or a year (2026).", r"^[0-9]{4}(-[Qq][1-4])?$", "2026-Q3"
    )


class MonthQuery(Schema):
    """?period= for a site's monthly report."""

    period = PeriodField("A month (2026-09).", r"^[0-9]{4}-(0[1-9]|1[0-2])$", "2026-09")


class PeriodOut(Schema):
    key = fields.String(metadata={"description": "2026-09, 2026-Q3 or 2026."})
    kind = fields.String(metadata={"enum": ["month", "quarter", "year"]})
    label = fields.String()
    start = fields.String(metadata={"format": "date"})
    end = fields.String(metadata={"format": "date"})
    complete = fields.Boolean(metadata={"description": "False while the period is running."})
    figures_to = fields.String(
        metadata={"format": "date", "description": "The last day the figures cover."}
    )


class SiteOut(Schema):
    code = fields.String()
    name = fields.String()


class DisclosureOut(Schema):
    rule = fields.String(metadata={"description": "The rule's name, e.g. ONS 10-5 rule."})
    description = fields.String()
    legend = fields.String()
    suppressed = fields.String(metadata={"description": 'What a suppressed count reads: "<10".'})
    min_count = fields.Integer()
    rounding_base = fields.Integer()
    min_denominator = fields.Integer()


class ConversionsOut(Schema):
    meal_grams = fields.Integer()
    co2e_kg_per_tonne = fields.Integer()


class MembersOut(Schema):
    active_households = Count("Member households whose membership covered the period.")
    new_households = Count("Member households that joined in the period.")


class VisitsOut(Schema):
    visits = Count("Visits (voided ones left out).")
    unique_households = Count("Households that visited, each once.")
    visits_per_household = Optional(fields.Float(), f"Mean visits per household; {WITHHELD_DOC}")
    overrides_used = Count("Visits where a rule was overridden, with a reason.")


class PeopleOut(Schema):
    adults = Count("Adults in the households reached.")
    children_0_4 = Count("Children aged 0-4.")
    children_5_11 = Count("Children aged 5-11.")
    children_12_17 = Count("Children aged 12-17.")
    children = Count("All children.")
    total = Count("People reached: each household once, as at its last visit in the period.")


class MoneyOut(Schema):
    fees_collected_pence = Optional(
        fields.Integer(),
        f"Fees paid at visits and joining fees together, nearest pound; {WITHHELD_DOC}",
    )
    joining_fees_pence = Optional(
        fields.Integer(),
        "Joining fees paid (at registration, and at renewal where a site takes it again),"
        f" nearest pound; {WITHHELD_DOC}",
    )
    retail_value_pence = Optional(
        fields.Integer(), f"Reference retail value of the food given; {WITHHELD_DOC}"
    )
    savings_pence = Optional(fields.Integer(), f"Retail value less fees paid; {WITHHELD_DOC}")
    savings_per_visit_pence = Optional(fields.Integer(), WITHHELD_DOC)
    savings_per_household_pence = Optional(fields.Integer(), WITHHELD_DOC)
    pay_as_you_feel_pence = Optional(
        fields.Integer(),
        "Given at pay-as-you-feel visits (part of the fees paid at visits), nearest pound;"
        f" {WITHHELD_DOC}",
    )
    membership_fees_pence = Optional(
        fields.Integer(),
        "Membership fees paid (the annual or termly fee of visits paid by membership; not in"
        f" fees collected), nearest pound; {WITHHELD_DOC}",
    )
    points_spent = Optional(
        fields.Integer(), f"Points spent at points visits (not money), nearest 10; {WITHHELD_DOC}"
    )


class FoodOut(Schema):
    received_by_source_g = _map(
        SOURCES, "Food received, grams to the nearest kg.", fields.Integer()
    )
    received_g = fields.Integer()
    transferred_in_g = fields.Integer()
    transferred_out_g = fields.Integer()
    stocktake_adjustments_g = fields.Integer(
        metadata={"description": "Net stocktake corrections (found minus missing)."}
    )
    wasted_by_reason_g = _map(WASTE_REASONS, "Food wasted, grams.", fields.Integer())
    wasted_g = fields.Integer()
    given_to_members_g = Optional(fields.Integer(), f"Net of voided visits; {WITHHELD_DOC}")
    surplus_given_to_members_g = Optional(
        fields.Integer(), f"From FareShare, retailer, public and community sources; {WITHHELD_DOC}"
    )
    meals_equivalent = Optional(
        fields.Integer(), f"Food given / meal_grams: an equivalence, not meals; {WITHHELD_DOC}"
    )
    co2e_avoided_kg = Optional(fields.Integer(), f"Surplus food given only; {WITHHELD_DOC}")


class FiguresOut(Schema):
    members = fields.Nested(MembersOut)
    visits = fields.Nested(VisitsOut)
    people = fields.Nested(PeopleOut)
    money = fields.Nested(MoneyOut)
    food = fields.Nested(FoodOut)


_CATEGORY_COUNTS = _map(CATEGORIES_10, "Counts by 10-item food security category.", _count_value())


class BaselineOut(Schema):
    surveys = Count("Complete first surveys taken in the period.")
    categories = _CATEGORY_COUNTS
    category_pct = _map(
        CATEGORIES_10, "Percentages; null where withheld.", fields.Float(allow_none=True)
    )
    food_insecure = Count("Low or very low food security.")
    food_insecure_pct = Optional(fields.Float(), WITHHELD_DOC)


class FollowUpOut(Schema):
    expected = Count("Follow-ups due in the period whose window has closed, or answered.")
    completed = Count("Follow-ups answered.")
    rate_pct = Optional(fields.Float(), f"Follow-up rate; {WITHHELD_DOC}")


class RawChangeOut(Schema):
    median = fields.Float()
    q1 = fields.Float()
    q3 = fields.Float()
    wilcoxon_p = fields.Float()


class PairedOut(Schema):
    pairs = Count("Members with a complete first survey and follow-up.")
    food_insecure_at_baseline = Count()
    food_insecure_at_follow_up = Count()
    pct_food_insecure_at_baseline = Optional(fields.Float(), WITHHELD_DOC)
    pct_food_insecure_at_follow_up = Optional(fields.Float(), WITHHELD_DOC)
    reduction_pct_points = Optional(
        fields.Float(), f"Baseline % minus follow-up % (positive: fewer insecure); {WITHHELD_DOC}"
    )
    ci95_pct_points = Optional(
        fields.List(fields.Float()),
        f"Newcombe hybrid score 95% interval for the reduction; {WITHHELD_DOC}",
    )
    mcnemar_exact_p = Optional(fields.Float(), f"Exact McNemar test; {WITHHELD_DOC}")
    raw_score_change = Optional(fields.Nested(RawChangeOut), WITHHELD_DOC)
    became_food_secure = Count()
    became_food_insecure = Count()
    improved = Count("Moved to a better 10-item category.")
    unchanged = Count()
    worsened = Count()
    improved_pct = Optional(fields.Float(), WITHHELD_DOC)
    unchanged_pct = Optional(fields.Float(), WITHHELD_DOC)
    worsened_pct = Optional(fields.Float(), WITHHELD_DOC)
    transitions = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CATEGORIES_10)),
        values=fields.Dict(keys=fields.String(), values=_count_value()),
        metadata={"description": "Baseline category -> follow-up category -> count."},
    )
    transitions_baseline_totals = _CATEGORY_COUNTS
    transitions_follow_up_totals = _CATEGORY_COUNTS


class OutcomeOut(Schema):
    instrument = fields.String()
    reference_period_days = fields.Integer()
    follow_up_months = fields.Integer()
    baseline = fields.Nested(BaselineOut)
    follow_up = fields.Nested(FollowUpOut)
    paired = fields.Nested(PairedOut)
    caveat = fields.String(metadata={"description": "Regression to the mean: always shown."})
    cohort = fields.String()
    methods = fields.String()


class SiteOutcomeOut(Schema):
    baseline_surveys = Count()
    follow_ups_completed = Count()
    follow_up_rate_pct = Optional(fields.Float(), WITHHELD_DOC)
    pairs = Count()
    pct_food_insecure_at_baseline = Optional(fields.Float(), WITHHELD_DOC)
    pct_food_insecure_at_follow_up = Optional(fields.Float(), WITHHELD_DOC)


class SiteRowOut(SiteOut):
    """A site (its code and name), whether it is open, and its released figures."""

    active = fields.Boolean()
    figures = fields.Nested(FiguresOut)
    outcome = fields.Nested(SiteOutcomeOut)
    withheld = fields.Dict(keys=fields.String(), values=fields.String())


class TrendPointOut(Schema):
    period = fields.String()
    label = fields.String()
    visits = Count()
    households = Count()


# --- support beyond food (release/support.py) --------------------------------------------------


class SupportCategoryOut(Schema):
    category = fields.String(metadata={"description": "The services' category key."})
    label = fields.String()
    signposts = Count("Signposts made in the period (information given).")
    referrals = Count("Referrals made in the period (passed on with consent).")
    total = Count("Signposts and referrals.")
    engaged = Count("Of the referrals: engaged or resolved, as last recorded.")
    resolved = Count("Of the referrals: resolved, as last recorded.")
    pct_engaged = Optional(fields.Float(), f"Engaged as a share of referrals; {WITHHELD_DOC}")


class SupportTotalsOut(Schema):
    signposts = Count()
    referrals = Count()
    total = Count()
    engaged = Count()
    resolved = Count()
    pct_engaged = Optional(fields.Float(), WITHHELD_DOC)


class SupportHouseholdsOut(Schema):
    supported = Count("Households that visited and were signposted or referred in the period.")
    households = Count("Households that visited in the period (as figures.visits).")
    pct_supported = Optional(fields.Float(), f"Share signposted or referred; {WITHHELD_DOC}")


class SupportPromptOut(Schema):
    prompted = Count("Members first prompted about it at check-in in the period.")
    acted_on = Count("Of them: signposted or referred to a matching service from the prompt.")
    pct_acted_on = Optional(fields.Float(), f"Acted on as a share of prompted; {WITHHELD_DOC}")


class SupportPromptsOut(Schema):
    healthy_start = fields.Nested(SupportPromptOut)
    advice = fields.Nested(SupportPromptOut)


class SupportInboundKindOut(Schema):
    kind = fields.String(metadata={"description": "The referring agency's kind."})
    label = fields.String()
    received = Count("Households referred by agencies of the kind in the period.")
    accepted = Count("Of them: accepted (registered, or matched to a member).")


class SupportInboundOut(Schema):
    by_agency_kind = fields.List(fields.Nested(SupportInboundKindOut))
    received = Count("Households referred to the site(s) by agencies in the period.")
    accepted = Count("Of them: accepted (registered, or matched to a member).")
    pct_accepted = Optional(fields.Float(), f"Accepted as a share of received; {WITHHELD_DOC}")
    first_visits = Count("Of the accepted: those who have come to a first visit since.")
    median_days_to_first_visit = Optional(
        fields.Float(),
        "Median days from the referral to the first visit; null where fewer than the smallest"
        " denominator came, or their count is suppressed.",
    )


class SupportAnswerOut(Schema):
    answer = fields.String(
        metadata={"enum": ["yes_a_lot", "yes_a_little", "no", "not_used", "prefer_not_to_say"]}
    )
    label = fields.String()
    count = Count()


class SupportAnswersOut(Schema):
    question = fields.String()
    answers = fields.List(fields.Nested(SupportAnswerOut))
    total = Count("Follow-up surveys in the period that answered the question.")


class AdviceGroupOut(Schema):
    label = fields.String()
    members = Count("Members in the group with a complete first survey and follow-up.")
    insecure_baseline = Count("Food insecure at the first survey.")
    insecure_follow_up = Count("Food insecure at the follow-up.")
    pct_insecure_baseline = Optional(fields.Float(), WITHHELD_DOC)
    pct_insecure_follow_up = Optional(fields.Float(), WITHHELD_DOC)
    change_pct_points = Optional(
        fields.Float(), f"Follow-up % minus first % (negative: fewer insecure); {WITHHELD_DOC}"
    )


class AdviceGroupsOut(Schema):
    engaged = fields.Nested(AdviceGroupOut)
    other = fields.Nested(AdviceGroupOut)


class AdviceComparisonOut(Schema):
    cohort = fields.String()
    caveat = fields.String(metadata={"description": "Not a controlled comparison: always shown."})
    groups = fields.Nested(AdviceGroupsOut)


class SupportRowOut(Schema):
    key = fields.String()
    label = fields.String()
    value = fields.Raw(
        allow_none=True,
        metadata={
            "description": f"A count (as elsewhere) or a percentage; {WITHHELD_DOC}",
            "nullable": True,
            "oneOf": [*_COUNT_TYPES, {"type": "number"}],
        },
    )
    kind = fields.String(
        metadata={
            "enum": ["count", "pct", "mean"],
            "description": "count; pct (a percentage); mean (a median or mean, e.g. of days).",
        }
    )


def TypeCount(description: str) -> fields.Raw:
    """A released count of a visit type: as Count, or 0 where the type has no such visits in
    the whole programme (a structural zero, which gives nothing away)."""
    return fields.Raw(
        required=True,
        metadata={
            "description": f"{description} {_COUNT_DOC} 0: none anywhere in the programme.",
            "oneOf": [*_COUNT_TYPES, {"type": "integer", "enum": [0]}],
        },
    )


class VisitTypeRowOut(Schema):
    type = fields.String(metadata={"description": "The visit type's key, e.g. weekly_shop."})
    label = fields.String()
    visits = TypeCount("Member visits of the type (not voided).")
    households = TypeCount("Members with a visit of the type, each once.")
    items = Optional(fields.Integer(), f"Items on the type's visits; {WITHHELD_DOC}")
    retail_value_pence = Optional(fields.Integer(), f"To the nearest pound; {WITHHELD_DOC}")
    fees_pence = Optional(fields.Integer(), f"Paid at the visits; {WITHHELD_DOC}")
    anonymous_households = TypeCount("Parcels of the type given without registering.")


class VisitTypesOut(Schema):
    """Visits, households, food and fees by visit type, under the same rule."""

    types = fields.List(fields.Nested(VisitTypeRowOut))
    visits = Count("All member visits: the types' visits add up to it.")
    notes = fields.List(fields.String())


class AnonymousTypeOut(Schema):
    type = fields.String()
    label = fields.String()
    households = Count()


class AnonymousOut(Schema):
    """Anonymous households: parcels given without registering, each one household, never
    counted in the unique households."""

    households = Count("Parcels given without registering (not voided).")
    by_type = fields.List(fields.Nested(AnonymousTypeOut))
    people = fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(
                ("adults", "children_0_4", "children_5_11", "children_12_17", "children", "total")
            )
        ),
        values=_count_value(),
    )
    fees_pence = Optional(fields.Integer(), f"To the nearest pound; {WITHHELD_DOC}")
    retail_value_pence = Optional(fields.Integer(), f"To the nearest pound; {WITHHELD_DOC}")
    in_unique_households = fields.Boolean(
        metadata={"description": "Always false: never added to the unique households."}
    )
    notes = fields.List(fields.String())


class SupportOut(Schema):
    """Support beyond food: signposts, referrals and their outcomes, under the same rule."""

    summary = fields.List(
        fields.Nested(SupportRowOut), metadata={"description": "The headline figures."}
    )
    categories = fields.List(fields.Nested(SupportCategoryOut))
    totals = fields.Nested(SupportTotalsOut)
    households = fields.Nested(SupportHouseholdsOut)
    prompts = fields.Nested(SupportPromptsOut, metadata={"description": "Prompts at check-in."})
    inbound = fields.Nested(SupportInboundOut, metadata={"description": "Referrals from agencies."})
    survey_answers = fields.Nested(SupportAnswersOut)
    advice_comparison = fields.Nested(AdviceComparisonOut)
    notes = fields.List(fields.String())


# --- who is reached (release/reach.py) ----------------------------------------------------------


class ReachRowOut(Schema):
    category = fields.String(
        metadata={
            "description": "The answer's key (an ONS high-level ethnic group, an answer,"
            " prefer_not_to_say, not_asked), the postcode district, or the route."
        }
    )
    label = fields.String()
    households = Count("Households reached in the period with this answer.")


class ReachBreakdownOut(Schema):
    title = fields.String()
    rows = fields.List(fields.Nested(ReachRowOut))


class ReachOut(Schema):
    """Who is reached: households by each monitoring question, district and route."""

    households = Count("Households reached: members who visited in the period.")
    breakdowns = fields.Dict(
        keys=fields.String(
            metadata={
                "enum": [
                    "gender",
                    "ethnic_group",
                    "disability",
                    "employment",
                    "carer",
                    "veteran",
                    "district",
                    "route",
                ]
            }
        ),
        values=fields.Nested(ReachBreakdownOut),
        metadata={"description": "Each breakdown's rows add up to the households reached."},
    )
    notes = fields.List(fields.String())


class StatsOut(Schema):
    """GET /api/v1/stats: a fixed period's figures after disclosure control."""

    period = fields.Nested(PeriodOut)
    site = fields.Raw(
        metadata={
            "description": '"all", or the site\'s code and name.',
            "oneOf": [
                {"type": "string", "enum": ["all"]},
                {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                },
            ],
        }
    )
    generated_at = fields.String(metadata={"format": "date-time"})
    disclosure = fields.Nested(DisclosureOut)
    conversions = fields.Nested(ConversionsOut)
    figures = fields.Nested(FiguresOut)
    outcome = fields.Nested(OutcomeOut)
    sites = fields.List(
        fields.Nested(SiteRowOut),
        metadata={"description": "One row per site (all-sites requests only)."},
    )
    trend = fields.List(
        fields.Nested(TrendPointOut),
        metadata={"description": "Visits and households by month, up to the period's end."},
    )
    withheld = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Why each null figure is not shown, by its path."},
    )
    notes = fields.List(fields.String())
    support = fields.Nested(SupportOut)
    reach = fields.Nested(ReachOut, metadata={"description": "Who is reached."})
    visit_types = fields.Nested(VisitTypesOut)
    anonymous = fields.Nested(AnonymousOut)


# Built once: a schema deep-copies its fields, and each nested schema its own, when it is made
# (StatsOut makes some fifty); dumping keeps no state in the instance.
_STATS_OUT = StatsOut()
_SITE_OUT = SiteOut()


def dump_stats(body: dict[str, Any]) -> dict[str, Any]:
    """Dump a report through StatsOut, keeping `site` as the string "all" or a SiteOut."""
    dumped: dict[str, Any] = _STATS_OUT.dump(body)
    site = body.get("site")
    dumped["site"] = site if site == "all" else _SITE_OUT.dump(site)
    return dumped
