"""Demonstration members: 40-60 households per demo site, registered through the real service.

British names of many backgrounds (Welsh, Polish, Nigerian, Pakistani, Bangladeshi, Chinese,
Arabic, Irish, Caribbean, Romanian...), Essex postcodes in each site's area, households of
every shape, and a few suspended, lapsed, closed and waiting memberships. Most memberships whose
first term has ended were renewed; a few lapsed. The members made are put in
ctx.extra["members"] (a dict of site code -> list of Member) for later seeders.

Beside them, the desk's cast (DESK_CAST): named households with fixed membership numbers, in a
known state from the day the demo is loaded, so that whoever tries the check-in can reach each
answer the desk gives (the README names them). They are in ctx.extra["desk"] (member id ->
what the desk shows): the visits demo leaves them out of the current week and checks in the
VISITED ones this morning; the surveys demo leaves the SURVEY_DUE ones without a survey.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from supermarket.auth.models import Role, User
from supermarket.members import services
from supermarket.members.identifiers import check_character
from supermarket.members.models import Member, MemberStatus
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

# What the desk shows for a cast member on the day the demo is loaded (and, but for VISITED,
# on the days after: their memberships run for weeks yet).
READY = "ready"  # can be checked in
SURVEY_DUE = "survey_due"  # can be checked in; the food survey (first time) is due
RENEWAL_DUE = "renewal_due"  # can be checked in; the membership ends in three weeks
VISITED = "visited"  # checked in this morning: already visited this week
SUSPENDED = "suspended"
CLOSED = "closed"
LAPSED = "lapsed"  # the membership ended five weeks ago: renew, or a manager's override
WAITING = "waiting"  # on the waiting list, not yet a member
OTHER_SITE = "other_site"  # can be checked in at home (Basildon); Canvey refuses other sites'
CAN_SHOP = frozenset({READY, SURVEY_DUE, RENEWAL_DUE, OTHER_SITE})


@dataclass(frozen=True)
class Cast:
    """One household of the desk's cast."""

    site: str
    first_name: str
    last_name: str
    number_body: str  # the card's first seven characters; the eighth is the check character
    shows: str
    adults: int = 1
    children: int = 0

    @property
    def membership_number(self) -> str:
        return self.number_body + check_character(self.number_body)


DESK_CAST = (
    Cast("harlow", "Amelia", "Foster", "HARW001", READY, 1, 2),
    Cast("harlow", "Precious", "Obi", "HARW002", READY, 2, 3),
    Cast("harlow", "Hamza", "Qureshi", "HARW003", SURVEY_DUE, 2, 1),
    Cast("harlow", "Bronwen", "Hale", "HARW004", RENEWAL_DUE, 1),
    Cast("harlow", "Ellen", "Marsh", "HARW005", VISITED, 1, 1),
    Cast("harlow", "Craig", "Dunn", "HARW006", SUSPENDED, 1),
    Cast("harlow", "Joyce", "Palmer", "HARW007", CLOSED, 2),
    Cast("harlow", "Wiktor", "Mazur", "HARW008", LAPSED, 2, 2),
    Cast("harlow", "Halima", "Yusuf", "HARW009", WAITING, 1, 3),
    Cast("basildon", "Ruth", "Okoro", "BSDN001", READY, 1, 1),
    Cast("basildon", "Sunil", "Mehta", "BSDN002", OTHER_SITE, 2, 2),
    Cast("canvey", "Dean", "Walsh", "CNVY001", READY, 2, 3),
)


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
            if member.expires_on < today and index % 6 != 1:
                _renewed(member, site, today)
            if index % 17 == 5:
                services.suspend_member(member, "Missed three sessions without word", actor=manager)
            elif member.expires_on < today:
                member.status = MemberStatus.LAPSED.value
            elif index % 23 == 11:
                services.close_member(member, "Moved out of the area", actor=manager)
            members.append(member)
        made[code] = members
    ctx.extra["members"] = made
    ctx.extra["desk"] = _desk_cast(ctx)


def _renewed(member: Member, site: Site, today: date) -> None:
    """The membership renewed at the end of each term since joining (most households do)."""
    term = site.settings.membership_term_months
    while member.expires_on is not None and member.expires_on < today:
        member.expires_on = add_months(member.expires_on, term)


def _cast_payload(site: Site, cast: Cast, n: int) -> dict[str, Any]:
    routes = site.settings.eligibility_routes
    district = (AREAS.get(site.code) or tuple(site.settings.catchment) or ("CM20",))[0]
    kids = [0, 0, 0]
    for child in range(cast.children):
        kids[child % 3] += 1
    return {
        "first_name": cast.first_name,
        "last_name": cast.last_name,
        "date_of_birth": date(1962 + 3 * n, 1 + n % 12, 3 + n).isoformat(),
        "postcode": f"{district} {1 + n % 9}{INWARD_LETTERS[n]}{INWARD_LETTERS[-1 - n]}",
        "phone": f"07700 900{100 + n}",
        "email": None,
        "household": {
            "adults": cast.adults,
            "children_0_4": kids[0],
            "children_5_11": kids[1],
            "children_12_17": kids[2],
        },
        "eligibility": {"route": "self_declared" if "self_declared" in routes else routes[0]},
        "dietary": [],
        "dietary_notes": "",
        "consents": {
            "privacy_notice_given": True,
            "survey": cast.shows == SURVEY_DUE,
            "contact": False,
        },
    }


def _desk_cast(ctx: Any) -> dict[int, str]:
    """Register the desk's cast at the demo sites there are and put each in its state; returns
    member id -> what the desk shows."""
    schema = MemberIn()
    cast_ids: dict[int, str] = {}
    for n, cast in enumerate(DESK_CAST):
        site = ctx.sites.get(cast.site)
        if site is None:
            continue
        manager = _manager(ctx, site)
        payload = _cast_payload(site, cast, n)
        payload["joining_fee"] = _joining_fee(site, n)
        member = services.register_member(site, schema.load(payload), actor=manager).member
        member.membership_number = cast.membership_number
        _put_in_state(member, site, cast.shows, manager)
        for fee in member.fees:  # taken the day they joined, before the till opened
            fee.recorded_at = datetime.combine(
                member.joined_on, time(9, 30), ZoneInfo(site.timezone)
            )
            fee.local_date = member.joined_on
        cast_ids[member.id] = cast.shows
    return cast_ids


def _put_in_state(member: Member, site: Site, shows: str, manager: User) -> None:
    today = site_today(site)
    term = site.settings.membership_term_months
    expires = {
        RENEWAL_DUE: today + timedelta(days=21),
        LAPSED: today - timedelta(days=35),
    }.get(shows, today + timedelta(days=70))
    member.expires_on = expires
    member.joined_on = add_months(expires, -term)
    member.review_due_on = add_months(today, site.settings.review_interval_months)
    if shows == SUSPENDED:
        services.suspend_member(member, "Missed three sessions without word", actor=manager)
    elif shows == CLOSED:
        services.close_member(member, "Moved out of the area", actor=manager)
        member.closed_on = today - timedelta(days=30)
    elif shows == LAPSED:
        member.status = MemberStatus.LAPSED.value
    elif shows == WAITING:
        member.status = MemberStatus.WAITING.value
        member.joined_on = today - timedelta(days=10)
        member.expires_on = member.review_due_on = None
