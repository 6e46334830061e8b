"""Payment models per visit type: the flat fee (today's), a membership fee covering a year or
a term, pay-as-you-feel, and points carried over up to a cap; how each visit was paid, and
the cash-up of every payment type.

The weekly shop is the only visit type wired into check-in so far: these tests set its own
`payment_model` (the weekly shop is `settings.visit_types[0]`). Days come from the frozen
test clock, never the calendar.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from supermarket.errors import InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.members.models import MembershipFee
from supermarket.members.terms import add_months
from supermarket.sites.calendar import site_today
from supermarket.visits import services
from supermarket.visits.models import Visit
from supermarket.visits.points import PointsEntry
from supermarket.visits.services import cashup, payments
from tests.visits.conftest import local

POINTS = {"credit": 10, "item_cost": 1, "band_costs": {"red": 5}, "carry_over_cap": 5}


def weekly(model: str) -> list[dict[str, Any]]:
    return [{"key": "weekly_shop", "label": "Weekly shop", "payment_model": model}]


def at(day: date, hour: int = 11):
    return local(f"{day.isoformat()} {hour:02d}:00")


@pytest.fixture
def points_desk(make_desk):
    return make_desk(visits_per_week=14, visit_types=weekly("points"), points=POINTS)


@pytest.fixture
def membership_desk(make_desk):
    return make_desk(
        visits_per_week=14,
        membership_term_months=60,
        visit_types=weekly("membership_fee"),
        membership_fee_pence=1200,
        membership_fee_period="annual",
    )


def ledger(member) -> list[tuple[str, int, int]]:
    rows = db.session.scalars(
        select(PointsEntry).where(PointsEntry.member_id == member.id).order_by(PointsEntry.id)
    )
    return [(r.reason, r.change, r.balance_after) for r in rows]


def panel_payment(desk, member, now=None) -> dict[str, Any]:
    return services.checkin_panel(
        desk.site, member.membership_number, actor=desk.volunteer, now=now
    ).payment


# --- flat fee -----------------------------------------------------------------------------------


def test_a_flat_fee_visit_is_paid_as_today(desk):
    visit = desk.check_in(desk.member(), basket={"red": 1}).visit
    assert (visit.payment_model, visit.payment_method, visit.amount_paid_pence) == (
        "flat_fee",
        "cash",
        350,
    )
    assert visit.points_spent == 0


def test_a_visit_with_nothing_due_is_recorded_as_free(make_desk):
    free = make_desk(fee_pence=0)
    visit = free.check_in(free.member(), basket={"blue": 2}).visit
    assert (visit.payment_method, visit.fee_pence, visit.amount_paid_pence) == ("free", 0, 0)
    assert visit.payment_label == "Free"


def test_the_desk_cannot_send_a_method_only_check_in_records(desk):
    from marshmallow import ValidationError

    with pytest.raises(ValidationError):
        desk.check_in(desk.member(), payment={"method": "points"})


# --- pay as you feel ----------------------------------------------------------------------------


def test_pay_as_you_feel_takes_any_amount_without_a_reason(make_desk):
    payf = make_desk(visits_per_week=14, visit_types=weekly("pay_as_you_feel"))
    member = payf.member()
    given = payf.check_in(member, basket={"red": 2}, payment={"method": "card", "amount_pence": 75})
    visit = given.visit
    assert (visit.payment_model, visit.payment_method, visit.amount_paid_pence) == (
        "pay_as_you_feel",
        "card",
        75,
    )
    assert (visit.fee_pence, visit.payment_reason) == (0, "")
    assert visit.savings_pence == 500 - 75  # two red at 250p, less what was given


@pytest.mark.parametrize(
    "payment", [None, {"method": "cash", "amount_pence": 0}, {"method": "cash"}]
)
def test_pay_as_you_feel_nothing_given_is_recorded(make_desk, payment):
    payf = make_desk(visit_types=weekly("pay_as_you_feel"))
    data = {} if payment is None else {"payment": payment}
    visit = payf.check_in(payf.member(), basket={"blue": 1}, **data).visit
    assert (visit.payment_method, visit.amount_paid_pence, visit.fee_pence) == (
        "pay_as_you_feel",
        0,
        0,
    )
    assert visit.savings_pence == 120


# --- membership fee -----------------------------------------------------------------------------


def test_a_membership_fee_type_refuses_the_visit_until_the_fee_is_taken(membership_desk):
    member = membership_desk.member()
    with pytest.raises(RuleViolation) as refused:
        membership_desk.check_in(member, basket={"blue": 1})
    assert refused.value.code == "membership_fee_due"
    assert refused.value.details["membership_fee_pence"] == 1200
    assert refused.value.details["overridable"] is False
    info = panel_payment(membership_desk, member)["membership_fee"]
    assert info == {
        "fee_pence": 1200,
        "period": "annual",
        "covered_until": None,
        "covers_today": False,
    }


def test_the_fee_taken_with_the_check_in_covers_a_year_to_its_last_day(membership_desk):
    desk = membership_desk
    member = desk.member()
    today = site_today(desk.site)
    first = desk.check_in(
        member, basket={"blue": 1}, payment={"method": "cash", "amount_pence": 1200}
    ).visit
    assert (first.payment_method, first.amount_paid_pence, first.fee_pence) == (
        "membership",
        0,
        0,
    )
    fee = db.session.scalars(select(MembershipFee).filter_by(member_id=member.id)).one()
    last = add_months(today, 12) - timedelta(days=1)
    assert (fee.kind, fee.method, fee.amount_pence, fee.covers_until) == (
        "membership",
        "cash",
        1200,
        last,
    )
    # Its last day: covered; the panel says so.
    on_last = desk.check_in(member, basket={"blue": 1}, now=at(last)).visit
    assert on_last.payment_method == "membership"
    assert panel_payment(desk, member, at(last))["membership_fee"]["covers_today"] is True
    # The day after: due again.
    after = last + timedelta(days=1)
    assert panel_payment(desk, member, at(after))["membership_fee"]["covers_today"] is False
    with pytest.raises(RuleViolation) as refused:
        desk.check_in(member, basket={"blue": 1}, now=at(after))
    assert refused.value.code == "membership_fee_due"


def test_a_termly_fee_renewed_early_follows_on_from_the_last(make_desk):
    desk = make_desk(
        visits_per_week=14,
        visit_types=weekly("membership_fee"),
        membership_fee_pence=500,
        membership_fee_period="termly",
    )
    member = desk.member()
    today = site_today(desk.site)
    desk.check_in(member, payment={"method": "card", "amount_pence": 500})
    term = add_months(today, 4) - timedelta(days=1)
    assert payments.covered_until(member.id, desk.site.id) == term
    # Renewed before it ends (taken with a visit while covered is refused: no money then).
    with pytest.raises(InvalidInput):
        desk.check_in(member, payment={"method": "cash", "amount_pence": 500})
    assert payments.new_cover(desk.site.settings, today, term) == (
        add_months(term + timedelta(days=1), 4) - timedelta(days=1)
    )


def test_the_membership_fee_is_taken_in_full_or_waived_with_a_reason(membership_desk):
    member = membership_desk.member()
    with pytest.raises(InvalidInput) as part:
        membership_desk.check_in(member, payment={"method": "cash", "amount_pence": 600})
    assert "payment" in part.value.fields
    with pytest.raises(InvalidInput):
        membership_desk.check_in(member, payment={"method": "waived"})
    visit = membership_desk.check_in(
        member, payment={"method": "waived", "reason": "Hardship — manager agreed"}
    ).visit
    assert visit.payment_method == "membership"
    fee = db.session.scalars(select(MembershipFee).filter_by(member_id=member.id)).one()
    assert (fee.method, fee.amount_pence) == ("waived", 0)


# --- points -------------------------------------------------------------------------------------


def test_points_carry_over_up_to_the_cap_exactly(points_desk):
    desk = points_desk
    member = desk.member()
    assert panel_payment(desk, member)["points"] == {
        "balance": 0,
        "carried_over": 0,
        "expiring": 0,
        "credit": 10,
        "available": 10,
        "carry_over_cap": 5,
    }
    first = desk.check_in(member, basket={"blue": 5, "free": 3}).visit  # free items cost none
    assert (first.payment_method, first.points_spent, first.amount_paid_pence) == (
        "points",
        5,
        0,
    )
    assert first.savings_pence == 5 * 120
    # A balance at the cap carries over whole: nothing expires.
    panel = panel_payment(desk, member)["points"]
    assert (panel["balance"], panel["expiring"], panel["available"]) == (5, 0, 15)
    desk.check_in(member, basket={"blue": 4})
    # Over the cap: all but the cap expires.
    panel = panel_payment(desk, member)["points"]
    assert (panel["balance"], panel["carried_over"], panel["expiring"]) == (11, 5, 6)
    assert panel["available"] == 15
    assert ledger(member) == [
        ("credit", 10, 10),
        ("spend", -5, 5),
        ("credit", 10, 15),
        ("spend", -4, 11),
    ]


def test_one_point_over_the_cap_expires(points_desk):
    member = points_desk.member()
    points_desk.check_in(member, basket={"blue": 4})  # 10 - 4 = 6: one over the cap of 5
    panel = panel_payment(points_desk, member)["points"]
    assert (panel["carried_over"], panel["expiring"], panel["available"]) == (5, 1, 15)
    points_desk.check_in(member, basket={"blue": 1})
    assert ledger(member)[2:] == [("expire", -1, 5), ("credit", 10, 15), ("spend", -1, 14)]


def test_a_basket_dearer_than_the_points_is_refused_unless_overridden(points_desk):
    member = points_desk.member()
    with pytest.raises(RuleViolation) as refused:
        points_desk.check_in(member, basket={"red": 2, "blue": 1})  # 2 x 5 + 1 = 11 > 10
    assert refused.value.code == "points_exceeded"
    assert refused.value.details["overridable"] is True
    assert (refused.value.details["points_cost"], refused.value.details["points_available"]) == (
        11,
        10,
    )
    assert ledger(member) == []
    visit = points_desk.check_in(
        member, basket={"red": 2, "blue": 1}, override_reason="Hardship — manager agreed"
    ).visit
    assert visit.points_spent == 11
    assert visit.overridden_rules == ["points_exceeded"]
    assert ledger(member) == [("credit", 10, 10), ("spend", -10, 0)]  # never below nothing


def test_a_points_visit_takes_no_money(points_desk):
    with pytest.raises(InvalidInput):
        points_desk.check_in(points_desk.member(), payment={"method": "cash", "amount_pence": 100})


def test_voiding_a_points_visit_gives_its_points_back(points_desk):
    member = points_desk.member()
    points_desk.check_in(member, basket={"blue": 2})
    visit = points_desk.check_in(member, basket={"blue": 3}).visit
    assert ledger(member)[-1] == ("spend", -3, 12)
    services.void_visit(points_desk.site, visit.id, "Wrong card", actor=points_desk.manager)
    db.session.commit()
    # Its change undone: 3 expired over the cap, 10 credited, 3 spent.
    assert ledger(member)[-1] == ("void", -4, 8)
    assert payments.points_balance(member.id, points_desk.site.id) == 8


def test_points_by_tier(make_desk):
    desk = make_desk(
        visits_per_week=14,
        visit_types=weekly("points"),
        tiers=[{"name": "Large", "min_people": 4, "fee_pence": 500}],
        points={**POINTS, "credit_by_tier": {"Large": 25}},
    )
    member = desk.member()  # two adults and two children: the Large tier
    assert panel_payment(desk, member)["points"]["credit"] == 25


# --- the cash-up --------------------------------------------------------------------------------


def _model(desk, model: str, **more: Any) -> None:
    settings = {**desk.site.settings_data, "visit_types": weekly(model), **more}
    desk.site.settings_data = settings
    db.session.commit()


def test_the_cash_up_counts_every_payment_type(make_desk):
    desk = make_desk(visits_per_week=14, membership_term_months=60)
    session = services.open_session(desk.site, actor=desk.volunteer, float_pence=1000)
    db.session.commit()
    member = desk.member()
    desk.check_in(member, basket={"red": 1})  # 350 cash
    desk.check_in(member, payment={"method": "card"})  # 350 card
    desk.check_in(member, payment={"method": "waived", "reason": "Hardship"})
    _model(desk, "pay_as_you_feel")
    desk.check_in(member, payment={"method": "cash", "amount_pence": 200})
    desk.check_in(member, payment={"method": "card", "amount_pence": 150})
    desk.check_in(member)  # nothing given
    _model(desk, "membership_fee", membership_fee_pence=1200)
    desk.check_in(member, payment={"method": "cash", "amount_pence": 1200})
    desk.check_in(member)  # covered
    _model(desk, "points", points=POINTS)
    desk.check_in(member, basket={"blue": 3})
    desk.check_in(member, basket={"red": 1, "blue": 1})
    _model(desk, "flat_fee", fee_pence=0)
    desk.check_in(member)  # nothing due

    summary = services.takings(session)
    assert summary.visits == 11
    assert summary.counts == {
        "cash": 2,
        "card": 2,
        "waived": 1,
        "pay_as_you_feel": 1,
        "membership": 2,
        "points": 2,
        "free": 1,
    }
    assert (summary.cash_pence, summary.card_pence) == (350 + 200, 350 + 150)
    assert (summary.pay_as_you_feel_pence, summary.pay_as_you_feel_visits) == (350, 2)
    assert summary.points_spent == 3 + 6
    assert summary.membership_by_method == {"cash": 1200}
    assert summary.all_cash_pence == 350 + 200 + 1200
    lines = dict(summary.payment_lines)
    assert lines["Points spent (not money)"] == "9"
    assert lines["Visits covered by a membership fee"] == "2"
    assert lines["Visits with nothing due"] == "1"
    assert lines["Pay as you feel: nothing given"] == "1"
    assert lines["Membership fees (in the fees above)"] == "£12.00 cash, £0.00 card, 0 waived"

    services.close_session(
        desk.site, session.id, actor=desk.manager, counted_cash_pence=1000 + 1750
    )
    db.session.commit()
    closed = cashup.as_cashed_up(session)
    assert (closed.cash_pence, closed.points_spent) == (550, 9)
    assert (closed.counts["points"], closed.counts["waived"]) == (2, 1)
    sheet = services.session_sheet(desk.site, session.id, actor=desk.manager)
    assert dict(sheet.takings.payment_lines) == lines


# --- the API ------------------------------------------------------------------------------------


def test_the_panel_and_check_in_over_the_api(membership_desk, api):
    desk = membership_desk
    member = desk.member()
    caller = api(desk.volunteer)
    base = f"/api/v1/sites/{desk.site.code}"
    panel = caller.get(f"{base}/checkin/{member.membership_number}").json
    assert panel["payment"]["model"] == "membership_fee"
    assert panel["payment"]["membership_fee"]["covers_today"] is False
    assert panel["payment"]["points"] is None
    assert any(n["kind"] == "payment" for n in panel["notices"])
    body = {"membership_number": member.membership_number, "basket": {"blue": 1}}
    refused = caller.post(f"{base}/visits", json=body, key=str(uuid.uuid4()))
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "membership_fee_due"
    paid = caller.post(
        f"{base}/visits",
        json={**body, "payment": {"method": "card", "amount_pence": 1200}},
        key=str(uuid.uuid4()),
    )
    assert paid.status_code == 201, paid.json
    assert (paid.json["payment_method"], paid.json["payment_model"]) == (
        "membership",
        "membership_fee",
    )
    panel = caller.get(f"{base}/checkin/{member.membership_number}").json
    assert panel["payment"]["membership_fee"]["covers_today"] is True


def test_points_settings_by_patch_and_the_panel_balance(desk, api, token_for, client):
    url = f"/api/v1/sites/{desk.site.code}/settings"
    changed = client.patch(
        url,
        json={"visit_types": weekly("points"), "points": {**POINTS, "carry_over_cap": 8}},
        headers=token_for(desk.manager),
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["settings"]["points"]["carry_over_cap"] == 8
    assert changed.json["settings"]["membership_fee_period"] == "annual"
    bad = client.patch(
        url, json={"points": {"band_costs": {"purple": 2}}}, headers=token_for(desk.manager)
    )
    assert bad.status_code == 422
    db.session.expire_all()
    member = desk.member()
    desk.check_in(member, basket={"blue": 2})
    panel = api(desk.volunteer).get(
        f"/api/v1/sites/{desk.site.code}/checkin/{member.membership_number}"
    )
    assert panel.json["payment"]["points"]["balance"] == 8
    assert panel.json["payment"]["points"]["available"] == 18


def test_a_flat_fee_site_answers_old_clients_as_before(desk, api):
    member = desk.member()
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={"membership_number": member.membership_number, "basket": {"red": 1}},
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 201
    body = response.json
    assert (body["payment_method"], body["amount_paid_pence"], body["fee_pence"]) == (
        "cash",
        350,
        350,
    )
    assert (body["payment_model"], body["points_spent"]) == ("flat_fee", 0)


# --- the demo -----------------------------------------------------------------------------------


def test_the_demo_puts_canvey_on_points_and_its_cash_ups_still_add_up():
    from supermarket.members import services as members
    from supermarket.members.schemas import MemberIn
    from supermarket.visits import demo, demo_payments
    from supermarket.visits.models import SiteSession
    from tests.factories import demo_context, desk_member_payload

    ctx = demo_context()
    canvey = ctx.sites["canvey"]
    for n in range(12):
        data = MemberIn().load(desk_member_payload(first_name=f"Demo{n}", postcode="SS8 7AA"))
        member = members.register_member(canvey, data, actor=ctx.staff["dev.manager@example.org"])
        member.member.joined_on -= timedelta(weeks=10)
    db.session.flush()
    demo.seed(ctx)
    demo_payments.seed(ctx)

    kinds = canvey.settings.visit_types[0]
    assert kinds.payment_model == "points"
    visits = db.session.scalars(select(Visit).where(Visit.site_id == canvey.id)).all()
    on_points = [v for v in visits if v.payment_model == "points"]
    assert on_points
    assert any(v.payment_model == "flat_fee" for v in visits)  # before the change
    assert all((v.amount_paid_pence, v.payment_method) == (0, "points") for v in on_points)
    for member_id in {v.member_id for v in on_points}:
        rows = db.session.scalars(
            select(PointsEntry).where(PointsEntry.member_id == member_id).order_by(PointsEntry.id)
        ).all()
        balance = 0
        for row in rows:
            balance += row.change
            assert row.balance_after == balance >= 0
    for session in db.session.scalars(
        select(SiteSession).where(
            SiteSession.site_id == canvey.id, SiteSession.closed_at.is_not(None)
        )
    ):
        summary = cashup.takings(session)
        assert session.expected_cash_pence == summary.all_cash_pence
        assert session.expected_card_pence == summary.all_card_pence
        assert session.difference_pence == session.counted_cash_pence - (
            session.float_pence + session.expected_cash_pence
        )


# --- the desk's page ----------------------------------------------------------------------------


def _post(client, member, html: str, **fields: str):
    from tests.conftest import csrf_token
    from tests.visits.test_pages import form_key

    return client.post(
        "/checkin",
        data={
            "csrf_token": csrf_token(client, "/checkin"),
            "membership_number": member.membership_number,
            "idempotency_key": form_key(html),
            **fields,
        },
    )


def test_the_desk_page_checks_in_a_points_visit(points_desk, login):
    member = points_desk.member()
    client = login(points_desk.volunteer)
    html = client.get(f"/checkin?number={member.membership_number}").get_data(as_text=True)
    assert "paid in points (10 to spend today)" in html
    assert 'name="amount"' not in html
    assert _post(client, member, html, band_blue="3").status_code == 303
    visit = db.session.scalar(select(Visit).where(Visit.member_id == member.id))
    assert (visit.payment_method, visit.points_spent) == ("points", 3)
    assert "checked in: 3 points." in client.get("/checkin").get_data(as_text=True)


def test_the_desk_page_takes_a_membership_fee_that_is_due(membership_desk, login):
    member = membership_desk.member()
    client = login(membership_desk.volunteer)
    html = client.get(f"/checkin?number={member.membership_number}").get_data(as_text=True)
    assert "Membership fee £12.00 (annual) due" in html
    response = _post(client, member, html, band_blue="1", payment_method="card", amount="12.00")
    assert response.status_code == 303
    visit = db.session.scalar(select(Visit).where(Visit.member_id == member.id))
    assert visit.payment_method == "membership"
    html = client.get(f"/checkin?number={member.membership_number}").get_data(as_text=True)
    assert "covered by the membership fee" in html


def test_the_desk_page_asks_pay_as_you_feel_with_an_empty_amount(make_desk, login):
    payf = make_desk(visit_types=weekly("pay_as_you_feel"))
    member = payf.member()
    client = login(payf.volunteer)
    html = client.get(f"/checkin?number={member.membership_number}").get_data(as_text=True)
    assert "Pay as you feel: any amount, or nothing" in html
    assert _post(client, member, html, payment_method="cash", amount="").status_code == 303
    visit = db.session.scalar(select(Visit).where(Visit.member_id == member.id))
    assert (visit.payment_method, visit.amount_paid_pence) == ("pay_as_you_feel", 0)


def test_an_offline_tablet_that_took_the_fee_for_a_points_visit_is_not_refused(points_desk):
    """A tablet whose roster predates the change to points took the fee: the money is kept
    as taken (the cash-up finds it), the points still spent; at the desk it is refused."""
    from datetime import UTC, datetime

    member = points_desk.member()
    recorded = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    visit = points_desk.check_in(
        member,
        basket={"blue": 2},
        payment={"method": "card", "amount_pence": 350},
        offline={"recorded_at": recorded, "device": ""},
    ).visit
    assert (visit.payment_method, visit.amount_paid_pence, visit.points_spent) == ("card", 350, 2)
    assert visit.payment_reason == payments.OFFLINE_MONEY


def test_the_offline_roster_asks_no_fee_where_visits_are_paid_in_points(points_desk):
    from supermarket.offline import services as offline

    points_desk.member()
    device = points_desk.tablet()
    roster = offline.roster(points_desk.site, device, actor=points_desk.volunteer)
    assert {m["fee_pence"] for m in roster.members} == {0}


def test_the_membership_fee_is_taken_ahead_over_the_api_and_renewed_early(membership_desk, api):
    desk = membership_desk
    member = desk.member()
    today = site_today(desk.site)
    url = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}/membership-fee"
    caller = api(desk.volunteer)
    first = caller.post(url, json={"method": "cash", "amount_pence": 1200})
    assert first.status_code == 201, first.json
    year = add_months(today, 12) - timedelta(days=1)
    assert (first.json["kind"], first.json["covers_until"]) == ("membership", year.isoformat())
    again = caller.post(url, json={"method": "card"})  # the fee when no amount is given
    assert again.status_code == 201, again.json
    assert (
        again.json["covers_until"]
        == (add_months(year + timedelta(days=1), 12) - timedelta(days=1)).isoformat()
    )
    assert caller.post(url, json={"method": "cash", "amount_pence": 500}).status_code == 422
    visit = desk.check_in(member, basket={"blue": 1}).visit
    assert visit.payment_method == "membership"


def test_a_site_without_a_membership_fee_takes_none(desk, api):
    member = desk.member()
    url = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}/membership-fee"
    response = api(desk.volunteer).post(url, json={"method": "cash"})
    assert response.status_code == 422
