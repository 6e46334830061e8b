"""Support beyond food: the RAW figures of a period's signposts and referrals, per site.

Internal only, like the rest of `statistics`: release/support.py turns these into what may
leave a site. Read straight from the referrals and the surveys (a few hundred rows a month at
programme scale) in four grouped statements bounded by the period, whatever the number of
sites; all through the session, so a reporting request reads them from the replica.

Definitions (the methods page repeats them):

- Signposts and referrals: those made in the period (`made_on`), by the service's category.
- Outcomes: the referrals (not signposts) made in the period, by their latest status as
  recorded now: engaged = engaged or resolved; resolved = resolved.
- Households referred or signposted: members who visited in the period (not voided) and were
  signposted or referred in it; at a site, both at that site.
- Prompts at check-in (Healthy Start, advice services): members whose prompt was first shown
  in the period, and of them those for whom it was acted on (a signpost or referral to a
  matching service recorded from it, then or later); each member once per site, and once
  across the programme.
- Inbound referrals: households referred to a site by an agency in the period (received on a
  day of it, London time), by the agency's kind; of them those accepted (registered, or matched
  to a member already registered), and those who have come to a first visit since the
  referral (not voided), with the days from the referral to that visit.
- Survey answers: the follow-up surveys taken in the period that answered the support question.
- Advice comparison: the same cohort as the paired outcome (members whose 3-month follow-up
  fell due in the period, both surveys complete), split by whether the member had a benefits
  or debt advice referral engaged or resolved, made on or before the follow-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased

from supermarket.extensions import db
from supermarket.members.terms import add_months
from supermarket.reporting.outcomes import AssessmentPair
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import FOLLOW_UP_MONTHS
from supermarket.reporting.site_filter import in_sites
from supermarket.reporting.statistics.counts import survey_counts
from supermarket.support.agency_models import (
    AgencyKind,
    InboundReferral,
    InboundStatus,
    ReferralAgency,
)
from supermarket.support.models import (
    Category,
    PromptKind,
    PromptOutcome,
    Referral,
    ReferralKind,
    ReferralStatus,
    SupportPrompt,
    SupportService,
)
from supermarket.surveys.models import SupportAnswer, SurveyAssessment, SurveyKind
from supermarket.visits.models import Visit

CATEGORIES: Final = tuple(c.value for c in Category)
KINDS: Final = tuple(k.value for k in ReferralKind)
ANSWERS: Final = tuple(a.value for a in SupportAnswer)
PROMPTS: Final = tuple(k.value for k in PromptKind)
AGENCY_KINDS: Final = tuple(k.value for k in AgencyKind)
# The programme's days are London's (as every site's today); an inbound referral is received
# on the London day of its created_at.
LONDON: Final = ZoneInfo("Europe/London")
ENGAGED: Final = (ReferralStatus.ENGAGED.value, ReferralStatus.RESOLVED.value)
ADVICE: Final = (Category.BENEFITS_ADVICE.value, Category.DEBT_ADVICE.value)
# The two groups of the advice comparison: engaged with advice, and the rest of the cohort.
GROUPS: Final = ("engaged", "other")

Scope = int | None


def _zero_by_category() -> dict[str, int]:
    return dict.fromkeys(CATEGORIES, 0)


@dataclass(slots=True)
class SupportFigures:
    """One scope's (a site's, or the programme's) raw support figures for a period."""

    # category -> kind (signpost, referral) -> how many made in the period
    made: dict[str, dict[str, int]] = field(
        default_factory=lambda: {c: dict.fromkeys(KINDS, 0) for c in CATEGORIES}
    )
    # referrals made in the period by category, engaged (or resolved) and resolved now
    engaged: dict[str, int] = field(default_factory=_zero_by_category)
    resolved: dict[str, int] = field(default_factory=_zero_by_category)
    households_supported: int = 0
    # prompt kind -> members prompted in the period, and of them those it was acted on for
    prompted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROMPTS, 0))
    prompts_acted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROMPTS, 0))
    # agency kind -> inbound referrals received in the period, and of them accepted
    inbound: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AGENCY_KINDS, 0))
    inbound_accepted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AGENCY_KINDS, 0))
    # days from each referral received in the period to the household's first visit since
    days_to_first_visit: list[int] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ANSWERS, 0))
    # group (engaged, other) -> pair of complete assessments -> members
    advice_pairs: dict[str, Counter[AssessmentPair]] = field(
        default_factory=lambda: {g: Counter() for g in GROUPS}
    )

    def add(self, other: SupportFigures) -> None:
        """Add a site's figures into the programme's (all but households, which are not
        additive across sites: a household may visit two)."""
        for category in CATEGORIES:
            for kind in KINDS:
                self.made[category][kind] += other.made[category][kind]
            self.engaged[category] += other.engaged[category]
            self.resolved[category] += other.resolved[category]
        for answer in ANSWERS:
            self.answers[answer] += other.answers[answer]
        # prompted and prompts_acted: members, not additive either (_prompts counts them)
        for group in GROUPS:
            self.advice_pairs[group].update(other.advice_pairs[group])
        for kind in AGENCY_KINDS:
            self.inbound[kind] += other.inbound[kind]
            self.inbound_accepted[kind] += other.inbound_accepted[kind]
        self.days_to_first_visit += other.days_to_first_visit


