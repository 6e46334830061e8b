"""Score the USDA 10-item adult food security module (30-day) identically at every time point."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal, TypeGuard

INSTRUMENT: Final = "USDA U.S. Adult Food Security Survey Module (10-item)"
INSTRUMENT_SOURCE: Final = (
    "U.S. Department of Agriculture, Economic Research Service: "
    "U.S. Adult Food Security Survey Module (item wording unchanged)"
)
REFERENCE_PERIOD: Final = "30d"
# Stored with every score: bump it whenever anything below changes how answers are scored,
# so that old assessments can be recomputed and compared like with like.
RULE_VERSION: Final = "usda-afssm-10-30d/2026.1"

# The 30-day module asks AD1a/AD5a as "how many days"; 3 or more days is affirmative
# (DOMAIN.md), the 30-day counterpart of "almost every month / some months" in the 12-month one.
AFFIRMATIVE_DAYS: Final = 3
MIN_DAYS: Final = 0
MAX_DAYS: Final = 30
# An assessment with this many don't-know/refused answers or more is left out of outcomes.
INCOMPLETE_FROM: Final = 3

DONT_KNOW: Final = "dont_know"
REFUSED: Final = "refused"

STAGE_1: Final = ("HH2", "HH3", "HH4")
STAGE_2: Final = ("AD1", "AD1a", "AD2", "AD3", "AD4")
STAGE_3: Final = ("AD5", "AD5a")
ITEMS: Final = (*STAGE_1, *STAGE_2, *STAGE_3)
SIX_ITEM: Final = ("HH3", "HH4", "AD1", "AD1a", "AD2", "AD3")

ItemKind = Literal["frequency", "yes_no", "days"]
ITEM_KINDS: Final[Mapping[str, ItemKind]] = MappingProxyType(
    {
        "HH2": "frequency",
        "HH3": "frequency",
        "HH4": "frequency",
        "AD1": "yes_no",
        "AD1a": "days",
        "AD2": "yes_no",
        "AD3": "yes_no",
        "AD4": "yes_no",
        "AD5": "yes_no",
        "AD5a": "days",
    }
)

_NOT_ANSWERED: Final = ((DONT_KNOW, "Don't know"), (REFUSED, "Prefer not to say"))
_OPTIONS_BY_KIND: Final[Mapping[ItemKind, tuple[tuple[str, str], ...]]] = MappingProxyType(
    {
        "frequency": (
            ("often", "Often true"),
            ("sometimes", "Sometimes true"),
            ("never", "Never true"),
            *_NOT_ANSWERED,
        ),
        "yes_no": (("yes", "Yes"), ("no", "No"), *_NOT_ANSWERED),
        # Days items take a whole number MIN_DAYS..MAX_DAYS; these are the only coded answers.
        "days": _NOT_ANSWERED,
    }
)
ANSWER_OPTIONS: Final[Mapping[str, tuple[tuple[str, str], ...]]] = MappingProxyType(
    {item: _OPTIONS_BY_KIND[kind] for item, kind in ITEM_KINDS.items()}
)

# USDA ERS wording, 30-day reference period, with the household fills left in brackets for
# question_text() to resolve. HH3/HH4 carry the module's full follow-up sentence.
QUESTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "HH2": (
            '"(I/We) worried whether (my/our) food would run out before (I/we) got money to'
            ' buy more." Was that often, sometimes, or never true for (you/your household)'
            " in the last 30 days?"
        ),
        "HH3": (
            "\"The food that (I/we) bought just didn't last, and (I/we) didn't have money to"
            ' get more." Was that often, sometimes, or never true for (you/your household)'
            " in the last 30 days?"
        ),
        "HH4": (
            '"(I/We) couldn\'t afford to eat balanced meals." Was that often, sometimes, or'
            " never true for (you/your household) in the last 30 days?"
        ),
        "AD1": (
            "In the last 30 days, did (you/you or other adults in your household) ever cut the"
            " size of your meals or skip meals because there wasn't enough money for food?"
        ),
        "AD1a": "In the last 30 days, how many days did this happen?",
        "AD2": (
            "In the last 30 days, did you ever eat less than you felt you should because there"
            " wasn't enough money for food?"
        ),
        "AD3": (
            "In the last 30 days, were you ever hungry but didn't eat because there wasn't"
            " enough money for food?"
        ),
        "AD4": (
            "In the last 30 days, did you lose weight because there wasn't enough money for food?"
        ),
        "AD5": (
            "In the last 30 days, did (you/you or other adults in your household) ever not eat"
            " for a whole day because there wasn't enough money for food?"
        ),
        "AD5a": "In the last 30 days, how many days did this happen?",
    }
)

# (fill, one-adult household, two or more adults)
_FILLS: Final = (
    ("(I/We)", "I", "We"),
    ("(I/we)", "I", "we"),
    ("(my/our)", "my", "our"),
    ("(you/your household)", "you", "your household"),
    ("(you/you or other adults in your household)", "you", "you or other adults in your household"),
)

Category10 = Literal["high", "marginal", "low", "very_low"]
Category6 = Literal["high_or_marginal", "low", "very_low"]
# Ordered from most to least food secure; outcome analysis relies on this order.
CATEGORIES_10: Final[tuple[Category10, ...]] = ("high", "marginal", "low", "very_low")
CATEGORIES_6: Final[tuple[Category6, ...]] = ("high_or_marginal", "low", "very_low")
INSECURE_10: Final[frozenset[str]] = frozenset({"low", "very_low"})


class InvalidAnswers(ValueError):
    """The answers break the item values or the screening order; `errors` maps item to message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{item}: {message}" for item, message in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True, slots=True)
