"""The food-insecurity survey: when it is due, recording and scoring it, and its figures.

Public entry points for other domains (visits and reporting build on these; surveys never
imports them):

- `survey_due(member, today)`: the survey the check-in panel should offer, or None.
- `list_due(site, today, actor=...)`: a site's members with a survey due now.
- `record_survey(member, data, actor=...)`: store and score one survey (the tablet and the API).
- `site_overview(site, today, actor=...)`: counts and the due list for the site manager's page.
- `survey_figures(site_ids, start=..., end=..., today=...)`: unrounded outcome figures for
  reporting, which applies disclosure control before anything leaves a site.

Timing (DOMAIN.md): the baseline is offered at registration and stays due until taken; the
follow-ups are due 3 and 6 months after the baseline's date (the joining date while there is
no baseline), each within 21 days either side. Only members with a live survey consent.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from supermarket.auth import audit
from supermarket.auth.models import Role, User
from supermarket.errors import Conflict, InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.members.models import ConsentKind, Member, MemberConsent, MemberStatus
from supermarket.members.services import ensure_staff
from supermarket.members.terms import add_months, site_today
from supermarket.sites.models import Site
from supermarket.surveys import scoring
from supermarket.surveys.models import SurveyAssessment, SurveyKind, SurveyMode

# The same for every site, so that the programme's outcome figures compare like with like.
FOLLOW_UP_MONTHS: Final = (3, 6)
WINDOW_DAYS: Final = 21
KEY_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True, slots=True)
class SurveyDue:
    """A survey a member should be offered now.

    A baseline (timepoint 0) stays due until taken, so it has no window; a follow-up
    (timepoint 3 or 6 months) is due on `due_on` and may be taken from `window_start` to
    `window_end` inclusive.
    """

    kind: str
    timepoint: int
    due_on: date
    window_start: date | None = None
    window_end: date | None = None

    @property
    def label(self) -> str:
        if self.kind == SurveyKind.BASELINE:
            return "Food survey (first time)"
        return f"Food survey ({self.timepoint}-month follow-up)"


@dataclass(frozen=True, slots=True)
class DueMember:
    member: Member
    due: SurveyDue


@dataclass(frozen=True, slots=True)
class SurveyStart:
    """What the tablet's first screen needs: the survey due, or why none is."""

    member: Member
    due: SurveyDue | None
    # "no_survey_consent", "membership_closed" or "nothing_due" when `due` is None.
    reason: str | None = None
    next_window_start: date | None = None


@dataclass(frozen=True, slots=True)
class SiteOverview:
    """Counts for a site manager (no scores), and the members with a survey due now."""

    consenting_members: int
    baselines: int
    follow_ups: Mapping[int, int]
    follow_ups_due_this_month: int
    due: list[DueMember]


@dataclass(frozen=True, slots=True)
class SurveyFigures:
    """Outcome figures for the baselines taken in a period, NOT disclosure-controlled.

    `baseline_categories`, `food_insecure_at_baseline` and `pairs` count complete assessments
    only (3+ don't-know/refused answers leave one out). `follow_ups_expected` counts the
    period's baselines whose follow-up window has closed or whose follow-up is in, so that
    `follow_ups_done / follow_ups_expected` is the follow-up rate. Each pair is
    (baseline category, follow-up category, baseline raw score, follow-up raw score), the
    shape reporting.outcomes.paired_outcome() takes.
    """

    timepoint: int
    baselines: int
    baselines_complete: int
    baseline_categories: Mapping[str, int]
    food_insecure_at_baseline: int
    follow_ups_expected: int
    follow_ups_done: int
    pairs: list[tuple[str, str, int, int]] = field(default_factory=list)
    rule_version: str = scoring.RULE_VERSION


# --- who may see what -----------------------------------------------------------------------


def can_see_scores(actor: User) -> bool:
    """Only site managers see a member's scores; volunteers never do (the tablet shows none)."""
    return Role(actor.role) is Role.SITE_MANAGER


def has_survey_consent(member: Member) -> bool:
    """The member agreed to the survey and has not withdrawn that agreement."""
    return ConsentKind.SURVEY.value in member.active_consents()


