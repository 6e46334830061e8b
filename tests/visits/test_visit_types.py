"""Visit types at the desk: each type's frequency over its own visits (per week, the last 30
days, the school holiday containing the day, the calendar year, unlimited) with their edges,
the weekly shop counting the types that count toward it, types open to non-members, fixed
parcels, each type's fee, and the API, panel and desk form. Dates come from the frozen clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from supermarket.errors import InvalidInput, RuleViolation
from supermarket.members.models import MemberStatus
from tests.conftest import LONDON
from tests.visits.conftest import local


def today() -> date:
    return datetime.now(LONDON).date()


def at(day: date, time: str = "11:00") -> datetime:
    return local(f"{day.isoformat()} {time}")


def holiday(name: str, start: date, end: date) -> dict[str, str]:
    return {"name": name, "start": start.isoformat(), "end": end.isoformat()}


# This year's Christmas (over the New Year), the February half term after it and Easter (over
# two months), by the clock's year.
def holidays(year: int) -> list[dict[str, str]]:
    return [
        holiday("Christmas holidays", date(year, 12, 21), date(year + 1, 1, 4)),
        holiday("February half term", date(year + 1, 2, 15), date(year + 1, 2, 19)),
        holiday("Easter holidays", date(year + 1, 3, 29), date(year + 1, 4, 9)),
    ]


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
    {
        "key": "holiday_hamper",
        "label": "Holiday hamper",
        "frequency": "per_school_holiday",
        "parcel": "A hamper",
        "fee_pence": 0,
    },
    {
        "key": "seasonal_extra",
        "label": "Christmas extra",
        "frequency": "per_year",
        "parcel": "A seasonal bag",
        "fee_pence": 0,
    },
    {
        "key": "top_up",
        "label": "Top-up shop",
        "frequency": "per_week",
        "limit": 2,
        "band_limits": {"red": 1},
        "fee_pence": 150,
        "counts_toward_weekly": True,
    },
    {"key": "bread", "label": "Bread", "frequency": "unlimited", "parcel": "Bread"},
]


@pytest.fixture
def year() -> int:
    return today().year


@pytest.fixture
def typed(make_desk, year):
    """A site giving every kind of type, with the school holidays around the clock's year."""
    return make_desk(visit_types=TYPES, school_holidays=holidays(year))


@pytest.fixture
def member(typed):
    # Far from ending, whatever day a test checks in on.
    return typed.member(expires_on=today() + timedelta(days=800))


def refused(desk, member, kind: str, day: date, **data: Any) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        desk.check_in(member, now=at(day), visit_type=kind, **data)
    return caught.value


# --- per school holiday -------------------------------------------------------------------------


def test_a_school_holiday_over_the_new_year_is_one_period(typed, member, year):
    first = typed.check_in(member, now=at(date(year, 12, 22)), visit_type="holiday_hamper")
    assert first.visit.visit_type == "holiday_hamper"
    error = refused(typed, member, "holiday_hamper", date(year + 1, 1, 2))
    assert error.code == "visit_limit_reached"
    assert error.details["visit_type"] == "holiday_hamper"
    assert error.details["overridable"] is True
    assert error.details["next_visit_from"] == date(year + 1, 2, 15).isoformat()
    assert error.message.startswith("Holiday hamper already given in the Christmas holidays")
    # The next holiday is a new period.
    assert typed.check_in(member, now=at(date(year + 1, 2, 15)), visit_type="holiday_hamper")


def test_a_school_holiday_over_two_months_is_one_period(typed, member, year):
    typed.check_in(member, now=at(date(year + 1, 3, 31)), visit_type="holiday_hamper")
    error = refused(typed, member, "holiday_hamper", date(year + 1, 4, 9))
    assert "in the Easter holidays" in error.message
    assert "no later school holiday is listed" in error.message
    assert "next_visit_from" not in error.details


def test_the_days_either_side_of_a_school_holiday_refuse_and_name_the_next(typed, member, year):
    before = refused(typed, member, "holiday_hamper", date(year, 12, 20))
    assert before.code == "visit_limit_reached"
    assert "school holidays only" in before.message
    assert "(Christmas holidays)" in before.message
    assert before.details["next_visit_from"] == date(year, 12, 21).isoformat()
    after = refused(typed, member, "holiday_hamper", date(year + 1, 1, 5))
    assert "(February half term)" in after.message
    last = refused(typed, member, "holiday_hamper", date(year + 1, 4, 10))
    assert "no coming school holiday is listed" in last.message
    # The first and last days are in it.
    assert typed.check_in(member, now=at(date(year, 12, 21)), visit_type="holiday_hamper")
    other = typed.member(expires_on=today() + timedelta(days=800))
    assert typed.check_in(other, now=at(date(year + 1, 1, 4)), visit_type="holiday_hamper")