class Score:
    """Scores of one assessment under RULE_VERSION."""

    raw_score_10: int
    category_10: Category10
    raw_score_6: int
    category_6: Category6
    food_insecure_10: bool
    food_insecure_6: bool
    hunger_vital_sign_positive: bool
    dont_know_or_refused: int
    complete: bool
    rule_version: str = RULE_VERSION


def question_text(item: str, adults: int) -> str:
    """Return an item's USDA wording, filled singular for a one-adult household, else plural."""
    if item not in QUESTIONS:
        raise KeyError(item)
    if isinstance(adults, bool) or not isinstance(adults, int) or adults < 1:
        raise ValueError("A household has at least one adult.")
    text = QUESTIONS[item]
    for fill, singular, plural in _FILLS:
        text = text.replace(fill, singular if adults == 1 else plural)
    return text


def is_affirmative(item: str, value: object) -> bool:
    """Often/sometimes (HH2-HH4), yes (AD1-AD5) or 3+ days (AD1a, AD5a) is affirmative."""
    kind = ITEM_KINDS.get(item)
    if kind == "frequency":
        return value in ("often", "sometimes")
    if kind == "yes_no":
        return value == "yes"
    if kind == "days":
        return _is_days(value) and value >= AFFIRMATIVE_DAYS
    return False


def _is_days(value: object) -> TypeGuard[int]:
    # bool is a subclass of int, but True is not a number of days.
    return isinstance(value, int) and not isinstance(value, bool) and MIN_DAYS <= value <= MAX_DAYS


def _value_error(item: str, value: object) -> str | None:
    kind = ITEM_KINDS[item]
    if kind == "days":
        if _is_days(value) or value in (DONT_KNOW, REFUSED):
            return None
        return (
            f"Must be a whole number of days from {MIN_DAYS} to {MAX_DAYS}, "
            f"or {DONT_KNOW} or {REFUSED}."
        )
    allowed = [code for code, _label in ANSWER_OPTIONS[item]]
    if isinstance(value, str) and value in allowed:
        return None
    return "Must be one of: " + ", ".join(allowed) + "."


def _answered(answers: Mapping[str, object], item: str) -> object:
    value = answers.get(item)
    # An invalid value is never affirmative, so it cannot open a later stage.
    return value if value is not None and _value_error(item, value) is None else None