# --- when a survey is due -------------------------------------------------------------------


def _window(anchor: date, months: int) -> tuple[date, date, date]:
    due = add_months(anchor, months)
    return due - timedelta(days=WINDOW_DAYS), due, due + timedelta(days=WINDOW_DAYS)


def _anchor(member: Member, assessments: Sequence[SurveyAssessment]) -> date:
    """Follow-ups count from the baseline's date; from joining while there is no baseline."""
    for assessment in assessments:
        if assessment.kind == SurveyKind.BASELINE:
            return assessment.local_date
    return member.joined_on


def _due_from(
    member: Member, assessments: Sequence[SurveyAssessment], today: date
) -> SurveyDue | None:
    """The survey due today given the member's assessments (consent already checked)."""
    if not assessments:
        return SurveyDue(kind=SurveyKind.BASELINE.value, timepoint=0, due_on=member.joined_on)
    taken = {a.timepoint for a in assessments}
    anchor = _anchor(member, assessments)
    for months in FOLLOW_UP_MONTHS:
        start, due, end = _window(anchor, months)
        if months not in taken and start <= today <= end:
            return SurveyDue(SurveyKind.FOLLOW_UP.value, months, due, start, end)
    return None


def _next_window_start(
    member: Member, assessments: Sequence[SurveyAssessment], today: date
) -> date | None:
    if not assessments:
        return None
    taken = {a.timepoint for a in assessments}
    anchor = _anchor(member, assessments)
    for months in FOLLOW_UP_MONTHS:
        start, _due, _end = _window(anchor, months)
        if months not in taken and start > today:
            return start
    return None


def _open_membership(member: Member) -> bool:
    return member.anonymised_at is None and member.status != MemberStatus.CLOSED


def _assessments_of(member: Member) -> list[SurveyAssessment]:
    return list(
        db.session.scalars(
            select(SurveyAssessment)
            .where(SurveyAssessment.member_id == member.id)
            .order_by(SurveyAssessment.timepoint)
        )
    )


def survey_due(member: Member, today: date) -> SurveyDue | None:
    """The food survey to offer this member today, or None (for the check-in panel).

    `member` must already have been found through a site-scoped service (such as
    members.services.get_member); `today` is the site's local date
    (members.terms.site_today(site)). None unless the member has a live survey consent and an
    open membership. A baseline is due until one is taken; a follow-up is due from 21 days
    before to 21 days after 3 (then 6) months from the baseline's date, until taken. Show it as
    `due.label` (e.g. "Food survey (3-month follow-up)") with a link to
    url_for("surveys.take", number=member.membership_number, next=<back to check-in>).
    Reads only; never shows or returns any score.
    """
    if not _open_membership(member) or not has_survey_consent(member):
        return None
    return _due_from(member, _assessments_of(member), today)


def _consenting_members(site: Site) -> list[Member]:
    consented = exists().where(
        MemberConsent.member_id == Member.id,
        MemberConsent.kind == ConsentKind.SURVEY.value,
        MemberConsent.withdrawn_at.is_(None),
    )
    return list(
        db.session.scalars(
            select(Member).where(
                Member.site_id == site.id,
                Member.anonymised_at.is_(None),
                Member.status != MemberStatus.CLOSED.value,
                consented,
            )
        )
    )


def _assessments_by_member(site: Site) -> dict[int, list[SurveyAssessment]]:
    by_member: dict[int, list[SurveyAssessment]] = defaultdict(list)
    rows = db.session.scalars(
        select(SurveyAssessment)
        .where(SurveyAssessment.site_id == site.id)
        .order_by(SurveyAssessment.member_id, SurveyAssessment.timepoint)
    )
    for row in rows:
        by_member[row.member_id].append(row)
    return by_member


def _sort_key(item: DueMember) -> tuple[int, date, str]:
    # Follow-ups whose window closes soonest first, then baselines by joining date.
    due = item.due
    return (0 if due.window_end else 1, due.window_end or due.due_on, item.member.last_name)


