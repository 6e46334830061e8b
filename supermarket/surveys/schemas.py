"""Survey input and output shapes: scores go to site managers only, never to volunteers."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from supermarket.inputs import Str
from supermarket.surveys import scoring
from supermarket.surveys.models import SUPPORT_QUESTION, SupportAnswer, SurveyKind, SurveyMode
from supermarket.surveys.services import SurveyRequest

_ANSWERS_HELP = (
    "Item code -> answer. HH2-HH4: often, sometimes, never; AD1-AD5: yes, no; AD1a and AD5a: "
    f"whole number of days {scoring.MIN_DAYS}-{scoring.MAX_DAYS}; any item: "
    f"{scoring.DONT_KNOW} or {scoring.REFUSED}. Send exactly the items the screening order "
    "asks: HH2-HH4; AD1-AD4 if any of HH2-HH4 is often or sometimes; AD1a if AD1 is yes; "
    "AD5 if any of AD1-AD4 is yes; AD5a if AD5 is yes."
)


class SurveyIn(Schema):
    """One survey as answered (the time point of a follow-up comes from the due windows)."""

    kind = Str(required=True, validate=validate.OneOf([k.value for k in SurveyKind]))
    mode = Str(
        required=True,
        validate=validate.OneOf([m.value for m in SurveyMode]),
        metadata={"description": "self: the member answered on the tablet; interviewer: read"},
    )
    answers = fields.Dict(
        keys=Str(),
        values=fields.Raw(
            allow_none=True,
            metadata={"anyOf": [{"type": "string"}, {"type": "integer"}]},
        ),
        required=True,
        metadata={"description": _ANSWERS_HELP},
    )
    support_answer = Str(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf([a.value for a in SupportAnswer]),
        metadata={
            "description": f'Optional: "{SUPPORT_QUESTION}" Only at a follow-up, of a member'
            " signposted or referred to support before it (422 otherwise); never scored."
        },
    )

    @post_load
    def _request(self, data: dict[str, Any], **_: Any) -> SurveyRequest:
        return SurveyRequest(**data)


class SurveyDueOut(Schema):
    kind = fields.String()
    timepoint = fields.Integer(metadata={"description": "Months after the baseline (0, 3, 6)."})
    label = fields.String()
    due_on = fields.Date()
    window_start = fields.Date(allow_none=True)
    window_end = fields.Date(allow_none=True)


class SurveyDueAnswer(Schema):
    due = fields.Nested(SurveyDueOut, allow_none=True)


SCORE_FIELDS = (
    "raw_score_10",
    "category_10",
    "raw_score_6",
    "category_6",
    "food_insecure",
    "hunger_vital_sign_positive",
)


class SurveyOut(Schema):
    """A recorded survey. The score fields (SCORE_FIELDS) are sent to site managers only."""

    id = fields.Integer()
    membership_number = fields.String(attribute="member.membership_number")
    kind = fields.String()
    timepoint = fields.Integer()
    mode = fields.String()
    instrument = fields.String()
    instrument_version = fields.String()
    reference_period = fields.String()
    local_date = fields.Date()
    taken_at = fields.DateTime()
    complete = fields.Boolean(
        metadata={"description": "False with 3 or more don't-know/refused answers."}
    )
    dont_know_or_refused = fields.Integer()
    support_answer = fields.String(
        allow_none=True,
        metadata={"description": "The optional support question's answer, or null."},
    )
    rule_version = fields.String()
    raw_score_10 = fields.Integer(metadata={"description": "Site managers only."})
    category_10 = fields.String(
        metadata={"description": "high, marginal, low, very_low. Site managers only."}
    )
    raw_score_6 = fields.Integer(metadata={"description": "Site managers only."})
    category_6 = fields.String(
        metadata={"description": "high_or_marginal, low, very_low. Site managers only."}
    )
    food_insecure = fields.Boolean(
        metadata={"description": "10-item low or very low. Site managers only."}
    )
    hunger_vital_sign_positive = fields.Boolean(metadata={"description": "Site managers only."})
