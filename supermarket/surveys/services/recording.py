"""Recording one survey: consent, one baseline, follow-ups in their windows, every answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import Role, User
from supermarket.errors import Conflict, InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.sites.calendar import site_today
from supermarket.surveys import scoring
from supermarket.surveys.models import SupportAnswer, SurveyAssessment, SurveyKind, SurveyMode
from supermarket.surveys.services.due import (
    FOLLOW_UP_MONTHS,
    WINDOW_DAYS,
    anchor_date,
    assessments_of,
    has_survey_consent,
    open_membership,
    window,
)

KEY_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

# Whether a member was signposted or referred to support on or before a day: the support
# domain registers its check here (surveys never imports it). With none registered, the
# support question is never asked.
SUPPORT_CHECKS: list[Callable[[Member, date], bool]] = []
SUPPORT_ANSWER_REFUSED: Final = (
    "Asked only at a follow-up survey, of a member signposted or referred to support before it."
)


def asks_support_question(member: Member, kind: str, today: date) -> bool:
    """The optional support question belongs to this survey: a follow-up, of a member who
    was signposted or referred to a support service on or before today."""
    return kind == SurveyKind.FOLLOW_UP and any(check(member, today) for check in SUPPORT_CHECKS)


@dataclass(frozen=True)
class SurveyRequest:
    """One survey as answered, as SurveyIn's post_load builds it: its kind (baseline or
    follow-up), its mode (self or interviewer) and the answers by item."""

    kind: str
    mode: str
    answers: Mapping[str, object]
    # The optional support question's answer (SupportAnswer), None when not answered.
    support_answer: str | None = None


def can_see_scores(actor: User) -> bool:
    """Only site managers see a member's scores; volunteers never do (the tablet shows none)."""
    return Role(actor.role) is Role.SITE_MANAGER


def answer_errors(answers: Mapping[str, object]) -> dict[str, str]:
    """{item: message} for unknown items, invalid values, items the screening order would not
    have asked, and items it asks that have no answer (send dont_know or refused instead).

    A missing answer would score as "not affirmative" and make a survey look more food secure
    than it was, so every item the screening order reaches needs an answer.
    """
    errors = scoring.validate_answers(answers)
    walked: dict[str, object] = {}
    while (item := scoring.next_item(walked)) is not None:
        value = answers.get(item)
        if value is None and item not in errors:
            errors[item] = (
                "The screening order asks this item: answer it, or send "
                f"{scoring.DONT_KNOW} or {scoring.REFUSED}."
            )
        walked[item] = value
    return errors


def _timepoint_for(
    member: Member, kind: str, assessments: Sequence[SurveyAssessment], today: date
) -> int:
    """The time point a survey of `kind` taken today belongs to, or the rule it breaks."""
    if kind == SurveyKind.BASELINE:
        baseline = next((a for a in assessments if a.kind == SurveyKind.BASELINE), None)
        if baseline is not None:
            raise RuleViolation(
                f"This member's first food survey was already taken on "
                f"{baseline.local_date:%d/%m/%Y}; there is only one.",
                code="baseline_exists",
            )
        if assessments:
            raise RuleViolation(
                "A follow-up survey is already recorded for this member, so a first one can no "
                "longer be taken.",
                code="baseline_after_follow_up",
            )
        return 0
    anchor = anchor_date(member, assessments)
    taken = {a.timepoint for a in assessments}
    windows = []
    for months in FOLLOW_UP_MONTHS:
        start, _due, end = window(anchor, months)
        windows.append({"timepoint": months, "from": start.isoformat(), "to": end.isoformat()})
        if start <= today <= end:
            if months in taken:
                raise RuleViolation(
                    f"The {months}-month follow-up survey is already recorded for this member.",
                    code="follow_up_exists",
                )
            return months
    raise RuleViolation(
        "No follow-up survey is due for this member today: follow-ups are taken 3 and 6 "
        f"months after the first survey, up to {WINDOW_DAYS} days either side.",
        code="no_follow_up_due",
        details={"windows": windows},
    )


def _replay(member: Member, key: str | None) -> SurveyAssessment | None:
    if key is None:
        return None
    if not KEY_PATTERN.match(key):
        raise InvalidInput(
            "The idempotency key must be 16 to 64 letters, digits, '-' or '_'.",
            fields={"key": ["Must be 16 to 64 letters, digits, '-' or '_'."]},
        )
    found = db.session.scalar(select(SurveyAssessment).where(SurveyAssessment.client_key == key))
    if found is not None and found.member_id != member.id:
        raise Conflict(
            "This idempotency key was already used for another survey.", code="key_reused"
        )
    return found