def list_due(site: Site, today: date, *, actor: User) -> list[DueMember]:
    """Members of the site with a survey due today, follow-ups closing soonest first (staff)."""
    ensure_staff(actor, site)
    by_member = _assessments_by_member(site)
    found = []
    for member in _consenting_members(site):
        due = _due_from(member, by_member.get(member.id, []), today)
        if due is not None:
            found.append(DueMember(member, due))
    return sorted(found, key=_sort_key)


def start_survey(member: Member, *, actor: User, today: date | None = None) -> SurveyStart:
    """The tablet's first screen: the survey due for the member, or the reason none is."""
    ensure_staff(actor, member.site)
    today = today or site_today(member.site)
    if not _open_membership(member):
        return SurveyStart(member, None, "membership_closed")
    if not has_survey_consent(member):
        return SurveyStart(member, None, "no_survey_consent")
    assessments = _assessments_of(member)
    due = _due_from(member, assessments, today)
    if due is None:
        return SurveyStart(
            member, None, "nothing_due", _next_window_start(member, assessments, today)
        )
    return SurveyStart(member, due)


def site_overview(site: Site, today: date, *, actor: User) -> SiteOverview:
    """Counts of surveys at the site and who is due now (site managers; no scores)."""
    ensure_staff(actor, site, managers_only=True)
    members = _consenting_members(site)
    by_member = _assessments_by_member(site)
    due: list[DueMember] = []
    due_this_month = 0
    for member in members:
        assessments = by_member.get(member.id, [])
        now = _due_from(member, assessments, today)
        if now is not None:
            due.append(DueMember(member, now))
        if assessments:
            taken = {a.timepoint for a in assessments}
            anchor = _anchor(member, assessments)
            for months in FOLLOW_UP_MONTHS:
                _start, due_on, _end = _window(anchor, months)
                if months not in taken and (due_on.year, due_on.month) == (
                    today.year,
                    today.month,
                ):
                    due_this_month += 1
    counts = dict(
        db.session.execute(
            select(SurveyAssessment.timepoint, func.count(SurveyAssessment.id))
            .where(SurveyAssessment.site_id == site.id)
            .group_by(SurveyAssessment.timepoint)
        ).all()
    )
    return SiteOverview(
        consenting_members=len(members),
        baselines=counts.get(0, 0),
        follow_ups={months: counts.get(months, 0) for months in FOLLOW_UP_MONTHS},
        follow_ups_due_this_month=due_this_month,
        due=sorted(due, key=_sort_key),
    )


# --- recording a survey ---------------------------------------------------------------------


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
    anchor = _anchor(member, assessments)
    taken = {a.timepoint for a in assessments}
    windows = []
    for months in FOLLOW_UP_MONTHS:
        start, _due, end = _window(anchor, months)
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