def _would_ask(item: str, answers: Mapping[str, object]) -> bool:
    """Whether the screening order would put `item` to this respondent, given earlier answers."""
    if item in STAGE_1:
        return True
    stage_2_open = any(is_affirmative(i, _answered(answers, i)) for i in STAGE_1)
    if item in ("AD1", "AD2", "AD3", "AD4"):
        return stage_2_open
    if item == "AD1a":
        return stage_2_open and _answered(answers, "AD1") == "yes"
    stage_3_open = stage_2_open and any(
        is_affirmative(i, _answered(answers, i)) for i in ("AD1", "AD2", "AD3", "AD4")
    )
    if item == "AD5":
        return stage_3_open
    if item == "AD5a":
        return stage_3_open and _answered(answers, "AD5") == "yes"
    raise KeyError(item)


_NOT_ASKED: Final[Mapping[str, str]] = MappingProxyType(
    {
        "AD1": "Only asked when HH2, HH3 or HH4 is often or sometimes true.",
        "AD2": "Only asked when HH2, HH3 or HH4 is often or sometimes true.",
        "AD3": "Only asked when HH2, HH3 or HH4 is often or sometimes true.",
        "AD4": "Only asked when HH2, HH3 or HH4 is often or sometimes true.",
        "AD1a": "Only asked when AD1 is yes.",
        "AD5": "Only asked when the answer to AD1, AD2, AD3 or AD4 is yes.",
        "AD5a": "Only asked when AD5 is yes.",
    }
)


def validate_answers(answers: Mapping[str, object]) -> dict[str, str]:
    """Return {item: message} for unknown items, invalid values and items screening skips.

    A missing item, or one given as None, counts as skipped (not affirmative) and is allowed.
    """
    errors: dict[str, str] = {}
    for item, value in answers.items():
        if item not in ITEM_KINDS:
            errors[item] = "Not an item of this survey."
        elif value is not None:
            message = _value_error(item, value)
            if message is None and not _would_ask(item, answers):
                message = _NOT_ASKED[item]
            if message is not None:
                errors[item] = message
    return errors


def next_item(answers_so_far: Mapping[str, object]) -> str | None:
    """Return the next item the screening order asks, or None when the survey is finished.

    An item whose key is present (even with None, meaning shown and skipped) counts as asked.
    """
    for item in ITEMS:
        if item not in answers_so_far and _would_ask(item, answers_so_far):
            return item
    return None


def category_10(raw_score: int) -> Category10:
    """10-item category: 0 high, 1-2 marginal, 3-5 low, 6-10 very low."""
    if not 0 <= raw_score <= 10:
        raise ValueError("A 10-item raw score is from 0 to 10.")
    if raw_score == 0:
        return "high"
    if raw_score <= 2:
        return "marginal"
    if raw_score <= 5:
        return "low"
    return "very_low"


def category_6(raw_score: int) -> Category6:
    """6-item category: 0-1 high or marginal, 2-4 low, 5-6 very low."""
    if not 0 <= raw_score <= 6:
        raise ValueError("A 6-item raw score is from 0 to 6.")
    if raw_score <= 1:
        return "high_or_marginal"
    if raw_score <= 4:
        return "low"
    return "very_low"


def score(answers: Mapping[str, object]) -> Score:
    """Score answers: raw score = affirmatives (skipped = not); 3+ don't-know/refused = incomplete.

    Raises InvalidAnswers if validate_answers() finds anything.
    """
    errors = validate_answers(answers)
    if errors:
        raise InvalidAnswers(errors)
    affirmative = {item for item in ITEMS if is_affirmative(item, answers.get(item))}
    raw_10 = len(affirmative)
    raw_6 = len(affirmative.intersection(SIX_ITEM))
    dk_or_refused = sum(1 for item in ITEMS if answers.get(item) in (DONT_KNOW, REFUSED))
    cat_10 = category_10(raw_10)
    cat_6 = category_6(raw_6)
    return Score(
        raw_score_10=raw_10,
        category_10=cat_10,
        raw_score_6=raw_6,
        category_6=cat_6,
        food_insecure_10=cat_10 in INSECURE_10,
        food_insecure_6=cat_6 != "high_or_marginal",
        hunger_vital_sign_positive=bool(affirmative.intersection(("HH2", "HH3"))),
        dont_know_or_refused=dk_or_refused,
        complete=dk_or_refused < INCOMPLETE_FROM,
    )