@dataclass(frozen=True, slots=True)
class SupportStatistics:
    """Every site's support figures for a period, and the programme's (key None)."""

    by_scope: dict[Scope, SupportFigures]


def support_statistics(
    site_ids: Sequence[int],
    period: Period,
    today: date,
    *,
    pairs: Mapping[int, Mapping[AssessmentPair, int]] | None = None,
) -> SupportStatistics:
    """The raw support figures of every site and the programme for the period (to `today`
    if it is still running).

    `pairs`: each site's paired-outcome counts for the period (`Figures.pair_counts`), when
    the caller has them already; read here otherwise.
    """
    end = min(period.end, today)
    found: dict[Scope, SupportFigures] = {site_id: SupportFigures() for site_id in site_ids}
    if site_ids and period.start <= end:
        _made(found, site_ids, period.start, end)
        _inbound(found, site_ids, period.start, end, today)
        _answers(found, site_ids, period.start, end)
        if pairs is None:
            cohorts = survey_counts(site_ids, period, today)
            pairs = {site_id: cohorts[site_id]["pair_counts"] for site_id in site_ids}
        _advice_pairs(found, site_ids, period, pairs)
    programme = SupportFigures()
    for site_id in site_ids:
        programme.add(found[site_id])
    found[None] = programme
    if site_ids and period.start <= end:
        _households(found, site_ids, period.start, end)
        _prompts(found, site_ids, period.start, end)
    return SupportStatistics(by_scope=found)


def _made(
    found: dict[Scope, SupportFigures], site_ids: Sequence[int], start: date, end: date
) -> None:
    """Signposts and referrals made, with the referrals' outcomes, by site, category, kind."""
    is_referral = Referral.kind == ReferralKind.REFERRAL.value
    is_resolved = Referral.status == ReferralStatus.RESOLVED.value
    rows = db.session.execute(
        select(
            Referral.site_id,
            SupportService.category,
            Referral.kind,
            func.count(),
            func.sum(case((and_(is_referral, Referral.status.in_(ENGAGED)), 1), else_=0)),
            func.sum(case((and_(is_referral, is_resolved), 1), else_=0)),
        )
        .join(SupportService, SupportService.id == Referral.service_id)
        .where(in_sites(Referral.site_id, site_ids), Referral.made_on.between(start, end))
        .group_by(Referral.site_id, SupportService.category, Referral.kind)
    )
    for site_id, category, kind, count, engaged, resolved in rows:
        figures = found[site_id]
        figures.made[category][kind] += int(count)
        figures.engaged[category] += int(engaged or 0)
        figures.resolved[category] += int(resolved or 0)


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LONDON).astimezone(UTC)


