"""A referrer's every answer carries no other member's data.

Signed in as a referrer of agency A (by the pages and by an API token), every GET route of
the app is walked with each site's code, each seeded member's number and each referral's id
in its URL, and the sign-in pages the referrer is sent to are followed; each answer must be
a refusal (403 or 404), a redirect elsewhere, or carry none of the seeded members' names,
numbers or postcodes, nor the household another agency referred. Only the household agency A
referred (and the site accepted) may show. The writes a referrer might try on members,
visits and the site's decisions are refused too.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from supermarket.auth.models import Role
from supermarket.auth.web import ALL_ROLES, EVERY_ROLE
from supermarket.extensions import db
from supermarket.members.identifiers import display_number
from supermarket.support.services import inbound
from tests.conftest import csrf_token

_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _household(first: str, last: str, postcode: str) -> dict[str, Any]:
    return {"first_name": first, "last_name": last, "postcode": postcode}


@pytest.fixture
def programme(desk, make_desk, make_agency, make_referrer) -> dict[str, Any]:
    """Two sites with members, two agencies referring to the first, and a referrer of each."""
    other = make_desk()
    members = [
        desk.member(**_household("Zebedee", "Quartermaine", "CM20 9ZZ")),
        desk.member(**_household("Philippa", "Vandersloot", "CM19 8YY")),
        other.member(**_household("Ignatius", "Wolstenholme", "SS14 7XX")),
    ]
    desk.check_in(members[0])
    agency_a = make_agency(desk.site, name="Citizens Advice Harlow")
    agency_b = make_agency(desk.site, other.site, name="Harlow Primary School", kind="school")
    rosa, bea = make_referrer(agency_a), make_referrer(agency_b)

    def refer(actor, first, last, postcode):
        return inbound.refer(
            desk.site,
            inbound.NewInbound(
                first_name=first,
                last_name=last,
                postcode=postcode,
                phone="07700 900777",
                reason="Needs food help",
                consent_given=True,
            ),
            actor=actor,
        )

    own = refer(rosa, "Amira", "Haddad", "CM20 2QT")
    theirs = refer(bea, "Bartholomew", "Xylander", "CM17 6WW")
    accepted = inbound.accept(
        desk.site,
        own.id,
        actor=desk.volunteer,
        registration=_registration(own),
    )
    db.session.commit()
    forbidden = set()
    for member in members:
        forbidden |= {
            member.first_name,
            member.last_name,
            member.postcode,
            member.membership_number,
            display_number(member.membership_number),
        }
    forbidden |= {"Bartholomew", "Xylander", "CM17 6WW"}
    return {
        "sites": [desk.site, other.site],
        "numbers": [m.membership_number for m in members] + [accepted.member.membership_number],
        "referrals": [own.id, theirs.id],
        "rosa": rosa,
        "forbidden": forbidden,
        "own_member": accepted.member,
        "desk": desk,
    }


def _registration(referral) -> Any:
    from supermarket.members.schemas import MemberIn

    data = inbound.merged_registration(
        referral,
        {"date_of_birth": "1987-05-01", "consents": {"privacy_notice_given": True}},
    )
    return MemberIn().load(data)


def _urls(app, programme: dict[str, Any]) -> list[str]:
    """Every GET rule with each plausible value in its arguments."""
    values = {
        "code": [s.code for s in programme["sites"]],
        "number": programme["numbers"],
        "referral_id": programme["referrals"],
    }
    urls: set[str] = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or ()):
            continue
        found = [[rule.rule]]
        for match in _ARG.finditer(rule.rule):
            converter, name = match.group(1) or "string", match.group(2)
            options = values.get(name) or (["1", "2", "3"] if converter == "int" else ["x1"])
            found.append([(match.group(0), str(option)) for option in options])
        expanded = [rule.rule]
        for choices in found[1:]:
            expanded = [u.replace(a, b, 1) for u in expanded for a, b in choices]
        urls.update(expanded)
    return sorted(urls)


def _leaks(text: str, forbidden: set[str]) -> list[str]:
    return sorted(word for word in forbidden if word and word in text)


def _check(answer, url: str, forbidden: set[str]) -> None:
    assert answer.status_code < 500, url
    if answer.status_code in (401, 403, 404, 405):
        return
    assert _leaks(answer.get_data(as_text=True), forbidden) == [], url


def test_a_referrer_falls_into_no_existing_privilege():
    assert Role.REFERRER not in ALL_ROLES
    assert Role.REFERRER in EVERY_ROLE
    assert not Role.REFERRER.works_at_sites


def test_a_referrers_pages_carry_no_other_members_data(app, client, login, programme):
    login(programme["rosa"])
    forbidden = programme["forbidden"]
    seen_own = False
    for url in _urls(app, programme):
        answer = client.get(url)
        _check(answer, url, forbidden)
        if answer.status_code == 302:
            followed = client.get(answer.headers["Location"])
            _check(followed, answer.headers["Location"], forbidden)
        seen_own = seen_own or "Amira" in answer.get_data(as_text=True)
    assert seen_own  # the household the agency referred is on the referrer's page


def test_a_referrers_api_answers_carry_no_other_members_data(app, client, token_for, programme):
    headers = token_for(programme["rosa"])
    forbidden = programme["forbidden"] | {programme["own_member"].membership_number}
    for url in _urls(app, programme):
        if not url.startswith("/api/"):
            continue
        _check(client.get(url, headers=headers), url, forbidden)
    own = client.get(
        f"/api/v1/sites/{programme['sites'][0].code}/inbound-referrals", headers=headers
    ).get_json()
    assert [r["first_name"] for r in own["items"]] == ["Amira"]


def test_a_referrer_cannot_write_to_members_visits_or_the_sites_decisions(
    client, login, token_for, programme
):
    headers = token_for(programme["rosa"])
    site = programme["sites"][0]
    number = programme["numbers"][0]
    referral = programme["referrals"][1]
    writes = [
        (f"/api/v1/sites/{site.code}/members", {"first_name": "X"}),
        (f"/api/v1/sites/{site.code}/visits", {"membership_number": number}),
        (f"/api/v1/sites/{site.code}/members/{number}/referrals", {"service_id": 1}),
        (f"/api/v1/sites/{site.code}/inbound-referrals/{referral}/accept", {}),
        (f"/api/v1/sites/{site.code}/inbound-referrals/{referral}/decline", {"reason": "x"}),
        ("/api/v1/referral-agencies", {"name": "Mine", "kind": "other"}),
    ]
    for url, body in writes:
        answer = client.post(url, json=body, headers=headers)
        assert answer.status_code in (403, 404, 405), (url, answer.status_code)
    login(programme["rosa"])
    token = csrf_token(client, "/support/referrals")
    for url in (
        f"/support/inbound/{referral}/decline",
        f"/support/inbound/{referral}/accept",
        f"/members/{number}/anonymise",
    ):
        answer = client.post(url, data={"csrf_token": token, "reason": "x"})
        assert answer.status_code in (403, 404), (url, answer.status_code)
