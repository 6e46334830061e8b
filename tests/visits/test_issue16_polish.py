"""Issue 16, round 2: an anonymous parcel's key reused for a different parcel, parcels on the
session's sheet, what a check-in's audit event records, proxies on the lists and the demo's
school holidays."""

from __future__ import annotations

import io
import itertools
import re
import uuid
from dataclasses import asdict
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.demo import demo_sites
from supermarket.demo_holidays import demo_school_holidays, easter_sunday, school_year
from supermarket.extensions import db
from supermarket.members.access_inputs import NewProxy
from supermarket.members.services import access
from supermarket.sites.calendar import programme_today
from supermarket.sites.settings import MAX_SCHOOL_HOLIDAYS, PROGRAMME_VISIT_TYPES, SchoolHoliday
from supermarket.visits import services
from supermarket.visits.anonymous import AnonymousVisit
from supermarket.visits.schemas import AnonymousVisitIn
from supermarket.visits.services import anonymous
from tests.conftest import csrf_token

WEEKLY, EMERGENCY, _, _ = (asdict(t) for t in PROGRAMME_VISIT_TYPES)


@pytest.fixture
def emergency_desk(make_desk):
    """A site giving the weekly shop and the emergency parcel (for non-members, free)."""
    return make_desk(visit_types=[WEEKLY, EMERGENCY])


def parcels() -> int:
    return db.session.scalar(select(func.count(AnonymousVisit.id)))


# --- an anonymous parcel's Idempotency-Key --------------------------------------------------


def test_the_api_refuses_a_key_reused_for_a_different_parcel(emergency_desk, api):
    caller = api(emergency_desk.volunteer)
    where = f"/api/v1/sites/{emergency_desk.site.code}/anonymous-visits"
    key = str(uuid.uuid4())
    first = caller.post(where, json={"adults": 2, "children_5_11": 1}, key=key)
    # The same body in another order, with the defaults spelt out, is the same parcel.
    same = {"children_5_11": 1, "adults": 2, "children_0_4": 0, "retail_value_pence": 0}
    again = caller.post(where, json=same, key=key)
    other = caller.post(where, json={"adults": 3, "children_5_11": 1}, key=key)
    assert (first.status_code, again.status_code) == (201, 200), again.json
    assert again.json["id"] == first.json["id"]
    assert other.status_code == 409, other.json
    assert other.json["error"]["code"] == "idempotency_key_reused"
    assert other.json["error"]["details"] == {"anonymous_visit_id": first.json["id"]}
    assert parcels() == 1
    assert db.session.scalar(select(AnonymousVisit.adults)) == 2


def test_a_parcel_recorded_before_fingerprints_still_replays(emergency_desk, api):
    caller = api(emergency_desk.volunteer)
    where = f"/api/v1/sites/{emergency_desk.site.code}/anonymous-visits"
    key = str(uuid.uuid4())
    first = caller.post(where, json={"adults": 1}, key=key)
    db.session.get(AnonymousVisit, first.json["id"]).request_hash = None
    db.session.commit()
    again = caller.post(where, json={"adults": 4}, key=key)
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]


def _form(client, key: str, adults: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(client, "/checkin/anonymous"),
        "idempotency_key": key,
        "visit_type": "emergency_parcel",
        "adults": adults,
        "children_0_4": "0",
        "children_5_11": "0",
        "children_12_17": "0",
        "payment_method": "cash",
        "amount": "",
        "retail_value": "",
    }


def test_the_form_sent_again_changed_is_refused_with_a_fresh_key(emergency_desk, login):
    client = login(emergency_desk.volunteer)
    key = str(uuid.uuid4())
    first = client.post("/checkin/anonymous", data=_form(client, key, "2"))
    assert first.status_code == 303
    assert client.post("/checkin/anonymous", data=_form(client, key, "2")).status_code == 303
    changed = client.post("/checkin/anonymous", data=_form(client, key, "3"))
    html = changed.get_data(as_text=True)
    assert changed.status_code == 409
    assert "already sent for a different parcel" in html
    fresh = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    assert fresh != key
    assert parcels() == 1
    # Sent again with the fresh key, it is another parcel.
    assert client.post("/checkin/anonymous", data=_form(client, fresh, "3")).status_code == 303
    assert parcels() == 2


# --- the session's sheet --------------------------------------------------------------------


def test_the_session_sheet_lists_the_parcels_its_totals_count(emergency_desk, login):
    desk = emergency_desk
    session = services.open_session(desk.site, actor=desk.volunteer)
    db.session.commit()
    member = desk.member()
    desk.check_in(member, basket={"red": 1})
    body = {
        "adults": 2,
        "children_5_11": 1,
        "payment": {"method": "cash", "amount_pence": 150, "reason": "Gave a little"},
    }
    anonymous.record_anonymous_visit(desk.site, AnonymousVisitIn().load(body), actor=desk.volunteer)
    db.session.commit()
    client = login(desk.volunteer)
    response = client.get(f"/sessions/{session.id}/sheet.pdf")
    assert response.status_code == 200
    text = " ".join(
        "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split()
    )
    assert "Parcels without registering" in text
    assert "Emergency parcel" in text
    assert "2 adults, 1 child (5–11: 1)" in text
    assert "£1.50 cash" in text
    assert member.last_name not in text
    assert member.first_name not in text


