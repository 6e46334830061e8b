"""Demo data for the reports' "Support beyond food": last month's signposts and referrals at
each site (after support's own demo referrals), Healthy Start prompts at check-in and
households referred by the demo's agencies, and the follow-up surveys' answers to the support
question, so that the programme's latest month shows the section with figures."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from supermarket.auth.models import Role
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.sites.calendar import site_today
from supermarket.support.agency_models import InboundReferral, InboundStatus, ReferralAgency
from supermarket.support.demo import backdated_referral
from supermarket.support.models import (
    PromptKind,
    PromptOutcome,
    Referral,
    ReferralKind,
    ReferralStatus,
    SupportPrompt,
)
from supermarket.support.services import services_for_site
from supermarket.surveys.models import SurveyAssessment, SurveyKind
from supermarket.visits.models import Visit


def _staff(ctx: Any, role: Role, code: str) -> Any:
    return next(
        u for u in ctx.staff.values() if u.role == role and any(s.code == code for s in u.sites)
    )


# Last month's extra referrals at each site: (category, how many, of which signposts); the
# outcomes follow REPORT_OUTCOMES in turn. Benefits and debt advice are the most asked for.
REPORT_MIX: tuple[tuple[str, int, int], ...] = (
    ("benefits_advice", 10, 4),
    ("debt_advice", 8, 3),
    ("energy", 5, 2),
)
REPORT_OUTCOMES = (
    ReferralStatus.RESOLVED,
    ReferralStatus.ENGAGED,
    ReferralStatus.ENGAGED,
    ReferralStatus.CONTACTED,
    ReferralStatus.RESOLVED,
    ReferralStatus.DECLINED,
    ReferralStatus.ENGAGED,
    ReferralStatus.NO_RESPONSE,
)
SUPPORT_ANSWERS = (
    ("yes_a_lot", 0.35),
    ("yes_a_little", 0.3),
    ("no", 0.1),
    ("not_used", 0.15),
    ("prefer_not_to_say", 0.1),
)


def seed_for_reports(ctx: Any) -> None:
    """Last month's signposts and referrals of households that visited then (so that the
    programme's latest month shows figures, not "<10"), and the follow-up surveys' answers to
    the support question, each member signposted before their follow-up."""
    rng = random.Random(1215)  # noqa: S311 (repeatable demo data, not a secret)
    for code, site in ctx.sites.items():
        today = site_today(site)
        last = today.replace(day=1) - timedelta(days=1)
        first = last.replace(day=1)
        visitors = list(
            db.session.scalars(
                select(Visit.member_id)
                .where(Visit.site_id == site.id, Visit.local_date.between(first, last))
                .distinct()
                .order_by(Visit.member_id)
            )
        )
        volunteer = _staff(ctx, Role.VOLUNTEER, code)
        by_category = {service.category: service for service in services_for_site(site)}
        made = 0
        for category, count, signposts in REPORT_MIX:
            service = by_category.get(category)
            for n in range(count if service and visitors else 0):
                kind = ReferralKind.SIGNPOST if n < signposts else ReferralKind.REFERRAL
                day = first + timedelta(days=rng.randint(0, (last - first).days))
                status = (
                    REPORT_OUTCOMES[made % len(REPORT_OUTCOMES)]
                    if kind == ReferralKind.REFERRAL
                    else ReferralStatus.MADE
                )
                made += 1
                _backdated(site, volunteer, rng.choice(visitors), service, kind, status, day)
        _prompts(site, volunteer, rng, visitors, by_category.get("healthy_start"), first, last)
        _inbound(ctx, site, rng, first, last)
        _support_answers(site, volunteer, rng, today)


# Last month at each site: Healthy Start prompts shown (of which acted on: a signpost), and
# households referred by the agencies that refer to the site (of which accepted).
REPORT_PROMPTS, PROMPTS_ACTED = 12, 8
REPORT_INBOUND, INBOUND_ACCEPTED = 13, 11


def _prompts(
    site: Any,
    volunteer: Any,
    rng: random.Random,
    visitors: list[int],
    healthy_start: Any,
    first: date,
    last: date,
) -> None:
    """Healthy Start prompts shown last month to households with a child under 5 who visited;
    the first few acted on with a signpost to the site's Healthy Start service."""
    if healthy_start is None or not visitors:
        return
    with_babies = list(
        db.session.scalars(
            select(Member.id)
            .where(Member.id.in_(visitors), Member.children_0_4 > 0)
            .order_by(Member.id)
            .limit(REPORT_PROMPTS)
        )
    )
    for n, member_id in enumerate(with_babies):
        day = first + timedelta(days=rng.randint(0, (last - first).days))
        prompt = SupportPrompt(
            site_id=site.id,
            member_id=member_id,
            kind=PromptKind.HEALTHY_START.value,
            first_shown_on=day,
        )
        if n < PROMPTS_ACTED:
            signpost = _backdated(
                site,
                volunteer,
                member_id,
                healthy_start,
                ReferralKind.SIGNPOST,
                ReferralStatus.MADE,
                day,
            )
            db.session.flush()
            prompt.outcome, prompt.outcome_on = PromptOutcome.ACTED.value, day
            prompt.outcome_by_id, prompt.referral_id = volunteer.id, signpost.id
        elif n == PROMPTS_ACTED:
            prompt.outcome, prompt.outcome_on = PromptOutcome.DISMISSED.value, day
            prompt.reason, prompt.outcome_by_id = "already_has", volunteer.id
        db.session.add(prompt)


