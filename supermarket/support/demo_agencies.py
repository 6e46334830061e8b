"""Demo referral agencies: Citizens Advice Harlow (with a referrer's account) and the council's
early-help team, and households they referred to Harlow and Basildon in each state: waiting
(one urgent), declined with a reason, accepted and registered, and accepted for a member
already shopping (so "taken up" shows).

Made through the real services: the register by the demo's administrator, the referrals by
the referrer, the decisions by the site's staff. The referrer's login is added to the
demo's printed logins through ctx.extra["logins"].
"""

from __future__ import annotations

import secrets
from typing import Any

from supermarket.auth.models import Role, User
from supermarket.auth.services import create_user
from supermarket.extensions import db
from supermarket.members.models import MemberStatus
from supermarket.members.schemas import MemberIn
from supermarket.support.agency_models import InboundReferral, InboundStatus
from supermarket.support.services import agencies, inbound

REFERRER_EMAIL = "rosa.referrer@example.org"
REFERRER_NAME = "Rosa Bianchi"
CITIZENS_ADVICE = "Citizens Advice Harlow"
EARLY_HELP = "Essex Children and Families early help (West)"

# (first name, surname, postcode, household, reason, urgency); all are referred to Harlow.
REFERRED = (
    (
        "Amira",
        "Haddad",
        "CM20 2QT",
        {"adults": 1, "children_5_11": 2},
        "Universal Credit payment delayed five weeks; rent arrears; no food in the house.",
        "urgent",
    ),
    (
        "Gareth",
        "Lloyd",
        "CM18 6LU",
        {"adults": 1},
        "Lost his job last month; waiting for his first benefit payment.",
        "routine",
    ),
    (
        "Bronwen",
        "Ellis",
        "SS16 5NX",
        {"adults": 2, "children_0_4": 1},
        "Energy debt and a new baby.",
        "routine",
    ),
    (
        "Kofi",
        "Mensah-Bright",
        "CM19 4EU",
        {"adults": 2, "children_12_17": 1},
        "Working, but hours cut; struggling with food and bills.",
        "routine",
    ),
)
DECLINE_REASON = (
    "This postcode is nearer Basildon Community Supermarket, which takes households from "
    "SS16: please refer them there."
)


def _password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(4))


def _one(ctx: Any, role: Role, code: str) -> User:
    return next(
        u for u in ctx.staff.values() if u.role == role and any(s.code == code for s in u.sites)
    )


def _accept_new(referral: InboundReferral, staff: User) -> None:
    data = inbound.merged_registration(
        referral,
        {
            "date_of_birth": "1984-03-09",
            "consents": {"privacy_notice_given": True, "survey": True},
        },
    )
    inbound.accept(referral.site, referral.id, actor=staff, registration=MemberIn().load(data))


def seed(ctx: Any) -> None:
    if "harlow" not in ctx.sites:
        return
    harlow = ctx.sites["harlow"]
    admin = next(u for u in ctx.staff.values() if u.role == Role.ADMIN)
    citizens_advice = agencies.create_agency(
        {
            "name": CITIZENS_ADVICE,
            "kind": "citizens_advice",
            "phone": "0344 477 0808",
            "email": "advice@harlow-ca.example.org",
            "sites": ["harlow"],
        },
        actor=admin,
    )
    early_help = agencies.create_agency(
        {
            "name": EARLY_HELP,
            "kind": "council_early_help",
            "phone": "0345 603 7627",
            "sites": [c for c in ("harlow", "basildon") if c in ctx.sites],
        },
        actor=admin,
    )
    db.session.flush()
    password = _password()
    referrer = create_user(
        email=REFERRER_EMAIL,
        name=REFERRER_NAME,
        role=Role.REFERRER.value,
        password=password,
        agency_id=citizens_advice.id,
        actor=None,
    )
    ctx.staff[REFERRER_EMAIL] = referrer
    ctx.extra.setdefault("logins", []).append((Role.REFERRER.value, REFERRER_EMAIL, password))
    db.session.flush()

    made = []
    for first, last, postcode, household, reason, urgency in REFERRED:
        request = inbound.NewInbound(
            first_name=first,
            last_name=last,
            postcode=postcode,
            reason=reason,
            consent_given=True,
            urgency=urgency,
            household=household,
        )
        made.append(inbound.refer(harlow, request, actor=referrer))
    manager = _one(ctx, Role.SITE_MANAGER, "harlow")
    volunteer = _one(ctx, Role.VOLUNTEER, "harlow")
    # Amira and Gareth wait; Bronwen is declined; Kofi is registered from the referral.
    inbound.decline(harlow, made[2].id, DECLINE_REASON, actor=volunteer)
    _accept_new(made[3], manager)

    # One of Harlow's shoppers came through the agency: accepted for the member (taken up).
    shoppers = [
        m
        for m in ctx.extra.get("members", {}).get("harlow", [])
        if m.status == MemberStatus.ACTIVE.value and m.id not in set(ctx.extra.get("desk", {}))
    ]
    if shoppers:
        member = shoppers[-1]
        referral = inbound.refer(
            harlow,
            inbound.NewInbound(
                first_name=member.first_name,
                last_name=member.last_name,
                postcode=member.postcode or "CM20 1AA",
                reason="Debt advice client; food help while a payment plan is agreed.",
                consent_given=True,
                household={"adults": member.adults},
            ),
            actor=referrer,
        )
        inbound.accept(
            harlow, referral.id, actor=volunteer, membership_number=member.membership_number
        )

    # The early-help team has no account in the demo: its referral to Basildon waits.
    if "basildon" in ctx.sites:
        db.session.add(
            InboundReferral(
                agency=early_help,
                site=ctx.sites["basildon"],
                first_name="Leah",
                last_name="Turner",
                postcode="SS14 2AB",
                adults=1,
                children_0_4=1,
                children_5_11=1,
                consent_given=True,
                reason="Family support plan: food is one of the family's priorities.",
                urgency="routine",
                status=InboundStatus.PENDING.value,
            )
        )
    db.session.flush()