# --- rolling 30 days, per year, per week, unlimited ------------------------------------------


def test_rolling_30_days_counts_today_and_the_29_days_before(typed, member):
    day = today() + timedelta(days=2)
    typed.check_in(member, now=at(day), visit_type="emergency_parcel")
    error = refused(typed, member, "emergency_parcel", day + timedelta(days=29))
    assert error.message.startswith(
        "Emergency parcel already given in the last 30 days — next from"
    )
    assert error.details["next_visit_from"] == (day + timedelta(days=30)).isoformat()
    assert typed.check_in(member, now=at(day + timedelta(days=30)), visit_type="emergency_parcel")


def test_per_year_turns_at_new_year(typed, member, year):
    typed.check_in(member, now=at(date(year, 12, 31), "23:30"), visit_type="seasonal_extra")
    new_year = typed.check_in(
        member, now=at(date(year + 1, 1, 1), "00:05"), visit_type="seasonal_extra"
    )
    assert new_year.visit.local_date == date(year + 1, 1, 1)
    error = refused(typed, member, "seasonal_extra", date(year + 1, 1, 2))
    assert error.details["next_visit_from"] == date(year + 2, 1, 1).isoformat()
    assert "Christmas extra already given this year — next from 1 January" in error.message


def test_a_type_per_week_counts_its_own_visits_and_an_unlimited_type_none(typed, member):
    monday = today() - timedelta(days=today().weekday()) + timedelta(days=7)
    for n in range(2):
        typed.check_in(member, now=at(monday + timedelta(days=n)), visit_type="top_up")
    error = refused(typed, member, "top_up", monday + timedelta(days=2))
    assert "Top-up shop already given twice this week" in error.message
    for n in range(3):
        assert typed.check_in(member, now=at(monday + timedelta(days=n)), visit_type="bread")


# --- the weekly shop ----------------------------------------------------------------------------


def test_types_counting_toward_the_weekly_shop_use_up_its_limit(typed, member):
    monday = today() - timedelta(days=today().weekday()) + timedelta(days=7)
    typed.check_in(member, now=at(monday), visit_type="emergency_parcel")  # does not count
    typed.check_in(member, now=at(monday), visit_type="top_up")  # counts
    error = refused(typed, member, "weekly_shop", monday + timedelta(days=1))
    assert error.message == "Already visited once this week — next visit from Monday."
    assert error.details["visit_type"] == "weekly_shop"


def test_the_weekly_shop_is_not_used_up_by_other_types(typed, member):
    monday = today() - timedelta(days=today().weekday()) + timedelta(days=7)
    parcel = typed.check_in(member, now=at(monday), visit_type="emergency_parcel")
    assert parcel.visits_left == 1
    shop = typed.check_in(member, now=at(monday + timedelta(days=1)))
    assert shop.visit.visit_type == "weekly_shop"
    assert shop.visits_left == 0


# --- membership ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"status": MemberStatus.WAITING.value}, "membership_waiting"),
        ({"status": MemberStatus.LAPSED.value}, "membership_expired"),
    ],
)
def test_a_type_open_to_non_members_is_given_to_a_waiting_or_lapsed_household(typed, setup, code):
    if setup["status"] == MemberStatus.LAPSED.value:
        setup = {**setup, "expires_on": today() - timedelta(days=40)}
    household = typed.member(**setup)
    with pytest.raises(RuleViolation) as caught:
        typed.check_in(household)
    assert caught.value.code == code
    given = typed.check_in(household, visit_type="emergency_parcel")
    assert given.visit.visit_type == "emergency_parcel"
    with pytest.raises(RuleViolation) as caught:
        typed.check_in(household, visit_type="holiday_hamper")  # members only
    assert caught.value.code == code


def test_a_suspended_household_is_refused_every_type(typed):
    household = typed.member(status=MemberStatus.SUSPENDED.value, status_reason="Abuse")
    with pytest.raises(RuleViolation) as caught:
        typed.check_in(household, visit_type="emergency_parcel")
    assert caught.value.code == "membership_suspended"


# --- allowance and fee --------------------------------------------------------------------------


def test_a_fixed_parcel_refuses_a_basket_naming_it(typed, member):
    with pytest.raises(InvalidInput) as caught:
        typed.check_in(member, visit_type="emergency_parcel", basket={"red": 1})
    assert "basket" in caught.value.fields
    parcel = typed.check_in(member, visit_type="emergency_parcel")
    assert parcel.visit.items == 0
    assert (parcel.visit.retail_value_pence, parcel.visit.fee_pence) == (0, 0)


