"""The joining fee: taken at registration (and at renewal where the site says so), in cash, by
card or waived, through the page and the API; counted in the session's cash-up and in the fees
collected that reports give."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.members.models import Member, MembershipFee
from supermarket.members.services import privacy
from supermarket.reporting.periods import Period
from supermarket.reporting.release import release_statistics
from supermarket.reporting.statistics import (
    Conversions,
    Figures,
    PeriodStatistics,
    SiteRef,
    period_statistics,
)
from supermarket.visits import services as visits
from supermarket.visits.services.cashup import as_cashed_up
from tests.conftest import PASSWORD, csrf_token, subprocess_env
from tests.factories import desk_member_payload, register

FEE = {"joining_fee_pence": 350}


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _fees() -> list[MembershipFee]:
    return list(db.session.scalars(select(MembershipFee).order_by(MembershipFee.id)))


def _api(client, token_for, desk, body, user=None):
    return client.post(
        f"/api/v1/sites/{desk.site.code}/members",
        json=body,
        headers=token_for(user or desk.volunteer),
    )


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "stored"),
    [
        ({"method": "cash", "paid_pence": 350}, ("cash", 350, "")),
        ({"method": "card"}, ("card", 350, "")),  # the fee when the amount is left out
        ({"method": "waived", "reason": "Referred in crisis"}, ("waived", 0, "Referred in crisis")),
    ],
)
def test_the_api_registers_with_the_joining_fee(client, make_desk, token_for, paid, stored):
    desk = make_desk(settings=FEE)
    response = _api(client, token_for, desk, desk_member_payload(joining_fee=paid))
    assert response.status_code == 201, response.json
    (fee,) = _fees()
    assert (fee.method, fee.amount_pence, fee.reason) == stored
    assert (fee.kind, fee.fee_pence, fee.site_id) == ("joining", 350, desk.site.id)
    assert fee.recorded_by_id == desk.volunteer.id
    assert fee.session_id is None  # no session open
    assert response.json["fees"] == [
        {
            "kind": "joining",
            "fee_pence": 350,
            "amount_pence": stored[1],
            "method": stored[0],
            "reason": stored[2],
            "recorded_at": fee.recorded_at.isoformat(),
            "local_date": fee.local_date.isoformat(),
        }
    ]


@pytest.mark.parametrize(
    ("paid", "fields"),
    [
        (None, {"joining_fee": ["Say how the £3.50 was paid: cash, card or waived."]}),
        ({"method": "cash", "paid_pence": 200}, {"joining_fee": {"paid_pence": [...]}}),
        ({"method": "card", "paid_pence": 500}, {"joining_fee": {"paid_pence": [...]}}),
        (
            {"method": "waived", "paid_pence": 350, "reason": "x"},
            {"joining_fee": {"paid_pence": [...]}},
        ),
        ({"method": "waived"}, {"joining_fee": {"reason": [...]}}),
        ({"method": "cheque"}, {"joining_fee": {"method": [...]}}),
        ({"paid_pence": 350}, {"joining_fee": {"method": [...]}}),
        ({"method": "cash", "paid_pence": "3.50"}, {"joining_fee": {"paid_pence": [...]}}),
    ],
)
def test_a_missing_or_wrong_joining_fee_is_refused_naming_it_and_nothing_is_written(
    client, make_desk, token_for, paid, fields
):
    desk = make_desk(settings=FEE)
    body = desk_member_payload()
    if paid is not None:
        body["joining_fee"] = paid
    response = _api(client, token_for, desk, body)
    assert response.status_code == 422, response.json
    got = response.json["error"]["fields"]
    assert set(got) == {"joining_fee"}
    if isinstance(fields["joining_fee"], dict):
        assert set(got["joining_fee"]) == set(fields["joining_fee"])
    else:
        assert got == fields
    assert (_count(Member), _count(MembershipFee)) == (0, 0)


def test_a_site_without_a_joining_fee_asks_nothing_and_refuses_one_sent(
    client, make_desk, token_for
):
    desk = make_desk()
    assert _api(client, token_for, desk, desk_member_payload()).status_code == 201
    assert _count(MembershipFee) == 0
    refused = _api(client, token_for, desk, desk_member_payload(joining_fee={"method": "cash"}))
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"joining_fee"}
    assert (_count(Member), _count(MembershipFee)) == (1, 0)


def test_anonymising_a_member_clears_why_the_fee_was_waived_and_keeps_the_fee(make_desk):
    desk = make_desk(settings=FEE)
    member = desk.member(joining_fee={"method": "waived", "reason": "Fleeing violence"})
    privacy.anonymise_member(desk.site, member.membership_number, actor=desk.manager)
    db.session.commit()
    (fee,) = _fees()
    assert (fee.method, fee.fee_pence, fee.reason) == ("waived", 350, "")


# --- the registration page ------------------------------------------------------------------


def _form(**overrides: str) -> dict[str, Any]:
    data = {
        "first_name": "Tasha",
        "last_name": "Okafor",
        "dob_day": "12",
        "dob_month": "4",
        "dob_year": "1988",
        "postcode": "cm201ab",
        "adults": "2",
        "children_0_4": "0",
        "children_5_11": "0",
        "children_12_17": "0",
        "route": "self_declared",
        "privacy_notice_given": "on",
    }
    data.update(overrides)
    return data


def _post(client, form: dict[str, Any]):
    return client.post(
        "/members/new", data={**form, "csrf_token": csrf_token(client, "/members/new")}
    )


def test_the_register_page_asks_for_the_joining_fee_where_the_site_charges_one(
    client, make_desk, login
):
    charging, free = make_desk(settings=FEE), make_desk()
    login(charging.volunteer)
    html = client.get("/members/new").get_data(as_text=True)
    assert "Joining fee £3.50" in html
    assert 'name="joining_fee_method" value="cash" checked' in html
    assert 'name="joining_fee_paid"' in html
    assert 'value="3.50"' in html
    other = client.application.test_client()
    other.post(
        "/login",
        data={
            "email": free.volunteer.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(other),
        },
    )
    html = other.get("/members/new").get_data(as_text=True)
    assert "Register a household" in html
    assert "Joining fee" not in html
    assert "joining_fee_method" not in html


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        ({"joining_fee_method": "cash", "joining_fee_paid": "3.50"}, ("cash", 350)),
        ({"joining_fee_method": "card", "joining_fee_paid": "£3.50"}, ("card", 350)),
        # The Paid box still holds the fee: a waived fee takes nothing all the same.
        (
            {
                "joining_fee_method": "waived",
                "joining_fee_paid": "3.50",
                "joining_fee_reason": "Sofa-surfing, no money today",
            },
            ("waived", 0),
        ),
    ],
)
def test_the_register_page_takes_the_joining_fee(client, make_desk, login, fields, stored):
    desk = make_desk(settings=FEE)
    login(desk.volunteer)
    response = _post(client, _form(**fields))
    assert response.status_code == 303, response.get_data(as_text=True)
    (fee,) = _fees()
    assert (fee.method, fee.amount_pence) == stored
    member = db.session.get(Member, fee.member_id)
    html = client.get(f"/members/{member.membership_number}").get_data(as_text=True)
    assert "Joining fee" in html
    shown = (
        "£3.50 waived (Sofa-surfing, no money today)"
        if stored[0] == "waived"
        else (f"£3.50 paid by {stored[0]}")
    )
    assert shown in html


@pytest.mark.parametrize(
    ("fields", "box", "message"),
    [
        ({}, "joining_fee", "Say how the £3.50 was paid: cash, card or waived."),
        (
            {"joining_fee_method": "cash", "joining_fee_paid": "2.00"},
            "joining_fee_paid",
            "Take the full £3.50, or choose Waived.",
        ),
        (
            {"joining_fee_method": "cash", "joining_fee_paid": "lots"},
            "joining_fee_paid",
            "Enter the amount in pounds, for example 3.50.",
        ),
        ({"joining_fee_method": "waived"}, "joining_fee_reason", "Say why the fee is waived."),
    ],
)
def test_the_register_page_refuses_a_wrong_joining_fee_beside_it_and_writes_nothing(
    client, make_desk, login, fields, box, message
):
    desk = make_desk(settings=FEE)
    login(desk.volunteer)
    response = _post(client, _form(**fields))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="f-{box}-error"' in html
    assert message in html
    assert 'value="Tasha"' in html  # nothing typed is lost
    assert (_count(Member), _count(MembershipFee)) == (0, 0)


# --- renewal --------------------------------------------------------------------------------


def test_renewal_takes_the_fee_again_where_the_site_says_so(client, make_desk, token_for):
    desk = make_desk(settings={**FEE, "joining_fee_at_renewal": True})
    member = register(desk.site, desk.manager, desk_member_payload(joining_fee={"method": "cash"}))
    db.session.commit()
    url = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}/renew"
    headers = token_for(desk.manager)
    expires = member.expires_on
    refused = client.post(url, headers=headers)
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"joining_fee"}
    db.session.refresh(member)
    assert member.expires_on == expires
    renewed = client.post(url, json={"joining_fee": {"method": "card"}}, headers=headers)
    assert renewed.status_code == 200, renewed.json
    assert [(f["kind"], f["method"], f["amount_pence"]) for f in renewed.json["fees"]] == [
        ("joining", "cash", 350),
        ("renewal", "card", 350),
    ]
    db.session.refresh(member)
    assert member.expires_on > expires


def test_renewal_on_the_page_takes_the_fee_where_the_site_says_so(client, make_desk, login):
    desk = make_desk(settings={**FEE, "joining_fee_at_renewal": True})
    member = register(desk.site, desk.manager, desk_member_payload(joining_fee={"method": "cash"}))
    db.session.commit()
    login(desk.manager)
    detail = f"/members/{member.membership_number}"
    html = client.get(detail).get_data(as_text=True)
    assert "Fee to renew £3.50" in html
    response = client.post(
        f"{detail}/status/renew",
        data={
            "csrf_token": csrf_token(client, detail),
            "joining_fee_method": "waived",
            "joining_fee_paid": "3.50",
            "joining_fee_reason": "Lost her job",
        },
    )
    assert response.status_code == 303
    assert [(f.kind, f.method, f.amount_pence) for f in _fees()] == [
        ("joining", "cash", 350),
        ("renewal", "waived", 0),
    ]
    assert "Renewal fee" in client.get(detail).get_data(as_text=True)


def test_renewal_takes_no_fee_where_the_site_does_not_say_so(client, make_desk, token_for):
    desk = make_desk(settings=FEE)
    member = register(desk.site, desk.manager, desk_member_payload(joining_fee={"method": "cash"}))
    db.session.commit()
    url = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}/renew"
    assert client.post(url, headers=token_for(desk.manager)).status_code == 200
    refused = client.post(
        url, json={"joining_fee": {"method": "cash"}}, headers=token_for(desk.manager)
    )
    assert refused.status_code == 422
    assert [f.kind for f in _fees()] == ["joining"]


def test_the_settings_page_sets_the_fee_at_renewal(client, make_desk, login):
    desk = make_desk(settings=FEE)
    login(desk.manager)
    html = client.get(f"/sites/{desk.site.code}/settings").get_data(as_text=True)
    assert "Take the joining fee again when a membership is renewed" in html


# --- the cash-up ----------------------------------------------------------------------------


def test_the_cash_up_counts_joining_fees_in_the_sessions_cash_and_card(
    client, make_desk, login, token_for
):
    desk = make_desk(settings=FEE)
    session = visits.open_session(desk.site, actor=desk.volunteer, float_pence=2000)
    db.session.commit()
    for method in ("cash", "cash", "card"):
        body = desk_member_payload(joining_fee={"method": method})
        assert _api(client, token_for, desk, body).status_code == 201
    waived = {"method": "waived", "reason": "No money today"}
    assert _api(client, token_for, desk, desk_member_payload(joining_fee=waived)).status_code == 201
    desk.check_in(desk.member(joining_fee={"method": "card"}))  # a visit: £3.50 cash

    summary = visits.takings(session)
    assert (summary.cash_pence, summary.card_pence) == (350, 0)  # the visit
    assert (summary.joining_cash_pence, summary.joining_card_pence) == (700, 700)
    assert (summary.joining_fees, summary.joining_waived) == (5, 1)
    assert summary.all_cash_pence == 1050

    login(desk.volunteer)
    html = client.get("/sessions").get_data(as_text=True)
    assert "Joining fees in cash" in html
    assert "£30.50" in html  # the float, the visit and two joining fees in cash

    closed = visits.close_session(
        desk.site, session.id, actor=desk.volunteer, counted_cash_pence=3050
    )
    db.session.commit()
    assert closed.difference_pence == 0
    assert (closed.expected_cash_pence, closed.expected_card_pence) == (1050, 700)
    db.session.expire_all()
    assert {f.session_id for f in _fees()} == {session.id}
    kept = as_cashed_up(closed)
    assert (kept.cash_pence, kept.joining_cash_pence, kept.joining_card_pence) == (350, 700, 700)

    # A fee taken after the close is in no closed session's cash-up.
    _api(client, token_for, desk, desk_member_payload(joining_fee={"method": "cash"}))
    assert as_cashed_up(closed).joining_cash_pence == 700


# --- reports --------------------------------------------------------------------------------


def test_the_statistics_count_joining_fees_in_fees_collected(make_desk):
    charging, free = make_desk(settings=FEE), make_desk()
    for method in ("cash", "card", "waived"):
        paid = {"method": method, **({"reason": "Crisis"} if method == "waived" else {})}
        charging.member(joining_fee=paid)
    member = charging.member(joining_fee={"method": "cash"})
    charging.check_in(member)
    free.check_in(free.member())
    today = visits.site_today(charging.site)
    stats = period_statistics(Period.containing(today, "month"), today=today)
    mine, other = stats.by_site[charging.site.id], stats.by_site[free.site.id]
    assert (mine.fees_pence, mine.joining_fees_pence, mine.fees_collected_pence) == (
        350,
        1050,
        1400,
    )
    assert (mine.takes_joining_fees, other.takes_joining_fees) == (True, False)
    assert (other.joining_fees_pence, other.fees_collected_pence) == (0, 350)
    assert stats.programme.joining_fees_pence == 1050
    assert stats.programme.fees_collected_pence == 1750


def _released(**figures: Any) -> dict[str, Any]:
    period = Period.quarter(2026, 3)
    one = Figures(**figures)
    stats = PeriodStatistics(
        period=period,
        today=period.end,
        sites=(SiteRef(1, "s1", "Site 1", True),),
        by_site={1: one},
        programme=one,
        conversions=Conversions(),
    )
    report = release_statistics(stats, site=None)
    return {"money": report.figures["money"], "withheld": report.withheld}


def test_joining_fees_are_released_with_the_new_households_they_come_from():
    shown = _released(
        visits=40,
        households=30,
        new_households=12,
        fees_pence=14_000,
        joining_fees_pence=4_200,
        takes_joining_fees=True,
    )
    assert shown["money"]["joining_fees_pence"] == 4_200
    assert shown["money"]["fees_collected_pence"] == 18_200
    few = _released(
        visits=40,
        households=30,
        new_households=4,
        fees_pence=14_000,
        joining_fees_pence=1_400,
        takes_joining_fees=True,
    )
    # The total would give the joining fees away (visit fees = retail value - savings).
    assert few["money"]["joining_fees_pence"] is None
    assert few["money"]["fees_collected_pence"] is None
    assert "new households" in few["withheld"]["money.joining_fees_pence"]
    assert "joining fees" in few["withheld"]["money.fees_collected_pence"]
    # A site that takes no joining fee keeps its fees collected, whoever joined.
    free = _released(visits=40, households=30, new_households=4, fees_pence=14_000)
    assert free["money"]["fees_collected_pence"] == 14_000
    assert free["money"]["joining_fees_pence"] is None


def test_the_feed_and_csv_give_joining_fees(client, clock, make_desk, make_user, token_for):
    desk = make_desk(settings=FEE)
    for _ in range(12):
        desk.check_in(desk.member(joining_fee={"method": "cash"}))
    today = visits.site_today(desk.site)
    month = Period.containing(today, "month")
    key = month.key
    # The month is over (the feed gives whole periods only), whatever day the clock is on.
    clock.shift(timedelta(days=(month.end - today).days + 2))
    headers = token_for(make_user("programme_lead"))
    response = client.get(f"/api/v1/stats?period={key}", headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    money = body["figures"]["money"]
    assert money["joining_fees_pence"] == 4_200
    assert money["fees_collected_pence"] == 8_400
    response = client.get(f"/api/v1/stats/tables/summary.csv?period={key}", headers=headers)
    text = response.data.decode("utf-8-sig")
    assert "Of which joining fees (£)" in text
    assert "42" in text.split("Of which joining fees (£)")[1].splitlines()[0]


# --- the migration --------------------------------------------------------------------------


def test_the_migration_upgrades_a_fresh_database_to_the_models(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    command = str(Path(sys.executable).with_name("supermarket"))
    env = subprocess_env({**subprocess_env(), "DATABASE_URL": url})
    for args in (["db", "upgrade", "heads"], ["db", "check"]):
        done = subprocess.run(
            [command, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
    assert "No new upgrade operations detected" in done.stdout + done.stderr


def test_a_sites_withheld_joining_fees_cannot_be_worked_out_from_the_programmes():
    period = Period.quarter(2026, 3)
    common: dict[str, Any] = {"visits": 40, "households": 30, "fees_pence": 14_000}
    by_site = {
        1: Figures(new_households=4, joining_fees_pence=1_400, takes_joining_fees=True, **common),
        2: Figures(new_households=30, **common),
        3: Figures(new_households=25, **common),
    }
    programme = Figures(
        visits=120,
        households=90,
        fees_pence=42_000,
        new_households=59,
        joining_fees_pence=1_400,
        takes_joining_fees=True,
    )
    stats = PeriodStatistics(
        period=period,
        today=period.end,
        sites=tuple(SiteRef(i, f"s{i}", f"Site {i}", True) for i in by_site),
        by_site=by_site,
        programme=programme,
        conversions=Conversions(),
    )
    report = release_statistics(stats, site=None)
    rows = {row["code"]: row["figures"]["money"] for row in report.sites}
    assert rows["s1"]["joining_fees_pence"] is None
    # Site 1 is the only site taking joining fees whose fees are withheld: the programme's
    # joining fees (and so its fees collected) would give them away.
    assert report.figures["money"]["joining_fees_pence"] is None
    assert report.figures["money"]["fees_collected_pence"] is None
