"""Demo support services and referrals: the programme's directory (for every site, or for
some), each site's own additions, and signposts and referrals of some members over the last
eight weeks with their outcomes, a few of them waiting long enough to be followed up.

Entries are made through the real service (by the demo's administrator and site managers);
referrals are backdated rows, as the desk would have recorded them week by week.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from supermarket.auth.models import Role
from supermarket.extensions import db
from supermarket.members.models import Member, MemberStatus
from supermarket.sites.calendar import site_today
from supermarket.support import demo_agencies
from supermarket.support.models import (
    FOLLOW_UP_DAYS,
    Category,
    DismissReason,
    PromptKind,
    PromptOutcome,
    Referral,
    ReferralKind,
    ReferralStatus,
    SupportPrompt,
    SupportService,
)
from supermarket.support.services import create_service, services_for_site

# (name, provider, category, contact, sites: None for every site)
PROGRAMME: tuple[tuple[str, str, str, dict[str, str], tuple[str, ...] | None], ...] = (
    (
        "Citizens Advice Essex: benefits and debt",
        "Citizens Advice Essex",
        "benefits_advice",
        {"phone": "0344 477 0808", "website": "citizensadvice.org.uk"},
        None,
    ),
    (
        "StepChange debt advice",
        "StepChange Debt Charity",
        "debt_advice",
        {"phone": "0800 138 1111", "website": "stepchange.org"},
        None,
    ),
    (
        "Warm Homes Essex energy advice",
        "Essex County Council",
        "energy",
        {"phone": "0800 011 3470", "email": "warmhomes@example.org"},
        None,
    ),
    (
        "Healthy Start vouchers",
        "NHS Business Services Authority",
        "healthy_start",
        {"website": "healthystart.nhs.uk", "phone": "0300 330 7010"},
        None,
    ),
    (
        "Essex Family Hubs",
        "Essex County Council",
        "childcare_early_years",
        {"phone": "0345 603 7627", "walk_in": "Weekdays 9am to 4pm at the family hub"},
        ("harlow", "basildon"),
    ),
)

# Each site's own additions: site code -> (name, provider, category, contact)
PER_SITE: dict[str, tuple[tuple[str, str, str, dict[str, str]], ...]] = {
    "harlow": (
        (
            "Harlow Job Club",
            "Harlow Adult Community Learning",
            "employment_skills",
            {"walk_in": "Mondays 10am to 12 noon, Harlow Library"},
        ),
        (
            "Harlow Council housing options",
            "Harlow Council",
            "housing",
            {"phone": "01279 446655"},
        ),
    ),
    "basildon": (
        (
            "Basildon Mind wellbeing café",
            "Basildon Mind",
            "health_wellbeing",
            {"walk_in": "Thursdays 1pm to 3pm, Town Square"},
        ),
    ),
    "canvey": (
        (
            "Canvey Island Community Fridge",
            "Canvey Island Town Council",
            "food_other",
            {"walk_in": "Saturdays 10am to noon"},
        ),
    ),
}

REFERRAL_SHARE = 0.25  # of a site's active members, signposted or referred at least once
# Where a referral has got to after a number of days, and how likely each is.
OUTCOMES = (
    (ReferralStatus.CONTACTED, 0.25),
    (ReferralStatus.ENGAGED, 0.3),
    (ReferralStatus.RESOLVED, 0.2),
    (ReferralStatus.DECLINED, 0.08),
    (ReferralStatus.NO_RESPONSE, 0.07),
)


def _staff(ctx: Any, role: Role, code: str) -> Any:
    return next(
        u for u in ctx.staff.values() if u.role == role and any(s.code == code for s in u.sites)
    )


def _services(ctx: Any) -> None:
    admin = next(u for u in ctx.staff.values() if u.role == Role.ADMIN)
    for name, provider, category, contact, codes in PROGRAMME:
        data: dict[str, Any] = {"name": name, "provider": provider, "category": category}
        data.update(contact)
        if codes is None:
            data["all_sites"] = True
        else:
            data["sites"] = [c for c in codes if c in ctx.sites]
        create_service(data, actor=admin)
    for code, entries in PER_SITE.items():
        if code not in ctx.sites:
            continue
        manager = _staff(ctx, Role.SITE_MANAGER, code)
        for name, provider, category, contact in entries:
            data = {"name": name, "provider": provider, "category": category, "site": code}
            create_service({**data, **contact}, actor=manager)


def _outcome(rng: random.Random, age: int) -> tuple[ReferralStatus, int]:
    """Where a referral made `age` days ago has got to, and how many days after it was made."""
    if age < 3 or rng.random() < 0.2:
        return ReferralStatus.MADE, 0
    draw, total = rng.random(), 0.0
    for status, share in OUTCOMES:
        total += share
        if draw < total:
            return status, rng.randint(1, age)
    return ReferralStatus.ENGAGED, rng.randint(1, age)


def _healthy_start_household(member: Any) -> None:
    """A child in the 0–4 band (one moved from an older band: the household stays its size)
    and the benefits route, as a member who said they get Universal Credit."""
    if member.children_0_4 == 0:
        if member.children_5_11:
            member.children_5_11 -= 1
        elif member.children_12_17:
            member.children_12_17 -= 1
        member.children_0_4 = 1
    member.eligibility_route = "benefits"
    member.benefit = "Universal Credit"
    member.referral_agency = member.referral_reference = ""


def _prompts(ctx: Any) -> None:
    """Healthy Start prompts at Harlow: Amelia Foster (HARW-001V, the desk's cast) is shown
    one at her next check-in; of two other households with a child under 4 on Universal
    Credit, one was prompted and signposted a fortnight ago, the other dismissed it (she
    already has the card)."""
    site = ctx.sites.get("harlow")
    if site is None:
        return
    cast = ctx.extra.get("desk", {})
    members = ctx.extra.get("members", {}).get("harlow", [])
    amelia = db.session.scalar(
        select(Member).where(
            Member.site_id == site.id,
            Member.id.in_(list(cast) or [0]),
            Member.first_name == "Amelia",
        )
    )
    if amelia is not None:
        _healthy_start_household(amelia)
    referred = set(db.session.scalars(select(Referral.member_id)))
    others = [
        m
        for m in members
        if m.status == MemberStatus.ACTIVE.value and m.id not in cast and m.id not in referred
    ][:2]
    healthy_start = next(
        (s for s in services_for_site(site) if s.category == Category.HEALTHY_START), None
    )
    if len(others) < 2 or healthy_start is None:
        return
    volunteer = _staff(ctx, Role.VOLUNTEER, "harlow")
    today = site_today(site)
    shown = today - timedelta(days=14)
    acted, dismissed = others
    for member in others:
        _healthy_start_household(member)
    at = datetime.combine(shown, time(11, 0), ZoneInfo(site.timezone)).astimezone(UTC)
    signpost = Referral(
        site_id=site.id,
        member_id=acted.id,
        service_id=healthy_start.id,
        kind=ReferralKind.SIGNPOST.value,
        consent_given=False,
        note="",
        status=ReferralStatus.MADE.value,
        made_on=shown,
        status_on=shown,
        recorded_at=at,
        recorded_by_id=volunteer.id,
        updated_at=at,
    )
    db.session.add(signpost)
    db.session.flush()
    common = {"site_id": site.id, "kind": PromptKind.HEALTHY_START.value, "created_at": at}
    db.session.add_all(
        [
            SupportPrompt(
                member_id=acted.id,
                first_shown_on=shown,
                outcome=PromptOutcome.ACTED.value,
                outcome_on=shown,
                outcome_by_id=volunteer.id,
                referral_id=signpost.id,
                **common,
            ),
            SupportPrompt(
                member_id=dismissed.id,
                first_shown_on=shown,
                outcome=PromptOutcome.DISMISSED.value,
                reason=DismissReason.ALREADY_HAS.value,
                outcome_on=shown,
                outcome_by_id=volunteer.id,
                **common,
            ),
        ]
    )


def seed(ctx: Any) -> None:
    """The directory, then signposts and referrals of about a quarter of each site's active
    members (not the desk's cast), some of them waiting to be followed up; then the referral
    agencies, a referrer's account and their inbound referrals (demo_agencies)."""
    _seed_referrals(ctx)
    demo_agencies.seed(ctx)


def backdated_referral(
    site: Any,
    volunteer: Any,
    member_id: int,
    service: Any,
    kind: ReferralKind,
    status: ReferralStatus,
    day: Any,
    *,
    heard_after: int,
) -> Referral:
    """A signpost or referral recorded by the volunteer at 11:15 on `day` (site time), its
    status heard `heard_after` days later."""
    at = datetime.combine(day, time(11, 15), ZoneInfo(site.timezone)).astimezone(UTC)
    return Referral(
        site_id=site.id,
        member_id=member_id,
        service_id=service.id,
        kind=kind.value,
        consent_given=kind == ReferralKind.REFERRAL,
        note="",
        status=status.value,
        made_on=day,
        status_on=day + timedelta(days=heard_after),
        recorded_at=at,
        recorded_by_id=volunteer.id,
        updated_at=at + timedelta(days=heard_after),
        updated_by_id=volunteer.id,
    )


def _seed_referrals(ctx: Any) -> None:
    _services(ctx)
    db.session.flush()
    rng = random.Random(15)  # noqa: S311 (repeatable demo data, not a secret)
    cast = set(ctx.extra.get("desk", {}))
    for code, site in ctx.sites.items():
        members = [
            m
            for m in ctx.extra.get("members", {}).get(code, [])
            if m.status == MemberStatus.ACTIVE.value and m.id not in cast
        ]
        offered = services_for_site(site)
        if not members or not offered:
            continue
        volunteer = _staff(ctx, Role.VOLUNTEER, code)
        today = site_today(site)
        chosen = rng.sample(members, max(2, int(len(members) * REFERRAL_SHARE)))
        for n, member in enumerate(chosen):
            age = rng.randint(1, 56)
            if n < 2:  # at least two with no news for longer than the follow-up time
                age = FOLLOW_UP_DAYS + 3 + n * 5
            made_on = max(today - timedelta(days=age), member.joined_on or today)
            age = (today - made_on).days
            service: SupportService = rng.choice(offered)
            kind = ReferralKind.REFERRAL if rng.random() < 0.6 or n < 2 else ReferralKind.SIGNPOST
            status, after = (
                (ReferralStatus.MADE, 0)
                if n < 2 or kind == ReferralKind.SIGNPOST
                else _outcome(rng, age)
            )
            db.session.add(
                backdated_referral(
                    site, volunteer, member.id, service, kind, status, made_on, heard_after=after
                )
            )
    _prompts(ctx)