def test_a_types_band_limits_and_fee_replace_the_sites(typed, member):
    with pytest.raises(RuleViolation) as caught:
        typed.check_in(member, visit_type="top_up", basket={"red": 2})
    assert caught.value.code == "allowance_exceeded"
    top_up = typed.check_in(member, visit_type="top_up", basket={"red": 1, "blue": 8})
    assert (top_up.visit.fee_pence, top_up.visit.amount_paid_pence) == (150, 150)


def test_a_type_without_a_fee_takes_the_sites(make_desk):
    desk = make_desk(
        fee_pence=275,
        visit_types=[TYPES[0], {"key": "extra", "label": "Extra", "frequency": "unlimited"}],
    )
    extra = desk.check_in(desk.member(), visit_type="extra")
    assert extra.visit.fee_pence == 275


# --- the API ------------------------------------------------------------------------------------


def test_the_api_takes_the_type_and_answers_with_it(typed, member, api):
    url = f"/api/v1/sites/{typed.site.code}/visits"
    caller = api(typed.volunteer)
    plain = caller.post(
        url, json={"membership_number": member.membership_number}, key=str(uuid.uuid4())
    )
    assert plain.status_code == 201
    assert plain.json["visit_type"] == "weekly_shop"
    body = {"membership_number": member.membership_number, "visit_type": "emergency_parcel"}
    second = str(uuid.uuid4())
    parcel = caller.post(url, json=body, key=second)
    assert parcel.status_code == 201, parcel.json
    assert parcel.json["visit_type"] == "emergency_parcel"
    assert caller.post(url, json=body, key=second).status_code == 200  # the same retry
    # The key reused for another type is another check-in.
    again = {**body, "visit_type": "bread"}
    assert caller.post(url, json=again, key=second).status_code == 409


def test_the_api_refuses_an_unknown_type_and_a_parcels_basket_with_422(typed, member, api):
    url = f"/api/v1/sites/{typed.site.code}/visits"
    caller = api(typed.volunteer)
    number = member.membership_number
    unknown = caller.post(url, json={"membership_number": number, "visit_type": "spa_day"})
    assert unknown.status_code == 422
    assert "visit_type" in unknown.json["error"]["fields"]
    basket = {"membership_number": number, "visit_type": "holiday_hamper", "basket": {"red": 1}}
    response = caller.post(url, json=basket)
    assert response.status_code == 422
    assert "basket" in response.json["error"]["fields"]


def test_the_panel_lists_each_type_and_what_it_allows_today(typed, member, api):
    typed.check_in(member, visit_type="emergency_parcel")
    url = f"/api/v1/sites/{typed.site.code}/checkin/{member.membership_number}"
    body = api(typed.volunteer).get(url).json
    offers = {o["key"]: o for o in body["visit_types"]}
    assert list(offers) == [t["key"] for t in TYPES]
    parcel = offers["emergency_parcel"]
    assert parcel["allowed"] is False
    assert parcel["visits_left"] == 0
    assert parcel["next_visit_from"] == (today() + timedelta(days=30)).isoformat()
    assert parcel["problems"][0]["visit_type"] == "emergency_parcel"
    assert (parcel["parcel"], parcel["bands"], parcel["fee_pence"]) == ("Three days' food", None, 0)
    top_up = offers["top_up"]
    assert top_up["allowed"] is True
    assert top_up["visits_left"] == 2
    assert top_up["fee_pence"] == 150
    assert {b["name"]: b["limit"] for b in top_up["bands"]}["red"] == 1
    assert offers["bread"]["visits_left"] is None
    assert offers["weekly_shop"]["visits_left"] == body["visits_left_this_week"] == 1


# --- the desk -----------------------------------------------------------------------------------


def test_the_desk_does_not_ask_the_type_at_a_site_with_one(desk, login):
    single = desk.member()
    client = login(desk.volunteer)
    html = client.get(f"/checkin?q={single.membership_number}").get_data(as_text=True)
    assert 'name="visit_type"' not in html
    assert "What is this visit?" not in html


def test_the_desk_asks_the_type_and_shows_each_types_state(typed, member, login):
    client = login(typed.volunteer)
    html = client.get(f"/checkin?q={member.membership_number}").get_data(as_text=True)
    assert "What is this visit?" in html
    assert 'id="type-emergency_parcel"' in html
    assert "<strong>Emergency parcel</strong>: 1 left in the last 30 days" in html


