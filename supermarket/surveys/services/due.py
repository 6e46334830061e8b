"""When the food survey is due: the baseline until taken, follow-ups in their windows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from sqlalchemy import Select, exists, func, select

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.members.models import ConsentKind, Member, MemberConsent, MemberStatus
from supermarket.members.terms import add_months
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site
from supermarket.surveys.models import SurveyAssessment, SurveyKind

# The same for every site, so that the programme's outcome figures compare like with like.
FOLLOW_UP_MONTHS: Final = (3, 6)
WINDOW_DAYS: Final = 21


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


def has_survey_consent(member: Member) -> bool:
    """The member agreed to the survey and has not withdrawn that agreement."""
    return ConsentKind.SURVEY.value in member.active_consents()


def window(anchor: date, months: int) -> tuple[date, date, date]:
    """(first day, due day, last day) of the follow-up `months` after `anchor`, inclusive."""
    due = add_months(anchor, months)
    return due - timedelta(days=WINDOW_DAYS), due, due + timedelta(days=WINDOW_DAYS)


def anchor_date(member: Member, assessments: Sequence[SurveyAssessment]) -> date:
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
    anchor = anchor_date(member, assessments)
    for months in FOLLOW_UP_MONTHS:
        start, due, end = window(anchor, months)
        if months not in taken and start <= today <= end:
            return SurveyDue(SurveyKind.FOLLOW_UP.value, months, due, start, end)
    return None


def _next_window_start(
    member: Member, assessments: Sequence[SurveyAssessment], today: date
) -> date | None:
    if not assessments:
        return None
    taken = {a.timepoint for a in assessments}
    anchor = anchor_date(member, assessments)
    for months in FOLLOW_UP_MONTHS:
        start, _due, _end = window(anchor, months)
        if months not in taken and start > today:
            return start
    return None


def open_membership(member: Member) -> bool:
    return member.anonymised_at is None and member.status != MemberStatus.CLOSED


def assessments_of(member: Member) -> list[SurveyAssessment]:
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
    if not open_membership(member) or not has_survey_consent(member):
        return None
    return _due_from(member, assessments_of(member), today)


def survey_members() -> Select[Member]:
    """Members who may be asked the survey: not closed, not anonymised, and consenting to it."""
    consented = exists().where(
        MemberConsent.member_id == Member.id,
        MemberConsent.kind == ConsentKind.SURVEY.value,
        MemberConsent.withdrawn_at.is_(None),
    )
    return select(Member).where(
        Member.anonymised_at.is_(None), Member.status != MemberStatus.CLOSED.value, consented
    )


def _consenting_members(site: Site) -> list[Member]:
    return list(db.session.scalars(survey_members().where(Member.site_id == site.id)))


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
    ensure_works_at(actor, site, hidden_as="member")
    by_member = _assessments_by_member(site)
    found = []
    for member in _consenting_members(site):
        due = _due_from(member, by_member.get(member.id, []), today)
        if due is not None:
            found.append(DueMember(member, due))
    return sorted(found, key=_sort_key)


def start_survey(member: Member, *, actor: User, today: date | None = None) -> SurveyStart:
    """The tablet's first screen: the survey due for the member, or the reason none is."""
    ensure_works_at(actor, member.site, hidden_as="member")
    today = today or site_today(member.site)
    if not open_membership(member):
        return SurveyStart(member, None, "membership_closed")
    if not has_survey_consent(member):
        return SurveyStart(member, None, "no_survey_consent")
    assessments = assessments_of(member)
    due = _due_from(member, assessments, today)
    if due is None:
        return SurveyStart(
            member, None, "nothing_due", _next_window_start(member, assessments, today)
        )
    return SurveyStart(member, due)


def site_overview(site: Site, today: date, *, actor: User) -> SiteOverview:
    """Counts of surveys at the site and who is due now (site managers; no scores)."""
    ensure_works_at(actor, site, managers_only=True, hidden_as="member")
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
            anchor = anchor_date(member, assessments)
            for months in FOLLOW_UP_MONTHS:
                _start, due_on, _end = window(anchor, months)
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
