"""Anonymous emergency visits: the desk's form, the API, idempotent replays, voiding, who may
see them, the visit type's rule (non-members only where the type allows) and the cash-up."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import asdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.sites.settings import PROGRAMME_VISIT_TYPES
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


def count() -> int:
    return db.session.scalar(select(func.count(AnonymousVisit.id)))


def path(desk) -> str:
    return f"/api/v1/sites/{desk.site.code}/anonymous-visits"


def record(desk, *, actor=None, key=None, **body):
    result = anonymous.record_anonymous_visit(
        desk.site, AnonymousVisitIn().load(body), actor=actor or desk.volunteer, key=key
    )
    db.session.commit()
    return result


# --- the API --------------------------------------------------------------------------------


def test_a_volunteer_records_a_parcel_with_the_households_counts_only(emergency_desk, api):
    response = api(emergency_desk.volunteer).post(
        path(emergency_desk),
        json={"adults": 1, "children_0_4": 2, "children_12_17": 1},
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["visit_type"] == "emergency_parcel"  # the site's only type for non-members
    assert body["household"] == {
        "adults": 1,
        "children_0_4": 2,
        "children_5_11": 0,
        "children_12_17": 1,
        "people": 4,
    }
    assert (body["fee_pence"], body["amount_paid_pence"], body["payment_method"]) == (0, 0, "free")
    assert not {"member", "first_name", "membership_number", "name"} & body.keys()


def test_the_same_key_answers_200_with_the_first_parcel(emergency_desk, api):
    caller = api(emergency_desk.volunteer)
    key = str(uuid.uuid4())
    first = caller.post(path(emergency_desk), json={"adults": 2}, key=key)
    again = caller.post(path(emergency_desk), json={"adults": 2}, key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count() == 1


def test_the_type_must_allow_non_members(emergency_desk, api):
    response = api(emergency_desk.volunteer).post(
        path(emergency_desk), json={"visit_type": "weekly_shop", "adults": 1}
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "visit_type_members_only"
    assert "members only" in response.json["error"]["message"]
    assert count() == 0


def test_a_site_without_a_type_for_non_members_refuses_clearly(desk, api):
    response = api(desk.volunteer).post(path(desk), json={"adults": 1})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "no_anonymous_visit_type"


def test_several_types_for_non_members_need_the_type_named(make_desk, api):
    bag = {"key": "crisis_bag", "label": "Crisis bag", "frequency": "unlimited", "fee_pence": 0}
    desk = make_desk(visit_types=[WEEKLY, EMERGENCY, {**bag, "members_only": False}])
    caller = api(desk.volunteer)
    unnamed = caller.post(path(desk), json={"adults": 1})
    assert unnamed.status_code == 422
    assert "visit_type" in unnamed.json["error"]["fields"]
    named = caller.post(path(desk), json={"adults": 1, "visit_type": "crisis_bag"})
    assert named.status_code == 201
    assert named.json["visit_type"] == "crisis_bag"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"adults": 0}, "adults"),
        ({"adults": -1}, "adults"),
        ({"adults": 1, "children_5_11": 31}, "children_5_11"),
        ({"adults": "two"}, "adults"),
        ({"adults": 1, "member_id": 3}, "member_id"),
        ({"adults": 1, "payment": {"method": "waived"}}, "payment"),
    ],
)
def test_bad_counts_are_refused_with_the_field(emergency_desk, api, body, field):
    response = api(emergency_desk.volunteer).post(path(emergency_desk), json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert count() == 0


def test_the_list_gives_a_date_range_to_the_sites_staff(emergency_desk, api):
    record(emergency_desk, adults=1)
    record(emergency_desk, adults=2)
    today = services.site_today(emergency_desk.site)
    response = api(emergency_desk.manager).get(
        f"{path(emergency_desk)}?from={(today - timedelta(days=7)).isoformat()}"
        f"&to={today.isoformat()}"
    )
    assert response.status_code == 200
    assert [i["household"]["adults"] for i in response.json["items"]] == [1, 2]
    earlier = api(emergency_desk.manager).get(
        f"{path(emergency_desk)}?from={(today - timedelta(days=9)).isoformat()}"
        f"&to={(today - timedelta(days=8)).isoformat()}"
    )
    assert earlier.json["items"] == []
    backwards = api(emergency_desk.manager).get(
        f"{path(emergency_desk)}?from={today.isoformat()}"
        f"&to={(today - timedelta(days=1)).isoformat()}"
    )
    assert backwards.status_code == 422


def test_a_manager_voids_a_parcel_a_volunteer_cannot(emergency_desk, api):
    made = record(emergency_desk, adults=1).visit
    where = f"{path(emergency_desk)}/{made.id}/void"
    assert api(emergency_desk.volunteer).post(where, json={"reason": "x"}).status_code == 403
    assert api(emergency_desk.manager).post(where, json={}).status_code == 422
    voided = api(emergency_desk.manager).post(where, json={"reason": "Recorded twice"})
    assert voided.status_code == 200
    assert voided.json["voided"] is True
    again = api(emergency_desk.manager).post(where, json={"reason": "again"})
    assert again.json["error"]["code"] == "already_voided"


def test_another_sites_staff_get_404_and_leads_403(emergency_desk, make_desk, make_user, api):
    made = record(emergency_desk, adults=1).visit
    other = make_desk(visit_types=[WEEKLY, EMERGENCY])
    outsider = api(other.manager)
    assert outsider.get(path(emergency_desk)).status_code == 404
    assert outsider.post(path(emergency_desk), json={"adults": 1}).status_code == 404
    void = f"{path(emergency_desk)}/{made.id}/void"
    assert outsider.post(void, json={"reason": "x"}).status_code == 404
    # Another site's parcel is not found through one's own site either.
    assert outsider.post(f"{path(other)}/{made.id}/void", json={"reason": "x"}).status_code == 404
    lead = api(make_user("programme_lead"))
    assert lead.get(path(emergency_desk)).status_code == 403
    assert lead.post(path(emergency_desk), json={"adults": 1}).status_code == 403
    assert count() == 1


# --- the cash-up ----------------------------------------------------------------------------


def test_the_cash_up_counts_anonymous_takings(make_desk):
    desk = make_desk(visit_types=[WEEKLY, {**EMERGENCY, "fee_pence": 100}])
    session = services.open_session(desk.site, actor=desk.volunteer, float_pence=1000)
    db.session.commit()
    paid = record(desk, adults=1).visit
    record(desk, adults=1, payment={"method": "card"})
    record(desk, adults=1, payment={"method": "waived", "reason": "No money at all"})
    voided = record(desk, adults=2).visit
    anonymous.void_anonymous_visit(desk.site, voided.id, "Twice", actor=desk.manager)
    db.session.commit()
    assert paid.session_id == session.id
    summary = services.takings(session)
    assert (summary.visits, summary.voided, summary.parcels) == (3, 1, 3)
    assert (summary.cash_pence, summary.card_pence, summary.waived) == (100, 100, 1)
    closed = services.close_session(
        desk.site, session.id, actor=desk.volunteer, counted_cash_pence=1100
    )
    assert (closed.difference_pence, closed.expected_cash_pence, closed.visits_count) == (0, 100, 3)


# --- the pages ------------------------------------------------------------------------------


def form_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_the_desk_offers_a_parcel_without_registering(emergency_desk, login):
    client = login(emergency_desk.volunteer)
    html = client.get("/checkin").get_data(as_text=True)
    assert "Parcel without registering" in html
    form = client.get("/checkin/anonymous").get_data(as_text=True)
    assert 'name="adults"' in form
    assert 'name="children_0_4"' in form
    assert 'name="visit_type"' in form  # hidden: the site's only type for non-members
    assert 'type="radio"' not in form


def test_a_site_giving_nothing_to_non_members_shows_no_such_button(desk, login):
    client = login(desk.volunteer)
    assert "Parcel without registering" not in client.get("/checkin").get_data(as_text=True)
    form = client.get("/checkin/anonymous").get_data(as_text=True)
    assert "gives no kind of visit to people who have not registered" in form


def test_the_form_records_the_parcel_and_the_day_lists_it(emergency_desk, login):
    client = login(emergency_desk.volunteer)
    key = form_key(client.get("/checkin/anonymous").get_data(as_text=True))
    data = {
        "csrf_token": csrf_token(client, "/checkin/anonymous"),
        "idempotency_key": key,
        "visit_type": "emergency_parcel",
        "adults": "2",
        "children_0_4": "0",
        "children_5_11": "3",
        "children_12_17": "0",
        "payment_method": "cash",
        "amount": "",
        "retail_value": "12.50",
    }
    response = client.post("/checkin/anonymous", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Parcel recorded" in done
    assert "2 adults, 3 children" in done
    again = client.post("/checkin/anonymous", data=data)  # the form sent twice
    assert again.status_code == 303
    assert count() == 1
    assert db.session.scalar(select(AnonymousVisit.retail_value_pence)) == 1250
    day = client.get("/visits").get_data(as_text=True)
    assert "Parcels without registering" in day
    assert "Emergency parcel" in day


def test_validation_errors_show_beside_the_fields(emergency_desk, login):
    client = login(emergency_desk.volunteer)
    response = client.post(
        "/checkin/anonymous",
        data={
            "csrf_token": csrf_token(client, "/checkin/anonymous"),
            "idempotency_key": str(uuid.uuid4()),
            "adults": "lots",
            "children_0_4": "0",
            "children_5_11": "0",
            "children_12_17": "0",
            "payment_method": "cash",
            "amount": "abc",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-adults-error"' in html
    assert "Enter a whole number from 0 to 30." in html
    assert 'id="f-payment-amount_pence-error"' in html
    assert count() == 0
    nobody = client.post(
        "/checkin/anonymous",
        data={
            "csrf_token": csrf_token(client, "/checkin/anonymous"),
            "idempotency_key": str(uuid.uuid4()),
            "adults": "0",
            "children_0_4": "0",
            "children_5_11": "0",
            "children_12_17": "0",
        },
    )
    assert nobody.status_code == 422
    assert "Count at least one person." in nobody.get_data(as_text=True)


def test_a_manager_voids_from_the_days_list(emergency_desk, login):
    made = record(emergency_desk, adults=1).visit
    client = login(emergency_desk.manager)
    html = client.get("/visits").get_data(as_text=True)
    assert f"/checkin/anonymous/{made.id}/void" in html
    response = client.post(
        f"/checkin/anonymous/{made.id}/void",
        data={"csrf_token": csrf_token(client, "/visits"), "reason": "Wrong button"},
    )
    assert response.status_code == 303
    db.session.refresh(made)
    assert made.is_voided
    assert made.void_reason == "Wrong button"


def test_another_sites_volunteer_cannot_see_the_confirmation(emergency_desk, make_desk, login):
    made = record(emergency_desk, adults=1).visit
    other = make_desk(visit_types=[WEEKLY, EMERGENCY])
    client = login(other.volunteer)
    assert client.get(f"/checkin/anonymous/{made.id}").status_code == 404


# --- retries at the same moment ---------------------------------------------------------------


@pytest.mark.concurrency
def test_retries_with_one_key_at_once_record_one_parcel(make_desk, token_for, live_url):
    from tests.visits.test_concurrency import THREADS, post, race, tablets

    desk = make_desk(visit_types=[WEEKLY, EMERGENCY])
    key = str(uuid.uuid4())
    headers = tablets(token_for, desk.volunteer)
    where = path(desk)  # read here: the threads have no application context
    results = race(
        THREADS,
        lambda i: post(live_url, where, {"adults": 2}, {**headers[i], "Idempotency-Key": key}),
    )
    assert Counter(status for status, _ in results) == {201: 1, 200: THREADS - 1}, results
    assert len({answer["id"] for _, answer in results}) == 1
    db.session.remove()
    assert count() == 1