def _inbound(ctx: Any, site: Any, rng: random.Random, first: date, last: date) -> None:
    """Households referred last month by the agencies that refer to the site: most accepted
    as members who then came to the shop a few days later, two declined."""
    agencies = [
        a
        for a in db.session.scalars(select(ReferralAgency).order_by(ReferralAgency.id))
        if a.refers_to(site)
    ]
    if not agencies:
        return
    # Households whose first visit last month came after its first week: "referred" before it.
    firsts = db.session.execute(
        select(Visit.member_id, func.min(Visit.local_date))
        .where(Visit.site_id == site.id, Visit.local_date.between(first, last))
        .group_by(Visit.member_id)
        .having(func.min(Visit.local_date) >= first + timedelta(days=7))
        .order_by(Visit.member_id)
        .limit(INBOUND_ACCEPTED)
    ).all()
    zone = ZoneInfo(site.timezone)
    for n in range(REPORT_INBOUND):
        agency = agencies[n % len(agencies)]
        accepted = n < len(firsts)
        visited = firsts[n][1] if accepted else first + timedelta(days=rng.randint(0, 20))
        received = visited - timedelta(days=rng.randint(0, 6))
        at = datetime.combine(received, time(10, 30), zone).astimezone(UTC)
        member = db.session.get(Member, firsts[n][0]) if accepted else None
        db.session.add(
            InboundReferral(
                agency_id=agency.id,
                site_id=site.id,
                first_name=member.first_name if member else "Referred",
                last_name=member.last_name if member else "Household",
                postcode=member.postcode if member else "CO15 1AA",
                adults=member.adults if member else 1,
                consent_given=True,
                reason="Struggling with food costs while a benefit claim is sorted out.",
                status=(InboundStatus.ACCEPTED if accepted else InboundStatus.DECLINED).value,
                created_at=at,
                decided_at=at + timedelta(hours=3),
                decline_reason=""
                if accepted
                else "Outside our area: please refer them nearer home.",
                member_id=member.id if member else None,
            )
        )


def _backdated(
    site: Any,
    volunteer: Any,
    member_id: int,
    service: Any,
    kind: ReferralKind,
    status: ReferralStatus,
    day: date,
) -> Referral:
    after = 0 if status == ReferralStatus.MADE else 7
    referral = backdated_referral(
        site, volunteer, member_id, service, kind, status, day, heard_after=after
    )
    db.session.add(referral)
    return referral


def _support_answers(site: Any, volunteer: Any, rng: random.Random, today: date) -> None:
    """Every follow-up survey of the last four months answers the support question; a member
    not yet signposted by then is signposted two weeks before it."""
    services = services_for_site(site)
    follow_ups = db.session.scalars(
        select(SurveyAssessment).where(
            SurveyAssessment.site_id == site.id,
            SurveyAssessment.kind == SurveyKind.FOLLOW_UP.value,
            SurveyAssessment.local_date >= today - timedelta(days=122),
        )
    )
    db.session.flush()
    for survey in follow_ups:
        earlier = db.session.scalar(
            select(Referral.id).where(
                Referral.member_id == survey.member_id, Referral.made_on <= survey.local_date
            )
        )
        if earlier is None and services:
            day = survey.local_date - timedelta(days=14)
            kind, status = ReferralKind.SIGNPOST, ReferralStatus.MADE
            _backdated(site, volunteer, survey.member_id, rng.choice(services), kind, status, day)
        answers = [answer for answer, _weight in SUPPORT_ANSWERS]
        weights = [weight for _answer, weight in SUPPORT_ANSWERS]
        survey.support_answer = rng.choices(answers, weights)[0]
