"""USDA 10-item adult module: scoring, screening order, next question and wording fills."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supermarket.surveys.scoring import (
    AFFIRMATIVE_DAYS,
    ANSWER_OPTIONS,
    INSTRUMENT,
    ITEM_KINDS,
    ITEMS,
    QUESTIONS,
    REFERENCE_PERIOD,
    RULE_VERSION,
    STAGE_1,
    STAGE_2,
    STAGE_3,
    InvalidAnswers,
    Score,
    category_6,
    category_10,
    next_item,
    question_text,
    score,
    validate_answers,
)

NEVER = {"HH2": "never", "HH3": "never", "HH4": "never"}
AD_NO = {"AD1": "no", "AD2": "no", "AD3": "no", "AD4": "no"}
ALL_OFTEN = {"HH2": "often", "HH3": "often", "HH4": "often"}

# answers -> (raw 10, category 10, raw 6, category 6, hunger vital sign, DK/refused, complete)
SCORED = [
    pytest.param(NEVER, (0, "high", 0, "high_or_marginal", False, 0, True), id="doc-1-all-never"),
    pytest.param(
        {"HH2": "often", "HH3": "sometimes", "HH4": "never", **AD_NO},
        (2, "marginal", 1, "high_or_marginal", True, 0, True),
        id="doc-2-marginal",
    ),
    pytest.param(
        {
            "HH2": "often",
            "HH3": "often",
            "HH4": "sometimes",
            "AD1": "yes",
            "AD1a": 5,
            "AD2": "yes",
            "AD3": "no",
            "AD4": "no",
            "AD5": "no",
        },
        (6, "very_low", 5, "very_low", True, 0, True),
        id="doc-3-very-low",
    ),
    pytest.param(
        {"HH2": "sometimes", "HH3": "never", "HH4": "never", **AD_NO},
        (1, "marginal", 0, "high_or_marginal", True, 0, True),
        id="hh2-only",
    ),
    pytest.param(
        {"HH2": "never", "HH3": "never", "HH4": "often", **AD_NO},
        (1, "marginal", 1, "high_or_marginal", False, 0, True),
        id="hh4-only-not-hunger-vital-sign",
    ),
    pytest.param(
        {**ALL_OFTEN, **AD_NO},
        (3, "low", 2, "low", True, 0, True),
        id="stage-1-all-affirmative",
    ),
    pytest.param(
        {**ALL_OFTEN, "AD1": "yes", "AD1a": 2, "AD2": "no", "AD3": "no", "AD4": "no", "AD5": "no"},
        (4, "low", 3, "low", True, 0, True),
        id="ad1a-2-days-not-affirmative",
    ),
    pytest.param(
        {**ALL_OFTEN, "AD1": "yes", "AD1a": 3, "AD2": "no", "AD3": "no", "AD4": "no", "AD5": "no"},
        (5, "low", 4, "low", True, 0, True),
        id="ad1a-3-days-affirmative",
    ),
    pytest.param(
        {**ALL_OFTEN, "AD1": "yes", "AD1a": 3, "AD2": "yes", "AD3": "no", "AD4": "no"},
        (6, "very_low", 5, "very_low", True, 0, True),
        id="boundary-5-to-6",
    ),
    pytest.param(
        {
            **ALL_OFTEN,
            "AD1": "yes",
            "AD1a": 2,
            "AD2": "no",
            "AD3": "no",
            "AD4": "no",
            "AD5": "yes",
            "AD5a": 3,
        },
        (6, "very_low", 3, "low", True, 0, True),
        id="ad5a-counts-in-10-item-only",
    ),
    pytest.param(
        {
            **ALL_OFTEN,
            "AD1": "yes",
            "AD1a": 30,
            "AD2": "yes",
            "AD3": "yes",
            "AD4": "yes",
            "AD5": "yes",
            "AD5a": 10,
        },
        (10, "very_low", 6, "very_low", True, 0, True),
        id="all-affirmative",
    ),
    pytest.param(
        {"HH2": "dont_know", "HH3": "refused", "HH4": "never"},
        (0, "high", 0, "high_or_marginal", False, 2, True),
        id="two-dk-refused-still-complete",
    ),
    pytest.param(
        {"HH2": "dont_know", "HH3": "dont_know", "HH4": "refused"},
        (0, "high", 0, "high_or_marginal", False, 3, False),
        id="three-dk-refused-incomplete",
    ),
    pytest.param(
        {
            "HH2": "often",
            "HH3": "dont_know",
            "HH4": "never",
            "AD1": "yes",
            "AD1a": "refused",
            "AD2": "refused",
        },
        (2, "marginal", 1, "high_or_marginal", True, 3, False),
        id="days-dk-counts-towards-incomplete",
    ),
    pytest.param(
        {"HH2": "often", "HH3": None},
        (1, "marginal", 0, "high_or_marginal", True, 0, True),
        id="skipped-items-not-affirmative",
    ),
]


@pytest.mark.parametrize(("answers", "expected"), SCORED)
def test_score_table(answers: dict[str, object], expected: tuple[object, ...]) -> None:
    result = score(answers)
    cat_10, cat_6 = expected[1], expected[3]
    assert (
        result.raw_score_10,
        result.category_10,
        result.raw_score_6,
        result.category_6,
        result.hunger_vital_sign_positive,
        result.dont_know_or_refused,
        result.complete,
    ) == expected
    assert result.food_insecure_10 is (cat_10 in ("low", "very_low"))
    assert result.food_insecure_6 is (cat_6 in ("low", "very_low"))
    assert result.rule_version == RULE_VERSION


def test_worked_examples_from_domain_spec() -> None:
    assert score(NEVER) == Score(0, "high", 0, "high_or_marginal", False, False, False, 0, True)
    second = score({"HH2": "often", "HH3": "sometimes", "HH4": "never", **AD_NO})
    assert (second.raw_score_10, second.category_10) == (2, "marginal")
    assert (second.raw_score_6, second.category_6) == (1, "high_or_marginal")
    third = score(
        {
            "HH2": "often",
            "HH3": "often",
            "HH4": "sometimes",
            "AD1": "yes",
            "AD1a": 5,
            "AD2": "yes",
            "AD3": "no",
            "AD4": "no",
            "AD5": "no",
        }
    )
    assert (third.raw_score_10, third.category_10) == (6, "very_low")
    assert (third.raw_score_6, third.category_6) == (5, "very_low")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, "high"),
        (1, "marginal"),
        (2, "marginal"),
        (3, "low"),
        (5, "low"),
        (6, "very_low"),
        (10, "very_low"),
    ],
)
def test_ten_item_category_boundaries(raw: int, expected: str) -> None:
    assert category_10(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, "high_or_marginal"),
        (1, "high_or_marginal"),
        (2, "low"),
        (4, "low"),
        (5, "very_low"),
        (6, "very_low"),
    ],
)
def test_six_item_category_boundaries(raw: int, expected: str) -> None:
    assert category_6(raw) == expected


@pytest.mark.parametrize(
    ("function", "raw"), [(category_10, 11), (category_10, -1), (category_6, 7)]
)
def test_category_rejects_impossible_raw_scores(function: Callable[[int], str], raw: int) -> None:
    with pytest.raises(ValueError):
        function(raw)


@pytest.mark.parametrize(("days", "affirmative"), [(0, False), (2, False), (3, True), (30, True)])
def test_ad1a_days_threshold(days: int, affirmative: bool) -> None:
    assert AFFIRMATIVE_DAYS == 3
    base = score({**ALL_OFTEN, "AD1": "yes", **{k: "no" for k in ("AD2", "AD3", "AD4", "AD5")}})
    with_days = score(
        {**ALL_OFTEN, "AD1": "yes", "AD1a": days, **{k: "no" for k in ("AD2", "AD3", "AD4", "AD5")}}
    )
    assert with_days.raw_score_10 - base.raw_score_10 == int(affirmative)


# --- screening order and values ------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "bad_item"),
    [
        pytest.param({**NEVER, "AD1": "no"}, "AD1", id="stage-2-after-all-never"),
        pytest.param({**NEVER, "AD4": "yes"}, "AD4", id="ad4-after-all-never"),
        pytest.param(
            {"HH2": "dont_know", "HH3": "never", "HH4": "refused", "AD2": "no"},
            "AD2",
            id="dk-does-not-open-stage-2",
        ),
        pytest.param({**ALL_OFTEN, **AD_NO, "AD5": "no"}, "AD5", id="stage-3-after-all-ad-no"),
        pytest.param({**ALL_OFTEN, "AD1": "no", "AD1a": 4}, "AD1a", id="ad1a-when-ad1-no"),
        pytest.param({**ALL_OFTEN, "AD1a": 4}, "AD1a", id="ad1a-when-ad1-missing"),
        pytest.param(
            {**ALL_OFTEN, "AD1": "yes", "AD5": "no", "AD5a": 3}, "AD5a", id="ad5a-when-ad5-no"
        ),
        pytest.param({**NEVER, "AD1": "yes", "AD1a": 3}, "AD1a", id="ad1a-when-ad1-not-asked"),
    ],
)
def test_screening_order_refuses_items_not_asked(answers: dict[str, object], bad_item: str) -> None:
    errors = validate_answers(answers)
    assert bad_item in errors
    assert errors[bad_item].startswith("Only asked when")
    with pytest.raises(InvalidAnswers) as caught:
        score(answers)
    assert bad_item in caught.value.errors


@pytest.mark.parametrize(
    ("item", "value"),
    [
        ("HH2", "yes"),
        ("HH3", "Often"),
        ("HH4", 1),
        ("AD1", "often"),
        ("AD1", True),
        ("AD1a", 31),
        ("AD1a", -1),
        ("AD1a", True),
        ("AD1a", "5"),
        ("AD1a", 2.5),
        ("AD1a", "yes"),
    ],
)
def test_invalid_values_are_field_errors(item: str, value: object) -> None:
    answers: dict[str, object] = {**ALL_OFTEN, "AD1": "yes"}
    answers[item] = value
    errors = validate_answers(answers)
    assert set(errors) == {item}
    assert errors[item].startswith("Must be")


def test_unknown_items_are_field_errors() -> None:
    assert validate_answers({"HH1": "often", "HH2": "never"}) == {
        "HH1": "Not an item of this survey."
    }


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"HH2": "often"},
        {**ALL_OFTEN},
        {**ALL_OFTEN, "AD1": "yes"},
        {**ALL_OFTEN, "AD1": "yes", "AD1a": "dont_know", "AD5": "refused"},
        {**NEVER, "AD1": None, "AD5a": None},
        {**ALL_OFTEN, "AD1": "yes", "AD1a": 0, "AD5": "yes", "AD5a": 30},
    ],
)
def test_missing_or_skipped_items_are_allowed(answers: dict[str, object]) -> None:
    assert validate_answers(answers) == {}


# --- next question -------------------------------------------------------------------------


def _walk(truth: dict[str, object]) -> list[str]:
    """Ask a respondent whose answers are `truth`, one screen at a time."""
    so_far: dict[str, object] = {}
    asked: list[str] = []
    while (item := next_item(so_far)) is not None:
        asked.append(item)
        so_far[item] = truth.get(item)
    return asked


@pytest.mark.parametrize(
    ("truth", "expected"),
    [
        pytest.param(NEVER, ["HH2", "HH3", "HH4"], id="all-never-stops-after-stage-1"),
        pytest.param(
            {"HH2": "dont_know", "HH3": "refused", "HH4": "never"},
            ["HH2", "HH3", "HH4"],
            id="dk-is-not-affirmative",
        ),
        pytest.param(
            {"HH2": "sometimes", "HH3": "never", "HH4": "never", **AD_NO},
            ["HH2", "HH3", "HH4", "AD1", "AD2", "AD3", "AD4"],
            id="stage-2-without-ad1a",
        ),
        pytest.param(
            {**ALL_OFTEN, "AD1": "yes", "AD1a": 5, "AD2": "no", "AD3": "no", "AD4": "no"}
            | {"AD5": "no"},
            ["HH2", "HH3", "HH4", "AD1", "AD1a", "AD2", "AD3", "AD4", "AD5"],
            id="stage-3-without-ad5a",
        ),
        pytest.param(
            {**ALL_OFTEN, "AD1": "no", "AD2": "no", "AD3": "no", "AD4": "yes", "AD5": "yes"}
            | {"AD5a": 2},
            ["HH2", "HH3", "HH4", "AD1", "AD2", "AD3", "AD4", "AD5", "AD5a"],
            id="ad4-alone-opens-stage-3",
        ),
        pytest.param(
            {"HH2": "often"},
            ["HH2", "HH3", "HH4", "AD1", "AD2", "AD3", "AD4"],
            id="skipped-screens-move-on",
        ),
    ],
)
def test_next_item_follows_screening_order(truth: dict[str, object], expected: list[str]) -> None:
    assert _walk(truth) == expected


def test_next_item_returns_first_unanswered_item() -> None:
    assert next_item({}) == "HH2"
    assert next_item({"HH2": "never"}) == "HH3"
    assert next_item({"HH2": None}) == "HH3"
    assert next_item({**ALL_OFTEN, "AD1": "yes"}) == "AD1a"
    assert next_item({**ALL_OFTEN, "AD1": "no"}) == "AD2"
    assert next_item({**NEVER}) is None


def _answer_strategy(item: str) -> st.SearchStrategy[object]:
    if ITEM_KINDS[item] == "days":
        return st.one_of(st.integers(0, 30), st.sampled_from(["dont_know", "refused"]))
    return st.sampled_from([code for code, _label in ANSWER_OPTIONS[item]])


@settings(database=None, max_examples=300, deadline=None)
@given(st.data())
def test_every_path_through_next_item_validates_and_scores(data: st.DataObject) -> None:
    so_far: dict[str, object] = {}
    while (item := next_item(so_far)) is not None:
        so_far[item] = data.draw(_answer_strategy(item), label=item)
    assert validate_answers(so_far) == {}
    result = score(so_far)
    assert 0 <= result.raw_score_6 <= result.raw_score_10 <= 10
    assert result.complete is (result.dont_know_or_refused < 3)


# --- wording -------------------------------------------------------------------------------


def test_question_wording_singular_for_one_adult() -> None:
    assert question_text("HH2", 1) == (
        '"I worried whether my food would run out before I got money to buy more." Was that'
        " often, sometimes, or never true for you in the last 30 days?"
    )
    assert question_text("AD1", 1).startswith(
        "In the last 30 days, did you ever cut the size of your meals or skip meals"
    )
    assert question_text("HH4", 1).startswith('"I couldn\'t afford to eat balanced meals."')


def test_question_wording_plural_for_several_adults() -> None:
    assert question_text("HH2", 2) == (
        '"We worried whether our food would run out before we got money to buy more." Was'
        " that often, sometimes, or never true for your household in the last 30 days?"
    )
    assert question_text("HH3", 3).startswith(
        "\"The food that we bought just didn't last, and we didn't have money to get more.\""
    )
    assert question_text("AD5", 2).startswith(
        "In the last 30 days, did you or other adults in your household ever not eat"
    )


@pytest.mark.parametrize("item", ITEMS)
@pytest.mark.parametrize("adults", [1, 2])
def test_every_fill_is_resolved(item: str, adults: int) -> None:
    text = question_text(item, adults)
    assert "(" not in text
    assert "/" not in text
    assert "last 30 days" in text


def test_question_text_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        question_text("HH2", 0)
    with pytest.raises(KeyError):
        question_text("HH1", 1)


def test_instrument_constants() -> None:
    assert INSTRUMENT == "USDA U.S. Adult Food Security Survey Module (10-item)"
    assert REFERENCE_PERIOD == "30d"
    assert ITEMS == ("HH2", "HH3", "HH4", "AD1", "AD1a", "AD2", "AD3", "AD4", "AD5", "AD5a")
    assert STAGE_1 + STAGE_2 + STAGE_3 == ITEMS
    assert set(QUESTIONS) == set(ITEMS) == set(ANSWER_OPTIONS) == set(ITEM_KINDS)
    for options in ANSWER_OPTIONS.values():
        codes = [code for code, _label in options]
        assert codes[-2:] == ["dont_know", "refused"]
