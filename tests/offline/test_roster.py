"""The roster an enrolled tablet keeps for offline check-in: who may fetch it, from which
tablet, what it holds (and what it never holds), its changes since, and its key."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.members.models import MemberStatus
from supermarket.offline import services
from tests.conftest import PASSWORD, TEST_NOW, Client, csrf_token
from tests.factories import member_payload, register, unique_last_name

LONDON = ZoneInfo("Europe/London")


def _device(desk, name: str = "Front desk") -> str:
    device = services.enrol_device(desk.site, name, actor=desk.manager)
    db.session.commit()
    return device.id


def _signed_in(app, user):
    """A browser of its own, signed in through the login form (a sign-in session of its own)."""
    app.test_client_class = Client
    browser = app.test_client()
    answer = browser.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(browser)},
    )
    assert answer.status_code == 303
    return browser


def _roster(browser, desk, device: str | None, *, gzip_ok: bool = False, **query):
    headers = {"X-Device": device} if device else {}
    if gzip_ok:
        headers["Accept-Encoding"] = "gzip, deflate, br"  # as a browser sends it
    return browser.get(
        f"/api/v1/sites/{desk.site.code}/roster", headers=headers, query_string=query
    )


@pytest.fixture
def midday(clock):
    """The clock at noon on the test's day in London, so "since" stays within the day."""
    day = TEST_NOW.astimezone(LONDON).date()
    clock.move_to(datetime.combine(day, time(12), LONDON))
    return clock


def test_staff_of_the_site_fetch_the_roster_from_an_enrolled_tablet(app, desk):
    member = desk.member()
    device = _device(desk)
    for user in (desk.volunteer, desk.manager):
        answer = _roster(_signed_in(app, user), desk, device)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert body["full"] is True
        assert body["removed"] == []
        assert [m["membership_number"] for m in body["members"]] == [member.membership_number]
        assert body["site"]["code"] == desk.site.code
        assert {b["key"] for b in body["site"]["bands"]} >= {"red", "blue"}
        assert datetime.fromisoformat(body["expires_at"]) > datetime.fromisoformat(
            body["generated_at"]
        )


def test_a_tablet_not_enrolled_here_gets_403(app, desk, make_desk):
    other = make_desk()
    theirs = _device(other)
    revoked = _device(desk, "Lost")
    services.revoke_device(desk.site, revoked, actor=desk.manager)
    db.session.commit()
    browser = _signed_in(app, desk.volunteer)
    for device in (None, "", "not-a-device", theirs, revoked):
        answer = _roster(browser, desk, device)
        assert answer.status_code == 403, device
        assert answer.get_json()["error"]["code"] == "device_not_enrolled"
        key = browser.get(
            f"/api/v1/sites/{desk.site.code}/roster/key", headers={"X-Device": device or ""}
        )
        assert key.status_code == 403
        assert key.get_json()["error"]["code"] == "device_not_enrolled"


def test_another_sites_roster_is_404_and_leads_and_admins_get_none(app, desk, make_desk, make_user):
    device = _device(desk)
    other = make_desk()
    for user in (other.volunteer, other.manager, make_user("programme_lead"), make_user("admin")):
        browser = _signed_in(app, user)
        assert _roster(browser, desk, device).status_code == 404, user.role
        key = browser.get(
            f"/api/v1/sites/{desk.site.code}/roster/key", headers={"X-Device": device}
        )
        assert key.status_code == 404, user.role


def test_the_roster_holds_no_personal_data_beyond_the_panels(app, desk):
    body = member_payload(
        last_name=unique_last_name(),
        date_of_birth="1979-03-14",
        postcode="SW1A 2AA",
        phone="07700 900777",
        email="tasha.private@example.net",
        dietary_notes="Allergic to sesame",
    )
    member = register(desk.site, desk.manager, body)
    member.notes = "Confidential: referred by the social worker"
    member.status_reason = "Private reason"
    db.session.commit()
    answer = _roster(_signed_in(app, desk.volunteer), desk, _device(desk))
    text = answer.get_data(as_text=True)
    for secret in (
        "1979-03-14",
        "14/03/1979",
        "SW1A",
        "2AA",
        "07700",
        "900777",
        "tasha.private",
        "example.net",
        "sesame",
        "Confidential",
        "social worker",
        "halal",
        "Private reason",
    ):
        assert secret not in text, secret
    (entry,) = answer.get_json()["members"]
    assert set(entry) == {
        "membership_number",
        "display_number",
        "display_name",
        "status",
        "expires_on",
        "tier",
        "household_size",
        "fee_pence",
        "allowance",
        "visits_this_week",
        "visits_left_this_week",
        "next_visit_from",
        "survey_due",
        "proxies",  # issue 16: who may collect (id, name, relationship; never a phone)
    }
    assert entry["display_name"] == f"Tasha {member.last_name}"
    assert entry["household_size"] == 4
    assert entry["survey_due"] is True  # consented to the survey, no baseline yet


