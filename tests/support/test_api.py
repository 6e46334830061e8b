"""The support services directory and a member's signposts and referrals, by the API:
validation, role and site scoping, outcomes and the follow-up list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.sites.calendar import site_today
from supermarket.support.models import FOLLOW_UP_DAYS, Referral


def _referrals(code: str, number: str) -> str:
    return f"/api/v1/sites/{code}/members/{number}/referrals"


# --- the directory ---------------------------------------------------------------------------


def test_an_admin_adds_a_programme_entry_that_staff_of_the_sites_it_serves_see(
    client, desk, make_desk, make_user, token_for
):
    other = make_desk()
    admin = make_user("admin")
    made = client.post(
        "/api/v1/services",
        json={
            "name": "Essex Energy Advice",
            "provider": "Essex County Council",
            "category": "energy",
            "phone": "0800 123 4567",
            "walk_in": "Tuesdays 10am to noon",
            "sites": [desk.site.code],
        },
        headers=token_for(admin),
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["programme_wide"] is True
    assert body["site"] is None
    assert body["sites"] == [desk.site.code]
    assert body["category_label"] == "Energy"

    mine = client.get("/api/v1/services", headers=token_for(desk.volunteer)).get_json()
    assert [s["name"] for s in mine["items"]] == ["Essex Energy Advice"]
    theirs = client.get("/api/v1/services", headers=token_for(other.volunteer)).get_json()
    assert theirs["items"] == []
    hidden = client.patch(
        f"/api/v1/services/{body['id']}", json={"name": "X"}, headers=token_for(other.manager)
    )
    assert hidden.status_code == 404


def test_a_bad_category_is_refused_naming_the_field(client, desk, token_for):
    answer = client.post(
        "/api/v1/services",
        json={"name": "Somewhere", "category": "astrology"},
        headers=token_for(desk.manager),
    )
    assert answer.status_code == 422
    assert "category" in answer.get_json()["error"]["fields"]


def test_a_manager_keeps_their_sites_entries_and_not_the_programmes(
    client, desk, make_user, make_service, token_for
):
    admin = make_user("admin")
    programme = make_service(admin, name="Debt Line", category="debt_advice")
    made = client.post(
        "/api/v1/services",
        json={"name": "Harlow Job Club", "category": "employment_skills"},
        headers=token_for(desk.manager),
    )
    assert made.status_code == 201, made.get_json()
    own = made.get_json()
    assert own["site"] == desk.site.code
    assert own["sites"] == [desk.site.code]
    assert own["programme_wide"] is False

    changed = client.patch(
        f"/api/v1/services/{own['id']}", json={"active": False}, headers=token_for(desk.manager)
    )
    assert changed.status_code == 200
    assert changed.get_json()["active"] is False
    refused = client.patch(
        f"/api/v1/services/{programme.id}", json={"name": "X"}, headers=token_for(desk.manager)
    )
    assert refused.status_code == 403
    every_site = client.post(
        "/api/v1/services",
        json={"name": "Y", "category": "other", "all_sites": True},
        headers=token_for(desk.manager),
    )
    assert every_site.status_code == 422
    assert "all_sites" in every_site.get_json()["error"]["fields"]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "support_service")
    ).all()
    assert actions.count("support_service.created") == 2
    assert actions.count("support_service.updated") == 1


def test_a_volunteer_cannot_add_or_edit_services(client, desk, make_user, make_service, token_for):
    programme = make_service(make_user("admin"))
    headers = token_for(desk.volunteer)
    assert (
        client.post(
            "/api/v1/services", json={"name": "Z", "category": "other"}, headers=headers
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/services/{programme.id}", json={"name": "Z"}, headers=headers
        ).status_code
        == 403
    )
    assert db.session.get(type(programme), programme.id).name == "Citizens Advice"


def test_a_manager_cannot_see_or_edit_another_sites_entry(
    client, desk, make_desk, make_service, token_for
):
    other = make_desk()
    theirs = make_service(other.manager, name="Basildon Food Hub", category="food_other")
    answer = client.patch(
        f"/api/v1/services/{theirs.id}", json={"name": "Mine"}, headers=token_for(desk.manager)
    )
    assert answer.status_code == 404


def test_an_admin_entry_needs_the_sites_it_serves(client, make_user, token_for):
    answer = client.post(
        "/api/v1/services",
        json={"name": "Nowhere", "category": "other"},
        headers=token_for(make_user("admin")),
    )
    assert answer.status_code == 422
    assert "sites" in answer.get_json()["error"]["fields"]


# --- referrals -------------------------------------------------------------------------------


def test_a_volunteer_records_a_signpost_and_a_referral_with_consent(
    client, desk, make_service, token_for
):
    service = make_service(desk.manager, name="Harlow CAB")
    member = desk.member()
    url = _referrals(desk.site.code, member.membership_number)
    headers = token_for(desk.volunteer)
    signpost = client.post(
        url, json={"service_id": service.id, "kind": "signpost"}, headers=headers
    )
    assert signpost.status_code == 201, signpost.get_json()
    referral = client.post(
        url,
        json={
            "service_id": service.id,
            "kind": "referral",
            "consent_given": True,
            "note": "Rent arrears",
        },
        headers=headers,
    )
    assert referral.status_code == 201, referral.get_json()
    body = referral.get_json()
    assert body["status"] == "made"
    assert body["service_name"] == "Harlow CAB"
    assert body["made_on"] == site_today(desk.site).isoformat()

    listed = client.get(url, headers=headers).get_json()["items"]
    assert [r["kind"] for r in listed] == ["referral", "signpost"]
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "member", AuditEvent.object_id == str(member.id)
        )
    ).all()
    assert actions.count("member.referral_recorded") == 2


def test_a_referral_without_consent_is_refused_naming_the_field(
    client, desk, make_service, token_for
):
    service = make_service(desk.manager)
    member = desk.member()
    url = _referrals(desk.site.code, member.membership_number)
    for body in (
        {"service_id": service.id, "kind": "referral", "consent_given": False},
        {"service_id": service.id, "kind": "referral"},
    ):
        answer = client.post(url, json=body, headers=token_for(desk.volunteer))
        assert answer.status_code == 422
        assert "consent_given" in answer.get_json()["error"]["fields"]
    bad_kind = client.post(
        url, json={"service_id": service.id, "kind": "gossip"}, headers=token_for(desk.volunteer)
    )
    assert bad_kind.status_code == 422
    assert "kind" in bad_kind.get_json()["error"]["fields"]
    assert db.session.scalar(select(Referral)) is None


def test_a_service_that_does_not_serve_the_site_is_refused(
    client, desk, make_desk, make_service, token_for
):
    other = make_desk()
    theirs = make_service(other.manager)
    retired = make_service(desk.manager, name="Closed down", active=False)
    member = desk.member()
    for service in (theirs, retired):
        answer = client.post(
            _referrals(desk.site.code, member.membership_number),
            json={"service_id": service.id, "kind": "signpost"},
            headers=token_for(desk.volunteer),
        )
        assert answer.status_code == 422
        assert "service_id" in answer.get_json()["error"]["fields"]


def test_another_sites_member_is_not_found_and_leads_see_no_referrals(
    client, desk, make_desk, make_service, make_user, token_for
):
    other = make_desk()
    service = make_service(make_user("admin"))
    member = desk.member()
    url = _referrals(desk.site.code, member.membership_number)
    client.post(
        url, json={"service_id": service.id, "kind": "signpost"}, headers=token_for(desk.volunteer)
    )
    assert client.get(url, headers=token_for(other.manager)).status_code == 404
    elsewhere = _referrals(other.site.code, member.membership_number)
    assert client.get(elsewhere, headers=token_for(other.manager)).status_code == 404
    posted = client.post(
        elsewhere,
        json={"service_id": service.id, "kind": "signpost"},
        headers=token_for(other.volunteer),
    )
    assert posted.status_code == 404
    lead = make_user("programme_lead")
    assert client.get(url, headers=token_for(lead)).status_code in (403, 404)
    assert client.get(url, headers=token_for(make_user("admin"))).status_code in (403, 404)
    assert (
        client.get(
            f"/api/v1/sites/{desk.site.code}/referrals/follow-up", headers=token_for(lead)
        ).status_code
        == 403
    )


def test_outcomes_are_updated_with_their_day(client, desk, make_service, token_for, clock):
    service = make_service(desk.manager)
    member = desk.member()
    url = _referrals(desk.site.code, member.membership_number)
    headers = token_for(desk.volunteer)
    made = client.post(
        url,
        json={"service_id": service.id, "kind": "referral", "consent_given": True},
        headers=headers,
    ).get_json()
    clock.shift(timedelta(days=3))
    today = site_today(desk.site)
    answer = client.patch(f"{url}/{made['id']}", json={"status": "engaged"}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "engaged"
    assert answer.get_json()["status_on"] == today.isoformat()

    on = (today - timedelta(days=1)).isoformat()
    answer = client.patch(
        f"{url}/{made['id']}", json={"status": "resolved", "on": on}, headers=headers
    )
    assert answer.get_json()["status_on"] == on
    future = client.patch(
        f"{url}/{made['id']}",
        json={"status": "resolved", "on": (today + timedelta(days=1)).isoformat()},
        headers=headers,
    )
    assert future.status_code == 422
    assert "on" in future.get_json()["error"]["fields"]
    before = client.patch(
        f"{url}/{made['id']}",
        json={"status": "resolved", "on": (today - timedelta(days=30)).isoformat()},
        headers=headers,
    )
    assert before.status_code == 422
    bad = client.patch(f"{url}/{made['id']}", json={"status": "lost"}, headers=headers)
    assert bad.status_code == 422
    assert "status" in bad.get_json()["error"]["fields"]
    assert (
        client.patch(f"{url}/999999", json={"status": "engaged"}, headers=headers).status_code
        == 404
    )


def test_a_referral_of_another_member_cannot_be_updated_through_this_one(
    client, desk, make_service, token_for
):
    service = make_service(desk.manager)
    first, second = desk.member(), desk.member()
    made = client.post(
        _referrals(desk.site.code, first.membership_number),
        json={"service_id": service.id, "kind": "signpost"},
        headers=token_for(desk.volunteer),
    ).get_json()
    answer = client.patch(
        f"{_referrals(desk.site.code, second.membership_number)}/{made['id']}",
        json={"status": "engaged"},
        headers=token_for(desk.volunteer),
    )
    assert answer.status_code == 404


def test_the_follow_up_list_holds_open_referrals_with_no_news(
    client, desk, make_service, token_for, clock
):
    service = make_service(desk.manager)
    waiting, engaged, signposted, resolved = (desk.member() for _ in range(4))
    headers = token_for(desk.volunteer)

    def refer(member, kind="referral"):
        return client.post(
            _referrals(desk.site.code, member.membership_number),
            json={"service_id": service.id, "kind": kind, "consent_given": True},
            headers=headers,
        ).get_json()["id"]

    first = refer(waiting)
    second = refer(engaged)
    refer(signposted, kind="signpost")
    fourth = refer(resolved)
    client.patch(
        f"{_referrals(desk.site.code, resolved.membership_number)}/{fourth}",
        json={"status": "resolved"},
        headers=headers,
    )
    url = f"/api/v1/sites/{desk.site.code}/referrals/follow-up"
    manager = token_for(desk.manager)
    assert client.get(url, headers=manager).get_json()["items"] == []
    assert client.get(url, headers=headers).status_code == 403

    clock.shift(timedelta(days=FOLLOW_UP_DAYS - 1))
    client.patch(
        f"{_referrals(desk.site.code, engaged.membership_number)}/{second}",
        json={"status": "engaged"},
        headers=headers,
    )
    assert client.get(url, headers=manager).get_json()["items"] == []

    clock.shift(timedelta(days=1))
    body = client.get(url, headers=manager).get_json()
    assert body["follow_up_days"] == FOLLOW_UP_DAYS
    assert [r["id"] for r in body["items"]] == [first]

    clock.shift(timedelta(days=FOLLOW_UP_DAYS))
    ids = [r["id"] for r in client.get(url, headers=manager).get_json()["items"]]
    assert ids == [first, second]
