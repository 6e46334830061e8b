"""The tablet survey's state: one question a screen, the answers so far carried in the page.

Each screen posts back the answers given so far as hidden fields with the button tapped, so
nothing about the member's answers is kept on the tablet or in the session cookie (Flask's
cookie is signed, not encrypted) and an abandoned survey leaves nothing behind. The
screening order comes from scoring.next_item(); the complete set is checked again by
services.record_survey() like any API submission.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Final

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from supermarket.inputs import whole_number
from supermarket.surveys import scoring
from supermarket.surveys.models import SUPPORT_QUESTION, SupportAnswer, SurveyKind, SurveyMode
from supermarket.surveys.services import KEY_PATTERN

ACTIONS: Final = ("start", "answer", "back", "stop")
# "back" from the first question returns to the choice of who answers.
RESTART: Final = "restart"
# The most affirmative answer to each kind of item: it opens every later stage.
_OPENS_MOST: Final = {"frequency": "often", "yes_no": "yes", "days": scoring.MAX_DAYS}
# Days offered as buttons for AD1a/AD5a: they follow a "yes", so at least one day.
DAY_CHOICES: Final = tuple(range(1, scoring.MAX_DAYS + 1))
# "How many days did this happen?" only makes sense next to the question it follows.
_FOLLOWS: Final = {"AD1a": "AD1", "AD5a": "AD5"}
# The optional support question, asked after the last food question (see
# services.asks_support_question); "skip" leaves it unanswered.
SUPPORT_ITEM: Final = "support"
SKIP: Final = "skip"
SUPPORT_OPTIONS: Final = tuple((a.value, a.label) for a in SupportAnswer)


def new_key() -> str:
    """A fresh key for one sitting, so that a repeated final tap records the survey once."""
    return secrets.token_urlsafe(24)


@dataclass
class Progress:
    """Where a sitting is: who answers, what survey, and the answers so far in module order."""

    mode: str
    kind: str
    key: str
    answers: dict[str, object] = field(default_factory=dict)
    action: str = "start"
    # The support question: answered or skipped (`support_done`), and its answer if any.
    support_done: bool = False
    support_answer: str | None = None

    @property
    def next_item(self) -> str | None:
        return scoring.next_item(self.answers)

    @property
    def number(self) -> int:
        """The number of the question now on screen, counting from 1."""
        return len(self.answers) + 1

    @property
    def most_questions(self) -> int:
        """The most questions this sitting can still come to (for "Question 2 of up to 10")."""
        walked = dict(self.answers)
        while (item := scoring.next_item(walked)) is not None:
            walked[item] = _OPENS_MOST[scoring.ITEM_KINDS[item]]
        return len(walked)

    def hidden_answers(self) -> list[tuple[str, str]]:
        return [(f"a_{item}", str(value)) for item, value in self.answers.items()]


def _value(item: str, raw: str) -> object:
    number = whole_number(raw) if scoring.ITEM_KINDS[item] == "days" else None
    return raw if number is None else number


def read_progress(form: MultiDict[str, str]) -> Progress:
    """The sitting as the screen posted it, with the tapped answer, "back" or "stop" applied.

    A form that no screen of ours could have sent (tampered, or an unknown value) is a 400.
    """
    mode, kind, key = form.get("mode", ""), form.get("kind", ""), form.get("key", "")
    action = form.get("action", "answer")
    if (
        mode not in tuple(SurveyMode)
        or kind not in tuple(SurveyKind)
        or not KEY_PATTERN.match(key)
        or action not in ACTIONS
    ):
        raise BadRequest("This survey screen is out of date: start the survey again.")
    answers: dict[str, object] = {}
    for item in scoring.ITEMS:
        raw = form.get(f"a_{item}")
        if raw is not None:
            answers[item] = _value(item, raw)
    progress = Progress(mode=mode, kind=kind, key=key, answers=answers, action=action)
    if action == "back" and not answers:
        progress.action = RESTART
    elif action == "back":
        answers.pop(next(reversed(answers)))
    elif action == "answer" and form.get("item") == SUPPORT_ITEM:
        value = form.get("answer", "")
        if progress.next_item is not None or value not in (*tuple(SupportAnswer), SKIP):
            raise BadRequest("This survey screen is out of date: start the survey again.")
        progress.support_done = True
        progress.support_answer = None if value == SKIP else value
    elif action == "answer":
        item = form.get("item", "")
        if item != progress.next_item:
            raise BadRequest("This survey screen is out of date: start the survey again.")
        answers[item] = _value(item, form.get("answer", ""))
    if scoring.validate_answers(answers):
        raise BadRequest("This survey screen is out of date: start the survey again.")
    return progress


@dataclass(frozen=True)
class Question:
    """An item as shown: the USDA wording unchanged, the quoted statement set apart."""

    item: str
    statement: str | None
    question: str
    item_kind: str
    options: tuple[tuple[str, str], ...]
    # For the days items: the question answered "yes" just before, shown above for context.
    follows: str | None = None


def question(item: str, adults: int) -> Question:
    """The item's wording for the household (singular for one adult), laid out for a screen."""
    text = scoring.question_text(item, adults)
    statement = None
    if text.startswith('"') and '." ' in text:
        end = text.index('." ') + 2
        statement, text = text[:end], text[end + 1 :]
    return Question(
        item=item,
        statement=statement,
        question=text,
        item_kind=scoring.ITEM_KINDS[item],
        options=scoring.ANSWER_OPTIONS[item],
        follows=scoring.question_text(_FOLLOWS[item], adults) if item in _FOLLOWS else None,
    )


def support_question() -> Question:
    """The optional support question, laid out like the food questions."""
    return Question(
        item=SUPPORT_ITEM,
        statement=None,
        question=SUPPORT_QUESTION,
        item_kind="support",
        options=SUPPORT_OPTIONS,
    )