def _inbound(
    found: dict[Scope, SupportFigures],
    site_ids: Sequence[int],
    start: date,
    end: date,
    today: date,
) -> None:
    """Inbound referrals received in the period by agency kind, those accepted, and the days
    from each to the household's first visit since (two statements, whatever the sites)."""
    rows = db.session.execute(
        select(
            InboundReferral.site_id,
            ReferralAgency.kind,
            InboundReferral.status,
            InboundReferral.member_id,
            InboundReferral.created_at,
        )
        .join(ReferralAgency, ReferralAgency.id == InboundReferral.agency_id)
        .where(
            in_sites(InboundReferral.site_id, site_ids),
            InboundReferral.created_at >= _london_midnight(start),
            InboundReferral.created_at < _london_midnight(end + timedelta(days=1)),
        )
    ).all()
    referred: list[tuple[int, int, date]] = []  # (site, member, day received)
    for site_id, kind, status, member_id, created_at in rows:
        figures = found[site_id]
        figures.inbound[kind] += 1
        if status == InboundStatus.ACCEPTED.value and member_id is not None:
            figures.inbound_accepted[kind] += 1
            referred.append((site_id, member_id, created_at.astimezone(LONDON).date()))
    if not referred:
        return
    visits: dict[int, list[date]] = {}
    for member_id, day in db.session.execute(
        select(Visit.member_id, Visit.local_date)
        .where(
            Visit.member_id.in_(sorted({member for _site, member, _day in referred})),
            Visit.local_date.between(start, today),
            Visit.voided_at.is_(None),  # as rollups.definitions.counted_visits()
        )
        .distinct()
    ):
        visits.setdefault(member_id, []).append(day)
    for site_id, member_id, received in referred:
        since = [day for day in visits.get(member_id, ()) if day >= received]
        if since:
            found[site_id].days_to_first_visit.append((min(since) - received).days)


def _households(
    found: dict[Scope, SupportFigures], site_ids: Sequence[int], start: date, end: date
) -> None:
    """Members signposted or referred in the period who visited in it: at each site (both at
    that site), and across the programme (anywhere), each member once."""
    visit = aliased(Visit)
    in_period = and_(
        visit.member_id == Referral.member_id,
        visit.local_date.between(start, end),
        visit.voided_at.is_(None),  # as rollups.definitions.counted_visits()
    )
    here = exists().where(in_period, visit.site_id == Referral.site_id)
    anywhere = exists().where(in_period, in_sites(visit.site_id, site_ids))
    rows = db.session.execute(
        select(Referral.site_id, Referral.member_id, here, anywhere)
        .where(in_sites(Referral.site_id, site_ids), Referral.made_on.between(start, end))
        .distinct()
    )
    programme: set[int] = set()
    for site_id, member_id, visited_here, visited_anywhere in rows:
        if visited_here:
            found[site_id].households_supported += 1
        if visited_anywhere:
            programme.add(member_id)
    found[None].households_supported = len(programme)


def _prompts(
    found: dict[Scope, SupportFigures], site_ids: Sequence[int], start: date, end: date
) -> None:
    """Members prompted at check-in in the period (first shown in it), by kind, and those the
    prompt was acted on for: per site, and across the programme, each member once."""
    acted = func.max(case((SupportPrompt.outcome == PromptOutcome.ACTED.value, 1), else_=0))
    rows = db.session.execute(
        select(SupportPrompt.site_id, SupportPrompt.kind, SupportPrompt.member_id, acted)
        .where(
            in_sites(SupportPrompt.site_id, site_ids),
            SupportPrompt.first_shown_on.between(start, end),
        )
        .group_by(SupportPrompt.site_id, SupportPrompt.kind, SupportPrompt.member_id)
    )
    programme: dict[str, dict[int, bool]] = {kind: {} for kind in PROMPTS}
    for site_id, kind, member_id, was_acted in rows:
        found[site_id].prompted[kind] += 1
        found[site_id].prompts_acted[kind] += 1 if was_acted else 0
        members = programme[kind]
        members[member_id] = members.get(member_id, False) or bool(was_acted)
    for kind, members in programme.items():
        found[None].prompted[kind] = len(members)
        found[None].prompts_acted[kind] = sum(members.values())