def test_a_sheet_without_parcels_has_no_such_section(desk, login):
    session = services.open_session(desk.site, actor=desk.volunteer)
    db.session.commit()
    desk.check_in(desk.member())
    response = login(desk.volunteer).get(f"/sessions/{session.id}/sheet.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Parcels without registering" not in text


# --- the check-in's audit event -------------------------------------------------------------


def _checked_in(visit_id: int) -> dict:
    return db.session.scalar(
        select(AuditEvent.details).where(
            AuditEvent.action == "visit.checked_in", AuditEvent.object_id == str(visit_id)
        )
    )


def test_the_audit_event_names_the_type_and_the_proxy_only_when_there_are_some(emergency_desk):
    desk = emergency_desk
    member, other = desk.member(), desk.member()
    proxy = access.add_proxy(member, NewProxy("Jo Bloggs", "neighbour"), actor=desk.volunteer)
    db.session.commit()
    weekly = desk.check_in(other).visit
    by_proxy = desk.check_in(member, visit_type="emergency_parcel", proxy=proxy.id).visit
    assert _checked_in(weekly.id) == {"overridden_rules": [], "other_site": False, "lines": 0}
    details = _checked_in(by_proxy.id)
    assert details["visit_type"] == "emergency_parcel"
    assert details["proxy_id"] == proxy.id
    assert "Jo Bloggs" not in str(details)


# --- the day's list -------------------------------------------------------------------------


def test_the_days_list_offers_one_void_form_for_visits_and_parcels(emergency_desk, login):
    desk = emergency_desk
    visit = desk.check_in(desk.member()).visit
    parcel = anonymous.record_anonymous_visit(
        desk.site, AnonymousVisitIn().load({"adults": 1}), actor=desk.volunteer
    ).visit
    db.session.commit()
    html = login(desk.manager).get("/visits").get_data(as_text=True)
    for action, field in (
        (f"/visits/{visit.id}/void", f"void-{visit.id}"),
        (f"/checkin/anonymous/{parcel.id}/void", f"void-anon-{parcel.id}"),
    ):
        form = html[html.index(f'action="{action}"') :].split("</form>")[0]
        assert 'name="csrf_token"' in form
        assert f'<label for="{field}" class="visually-hidden">Reason for voiding</label>' in form
        assert f'<input id="{field}" name="reason" required maxlength="200"' in form


# --- who collected ----------------------------------------------------------------------------


def test_the_history_and_the_days_list_say_who_collected(desk, login):
    member = desk.member()
    proxy = access.add_proxy(member, NewProxy("Jo Bloggs", "neighbour"), actor=desk.volunteer)
    db.session.commit()
    desk.check_in(member, proxy=proxy.id)
    client = login(desk.volunteer)
    history = client.get(f"/members/{member.membership_number}/visits")
    assert history.status_code == 200
    assert "Collected by Jo Bloggs (neighbour)" in history.get_data(as_text=True)
    assert "Collected by Jo Bloggs (neighbour)" in client.get("/visits").get_data(as_text=True)


def test_a_visit_the_member_collected_names_nobody(desk, login):
    member = desk.member()
    desk.check_in(member)
    client = login(desk.volunteer)
    assert "Collected by" not in client.get("/visits").get_data(as_text=True)


# --- the demo's school holidays ---------------------------------------------------------------


@pytest.mark.parametrize("years_on", [0, 1, 2])
def test_the_demos_school_holidays_follow_the_day_it_is_made(years_on):
    today = programme_today() + timedelta(days=365 * years_on)
    holidays = [
        SchoolHoliday(h["name"], date.fromisoformat(h["start"]), date.fromisoformat(h["end"]))
        for h in demo_school_holidays(today)
    ]
    assert any(h.start <= today for h in holidays)  # a hamper may have been given
    assert any(h.start > today for h in holidays)  # and one is to come
    assert len(holidays) <= MAX_SCHOOL_HOLIDAYS
    for before, after in itertools.pairwise(holidays):
        assert before.start <= before.end < after.start
    christmas = [h for h in holidays if h.name == "Christmas holidays"]
    assert all(
        (h.start.month, h.start.day, h.end.month, h.end.day) == (12, 21, 1, 1) for h in christmas
    )


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2030, date(2030, 4, 21))],
)
def test_easter_holidays_are_the_weeks_either_side_of_easter_sunday(year, sunday):
    assert easter_sunday(year) == sunday
    easter = next(h for h in school_year(year - 1) if h["name"] == "Easter holidays")
    assert (easter["start"], easter["end"]) == (
        (sunday - timedelta(days=6)).isoformat(),
        (sunday + timedelta(days=5)).isoformat(),
    )


def test_canveys_demo_settings_take_them(app):
    canvey = next(spec for spec in demo_sites() if spec["code"] == "canvey")
    assert canvey["settings"]["school_holidays"] == demo_school_holidays(programme_today())
    assert (
        "school_holidays" not in next(s for s in demo_sites() if s["code"] == "harlow")["settings"]
    )
