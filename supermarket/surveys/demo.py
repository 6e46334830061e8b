"""Demo surveys: baselines for most consenting members, 3- and 6-month follow-ups, some due now.

Answers are drawn for each member from a simple latent severity (harder items are affirmed
less often) and walked through the real screening order, then recorded through the real
service, so every stored score comes from scoring.score(). About three in four households are
food insecure at baseline; at follow-up many improve, some stay the same and a few get worse.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from supermarket.auth.models import Role, User
from supermarket.extensions import db
from supermarket.members.demo import SURVEY_DUE
from supermarket.members.models import Member
from supermarket.members.terms import add_months
from supermarket.sites.calendar import site_today
from supermarket.surveys import scoring
from supermarket.surveys.services import (
    FOLLOW_UP_MONTHS,
    WINDOW_DAYS,
    SurveyRequest,
    record_survey,
)
from supermarket.surveys.services.due import survey_members

BASELINE_SHARE: Final = 0.7
FOLLOW_UP_SHARE: Final = 0.6
# Item difficulty on the severity scale: a household at `theta` affirms an item with
# probability logistic(1.7 * (theta - difficulty)). Mean 0.6, sd 1.35 gives ~75% insecure.
DIFFICULTY: Final = {
    "HH2": -1.2,
    "HH3": -0.9,
    "HH4": -0.5,
    "AD1": 0.2,
    "AD2": 0.5,
    "AD1a": 1.0,
    "AD3": 1.4,
    "AD4": 2.2,
    "AD5": 2.8,
    "AD5a": 3.4,
}
SEVERITY_MEAN: Final = 0.6
SEVERITY_SD: Final = 1.35
NOT_ANSWERED_RATE: Final = 0.015


def answers_for(rng: random.Random, theta: float) -> dict[str, object]:
    """One respondent's answers in screening order, for a household of severity `theta`."""
    answers: dict[str, object] = {}
    while (item := scoring.next_item(answers)) is not None:
        gap = theta - DIFFICULTY[item]
        affirmed = rng.random() < 1 / (1 + math.exp(-1.7 * gap))
        kind = scoring.ITEM_KINDS[item]
        if rng.random() < NOT_ANSWERED_RATE:
            answers[item] = rng.choice((scoring.DONT_KNOW, scoring.REFUSED))
        elif kind == "frequency":
            often = gap > 1 and rng.random() < 0.6
            answers[item] = ("often" if often else "sometimes") if affirmed else "never"
        elif kind == "yes_no":
            answers[item] = "yes" if affirmed else "no"
        else:
            answers[item] = rng.randint(3, 20) if affirmed else rng.randint(1, 2)
    return answers


def _change(rng: random.Random) -> float:
    """How much less severe things are at a follow-up: better for many, same or worse for some."""
    draw = rng.random()
    if draw < 0.6:
        return rng.gauss(1.3, 0.5)
    if draw < 0.88:
        return rng.gauss(0.0, 0.3)
    return -abs(rng.gauss(0.8, 0.4))


def _consenting_members(site_ids: list[int]) -> list[Member]:
    stmt = survey_members().where(Member.site_id.in_(site_ids)).order_by(Member.id)
    return list(db.session.scalars(stmt))


def _backdate_if_all_recent(members: list[Member], rng: random.Random) -> None:
    """If no member joined long enough ago for a follow-up, move some joining dates back.

    The membership dates move together (term and review from the new joining date, renewed
    once if that term is over), so the record stays consistent.
    """
    old_enough = timedelta(days=92 - WINDOW_DAYS)
    if any(site_today(m.site) - m.joined_on >= old_enough for m in members):
        return
    for member in members[: max(1, len(members) * 2 // 3)]:
        today = site_today(member.site)
        settings = member.site.settings
        member.joined_on = today - timedelta(days=rng.randint(70, 230))
        term = settings.membership_term_months
        expires = add_months(member.joined_on, term)
        while expires <= today:
            expires = add_months(expires, term)
        if member.expires_on is not None:
            member.expires_on = expires
        if member.review_due_on is not None:
            review = add_months(member.joined_on, settings.review_interval_months)
            while review <= today:
                review = add_months(review, settings.review_interval_months)
            member.review_due_on = review
    db.session.flush()


def _taken_at(member: Member, day: date, rng: random.Random) -> datetime:
    local = time(rng.randint(10, 14), rng.choice((0, 10, 20, 30, 40, 50)))
    return datetime.combine(day, local, tzinfo=ZoneInfo(member.site.timezone)).astimezone(UTC)


def _record(
    member: Member,
    kind: str,
    theta: float,
    day: date,
    recorders: list[User],
    rng: random.Random,
) -> None:
    mode = "self" if rng.random() < 0.7 else "interviewer"
    data = SurveyRequest(kind, mode, answers_for(rng, theta))
    assessment = record_survey(member, data, actor=rng.choice(recorders), today=day)
    assessment.taken_at = _taken_at(member, day, rng)


def _follow_up_day(baseline: date, months: int, today: date, rng: random.Random) -> date | None:
    """A day inside the follow-up window, no later than today; None to leave it untaken."""
    due = add_months(baseline, months)
    start, end = due - timedelta(days=WINDOW_DAYS), due + timedelta(days=WINDOW_DAYS)
    if today < start:
        return None
    if today <= end and rng.random() < 0.5:
        return None  # due now: the check-in panel shows "survey due"
    if today > end and rng.random() >= FOLLOW_UP_SHARE:
        return None  # missed, as many are
    latest = min(end, today)
    return start + timedelta(days=rng.randint(0, (latest - start).days))


def seed(ctx: Any) -> None:
    """Surveys for the demo members who agreed to them (runs after the members seeder), but
    for the desk's cast whose first survey is to be due."""
    rng = random.Random(6)  # noqa: S311 (repeatable demo data, not a secret)
    due_now = {id_ for id_, shows in ctx.extra.get("desk", {}).items() if shows == SURVEY_DUE}
    members = [
        m
        for m in _consenting_members([site.id for site in ctx.sites.values()])
        if m.id not in due_now
    ]
    if not members:
        return
    _backdate_if_all_recent(members, rng)
    staff_by_site: dict[int, list[User]] = {}
    for user in ctx.staff.values():
        if Role(user.role).works_at_sites:
            for site in user.sites:
                staff_by_site.setdefault(site.id, []).append(user)
    for member in members:
        recorders = staff_by_site.get(member.site_id)
        if not recorders or rng.random() >= BASELINE_SHARE:
            continue  # no baseline yet: due at their next visit
        today = site_today(member.site)
        baseline = min(member.joined_on, today)
        theta = rng.gauss(SEVERITY_MEAN, SEVERITY_SD)
        _record(member, "baseline", theta, baseline, recorders, rng)
        for months in FOLLOW_UP_MONTHS:
            day = _follow_up_day(baseline, months, today, rng)
            if day is None:
                continue
            theta -= _change(rng)
            _record(member, "follow_up", theta, day, recorders, rng)
    db.session.flush()