def _answers(
    found: dict[Scope, SupportFigures], site_ids: Sequence[int], start: date, end: date
) -> None:
    """The support question's answers in the follow-ups taken in the period."""
    survey = SurveyAssessment
    rows = db.session.execute(
        select(survey.site_id, survey.support_answer, func.count())
        .where(
            in_sites(survey.site_id, site_ids),
            survey.kind == SurveyKind.FOLLOW_UP.value,
            survey.local_date.between(start, end),
            survey.support_answer.is_not(None),
        )
        .group_by(survey.site_id, survey.support_answer)
    )
    for site_id, answer, count in rows:
        found[site_id].answers[str(answer)] += int(count)


def _advice_pairs(
    found: dict[Scope, SupportFigures],
    site_ids: Sequence[int],
    period: Period,
    pairs: Mapping[int, Mapping[AssessmentPair, int]],
) -> None:
    """The paired outcome's cohort (baselines FOLLOW_UP_MONTHS before the period, with a
    complete 3-month follow-up), by whether the member engaged with advice by the follow-up.

    `pairs`: each site's whole cohort, as the outcome counts it (`survey_counts`). Only the
    members who engaged with advice are read, starting from their referrals (a few per site
    a month), not from every baseline of the cohort; the rest of the cohort is the other group.
    """
    baseline = aliased(SurveyAssessment)
    follow_up = aliased(SurveyAssessment)
    first = add_months(period.start, -FOLLOW_UP_MONTHS)
    last = add_months(period.end + timedelta(days=1), -FOLLOW_UP_MONTHS) - timedelta(days=1)
    # Each member's first benefits or debt advice referral that is engaged (or resolved) now.
    advice = (
        select(
            Referral.member_id.label("member_id"),
            func.min(Referral.made_on).label("first_engaged"),
        )
        .join(SupportService, SupportService.id == Referral.service_id)
        .where(
            Referral.kind == ReferralKind.REFERRAL.value,
            Referral.status.in_(ENGAGED),
            SupportService.category.in_(ADVICE),
        )
        .group_by(Referral.member_id)
        .subquery()
    )
    keys = (
        baseline.site_id,
        baseline.category_10,
        follow_up.category_10,
        baseline.raw_score_10,
        follow_up.raw_score_10,
    )
    rows = db.session.execute(
        select(*keys, func.count())
        .select_from(advice)
        .join(
            baseline,
            and_(baseline.member_id == advice.c.member_id, baseline.timepoint == 0),
        )
        .join(
            follow_up,
            and_(
                follow_up.member_id == advice.c.member_id,
                follow_up.timepoint == FOLLOW_UP_MONTHS,
            ),
        )
        .where(
            in_sites(baseline.site_id, site_ids),
            baseline.local_date.between(first, last),
            baseline.complete,
            follow_up.complete,
            advice.c.first_engaged <= follow_up.local_date,
        )
        .group_by(*keys)
    )
    engaged: dict[int, Counter[AssessmentPair]] = {site_id: Counter() for site_id in site_ids}
    for site_id, before, after, raw_before, raw_after, count in rows:
        pair = AssessmentPair(str(before), str(after), int(raw_before), int(raw_after))
        engaged[int(site_id)][pair] += int(count)
    for site_id in site_ids:
        # The engaged are in the cohort: the same baselines and follow-ups, both complete.
        cohort = Counter(pairs.get(site_id, {}))
        found[site_id].advice_pairs = {
            GROUPS[0]: engaged[site_id],
            GROUPS[1]: cohort - engaged[site_id],
        }