def _same_request(assessment: SurveyAssessment, data: SurveyRequest) -> SurveyAssessment:
    """The survey first recorded with a key, if a retry sends the same one (kind, mode and
    answers, as they were stored); a different survey with that key is refused (409)."""
    answers = data.answers
    asked = {item: answers[item] for item in scoring.ITEMS if item in answers}
    if (
        SurveyKind(data.kind).value != assessment.kind
        or SurveyMode(data.mode).value != assessment.mode
        or asked != assessment.answers
        or set(answers) - set(scoring.ITEMS)
        or data.support_answer != assessment.support_answer
    ):
        raise Conflict(
            "This idempotency key was already used for this member's survey with other "
            "answers; that survey stands and these answers were not recorded. Send a new key "
            "for a new survey.",
            code="key_reused",
        )
    return assessment


def record_survey(
    member: Member,
    data: SurveyRequest,
    *,
    actor: User,
    today: date | None = None,
    key: str | None = None,
) -> SurveyAssessment:
    """Score and store one survey (input loaded by SurveyIn: kind, mode, answers).

    Refuses (409) a member without a live survey consent or with a closed membership, a second
    baseline, and a follow-up outside its window or already taken; refuses (422) answers with
    unknown items or values, items the screening order skips, and items it asks left
    unanswered. A retry with the same `key` returns the first survey instead of a second one;
    the key sent again with other answers is refused (409 key_reused).
    """
    ensure_works_at(actor, member.site, hidden_as="member")
    replayed = _replay(member, key)
    if replayed is not None:
        return _same_request(replayed, data)
    today = today or site_today(member.site)
    _ensure_may_answer(member)
    # One submission per member at a time (PostgreSQL; SQLite's writes are already serial).
    db.session.execute(select(Member.id).where(Member.id == member.id).with_for_update())
    assessments = assessments_of(member)
    kind = SurveyKind(data.kind).value
    timepoint = _timepoint_for(member, kind, assessments, today)
    answers = data.answers
    errors = answer_errors(answers)
    if errors:
        raise InvalidInput(
            "Some answers cannot be accepted.",
            code="invalid_answers",
            fields={"answers": {item: [message] for item, message in errors.items()}},
        )
    if data.support_answer is not None and (
        data.support_answer not in tuple(SupportAnswer)
        or not asks_support_question(member, kind, today)
    ):
        raise InvalidInput(
            "The answer about support cannot be accepted.",
            fields={"support_answer": [SUPPORT_ANSWER_REFUSED]},
        )
    assessment = _scored(member, data, timepoint=timepoint, today=today, actor=actor, key=key)
    try:
        with db.session.begin_nested():
            db.session.add(assessment)
            db.session.flush()
    except IntegrityError:
        # A concurrent submission won: the same retry, or the same time point from elsewhere.
        replayed = _replay(member, key)
        if replayed is not None:
            return _same_request(replayed, data)
        raise RuleViolation(
            "This survey has just been recorded for this member.", code="survey_exists"
        ) from None
    audit.record_on(
        "survey.recorded",
        "member",
        member.id,
        actor,
        member.site_id,
        kind=kind,
        timepoint=timepoint,
        mode=assessment.mode,
    )
    return assessment


def _ensure_may_answer(member: Member) -> None:
    """Refuse (409) a closed membership, or a member without a live survey consent."""
    if not open_membership(member):
        raise RuleViolation("This membership is closed.", code="membership_closed")
    if not has_survey_consent(member):
        raise RuleViolation(
            "This member has not agreed to answer the food survey, or has withdrawn their "
            "agreement. Ask them first, and record their agreement on their member page.",
            code="no_survey_consent",
        )


def _scored(
    member: Member,
    data: SurveyRequest,
    *,
    timepoint: int,
    today: date,
    actor: User,
    key: str | None,
) -> SurveyAssessment:
    """The survey's record, scored: the items the screening order asks, as answered."""
    answers = data.answers
    score = scoring.score(answers)
    return SurveyAssessment(
        site_id=member.site_id,
        member_id=member.id,
        kind=SurveyKind(data.kind).value,
        timepoint=timepoint,
        mode=SurveyMode(data.mode).value,
        answers={item: answers[item] for item in scoring.ITEMS if item in answers},
        raw_score_10=score.raw_score_10,
        category_10=score.category_10,
        raw_score_6=score.raw_score_6,
        category_6=score.category_6,
        food_insecure=score.food_insecure_10,
        hunger_vital_sign_positive=score.hunger_vital_sign_positive,
        dont_know_or_refused=score.dont_know_or_refused,
        complete=score.complete,
        support_answer=data.support_answer,
        rule_version=score.rule_version,
        local_date=today,
        recorded_by_id=actor.id,
        client_key=key,
    )
