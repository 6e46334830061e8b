"""Issue 16 on the tablet: the roster carries the site's visit types, what offline
registration may leave out (a postcode on the no-fixed-abode route, the date of birth where
the site takes an age band) and each member's proxies; what the tablet sends then goes
through the server's own checks when it syncs (a type's limit refused offline: marked for
review)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.access_inputs import NewProxy
from supermarket.members.models import Member
from supermarket.members.services import access
from supermarket.offline import services
from supermarket.offline.schemas import RosterOut
from supermarket.visits.models import Visit
from tests.conftest import TEST_NOW
from tests.factories import desk_member_payload, unique_last_name

TYPES: list[dict[str, Any]] = [
    {"key": "weekly_shop", "label": "Weekly shop"},
    {
        "key": "emergency_parcel",
        "label": "Emergency parcel",
        "frequency": "rolling_30_days",
        "parcel": "Three days' food",
        "fee_pence": 0,
        "members_only": False,
    },
    {"key": "top_up", "label": "Top-up shop", "band_limits": {"red": 1}, "fee_pence": 150},
]
LONDON = ZoneInfo("Europe/London")
INCLUSIVE = {
    "eligibility_routes": ["self_declared", "no_fixed_abode"],
    "date_of_birth_optional": True,
    "offline_registration": True,
}


@pytest.fixture
def site16(make_desk):
    """A site giving three visit types, taking people with no fixed address and no date of
    birth, and registering households offline."""
    return make_desk(visit_types=TYPES, **INCLUSIVE)


def _roster(desk, device: str, **kwargs: Any) -> dict[str, Any]:
    made = services.roster(desk.site, device, actor=desk.volunteer, **kwargs)
    db.session.commit()
    return RosterOut().dump(made)


def _proxy(desk, member: Member, name: str, relationship: str = "", phone: str | None = None):
    proxy = access.add_proxy(member, NewProxy(name, relationship, phone), actor=desk.manager)
    db.session.commit()
    return proxy


def _offline(device: str, **more: str) -> dict[str, str]:
    at = datetime.now(UTC) - timedelta(minutes=1)
    return {"recorded_at": at.isoformat(), "device": device, **more}


@pytest.fixture
def midday(clock):
    """The clock at noon on the test's day in London, so "since" stays within the day."""
    day = TEST_NOW.astimezone(LONDON).date()
    clock.move_to(datetime.combine(day, time(12), LONDON))
    return clock


# --- the roster ----------------------------------------------------------------------------


def test_the_roster_carries_routes_age_bands_visit_types_and_proxies(site16):
    member = site16.member()
    neighbour = _proxy(site16, member, "Jo Bloggs", "neighbour", phone="07700 900123")
    device = site16.tablet()
    body = _roster(site16, device)
    site = body["site"]
    assert site["eligibility_routes"] == ["self_declared", "no_fixed_abode"]
    assert site["postcode_optional_routes"] == ["no_fixed_abode"]
    assert site["date_of_birth_optional"] is True
    assert "25-34" in site["age_bands"]
    types = {t["key"]: t for t in site["visit_types"]}
    assert list(types) == ["weekly_shop", "emergency_parcel", "top_up"]
    assert types["emergency_parcel"]["parcel"] == "Three days' food"
    assert types["emergency_parcel"]["fee_pence"] == 0
    assert types["weekly_shop"]["fee_pence"] is None  # the member's own fee
    assert types["top_up"]["band_limits"] == {"red": 1}
    (entry,) = body["members"]
    assert entry["proxies"] == [
        {"id": neighbour.id, "name": "Jo Bloggs", "relationship": "neighbour"}
    ]
    assert "07700" not in str(body)  # never the proxy's phone


def test_a_site_without_them_says_so(desk):
    desk.member()
    site = _roster(desk, desk.tablet())["site"]
    assert site["postcode_optional_routes"] == []
    assert site["date_of_birth_optional"] is False
    assert [t["key"] for t in site["visit_types"]] == ["weekly_shop"]


def _later(clock) -> None:
    clock.move_to(datetime.now(UTC) + timedelta(seconds=5))


def test_a_proxy_named_or_removed_changes_the_roster_since(site16, midday):
    member = site16.member()
    device = site16.tablet()
    first = _roster(site16, device)
    since = datetime.fromisoformat(first["generated_at"])
    _later(midday)
    proxy = _proxy(site16, member, "Sam Patel")
    change = _roster(site16, device, since=since)
    assert [m["proxies"] for m in change["members"]] == [
        [{"id": proxy.id, "name": "Sam Patel", "relationship": ""}]
    ]
    since = datetime.fromisoformat(change["generated_at"])
    _later(midday)
    access.remove_proxy(member, proxy.id, actor=site16.manager)
    db.session.commit()
    again = _roster(site16, device, since=since)
    assert [m["proxies"] for m in again["members"]] == [[]]


# --- registrations synced ------------------------------------------------------------------


