"""The visits API: shapes, refusals with their codes, idempotent retries, lists, voiding,
bad input and cross-site access."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.visits.models import Visit


def count_visits() -> int:
    return db.session.scalar(select(func.count(Visit.id)))


def test_check_in_answers_201_with_the_visit(desk, api):
    member = desk.member()
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={
            "membership_number": member.membership_number,
            "basket": {"red": 2, "blue": 8},
            "payment": {"method": "cash"},
        },
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["membership_number"] == member.membership_number
    assert body["first_name"] == "Tasha"
    assert body["fee_pence"] == 350
    assert body["retail_value_pence"] == 2 * 250 + 8 * 120
    assert body["savings_pence"] == 1460 - 350
    assert body["visits_left_this_week"] == 0
    assert body["household"] == {
        "adults": 2,
        "children_0_4": 1,
        "children_5_11": 1,
        "children_12_17": 0,
        "people": 4,
    }
    assert body["basket"] == {"red": 2, "blue": 8}
    assert body["replayed"] is False
    assert body["local_date"]
    assert body["next_visit_from"]


def test_the_same_idempotency_key_answers_200_with_the_first_visit(desk, api):
    member = desk.member()
    caller = api(desk.volunteer)
    key = str(uuid.uuid4())
    path = f"/api/v1/sites/{desk.site.code}/visits"
    first = caller.post(path, json={"membership_number": member.membership_number}, key=key)
    again = caller.post(path, json={"membership_number": member.membership_number}, key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert again.json["replayed"] is True
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_visits() == 1


def test_an_idempotency_key_reused_with_another_basket_is_409_and_records_nothing(desk, api):
    member = desk.member()
    caller = api(desk.volunteer)
    key = str(uuid.uuid4())
    path = f"/api/v1/sites/{desk.site.code}/visits"
    first = caller.post(
        path, json={"membership_number": member.membership_number, "basket": {"red": 1}}, key=key
    )
    changed = caller.post(
        path,
        json={
            "membership_number": member.membership_number,
            "basket": {"red": 2},
            "payment": {"method": "card"},
        },
        key=key,
    )
    assert changed.status_code == 409
    error = changed.json["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["details"] == {"visit_id": first.json["id"]}
    assert "different basket or payment" in error["message"]
    assert count_visits() == 1
    retry = caller.post(
        path, json={"basket": {"red": 1}, "membership_number": member.membership_number}, key=key
    )
    assert (retry.status_code, retry.json["id"]) == (200, first.json["id"])


def test_a_new_key_for_the_same_member_meets_the_limit(desk, api):
    member = desk.member()
    caller = api(desk.volunteer)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    caller.post(path, json={"membership_number": member.membership_number}, key="k-000000001")
    response = caller.post(
        path, json={"membership_number": member.membership_number}, key="k-000000002"
    )
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "visit_limit_reached"
    assert error["message"].startswith("Already visited once this week — next visit from")
    assert error["details"]["overridable"] is True
    assert error["details"]["problems"][0]["code"] == "visit_limit_reached"
    override = caller.post(
        path,
        json={
            "membership_number": member.membership_number,
            "override_reason": "Hardship — manager agreed",
        },
        key="k-000000003",
    )
    assert override.status_code == 201
    assert override.json["overridden_rules"] == ["visit_limit_reached"]


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"status": "suspended", "status_reason": "rude"}, "membership_suspended"),
        ({"status": "closed"}, "membership_closed"),
        ({"status": "waiting"}, "membership_waiting"),
        ({"expires_on": "past"}, "membership_expired"),
    ],
)
def test_membership_refusals_are_409_with_their_code(desk, api, setup, code):
    from datetime import timedelta

    from supermarket.visits.services import site_today

    if setup.get("expires_on") == "past":
        setup = {"expires_on": site_today(desk.site) - timedelta(days=3)}
    member = desk.member(**setup)
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={"membership_number": member.membership_number},
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == code
    assert count_visits() == 0


def test_over_the_allowance_is_409(desk, api):
    member = desk.member()
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={"membership_number": member.membership_number, "basket": {"blue": 9}},
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "allowance_exceeded"


def test_not_enough_stock_is_409(desk, api, stocked):
    stocked(desk, "TEA", [(1, {})])
    member = desk.member()
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={
            "membership_number": member.membership_number,
            "lines": [{"sku": "TEA", "quantity": 2}],
        },
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "insufficient_stock"
    assert count_visits() == 0


def test_unknown_numbers_are_404_and_malformed_ones_422(desk, api):
    caller = api(desk.volunteer)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    from supermarket.members.identifiers import new_membership_number

    response = caller.post(path, json={"membership_number": new_membership_number()})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "member_not_found"
    response = caller.post(path, json={"membership_number": "hello"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"membership_number": 12345678},
        {"membership_number": "ABCD1234", "basket": {"red": -1}},
        {"membership_number": "ABCD1234", "basket": {"red": 2.5}},
        {"membership_number": "ABCD1234", "basket": {"Red!": 1}},
        {"membership_number": "ABCD1234", "basket": ["red"]},
        {"membership_number": "ABCD1234", "lines": [{"sku": "X", "quantity": 0}]},
        {"membership_number": "ABCD1234", "payment": {"method": "cheque"}},
        {"membership_number": "ABCD1234", "payment": {"method": "cash", "amount_pence": -5}},
        {"membership_number": "ABCD1234", "site_id": 2},
        {"membership_number": "ABCD1234", "override_reason": "x" * 201},
    ],
)
def test_malformed_input_is_422_and_changes_nothing(desk, api, body):
    response = api(desk.volunteer).post(f"/api/v1/sites/{desk.site.code}/visits", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert count_visits() == 0


def test_a_bad_idempotency_key_is_422(desk, api):
    member = desk.member()
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={"membership_number": member.membership_number},
        key="no spaces please",
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_idempotency_key"


def test_another_sites_staff_get_404_for_the_site_the_member_and_the_visit(desk, make_desk, api):
    member = desk.member()
    visit = desk.check_in(member).visit
    other = api(make_desk().manager)
    code = desk.site.code
    assert (
        other.post(
            f"/api/v1/sites/{code}/visits", json={"membership_number": member.membership_number}
        ).status_code
        == 404
    )
    assert other.get(f"/api/v1/sites/{code}/visits").status_code == 404
    assert (
        other.get(f"/api/v1/sites/{code}/members/{member.membership_number}/visits").status_code
        == 404
    )
    assert other.get(f"/api/v1/sites/{code}/checkin/{member.membership_number}").status_code == 404
    assert (
        other.post(f"/api/v1/sites/{code}/visits/{visit.id}/void", json={"reason": "x"}).status_code
        == 404
    )


def test_programme_leads_and_admins_are_refused(desk, make_user, api):
    member = desk.member()
    for role in ("programme_lead", "admin"):
        response = api(make_user(role)).post(
            f"/api/v1/sites/{desk.site.code}/visits",
            json={"membership_number": member.membership_number},
        )
        assert response.status_code == 403


def test_the_day_list_and_a_members_visits(desk, api):
    member = desk.member()
    desk.check_in(member, basket={"red": 1})
    desk.check_in(desk.member())
    caller = api(desk.volunteer)
    day = caller.get(f"/api/v1/sites/{desk.site.code}/visits")
    assert day.status_code == 200
    assert len(day.json["items"]) == 2
    assert day.json["next"] is None
    paged = caller.get(f"/api/v1/sites/{desk.site.code}/visits?limit=1")
    assert len(paged.json["items"]) == 1
    assert paged.json["next"]
    other_day = caller.get(f"/api/v1/sites/{desk.site.code}/visits?date=2020-01-01")
    assert other_day.json["items"] == []
    assert caller.get(f"/api/v1/sites/{desk.site.code}/visits?date=31/12/2025").status_code == 422
    history = caller.get(
        f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}/visits"
    )
    assert [v["basket"] for v in history.json["items"]] == [{"red": 1}]


def test_the_panel_endpoint(desk, api):
    member = desk.member(dietary=["halal", "nut_allergy"])
    body = (
        api(desk.volunteer)
        .get(f"/api/v1/sites/{desk.site.code}/checkin/{member.membership_number}")
        .json
    )
    assert body["first_name"] == "Tasha"
    assert body["visits_left_this_week"] == 1
    assert body["fee_pence"] == 350
    assert body["dietary"] == ["Halal", "Nut allergy"]
    assert body["bands"][0] == {"name": "red", "limit": 2, "average_value_pence": 250}
    assert body["problems"] == []
    assert "last_name" not in body


def test_a_manager_voids_through_the_api_and_a_volunteer_cannot(desk, api):
    visit = desk.check_in(desk.member()).visit
    path = f"/api/v1/sites/{desk.site.code}/visits/{visit.id}/void"
    assert api(desk.volunteer).post(path, json={"reason": "oops"}).status_code == 403
    assert api(desk.manager).post(path, json={}).status_code == 422
    response = api(desk.manager).post(path, json={"reason": "Scanned twice"})
    assert response.status_code == 200
    assert response.json["voided"] is True
    assert api(desk.manager).post(path, json={"reason": "again"}).status_code == 409
    missing = f"/api/v1/sites/{desk.site.code}/visits/999999/void"
    assert api(desk.manager).post(missing, json={"reason": "x"}).status_code == 404


def test_a_free_site_checks_in_with_no_payment_given(make_desk, api):
    free = make_desk(fee_pence=0)
    for payment in ({}, {"payment": None}):
        member = free.member()
        response = api(free.volunteer).post(
            f"/api/v1/sites/{free.site.code}/visits",
            json={"membership_number": member.membership_number, **payment},
            key=str(uuid.uuid4()),
        )
        assert response.status_code == 201, response.json
        body = response.json
        assert (body["fee_pence"], body["amount_paid_pence"]) == (0, 0)
        assert body["payment_method"] == "free"  # nothing due: recorded as free, not cash