def test_the_roster_counts_visits_and_allowances_as_the_panel_does(app, make_desk):
    desk = make_desk(
        visits_per_week=2,
        tiers=[{"name": "Large", "min_people": 4, "fee_pence": 500, "band_limits": {"red": 4}}],
    )
    small = desk.member(
        household={"adults": 1, "children_0_4": 0, "children_5_11": 0, "children_12_17": 0}
    )
    large = desk.member()
    desk.check_in(small, basket={"red": 1}, payment={"method": "cash", "amount_pence": 350})
    browser = _signed_in(app, desk.volunteer)
    members = {
        m["membership_number"]: m
        for m in _roster(browser, desk, _device(desk)).get_json()["members"]
    }
    assert members[small.membership_number]["visits_this_week"] == 1
    assert members[small.membership_number]["visits_left_this_week"] == 1
    assert members[small.membership_number]["tier"] == ""
    assert members[small.membership_number]["allowance"]["red"] == 2
    assert members[large.membership_number]["visits_this_week"] == 0
    assert members[large.membership_number]["tier"] == "Large"
    assert members[large.membership_number]["fee_pence"] == 500
    assert members[large.membership_number]["allowance"]["red"] == 4
    assert members[large.membership_number]["allowance"]["free"] is None
    assert members[large.membership_number]["survey_due"] is False


def test_closed_members_are_not_on_the_roster_and_lapsed_ones_say_so(app, desk, clock):
    today = TEST_NOW.astimezone(LONDON).date()
    closed = desk.member(status=MemberStatus.CLOSED.value, closed_on=today)
    lapsed = desk.member(expires_on=today - timedelta(days=3))
    body = _roster(_signed_in(app, desk.volunteer), desk, _device(desk)).get_json()
    numbers = {m["membership_number"]: m for m in body["members"]}
    assert closed.membership_number not in numbers
    assert numbers[lapsed.membership_number]["status"] == "lapsed"


def test_since_answers_only_the_changes_and_who_left(app, desk, midday):
    unchanged, renamed, visiting, leaving = (desk.member() for _ in range(4))
    device = _device(desk)
    browser = _signed_in(app, desk.volunteer)
    first = _roster(browser, desk, device).get_json()
    assert len(first["members"]) == 4
    midday.shift(timedelta(minutes=10))
    renamed.first_name = "Adaeze"
    leaving.status = MemberStatus.CLOSED.value
    db.session.commit()
    desk.check_in(visiting, basket={"red": 1}, payment={"method": "cash", "amount_pence": 350})
    midday.shift(timedelta(minutes=1))
    changes = _roster(browser, desk, device, since=first["generated_at"]).get_json()
    assert changes["full"] is False
    by_number = {m["membership_number"]: m for m in changes["members"]}
    assert set(by_number) == {renamed.membership_number, visiting.membership_number}
    assert by_number[renamed.membership_number]["display_name"].startswith("Adaeze ")
    assert by_number[visiting.membership_number]["visits_this_week"] == 1
    assert changes["removed"] == [leaving.membership_number]
    assert unchanged.membership_number not in by_number
    # Nothing since then: nothing to send.
    later = _roster(browser, desk, device, since=changes["generated_at"]).get_json()
    assert later["members"] == []
    assert later["removed"] == []


def test_since_another_day_answers_the_whole_roster(app, desk, midday):
    desk.member()
    yesterday = (datetime.now(LONDON) - timedelta(days=1)).isoformat()
    body = _roster(_signed_in(app, desk.volunteer), desk, _device(desk), since=yesterday).get_json()
    assert body["full"] is True
    assert len(body["members"]) == 1