def record_survey(
    member: Member,
    data: Mapping[str, Any],
    *,
    actor: User,
    today: date | None = None,
    key: str | None = None,
) -> SurveyAssessment:
    """Score and store one survey (input loaded by SurveyIn: kind, mode, answers).

    Refuses (409) a member without a live survey consent or with a closed membership, a second
    baseline, and a follow-up outside its window or already taken; refuses (422) answers with
    unknown items or values, items the screening order skips, and items it asks left
    unanswered. A retry with the same `key` returns the first survey instead of a second one.
    """
    ensure_staff(actor, member.site)
    replayed = _replay(member, key)
    if replayed is not None:
        return replayed
    today = today or site_today(member.site)
    if not _open_membership(member):
        raise RuleViolation("This membership is closed.", code="membership_closed")
    if not has_survey_consent(member):
        raise RuleViolation(
            "This member has not agreed to answer the food survey, or has withdrawn their "
            "agreement. Ask them first, and record their agreement on their member page.",
            code="no_survey_consent",
        )
    # One submission per member at a time (PostgreSQL; SQLite's writes are already serial).
    db.session.execute(select(Member.id).where(Member.id == member.id).with_for_update())
    assessments = _assessments_of(member)
    kind = SurveyKind(data["kind"]).value
    timepoint = _timepoint_for(member, kind, assessments, today)
    answers: Mapping[str, object] = data["answers"]
    errors = answer_errors(answers)
    if errors:
        raise InvalidInput(
            "Some answers cannot be accepted.",
            code="invalid_answers",
            fields={"answers": {item: [message] for item, message in errors.items()}},
        )
    score = scoring.score(answers)
    assessment = SurveyAssessment(
        site_id=member.site_id,
        member_id=member.id,
        kind=kind,
        timepoint=timepoint,
        mode=SurveyMode(data["mode"]).value,
        answers={item: answers[item] for item in scoring.ITEMS if item in answers},
        raw_score_10=score.raw_score_10,
        category_10=score.category_10,
        raw_score_6=score.raw_score_6,
        category_6=score.category_6,
        food_insecure=score.food_insecure_10,
        hunger_vital_sign_positive=score.hunger_vital_sign_positive,
        dont_know_or_refused=score.dont_know_or_refused,
        complete=score.complete,
        rule_version=score.rule_version,
        local_date=today,
        recorded_by_id=actor.id,
        client_key=key,
    )
    try:
        with db.session.begin_nested():
            db.session.add(assessment)
            db.session.flush()
    except IntegrityError:
        # A concurrent submission won: the same retry, or the same time point from elsewhere.
        replayed = _replay(member, key)
        if replayed is not None:
            return replayed
        raise RuleViolation(
            "This survey has just been recorded for this member.", code="survey_exists"
        ) from None
    audit.record(
        "survey.recorded",
        actor=actor,
        object_type="member",
        object_id=member.id,
        site_id=member.site_id,
        details={"kind": kind, "timepoint": timepoint, "mode": assessment.mode},
    )
    return assessment


# --- figures for reporting ------------------------------------------------------------------


def survey_figures(
    site_ids: Iterable[int],
    *,
    start: date,
    end: date,
    today: date,
    timepoint: int = 3,
) -> SurveyFigures:
    """Baselines taken from `start` (inclusive) to `end` (exclusive) at these sites, and their
    follow-ups at `timepoint` months (see SurveyFigures).

    For reporting only, after it has checked the actor may see these sites
    (auth.access.site_for_reporting); the figures are unrounded and must go through
    disclosure control before they are shown to anyone.
    """
    if timepoint not in FOLLOW_UP_MONTHS:
        raise ValueError(f"timepoint must be one of {FOLLOW_UP_MONTHS}.")
    ids = list(site_ids)
    follow_up = aliased(SurveyAssessment)
    rows = db.session.execute(
        select(SurveyAssessment, follow_up)
        .outerjoin(
            follow_up,
            and_(
                follow_up.member_id == SurveyAssessment.member_id,
                follow_up.timepoint == timepoint,
            ),
        )
        .where(
            SurveyAssessment.site_id.in_(ids),
            SurveyAssessment.kind == SurveyKind.BASELINE.value,
            SurveyAssessment.local_date >= start,
            SurveyAssessment.local_date < end,
        )
        .order_by(SurveyAssessment.id)
    ).all()
    categories: dict[str, int] = dict.fromkeys(scoring.CATEGORIES_10, 0)
    complete = insecure = expected = done = 0
    pairs: list[tuple[str, str, int, int]] = []
    for baseline, later in rows:
        if baseline.complete:
            complete += 1
            categories[baseline.category_10] += 1
            insecure += baseline.food_insecure
        _start, _due, window_end = _window(baseline.local_date, timepoint)
        if later is not None or window_end < today:
            expected += 1
        if later is not None:
            done += 1
            if baseline.complete and later.complete:
                pairs.append(
                    (
                        baseline.category_10,
                        later.category_10,
                        baseline.raw_score_10,
                        later.raw_score_10,
                    )
                )
    return SurveyFigures(
        timepoint=timepoint,
        baselines=len(rows),
        baselines_complete=complete,
        baseline_categories=categories,
        food_insecure_at_baseline=insecure,
        follow_ups_expected=expected,
        follow_ups_done=done,
        pairs=pairs,
    )
