"""Registering a household on a tablet while it is offline (issue 14), as the server meets it
when the tablet syncs: only where the site allows it, idempotent by the tablet's key, the
duplicate check run then (a possible duplicate registered and marked for the manager's
review, never refused nor merged), the provisional number kept and audited, and the
manager's review (keep as a separate household, or close as a duplicate)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.members.models import Member, OfflineRegistration
from tests.factories import desk_member_payload

ALLOWED = {"offline_registration": True}


def offline(at: datetime | None = None, number: str = "P-7K3Q-1") -> dict[str, str]:
    at = at if at is not None else datetime.now(UTC) - timedelta(minutes=1)
    return {
        "recorded_at": at.isoformat(),
        "device": "tablet-front-0123456789",
        "provisional_number": number,
    }


def members_api(desk: Any) -> str:
    return f"/api/v1/sites/{desk.site.code}/members"


@pytest.fixture
def send(client, token_for):
    """send(user, desk, body, key=...): POST a registration as the user, with the key."""

    def post(user, desk, body, *, key: str | None = None):
        headers = dict(token_for(user))
        if key:
            headers["Idempotency-Key"] = key
        return client.post(members_api(desk), json=body, headers=headers)

    return post


def count_members(desk: Any) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Member.id)).where(Member.site_id == desk.site.id))


# --- the site's permission, and times ---------------------------------------------------------


def test_a_site_that_does_not_allow_it_refuses_an_offline_registration(make_desk, send):
    desk = make_desk()  # offline registration is off unless the site turns it on
    assert desk.site.settings.offline_registration is False
    body = desk_member_payload(offline=offline())
    response = send(desk.volunteer, desk, body, key=str(uuid.uuid4()))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "offline_registration_not_allowed"
    assert "offline" in response.json["error"]["fields"]
    assert count_members(desk) == 0


def test_an_offline_registration_needs_an_idempotency_key(make_desk, send):
    desk = make_desk(settings=ALLOWED)
    response = send(desk.volunteer, desk, desk_member_payload(offline=offline()))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_required"
    assert count_members(desk) == 0


@pytest.mark.parametrize(
    ("shift", "code"),
    [(timedelta(hours=1), "offline_time_in_future"), (timedelta(days=-3), "offline_time_too_old")],
)
def test_a_registration_recorded_in_the_future_or_too_long_ago_is_refused(
    make_desk, send, shift, code
):
    desk = make_desk(settings=ALLOWED)
    body = desk_member_payload(offline=offline(datetime.now(UTC) + shift))
    response = send(desk.volunteer, desk, body, key=str(uuid.uuid4()))
    assert response.status_code == 422
    assert response.json["error"]["code"] == code
    assert "registration" in response.json["error"]["message"]
    assert count_members(desk) == 0


# --- registered, with its provisional number ---------------------------------------------------


def test_an_offline_registration_keeps_its_provisional_number_and_is_audited(make_desk, send):
    desk = make_desk(settings=ALLOWED)
    recorded = datetime.now(UTC) - timedelta(minutes=20)
    body = desk_member_payload(offline=offline(recorded, "P-7K3Q-4"))
    response = send(desk.volunteer, desk, body, key=str(uuid.uuid4()))
    assert response.status_code == 201, response.json
    answer = response.json
    assert answer["warnings"] == []
    assert answer["offline_registration"]["provisional_number"] == "P-7K3Q-4"
    assert answer["offline_registration"]["device"] == "tablet-front-0123456789"
    assert answer["offline_registration"]["review"] is None
    member = db.session.scalar(
        select(Member).where(Member.membership_number == answer["membership_number"])
    )
    record = member.offline_registration
    assert record.provisional_number == "P-7K3Q-4"
    assert record.recorded_at == recorded.replace(microsecond=recorded.microsecond)
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "member.registered", AuditEvent.object_id == str(member.id)
        )
    )
    assert event.details["provisional_number"] == "P-7K3Q-4"
    assert event.details["device"] == "tablet-front-0123456789"


def test_a_retry_with_the_same_key_answers_the_first_registration(make_desk, send):
    desk = make_desk(settings=ALLOWED)
    key = str(uuid.uuid4())
    body = desk_member_payload(offline=offline())
    first = send(desk.volunteer, desk, body, key=key)
    assert first.status_code == 201
    again = send(desk.volunteer, desk, body, key=key)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["membership_number"] == first.json["membership_number"]
    assert count_members(desk) == 1


def test_the_key_reused_for_another_registration_is_refused(make_desk, send):
    desk = make_desk(settings=ALLOWED)
    key = str(uuid.uuid4())
    assert (
        send(desk.volunteer, desk, desk_member_payload(offline=offline()), key=key).status_code
        == 201
    )
    other = desk_member_payload(first_name="Someone", offline=offline(number="P-7K3Q-2"))
    response = send(desk.volunteer, desk, other, key=key)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert count_members(desk) == 1


def test_a_retry_still_answers_after_the_site_turned_offline_registration_off(make_desk, send):
    desk = make_desk(settings=ALLOWED)
    key = str(uuid.uuid4())
    body = desk_member_payload(offline=offline())
    assert send(desk.volunteer, desk, body, key=key).status_code == 201
    desk.site.settings = desk.site.settings.__class__(
        **{**desk.site.settings.to_dict(), "offline_registration": False}
    )
    db.session.commit()
    assert send(desk.volunteer, desk, body, key=key).status_code == 200


# --- the duplicate check at sync ---------------------------------------------------------------


def test_a_possible_duplicate_is_registered_and_marked_for_review_not_refused(make_desk, send):
    desk = make_desk(settings=ALLOWED)
    existing = desk.member(last_name="Marsh")
    body = desk_member_payload(last_name="Marsh", offline=offline(number="P-7K3Q-9"))
    online = send(desk.volunteer, desk, {k: v for k, v in body.items() if k != "offline"})
    assert online.status_code == 409  # at the desk the check still refuses
    response = send(desk.volunteer, desk, body, key=str(uuid.uuid4()))
    assert response.status_code == 201, response.json
    [warning] = response.json["warnings"]
    assert warning["code"] == "possible_duplicate"
    assert existing.membership_number in warning["message"]
    review = response.json["offline_registration"]["review"]
    assert review["status"] == "open"
    assert review["duplicate_of"] == existing.membership_number
    assert response.json["membership_number"] != existing.membership_number  # never merged
    assert count_members(desk) == 2


def test_the_manager_lists_and_keeps_or_closes_possible_duplicates(
    make_desk, send, token_for, client
):
    desk = make_desk(settings=ALLOWED)
    desk.member(last_name="Marsh")
    desk.member(last_name="Hale")
    numbers = []
    for name, provisional in (("Marsh", "P-AAAA-1"), ("Hale", "P-AAAA-2")):
        body = desk_member_payload(last_name=name, offline=offline(number=provisional))
        numbers.append(
            send(desk.volunteer, desk, body, key=str(uuid.uuid4())).json["membership_number"]
        )
    manager = token_for(desk.manager)
    listed = client.get(f"{members_api(desk)}/registration-reviews", headers=manager).json
    assert listed["open"] == 2
    assert [i["provisional_number"] for i in listed["items"]] == ["P-AAAA-1", "P-AAAA-2"]

    kept = client.post(
        f"{members_api(desk)}/{numbers[0]}/registration-review",
        json={"action": "keep", "note": "Mother and daughter, same name."},
        headers=manager,
    )
    assert kept.status_code == 200, kept.json
    assert kept.json["status"] == "active"
    assert kept.json["offline_registration"]["review"]["status"] == "kept"

    refused = client.post(
        f"{members_api(desk)}/{numbers[1]}/registration-review",
        json={"action": "close"},
        headers=manager,
    )
    assert refused.status_code == 422  # a duplicate is closed with a note saying why
    closed = client.post(
        f"{members_api(desk)}/{numbers[1]}/registration-review",
        json={"action": "close", "note": "Same household, already a member."},
        headers=manager,
    )
    assert closed.status_code == 200
    assert closed.json["status"] == "closed"
    assert closed.json["offline_registration"]["review"]["status"] == "closed"
    again = client.get(f"{members_api(desk)}/registration-reviews", headers=manager).json
    assert again["open"] == 0
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"member.duplicate_review_kept", "member.duplicate_review_closed"} <= actions


def test_a_volunteer_cannot_see_or_resolve_the_review(make_desk, send, token_for, client):
    desk = make_desk(settings=ALLOWED)
    desk.member(last_name="Marsh")
    body = desk_member_payload(last_name="Marsh", offline=offline())
    number = send(desk.volunteer, desk, body, key=str(uuid.uuid4())).json["membership_number"]
    volunteer = token_for(desk.volunteer)
    assert (
        client.get(f"{members_api(desk)}/registration-reviews", headers=volunteer).status_code
        == 403
    )
    response = client.post(
        f"{members_api(desk)}/{number}/registration-review",
        json={"action": "keep"},
        headers=volunteer,
    )
    assert response.status_code == 403
    db.session.rollback()
    assert (
        db.session.get(
            OfflineRegistration,
            db.session.scalar(select(Member.id).where(Member.membership_number == number)),
        ).review_status
        == "open"
    )


def test_another_sites_manager_gets_404(make_desk, send, token_for, client):
    desk, other = make_desk(settings=ALLOWED), make_desk(settings=ALLOWED)
    desk.member(last_name="Marsh")
    body = desk_member_payload(last_name="Marsh", offline=offline())
    number = send(desk.volunteer, desk, body, key=str(uuid.uuid4())).json["membership_number"]
    stranger = token_for(other.manager)
    assert (
        client.get(f"{members_api(desk)}/registration-reviews", headers=stranger).status_code == 404
    )
    response = client.post(
        f"{members_api(other)}/{number}/registration-review",
        json={"action": "keep"},
        headers=stranger,
    )
    assert response.status_code == 404
    assert (
        client.get(f"{members_api(other)}/registration-reviews", headers=stranger).json["items"]
        == []
    )


# --- the setting --------------------------------------------------------------------------------


def test_a_put_without_the_setting_keeps_its_value(make_desk, token_for, client):
    desk = make_desk(settings=ALLOWED)
    url = f"/api/v1/sites/{desk.site.code}/settings"
    manager = token_for(desk.manager)
    body = client.get(f"/api/v1/sites/{desk.site.code}", headers=manager).json["settings"]
    assert body["offline_registration"] is True
    del body["offline_registration"]  # a client written before the setting existed
    response = client.put(url, json={**body, "grace_days": 3}, headers=manager)
    assert response.status_code == 200
    assert response.json["settings"]["offline_registration"] is True
    response = client.patch(url, json={"offline_registration": False}, headers=manager)
    assert response.json["settings"]["offline_registration"] is False


def test_the_roster_tells_the_tablet_whether_it_may_register_offline(make_desk):
    from supermarket.offline.services import _site_part

    desk = make_desk(settings=ALLOWED)
    assert _site_part(desk.site, desk.site.settings)["offline_registration"] is True


# --- the manager's review page ------------------------------------------------------------------


def test_the_review_page_lists_a_possible_duplicate_and_the_manager_closes_it(
    make_desk, send, client, login
):
    from tests.conftest import csrf_token

    desk = make_desk(settings=ALLOWED)
    existing = desk.member(last_name="Marsh", first_name="Ellen")
    body = desk_member_payload(
        last_name="Marsh", first_name="Ellen", offline=offline(number="P-AAAA-7")
    )
    number = send(desk.volunteer, desk, body, key=str(uuid.uuid4())).json["membership_number"]
    login(desk.manager)
    page = client.get("/visits/review").get_data(as_text=True)
    assert "Households registered offline that may be duplicates" in page
    assert "P-AAAA-7" in page
    assert existing.membership_number[4:] in page
    response = client.post(
        f"/visits/registrations/{number}/review",
        data={
            "action": "close",
            "note": "Same household.",
            "csrf_token": csrf_token(client, "/visits/review"),
        },
    )
    assert response.status_code == 303
    db.session.rollback()
    closed = db.session.scalar(select(Member).where(Member.membership_number == number))
    assert closed.status == "closed"
    assert closed.offline_registration.review_status == "closed"
    assert db.session.get(Member, existing.id).status == "active"  # never merged or touched


def test_the_member_page_shows_the_provisional_number_and_the_review(
    make_desk, send, client, login
):
    desk = make_desk(settings=ALLOWED)
    existing = desk.member(last_name="Marsh")
    body = desk_member_payload(last_name="Marsh", offline=offline(number="P-BBBB-3"))
    number = send(desk.volunteer, desk, body, key=str(uuid.uuid4())).json["membership_number"]
    login(desk.manager)
    page = client.get(f"/members/{number}").get_data(as_text=True)
    assert "P-BBBB-3" in page
    assert "This household may already be a member here" in page
    assert existing.membership_number[4:] in page
    assert "Review it" in page


# --- data rights ----------------------------------------------------------------------------------


def test_the_export_holds_the_households_own_offline_record_and_not_the_other(
    make_desk, send, token_for, client
):
    desk = make_desk(settings=ALLOWED)
    existing = desk.member(last_name="Marsh")
    body = desk_member_payload(last_name="Marsh", offline=offline(number="P-CCCC-5"))
    number = send(desk.volunteer, desk, body, key=str(uuid.uuid4())).json["membership_number"]
    manager = token_for(desk.manager)
    own = client.get(f"{members_api(desk)}/{number}/export", headers=manager).json
    [record] = own["records"]["offline_registrations"]
    assert record["provisional_number"] == "P-CCCC-5"
    other = client.get(
        f"{members_api(desk)}/{existing.membership_number}/export", headers=manager
    ).json
    assert "P-CCCC-5" not in str(other)  # the other household's export carries none of it


def test_anonymising_clears_the_managers_note(make_desk, send, token_for, client):
    desk = make_desk(settings=ALLOWED)
    desk.member(last_name="Marsh")
    body = desk_member_payload(last_name="Marsh", offline=offline())
    number = send(desk.volunteer, desk, body, key=str(uuid.uuid4())).json["membership_number"]
    manager = token_for(desk.manager)
    note = {"action": "keep", "note": "Lives with her mother, who is the other member."}
    url = f"{members_api(desk)}/{number}"
    assert client.post(f"{url}/registration-review", json=note, headers=manager).status_code == 200
    assert client.post(f"{url}/anonymise", headers=manager).status_code == 200
    db.session.rollback()
    record = db.session.scalar(
        select(OfflineRegistration).where(OfflineRegistration.site_id == desk.site.id)
    )
    assert record.review_note == ""