def _register(client, token_for, desk, body: dict[str, Any]):
    headers = {**token_for(desk.volunteer), "Idempotency-Key": str(uuid.uuid4())}
    return client.post(f"/api/v1/sites/{desk.site.code}/members", json=body, headers=headers)


def _offline_body(device: str, **overrides: Any) -> dict[str, Any]:
    body = desk_member_payload(last_name=unique_last_name(), **overrides)
    body["offline"] = _offline(device, provisional_number="P-TAB1-1")
    return body


def test_a_no_fixed_abode_household_registered_offline_syncs_without_a_postcode(
    site16, client, token_for
):
    body = _offline_body(
        site16.tablet(), eligibility={"route": "no_fixed_abode"}, care_of="c/o St Mark's hostel"
    )
    body.pop("postcode")
    answer = _register(client, token_for, site16, body)
    assert answer.status_code == 201, answer.json
    member = db.session.scalar(
        select(Member).where(Member.membership_number == answer.json["membership_number"])
    )
    assert member.postcode is None
    assert member.care_of == "c/o St Mark's hostel"
    assert "duplicate_check_limited" in {w["code"] for w in answer.json.get("warnings", [])}


def test_another_route_registered_offline_still_needs_its_postcode(site16, client, token_for):
    body = _offline_body(site16.tablet())
    body.pop("postcode")
    answer = _register(client, token_for, site16, body)
    assert answer.status_code == 422
    assert "postcode" in answer.json["error"]["fields"]


def test_an_age_band_instead_of_the_date_of_birth_syncs_where_the_site_allows(
    site16, make_desk, client, token_for
):
    body = _offline_body(site16.tablet(), age_band="25-34")
    body.pop("date_of_birth")
    answer = _register(client, token_for, site16, body)
    assert answer.status_code == 201, answer.json
    member = db.session.scalar(
        select(Member).where(Member.membership_number == answer.json["membership_number"])
    )
    assert (member.date_of_birth, member.age_band) == (None, "25-34")

    strict = make_desk(offline_registration=True)
    body = _offline_body(strict.tablet(), age_band="25-34")
    body.pop("date_of_birth")
    refused = _register(client, token_for, strict, body)
    assert refused.status_code == 422
    assert "date_of_birth" in refused.json["error"]["fields"]


# --- check-ins synced ----------------------------------------------------------------------


@pytest.fixture
def api(client, token_for):
    def post(desk, body: dict[str, Any]):
        headers = {**token_for(desk.volunteer), "Idempotency-Key": str(uuid.uuid4())}
        return client.post(f"/api/v1/sites/{desk.site.code}/visits", json=body, headers=headers)

    return post


def _check_in(api, desk, body: dict[str, Any]):
    return api(desk, body)


def test_a_typed_offline_check_in_and_its_refusal_marked_for_review(site16, api):
    member = site16.member()
    device = site16.tablet()
    body = {
        "membership_number": member.membership_number,
        "visit_type": "emergency_parcel",
        "offline": _offline(device),
    }
    first = _check_in(api, site16, body)
    assert first.status_code == 201, first.json
    assert first.json["visit_type"] == "emergency_parcel"
    assert first.json["review"] is None
    # A second parcel within 30 days: the tablet could not know; the server marks it.
    second = _check_in(api, site16, {**body, "offline": _offline(device)})
    assert second.status_code == 201, second.json
    assert second.json["visit_type"] == "emergency_parcel"
    assert second.json["review"]["status"] == "open"
    assert second.json["review"]["reason_code"] == "visit_limit_reached"


def test_a_proxy_collecting_offline_is_kept_with_the_visit(site16, api):
    member = site16.member()
    proxy = _proxy(site16, member, "Jo Bloggs", "neighbour")
    body = {
        "membership_number": member.membership_number,
        "proxy": proxy.id,
        "offline": _offline(site16.tablet()),
    }
    answer = _check_in(api, site16, body)
    assert answer.status_code == 201, answer.json
    assert answer.json["proxy"] == proxy.id
    visit = db.session.scalar(select(Visit).where(Visit.member_id == member.id))
    assert visit.proxy_id == proxy.id
    assert visit.visit_type == "weekly_shop"


def test_a_proxy_removed_since_the_roster_is_marked_for_review_offline_refused_online(site16, api):
    member = site16.member()
    proxy = _proxy(site16, member, "Jo Bloggs", "neighbour")
    access.remove_proxy(member, proxy.id, actor=site16.manager)
    db.session.commit()
    body = {"membership_number": member.membership_number, "proxy": proxy.id}
    online = _check_in(api, site16, body)
    assert online.status_code == 422
    assert "proxy" in online.json["error"]["fields"]
    offline = _check_in(api, site16, {**body, "offline": _offline(site16.tablet())})
    assert offline.status_code == 201, offline.json
    assert offline.json["proxy"] is None
    assert offline.json["review"]["reason_code"] == "proxy_not_found"
    assert "no longer names" in offline.json["review"]["reason"]
