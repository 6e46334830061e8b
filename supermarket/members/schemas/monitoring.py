"""The equality monitoring questions' input and output (members.monitoring): every answer
optional, "prefer_not_to_say" an answer, null (or left out) not asked."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from supermarket.inputs import Str
from supermarket.members.monitoring import QUESTIONS


def _answer(key: str) -> Str:
    question, enum = QUESTIONS[key]
    values = [member.value for member in enum]
    return Str(
        allow_none=True,
        validate=validate.OneOf(values, error="Choose one of the answers, or leave it not asked."),
        metadata={
            "enum": values,
            "nullable": True,
            "description": f"{question} null (or left out at registration): not asked.",
        },
    )


class MonitoringIn(Schema):
    """Equality monitoring answers: at registration those sent are recorded; in a change, the
    answers sent change (null clears one back to not asked), the others stay."""

    gender = _answer("gender")
    ethnic_group = _answer("ethnic_group")
    disability = _answer("disability")
    employment = _answer("employment")
    carer = _answer("carer")
    veteran = _answer("veteran")


def monitoring_field(**kwargs: Any) -> fields.Nested:
    """The `monitoring` object of a registration (load_default=None) or a change (left out:
    nothing changes)."""
    return fields.Nested(
        MonitoringIn,
        allow_none=True,
        **kwargs,
        metadata={
            "description": "Optional equality monitoring answers (never required). The desk "
            "may ask them at registration; only site managers may change or read them later."
        },
    )


def _answer_out(key: str) -> fields.String:
    question, enum = QUESTIONS[key]
    return fields.String(
        allow_none=True,
        metadata={"enum": [m.value for m in enum], "description": f"{question} null: not asked."},
    )


class MonitoringOut(Schema):
    """A member's equality monitoring answers: in a member's answer to site managers only."""

    gender = _answer_out("gender")
    ethnic_group = _answer_out("ethnic_group")
    disability = _answer_out("disability")
    employment = _answer_out("employment")
    carer = _answer_out("carer")
    veteran = _answer_out("veteran")


def dump_monitoring(answers: dict[str, Any] | None) -> dict[str, Any]:
    """The answers as MonitoringOut gives them (all null when none was ever given)."""
    return dict(MonitoringOut().dump(answers or dict.fromkeys(QUESTIONS)))
