"""The member's page at a site paid by membership fee or in points: whether a fee covers today
and the form that takes it alone (cash, card, or waived with a reason), after which the
check-in is covered; a points household's balance and its latest points history. Only the
member's own site's staff see or use them. Days come from the frozen test clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.formatting import uk_date
from supermarket.members.models import MembershipFee
from supermarket.members.terms import add_months
from supermarket.sites.calendar import site_today
from supermarket.visits.points import PointsEntry
from supermarket.visits.views_payments import HISTORY_ROWS
from tests.conftest import csrf_token

POINTS = {"credit": 10, "item_cost": 1, "band_costs": {"red": 5}, "carry_over_cap": 5}


def weekly(model: str) -> list[dict[str, Any]]:
    return [{"key": "weekly_shop", "label": "Weekly shop", "payment_model": model}]


@pytest.fixture
def membership_desk(make_desk):
    return make_desk(
        visits_per_week=14,
        membership_term_months=60,
        visit_types=weekly("membership_fee"),
        membership_fee_pence=1200,
        membership_fee_period="annual",
    )


@pytest.fixture
def points_desk(make_desk):
    return make_desk(visits_per_week=14, visit_types=weekly("points"), points=POINTS)


def page(client, member) -> str:
    response = client.get(f"/members/{member.membership_number}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def take(client, member, **fields: str):
    url = f"/members/{member.membership_number}/membership-fee"
    token = csrf_token(client, f"/members/{member.membership_number}")
    return client.post(url, data={"csrf_token": token, **fields})


def fees(member) -> list[MembershipFee]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(MembershipFee).where(MembershipFee.member_id == member.id))
    )


def test_the_page_says_the_fee_is_due_and_takes_it_in_cash_then_the_visit_is_covered(
    membership_desk, login
):
    desk = membership_desk
    member = desk.member()
    client = login(desk.volunteer)
    html = page(client, member)
    assert "No membership fee covers today" in html
    assert "Take the membership fee: £12.00 for a year" in html
    response = take(client, member, fee_method="cash", fee_amount="12.00")
    assert response.status_code == 303, response.get_data(as_text=True)
    year = add_months(site_today(desk.site), 12) - timedelta(days=1)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The membership fee covers visits until {uk_date(year)}." in html
    assert f"£12.00 taken: it covers visits until {uk_date(year)}." in html
    [fee] = fees(member)
    assert (fee.method, fee.amount_pence, fee.covers_until) == ("cash", 1200, year)
    visit = desk.check_in(member, basket={"blue": 1}).visit
    assert (visit.payment_method, visit.amount_paid_pence) == ("membership", 0)


def test_a_card_payment_ahead_follows_on_from_the_last(membership_desk, login):
    desk = membership_desk
    member = desk.member()
    client = login(desk.volunteer)
    assert take(client, member, fee_method="cash", fee_amount="12.00").status_code == 303
    assert "following on from the last" in page(client, member)
    assert take(client, member, fee_method="card", fee_amount="12").status_code == 303
    first, second = sorted(fees(member), key=lambda f: f.covers_until)
    assert second.method == "card"
    assert second.covers_until == add_months(first.covers_until + timedelta(days=1), 12) - (
        timedelta(days=1)
    )


def test_a_waived_fee_needs_a_reason_beside_its_box(membership_desk, login):
    desk = membership_desk
    member = desk.member()
    client = login(desk.volunteer)
    response = take(client, member, fee_method="waived", fee_amount="", fee_reason="  ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-fee_reason-error"' in html
    assert 'id="f-fee_method-waived" name="fee_method" value="waived" checked' in html
    assert fees(member) == []
    response = take(client, member, fee_method="waived", fee_reason="Referred by the council")
    assert response.status_code == 303
    [fee] = fees(member)
    assert (fee.method, fee.amount_pence, fee.reason) == ("waived", 0, "Referred by the council")
    assert desk.check_in(member, basket={"blue": 1}).visit.payment_method == "membership"


@pytest.mark.parametrize(("amount", "box"), [("5.00", "fee_amount"), ("twelve", "fee_amount")])
def test_part_of_the_fee_is_refused_beside_the_amount(membership_desk, login, amount, box):
    desk = membership_desk
    member = desk.member()
    client = login(desk.volunteer)
    response = take(client, member, fee_method="cash", fee_amount=amount)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="f-{box}-error"' in html
    assert f'value="{amount}"' in html
    assert fees(member) == []


def test_a_flat_fee_site_shows_no_payments_panel(desk, login):
    member = desk.member()
    client = login(desk.volunteer)
    html = page(client, member)
    assert 'id="payments"' not in html


def test_the_points_balance_and_the_latest_history_newest_first(points_desk, login):
    desk = points_desk
    member = desk.member()
    client = login(desk.volunteer)
    assert "No points yet" in page(client, member)
    desk.check_in(member, basket={"blue": 3})  # +10, -3: 7
    desk.check_in(member, basket={"red": 1})  # 7 over the cap of 5: -2, +10, -5: 10
    html = page(client, member)
    assert "Points balance: <strong>10</strong>" in html
    rows = html.split('class="table points-history"')[1].split("</table>")[0]
    changes = rows.split("<tr><td>")[1:]
    assert "Spent on the basket" in changes[0]
    assert "-5" in changes[0]
    assert "Over the carry-over cap" in changes[2]
    assert len(changes) == 5
    for _ in range(4):
        desk.check_in(member, basket={"blue": 1})
    html = page(client, member)
    rows = html.split('class="table points-history"')[1].split("</table>")[0]
    assert rows.count("<tr><td>") == HISTORY_ROWS
    latest = db.session.scalars(
        select(PointsEntry)
        .where(PointsEntry.member_id == member.id)
        .order_by(PointsEntry.id.desc())
    ).first()
    assert latest is not None
    assert f"Points balance: <strong>{latest.balance_after}</strong>" in html


def test_staff_of_another_site_neither_see_nor_take_the_fee(membership_desk, make_desk, login):
    member = membership_desk.member()
    other = make_desk(visit_types=weekly("membership_fee"), membership_fee_pence=1200).volunteer
    client = login(other)
    assert client.get(f"/members/{member.membership_number}").status_code in (403, 404)
    response = take_with(client, member, "/checkin")
    assert response.status_code in (403, 404)
    assert fees(member) == []


def take_with(client, member, token_page: str):
    url = f"/members/{member.membership_number}/membership-fee"
    token = csrf_token(client, token_page)
    return client.post(url, data={"csrf_token": token, "fee_method": "cash", "fee_amount": "12"})
