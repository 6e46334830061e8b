"""Referral agencies and inbound referrals by the API: the register (administrators keep it,
site managers read their sites'), a referrer's referral to a site their agency serves, the
site's list, accept (a registration through the members' own service, duplicates refused)
and decline; every other site or agency is 404."""

from __future__ import annotations

from sqlalchemy import select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.support.agency_models import InboundReferral
from tests.support.conftest import inbound_body


def _inbound(code: str) -> str:
    return f"/api/v1/sites/{code}/inbound-referrals"


def _refer(client, site, referrer, token_for, **overrides):
    answer = client.post(
        _inbound(site.code), json=inbound_body(**overrides), headers=token_for(referrer)
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


# --- the register --------------------------------------------------------------------------


def test_an_admin_keeps_the_register_and_a_manager_reads_their_sites_agencies(
    client, desk, make_desk, make_user, token_for
):
    other = make_desk()
    admin = make_user("admin")
    made = client.post(
        "/api/v1/referral-agencies",
        json={
            "name": "Citizens Advice Harlow",
            "kind": "citizens_advice",
            "phone": "0344 477 0808",
            "email": "advice@example.org",
            "sites": [desk.site.code],
        },
        headers=token_for(admin),
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["kind_label"] == "Citizens Advice"
    assert body["sites"] == [desk.site.code]
    again = client.post(
        "/api/v1/referral-agencies",
        json={"name": "Citizens Advice Harlow", "kind": "charity"},
        headers=token_for(admin),
    )
    assert again.status_code == 409
    assert "name" in again.get_json()["error"]["fields"]

    mine = client.get("/api/v1/referral-agencies", headers=token_for(desk.manager)).get_json()
    assert [a["name"] for a in mine["items"]] == ["Citizens Advice Harlow"]
    theirs = client.get("/api/v1/referral-agencies", headers=token_for(other.manager))
    assert theirs.get_json()["items"] == []
    assert (
        client.get("/api/v1/referral-agencies", headers=token_for(desk.volunteer)).status_code
        == 403
    )
    refused = client.patch(
        f"/api/v1/referral-agencies/{body['id']}",
        json={"active": False},
        headers=token_for(desk.manager),
    )
    assert refused.status_code == 403
    changed = client.patch(
        f"/api/v1/referral-agencies/{body['id']}",
        json={"phone": "01279 000 000", "sites": [desk.site.code, other.site.code]},
        headers=token_for(admin),
    )
    assert changed.status_code == 200
    assert set(changed.get_json()["sites"]) == {desk.site.code, other.site.code}


def test_a_bad_kind_or_site_is_refused_naming_the_field(client, make_user, token_for):
    admin = make_user("admin")
    bad_kind = client.post(
        "/api/v1/referral-agencies",
        json={"name": "Somewhere", "kind": "astrology"},
        headers=token_for(admin),
    )
    assert bad_kind.status_code == 422
    assert "kind" in bad_kind.get_json()["error"]["fields"]
    bad_site = client.post(
        "/api/v1/referral-agencies",
        json={"name": "Somewhere", "kind": "school", "sites": ["nowhere"]},
        headers=token_for(admin),
    )
    assert bad_site.status_code == 422
    assert "sites" in bad_site.get_json()["error"]["fields"]


# --- referring --------------------------------------------------------------------------------


def test_a_referrer_refers_to_their_agencys_site_and_sees_only_their_agencys_referrals(
    client, desk, make_desk, make_agency, make_referrer, token_for
):
    other = make_desk()
    agency_a = make_agency(desk.site)
    agency_b = make_agency(desk.site, other.site, kind="school")
    rosa, bea = make_referrer(agency_a), make_referrer(agency_b)
    made = _refer(client, desk.site, rosa, token_for)
    assert made["status"] == "pending"
    assert made["agency_kind"] == "citizens_advice"
    assert "membership_number" not in made
    _refer(client, desk.site, bea, token_for, first_name="Bea", last_name="Other")

    # A site agency A does not refer to: 404, as for one that does not exist.
    not_served = client.post(
        _inbound(other.site.code), json=inbound_body(), headers=token_for(rosa)
    )
    assert not_served.status_code == 404
    assert client.get(_inbound(other.site.code), headers=token_for(rosa)).status_code == 404
    assert (
        client.post(_inbound("nowhere"), json=inbound_body(), headers=token_for(rosa)).status_code
        == 404
    )

    own = client.get(_inbound(desk.site.code), headers=token_for(rosa)).get_json()["items"]
    assert [r["first_name"] for r in own] == ["Amira"]
    theirs = client.get(_inbound(desk.site.code), headers=token_for(bea)).get_json()["items"]
    assert [r["first_name"] for r in theirs] == ["Bea"]
    # The site's staff see both; staff of another site do not reach it.
    staff = client.get(_inbound(desk.site.code), headers=token_for(desk.volunteer)).get_json()
    assert {r["first_name"] for r in staff["items"]} == {"Amira", "Bea"}
    assert (
        client.get(_inbound(desk.site.code), headers=token_for(other.volunteer)).status_code == 404
    )
    # Staff do not refer; referrers do not accept or decline.
    assert (
        client.post(
            _inbound(desk.site.code), json=inbound_body(), headers=token_for(desk.volunteer)
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{_inbound(desk.site.code)}/{made['id']}/decline",
            json={"reason": "No"},
            headers=token_for(rosa),
        ).status_code
        == 403
    )


def test_bad_referrals_are_refused_naming_the_fields_and_change_nothing(
    client, desk, make_agency, make_referrer, token_for
):
    rosa = make_referrer(make_agency(desk.site))
    headers = token_for(rosa)
    no_consent = client.post(
        _inbound(desk.site.code), json=inbound_body(consent_given=False), headers=headers
    )
    assert no_consent.status_code == 422
    assert "consent_given" in no_consent.get_json()["error"]["fields"]
    bad = client.post(
        _inbound(desk.site.code),
        json=inbound_body(
            postcode="nowhere", urgency="yesterday", reason="", household={"adults": 0}
        ),
        headers=headers,
    )
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert {"postcode", "urgency", "reason", "household"} <= set(fields)
    assert db.session.scalars(select(InboundReferral)).all() == []


def test_a_referrer_of_an_inactive_agency_refers_nowhere(
    client, desk, make_agency, make_referrer, make_user, token_for
):
    agency = make_agency(desk.site)
    rosa = make_referrer(agency)
    admin = make_user("admin")
    client.patch(
        f"/api/v1/referral-agencies/{agency.id}", json={"active": False}, headers=token_for(admin)
    )
    answer = client.post(_inbound(desk.site.code), json=inbound_body(), headers=token_for(rosa))
    assert answer.status_code == 404


# --- accept and decline ---------------------------------------------------------------------


def test_accepting_registers_the_household_with_the_details_pre_filled(
    client, desk, make_agency, make_referrer, token_for
):
    rosa = make_referrer(make_agency(desk.site, name="Citizens Advice Harlow"))
    made = _refer(client, desk.site, rosa, token_for)
    url = f"{_inbound(desk.site.code)}/{made['id']}/accept"
    # The privacy notice is the desk's to give: without it, 422 naming the field.
    missing = client.post(url, json={}, headers=token_for(desk.volunteer))
    assert missing.status_code == 422
    assert "consents" in missing.get_json()["error"]["fields"]
    answer = client.post(
        url,
        json={"registration": {"consents": {"privacy_notice_given": True}}},
        headers=token_for(desk.volunteer),
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["registered"] is True
    member = db.session.scalar(
        select(Member).where(Member.membership_number == body["membership_number"])
    )
    assert (member.first_name, member.last_name, member.postcode) == ("Amira", "Haddad", "CM20 2QT")
    assert member.children_5_11 == 2
    assert member.eligibility_route == "referral"
    assert body["referral"]["status"] == "accepted"
    assert body["referral"]["membership_number"] == member.membership_number
    referral = db.session.get(InboundReferral, made["id"])
    assert referral.member_id == member.id
    assert referral.decided_at is not None
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "member.inbound_referral_accepted")
    )
    # Decided once: a second accept or a decline is 409.
    again = client.post(
        url,
        json={"registration": {"consents": {"privacy_notice_given": True}}},
        headers=token_for(desk.volunteer),
    )
    assert again.status_code == 409
    # The referrer sees it accepted, without the member's number.
    seen = client.get(_inbound(desk.site.code), headers=token_for(rosa)).get_json()["items"][0]
    assert seen["status"] == "accepted"
    assert seen["taken_up"] is False
    assert "membership_number" not in seen


def test_a_possible_duplicate_is_refused_with_its_number_or_accepted_for_that_member(
    client, desk, make_agency, make_referrer, token_for
):
    existing = desk.member(
        first_name="Amira", last_name="Haddad", postcode="CM20 2QT", date_of_birth="1987-05-01"
    )
    rosa = make_referrer(make_agency(desk.site))
    made = _refer(client, desk.site, rosa, token_for)
    url = f"{_inbound(desk.site.code)}/{made['id']}/accept"
    duplicate = client.post(
        url,
        json={"registration": {"consents": {"privacy_notice_given": True}}},
        headers=token_for(desk.volunteer),
    )
    assert duplicate.status_code == 409
    error = duplicate.get_json()["error"]
    assert error["code"] == "possible_duplicate"
    assert error["details"]["membership_number"] == existing.membership_number
    assert db.session.get(InboundReferral, made["id"]).status == "pending"
    matched = client.post(
        url,
        json={"membership_number": existing.membership_number},
        headers=token_for(desk.volunteer),
    )
    assert matched.status_code == 200
    assert matched.get_json()["registered"] is False
    assert db.session.get(InboundReferral, made["id"]).member_id == existing.id


def test_declining_needs_a_reason_that_the_agency_then_reads(
    client, desk, make_desk, make_agency, make_referrer, token_for
):
    other = make_desk()
    rosa = make_referrer(make_agency(desk.site))
    made = _refer(client, desk.site, rosa, token_for)
    url = f"{_inbound(desk.site.code)}/{made['id']}/decline"
    empty = client.post(url, json={"reason": ""}, headers=token_for(desk.volunteer))
    assert empty.status_code == 422
    assert "reason" in empty.get_json()["error"]["fields"]
    elsewhere = client.post(
        f"{_inbound(other.site.code)}/{made['id']}/decline",
        json={"reason": "No"},
        headers=token_for(other.volunteer),
    )
    assert elsewhere.status_code == 404
    hidden = client.post(url, json={"reason": "No"}, headers=token_for(other.volunteer))
    assert hidden.status_code == 404
    answer = client.post(
        url, json={"reason": "Outside our area: try Basildon."}, headers=token_for(desk.volunteer)
    )
    assert answer.status_code == 200
    seen = client.get(_inbound(desk.site.code), headers=token_for(rosa)).get_json()["items"][0]
    assert seen["status"] == "declined"
    assert seen["decline_reason"] == "Outside our area: try Basildon."


def test_the_referrer_sees_taken_up_once_the_household_has_visited(
    client, desk, make_agency, make_referrer, token_for
):
    member = desk.member(first_name="Amira", last_name="Haddad", postcode="CM20 2QT")
    rosa = make_referrer(make_agency(desk.site))
    made = _refer(client, desk.site, rosa, token_for)
    client.post(
        f"{_inbound(desk.site.code)}/{made['id']}/accept",
        json={"membership_number": member.membership_number},
        headers=token_for(desk.volunteer),
    )
    seen = client.get(_inbound(desk.site.code), headers=token_for(rosa)).get_json()["items"][0]
    assert seen["taken_up"] is False
    desk.check_in(member)
    seen = client.get(_inbound(desk.site.code), headers=token_for(rosa)).get_json()["items"][0]
    assert seen["taken_up"] is True