def test_the_desk_checks_a_parcel_in_from_the_plain_form(typed, member, login):
    client = login(typed.volunteer)
    html = client.get(f"/checkin?q={member.membership_number}").get_data(as_text=True)
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/checkin",
        data={
            "csrf_token": token,
            "membership_number": member.membership_number,
            "idempotency_key": key,
            "visit_type": "emergency_parcel",
            "payment_method": "cash",
            "amount": "",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    html = client.get(f"/checkin?q={member.membership_number}").get_data(as_text=True)
    assert "checked in (Emergency parcel): nothing to pay." in html
    assert "Emergency parcel already given in the last 30 days" in html


# --- the demo -----------------------------------------------------------------------------------


def test_the_demo_gives_canvey_the_programmes_types_and_visits_of_them():
    from sqlalchemy import select

    from supermarket.extensions import db
    from supermarket.members import services as members
    from supermarket.members.schemas import MemberIn
    from supermarket.visits import demo
    from supermarket.visits.models import Visit
    from tests.factories import demo_context, desk_member_payload

    ctx = demo_context()
    canvey = ctx.sites["canvey"]
    assert [t.key for t in canvey.settings.visit_types] == [
        "weekly_shop",
        "emergency_parcel",
        "holiday_hamper",
        "seasonal_extra",
    ]
    assert canvey.settings.school_holidays[2].name == "Christmas holidays"
    for n in range(12):
        data = MemberIn().load(desk_member_payload(first_name=f"Demo{n}", postcode="SS8 7AA"))
        member = members.register_member(canvey, data, actor=ctx.staff["dev.manager@example.org"])
        member.member.joined_on -= timedelta(weeks=30)
    db.session.flush()
    demo.seed(ctx)
    kinds = set(
        db.session.scalars(select(Visit.visit_type).where(Visit.site_id == canvey.id)).all()
    )
    assert {"weekly_shop", "emergency_parcel"} <= kinds


def test_the_days_visits_and_the_history_name_a_visits_type(typed, member, login):
    typed.check_in(member, visit_type="emergency_parcel")
    client = login(typed.volunteer)
    assert '<span class="badge">Emergency parcel</span>' in client.get("/visits").get_data(
        as_text=True
    )
    history = client.get(f"/members/{member.membership_number}/visits").get_data(as_text=True)
    assert '<span class="badge">Emergency parcel</span>' in history


def test_an_offline_check_in_keeps_its_type(typed, member, api):
    device = typed.tablet()
    body = {
        "membership_number": member.membership_number,
        "visit_type": "emergency_parcel",
        "offline": {"recorded_at": datetime.now(LONDON).isoformat(), "device": device},
    }
    response = api(typed.volunteer).post(
        f"/api/v1/sites/{typed.site.code}/visits", json=body, key=str(uuid.uuid4())
    )
    assert response.status_code == 201, response.json
    assert response.json["visit_type"] == "emergency_parcel"
    assert response.json["review"] is None


@pytest.mark.browser
@pytest.mark.concurrency
def test_the_desk_checks_an_emergency_parcel_in_with_a_tap(browser_page, make_desk):
    from sqlalchemy import select

    from supermarket.extensions import db
    from supermarket.visits.models import Visit
    from tests.conftest import browser_login

    desk = make_desk(visit_types=TYPES[:2])
    tasha = desk.member(first_name="Tasha")
    page = browser_page
    browser_login(page, desk.volunteer)
    page.locator("#checkin-q").fill(tasha.membership_number)
    page.keyboard.press("Enter")
    panel = page.locator(".member-panel")
    panel.get_by_role("heading", name="Tasha").wait_for()
    assert panel.get_by_text("What is this visit?").is_visible()
    panel.locator("label[for=type-emergency_parcel]").click()
    page.get_by_role("button", name="Check in Tasha").click()
    page.locator("#checkin-status").get_by_text("Tasha checked in").wait_for()
    db.session.rollback()
    [visit] = db.session.scalars(select(Visit).where(Visit.member_id == tasha.id)).all()
    assert (visit.visit_type, visit.fee_pence, visit.amount_paid_pence) == (
        "emergency_parcel",
        0,
        0,
    )


def test_a_second_parcel_is_overridden_on_the_plain_form_without_asking_for_a_basket(
    typed, member, login
):
    typed.check_in(member, visit_type="emergency_parcel")
    client = login(typed.volunteer)
    html = client.get(f"/checkin?q={member.membership_number}").get_data(as_text=True)
    assert 'class="override" id="override"' in html  # shown: the parcel needs an override
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/checkin",
        data={
            "csrf_token": token,
            "membership_number": member.membership_number,
            "idempotency_key": str(uuid.uuid4()),
            "visit_type": "emergency_parcel",
            "override_reason": "Emergency referral",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
