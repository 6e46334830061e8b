"""The equality monitoring questions on the registration and edit pages: the selects' options
(ethnic groups under their ONS high-level headings) and the form's answers for MonitoringIn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from werkzeug.datastructures import MultiDict

from supermarket.members.monitoring import QUESTIONS, EthnicGroup, EthnicHighLevel

Option = tuple[str, str]


@dataclass(frozen=True, slots=True)
class MonitoringQuestion:
    """One question as a select shows it: plain options, or options under headings."""

    key: str
    question: str
    options: tuple[Option, ...] = ()
    groups: tuple[tuple[str, tuple[Option, ...]], ...] = ()


def _ethnic_groups() -> tuple[tuple[str, tuple[Option, ...]], ...]:
    return tuple(
        (
            high.label,
            tuple((e.value, e.label) for e in EthnicGroup if e.group == high.value),
        )
        for high in EthnicHighLevel
    )


def _question(key: str) -> MonitoringQuestion:
    question, enum = QUESTIONS[key]
    if enum is EthnicGroup:
        return MonitoringQuestion(key, question, groups=_ethnic_groups())
    return MonitoringQuestion(key, question, options=tuple(enum.choices()))


MONITORING_FORM: Final = tuple(_question(key) for key in QUESTIONS)


def monitoring_from_form(form: MultiDict[str, str]) -> dict[str, str | None]:
    """Each question's select: its answer, or None where left at "Not asked"."""
    return {key: (form.get(key, "").strip() or None) for key in QUESTIONS}
