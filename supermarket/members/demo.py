"""Demonstration members: 40-60 households per demo site, registered through the real service.

British names of many backgrounds (Welsh, Polish, Nigerian, Pakistani, Bangladeshi, Chinese,
Arabic, Irish, Caribbean, Romanian...), Essex postcodes in each site's area, households of
every shape, and a few suspended, lapsed, closed and waiting memberships. The members made
are put in ctx.extra["members"] (a dict of site code -> list of Member) for later seeders.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from supermarket.auth.models import Role, User
from supermarket.members import services
from supermarket.members.models import MemberStatus
from supermarket.members.schemas import MemberIn
from supermarket.members.terms import add_months
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site

PEOPLE = (
    ("Tasha", "Okafor"),
    ("Sue", "Barker"),
    ("Zoë", "Adams"),
    ("Łukasz", "Wójcik"),
    ("Agnieszka", "Nowak"),
    ("Siân", "Llewellyn"),
    ("Rhys", "Pritchard"),
    ("Mohammed", "Hussain"),
    ("Fatima", "Begum"),
    ("Aisha", "Rahman"),
    ("Wei", "Zhang"),
    ("Fang", "Wang"),
    ("Chidi", "Nwosu"),
    ("Blessing", "Adeyemi"),
    ("Kwame", "Mensah"),
    ("Grace", "Boateng"),
    ("Priya", "Sharma"),
    ("Arjun", "Patel"),
    ("Gurpreet", "Kaur"),
    ("Siobhán", "O'Brien"),
    ("Declan", "Murphy"),
    ("Maria", "Popescu"),
    ("Andrei", "Ionescu"),
    ("Leanne", "Hughes"),
    ("Kayleigh", "Smith"),
    ("Darren", "Jones"),
    ("Stacey", "Williams"),
    ("Gary", "Taylor"),
    ("Jade", "Brown"),
    ("Lee", "Davies"),
    ("Shanice", "Campbell"),
    ("Marcus", "Thompson"),
    ("Yusuf", "Ali"),
    ("Mariam", "Haddad"),
    ("Omar", "Al-Sayed"),
    ("Nadia", "Khan"),
    ("Jan", "Kowalski"),
    ("Oksana", "Shevchenko"),
    ("Tomasz", "Lewandowski"),
    ("Emma", "Clarke"),
    ("Olivia", "Walker"),
    ("Jack", "Robinson"),
    ("Ruby", "Wright"),
    ("Connor", "Green"),
    ("Megan", "Evans"),
    ("Dylan", "Roberts"),
    ("Bethan", "Morgan"),
    ("Thi Lan", "Nguyen"),
    ("Hui", "Chen"),
    ("Rosa", "Silva"),
    ("Ahmed", "Mahmoud"),
    ("Ifeoma", "Eze"),
    ("Ayesha", "Chowdhury"),
    ("Shauna", "Kelly"),
    ("Dorota", "Zielińska"),
    ("Kofi", "Asante"),
    ("Sarah", "Cohen"),
    ("Chloe", "Baker"),
    ("Ellie", "Turner"),
    ("Jamal", "Ahmed"),
)
AREAS = {
    "harlow": ("CM17", "CM18", "CM19", "CM20"),
    "basildon": ("SS13", "SS14", "SS15", "SS16"),
    "canvey": ("SS8",),
}
AGENCIES = (
    "Citizens Advice",
    "Harlow Council housing team",
    "Health visitor",
    "School family support worker",
    "Jobcentre Plus work coach",
    "Essex Welfare Service",
)
BENEFITS = (
    "Universal Credit",
    "Pension Credit",
    "Employment and Support Allowance",
    "Carer's Allowance",
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _postcode(rng: random.Random, district: str) -> str:
    letters = rng.choice(INWARD_LETTERS) + rng.choice(INWARD_LETTERS)
    return f"{district} {rng.randint(1, 9)}{letters}"


def _household(rng: random.Random) -> dict[str, int]:
    shape = rng.random()
    adults = 1 if shape < 0.45 else (2 if shape < 0.9 else rng.randint(3, 5))
    kids = rng.choice((0, 0, 0, 1, 1, 2, 2, 3, 4)) if adults < 4 else rng.randint(0, 2)
    bands = [0, 0, 0]
    for _ in range(kids):
        bands[rng.choice((0, 1, 1, 2))] += 1
    return {
        "adults": adults,
        "children_0_4": bands[0],
        "children_5_11": bands[1],
        "children_12_17": bands[2],
    }


def _manager(ctx: Any, site: Site) -> User:
    for user in ctx.staff.values():
        if user.role == Role.SITE_MANAGER and site in user.sites:
            return user
    raise RuntimeError(f"no demo manager for {site.code}")


def _payload(rng: random.Random, site: Site, first: str, last: str) -> dict[str, Any]:
    settings = site.settings
    routes = list(settings.eligibility_routes)
    route = rng.choice(routes + ["self_declared"] * 3 if "self_declared" in routes else routes)
    districts = AREAS.get(site.code) or tuple(settings.catchment) or ("CM20",)
    if route == "postcode" and settings.catchment:
        districts = tuple(c for c in settings.catchment if " " not in c) or districts
    eligibility: dict[str, Any] = {"route": route}
    if route == "referral":
        eligibility["referral_agency"] = rng.choice(AGENCIES)
        eligibility["referral_reference"] = f"R{rng.randint(1000, 9999)}"
    if route == "benefits":
        eligibility["benefit"] = rng.choice(BENEFITS)
    today = site_today(site)
    born = today - timedelta(days=rng.randint(19 * 365, 82 * 365))
    dietary = rng.sample(
        ["vegetarian", "halal", "gluten_free", "diabetic", "nut_allergy"],
        k=rng.choice((0, 0, 0, 1, 1, 2)),
    )
    return {
        "first_name": first,
        "last_name": last,
        "date_of_birth": born.isoformat(),
        "postcode": _postcode(rng, rng.choice(districts)),
        "phone": f"07700 9{rng.randint(0, 99999):05d}" if rng.random() < 0.8 else None,
        "email": None,
        "household": _household(rng),
        "eligibility": eligibility,
        "dietary": dietary,
        "dietary_notes": "Peanut allergy (child)" if "nut_allergy" in dietary else "",
        "consents": {
            "privacy_notice_given": True,
            "survey": rng.random() < 0.7,
            "contact": rng.random() < 0.5,
        },
    }


def _joining_fee(site: Site, index: int) -> dict[str, Any] | None:
    """How a demo household settled the site's joining fee: mostly cash, some by card, a few
    waived (by position, so the demo's random draws stay as they were)."""
    if not site.settings.joining_fee_pence:
        return None
    if index % 11 == 4:
        return {"method": "waived", "reason": "Referred in crisis by the council"}
    return {"method": "card" if index % 3 == 1 else "cash"}


def seed(ctx: Any) -> None:
    """Register 40-60 member households at each demo site (a fixed seed, so always the same)."""
    rng = random.Random(20240601)  # noqa: S311 - repeatable demo data, not a secret
    schema = MemberIn()
    made: dict[str, list[Any]] = {}
    for code, site in ctx.sites.items():
        manager = _manager(ctx, site)
        today = site_today(site)
        people = rng.sample(PEOPLE, k=min(len(PEOPLE), rng.randint(40, 60)))
        members = []
        for index, (first, last) in enumerate(people):
            payload = _payload(rng, site, first, last)
            payload["joining_fee"] = _joining_fee(site, index)
            member = services.register_member(site, schema.load(payload), actor=manager).member
            # Spread the joining dates over the past year so terms and reviews vary.
            joined = today - timedelta(days=rng.randint(0, 360))
            for fee in member.fees:  # taken the day they joined, before the till opened
                fee.recorded_at = datetime.combine(joined, time(9, 30), ZoneInfo(site.timezone))
                fee.local_date = joined
            member.joined_on = joined
            member.expires_on = add_months(joined, site.settings.membership_term_months)
            member.review_due_on = add_months(joined, site.settings.review_interval_months)
            while member.review_due_on < today - timedelta(days=30):
                member.review_due_on = add_months(
                    member.review_due_on, site.settings.review_interval_months
                )
            if index % 17 == 5:
                services.suspend_member(member, "Missed three sessions without word", actor=manager)
            elif index % 19 == 7 and member.expires_on < today:
                member.status = MemberStatus.LAPSED.value
            elif index % 23 == 11:
                services.close_member(member, "Moved out of the area", actor=manager)
            members.append(member)
        made[code] = members
    ctx.extra["members"] = made