def test_since_must_be_a_time_with_its_offset(app, desk):
    answer = _roster(_signed_in(app, desk.volunteer), desk, _device(desk), since="yesterday")
    assert answer.status_code == 422


def _key(browser, desk, device: str) -> str:
    answer = browser.get(f"/api/v1/sites/{desk.site.code}/roster/key", headers={"X-Device": device})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert datetime.fromisoformat(body["expires_at"]).tzinfo is not None
    return body["key"]


def test_the_key_is_the_same_all_day_in_one_sign_in_and_differs_otherwise(app, desk, midday):
    device, second_device = _device(desk), _device(desk, "Back room")
    browser = _signed_in(app, desk.volunteer)
    key = _key(browser, desk, device)
    assert len(base64.urlsafe_b64decode(key + "=")) == 32
    for _ in range(4):  # through the afternoon, the tablet in use
        midday.shift(timedelta(minutes=10))
        assert _key(browser, desk, device) == key
    assert _key(browser, desk, second_device) != key
    assert _key(_signed_in(app, desk.volunteer), desk, device) != key


def test_the_key_changes_with_the_day():
    today = TEST_NOW.date()
    key = services.derive_key("secret", "session", "device", today)
    assert services.derive_key("secret", "session", "device", today) == key
    assert services.derive_key("secret", "session", "device", today + timedelta(days=1)) != key
    assert services.derive_key("other secret", "session", "device", today) != key


def test_an_api_client_gets_a_key_of_its_own_token(client, desk, token_for, app):
    device = _device(desk)
    url = f"/api/v1/sites/{desk.site.code}/roster/key"
    headers = token_for(desk.volunteer)
    key = client.get(url, headers={"X-Device": device, **headers}).get_json()["key"]
    assert client.get(url, headers={"X-Device": device, **headers}).get_json()["key"] == key
    other = client.get(url, headers={"X-Device": device, **token_for(desk.volunteer)})
    assert other.get_json()["key"] != key
    assert _key(_signed_in(app, desk.volunteer), desk, device) != key


def test_fetching_the_roster_and_its_key_is_audited(app, desk):
    desk.member()
    desk.member()
    device = _device(desk)
    browser = _signed_in(app, desk.volunteer)
    _roster(browser, desk, device)
    _key(browser, desk, device)
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(("roster.fetched", "roster.key_released")))
            .order_by(AuditEvent.id)
        )
    )
    assert [e.action for e in events] == ["roster.fetched", "roster.key_released"]
    assert events[0].actor_id == desk.volunteer.id
    assert events[0].site_id == desk.site.id
    assert events[0].details["device"] == device
    assert events[0].details["count"] == 2
    assert events[1].object_id == device


@pytest.mark.slow
def test_the_roster_of_a_large_site_is_small_when_compressed(app, desk):
    """Not a bench: prints the gzip size of a 5,000-member roster once."""
    from supermarket.members.models import Member

    today = TEST_NOW.astimezone(LONDON).date()
    rows = [
        Member(
            site_id=desk.site.id,
            membership_number=f"R{n:07d}",
            first_name=f"First{n}",
            last_name=f"Surname{n}",
            first_name_key=f"first{n}",
            last_name_key=f"surname{n}",
            age_band="35-44",
            postcode_district="CM20",
            adults=1 + n % 3,
            children_0_4=n % 2,
            eligibility_route="self_declared",
            joined_on=today,
            expires_on=today + timedelta(days=180),
        )
        for n in range(5000)
    ]
    db.session.add_all(rows)
    db.session.commit()
    browser, device = _signed_in(app, desk.volunteer), _device(desk)
    answer = _roster(browser, desk, device)
    body = answer.get_data()
    assert len(json.loads(body)["members"]) == 5000
    assert "Content-Encoding" not in answer.headers  # a client that did not ask for gzip
    # A browser (which accepts gzip) gets it compressed: about a twelfth of the size.
    squeezed = _roster(browser, desk, device, gzip_ok=True)
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in squeezed.headers["Vary"]
    assert len(squeezed.get_data()) < 500_000 < len(body)
    assert (
        json.loads(gzip.decompress(squeezed.get_data()))["members"] == json.loads(body)["members"]
    )
    print(f"\nroster of 5,000 members: {len(body)} bytes, gzip {len(gzip.compress(body))} bytes")
