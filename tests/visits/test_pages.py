"""The check-in desk and sessions pages, without JavaScript: search, panel, check in, refusals
with their explanation, the day's visits and voiding, the cash-up and its sheet."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.visits import services
from supermarket.visits.models import SiteSession, Visit
from tests.conftest import csrf_token


def page(response) -> str:
    return response.get_data(as_text=True)


def form_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_the_desk_opens_with_the_search_box_focused(desk, login):
    client = login(desk.volunteer)
    response = client.get("/checkin")
    html = page(response)
    assert response.status_code == 200
    assert 'id="checkin-q"' in html
    assert "autofocus" in html
    assert "js/checkin.js" in html
    assert "No session open" in html


def test_volunteers_land_on_the_desk_after_signing_in(desk, client):
    response = client.post(
        "/login",
        data={
            "email": desk.volunteer.email,
            "password": "correct horse battery staple",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"].endswith("/checkin")


def test_scanning_a_card_shows_the_members_panel(desk, login):
    member = desk.member(dietary=["vegetarian"])
    client = login(desk.volunteer)
    html = page(client.get(f"/checkin?q={member.membership_number}"))
    assert '<h2 id="member-name" class="member-name">Tasha</h2>' in html
    assert "Household of 4 (2 adults, 2 children)" in html
    assert "1 visit left this week" in html
    assert "Vegetarian" in html
    assert "Check in Tasha" in html
    assert member.last_name not in html  # first name only on the desk


def test_typing_a_name_lists_matches_by_first_name_initial_and_district(desk, login):
    for n, first in enumerate(("Chidi", "Grace", "Emeka")):
        desk.member(first_name=first, last_name="Okafor", date_of_birth=f"198{n}-01-01")
    client = login(desk.volunteer)
    html = page(client.get("/checkin?q=okafor"))
    assert html.count('class="match"') == 3
    assert "Chidi O." in html
    assert "CM20" in html
    fragment = page(client.get("/checkin/matches?q=oka"))
    assert fragment.count('class="match"') == 3
    assert "<html" not in fragment


def test_a_wrong_number_is_explained(desk, login):
    number = desk.member().membership_number
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    client = login(desk.volunteer)
    response = client.get(f"/checkin?q={wrong}")
    assert response.status_code == 422
    assert "a character is mistyped or misread" in page(response)


def test_the_panel_fragment_is_just_the_panel(desk, login):
    member = desk.member()
    client = login(desk.volunteer)
    response = client.get(f"/checkin/panel/{member.membership_number}")
    assert response.status_code == 200
    assert page(response).lstrip().startswith("{#") is False
    assert "<html" not in page(response)
    assert 'data-number="' + member.membership_number in page(response)


def test_checking_in_with_the_plain_form_records_and_returns_to_an_empty_desk(desk, login):
    member = desk.member()
    client = login(desk.volunteer)
    html = page(client.get(f"/checkin?number={member.membership_number}"))
    response = client.post(
        "/checkin",
        data={
            "csrf_token": csrf_token(client, "/checkin"),
            "membership_number": member.membership_number,
            "idempotency_key": form_key(html),
            "band_red": "2",
            "band_blue": "8",
            "band_free": "",
            "payment_method": "cash",
            "amount": "3.50",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/checkin")
    visit = db.session.scalar(select(Visit).where(Visit.member_id == member.id))
    assert visit.basket == {"red": 2, "blue": 8}
    assert visit.amount_paid_pence == 350
    follow = page(client.get("/checkin"))
    assert "Tasha checked in: £3.50 cash. 0 left this week." in follow


def test_submitting_the_same_form_twice_records_one_visit(desk, login):
    member = desk.member()
    client = login(desk.volunteer)
    key = form_key(page(client.get(f"/checkin?number={member.membership_number}")))
    data = {
        "membership_number": member.membership_number,
        "idempotency_key": key,
        "payment_method": "cash",
        "amount": "3.50",
    }
    for _ in range(2):
        data["csrf_token"] = csrf_token(client, "/checkin")
        assert client.post("/checkin", data=data).status_code == 303
    assert db.session.scalar(select(func.count(Visit.id))) == 1


def test_the_form_sent_again_changed_is_refused_plainly_and_the_first_check_in_stands(desk, login):
    member = desk.member()
    client = login(desk.volunteer)
    key = form_key(page(client.get(f"/checkin?number={member.membership_number}")))
    data = {
        "membership_number": member.membership_number,
        "idempotency_key": key,
        "band_red": "1",
        "payment_method": "cash",
        "amount": "3.50",
        "csrf_token": csrf_token(client, "/checkin"),
    }
    assert client.post("/checkin", data=data).status_code == 303
    # The browser's Back button, another basket, the same form sent again.
    data.update(band_red="2", csrf_token=csrf_token(client, "/checkin"))
    response = client.post("/checkin", data=data)
    assert response.status_code == 409
    html = page(response)
    assert "was already used to check the member in" in html
    assert "that first check-in stands" in html
    assert form_key(html) != key  # sending it again is a new, deliberate check-in
    visit = db.session.scalar(select(Visit).where(Visit.member_id == member.id))
    assert visit.basket == {"red": 1}
    assert db.session.scalar(select(func.count(Visit.id))) == 1


def test_a_second_visit_is_explained_kindly_with_the_override_offered(desk, login):
    member = desk.member()
    desk.check_in(member)
    client = login(desk.volunteer)
    html = page(client.get(f"/checkin?number={member.membership_number}"))
    assert "Already visited once this week — next visit from" in html
    assert "Override (reason)" in html
    assert "Hardship — manager agreed" in html
    assert "Override and check in" in html
    response = client.post(
        "/checkin",
        data={
            "csrf_token": csrf_token(client, "/checkin"),
            "membership_number": member.membership_number,
            "idempotency_key": form_key(html),
            "payment_method": "cash",
            "amount": "3.50",
            "override_reason": "Hardship — manager agreed",
            "empty_basket": "yes",  # nothing in the basket: asked first, and confirmed
        },
    )
    assert response.status_code == 303
    visits = db.session.scalars(select(Visit).order_by(Visit.id)).all()
    assert visits[-1].overridden_rules == ["visit_limit_reached"]


def test_a_refused_form_keeps_what_was_typed_and_says_why(desk, login):
    member = desk.member()
    client = login(desk.volunteer)
    html = page(client.get(f"/checkin?number={member.membership_number}"))
    response = client.post(
        "/checkin",
        data={
            "csrf_token": csrf_token(client, "/checkin"),
            "membership_number": member.membership_number,
            "idempotency_key": form_key(html),
            "band_red": "3",
            "payment_method": "waived",
        },
    )
    assert response.status_code == 422
    html = page(response)
    assert "Say why the fee is waived." in html
    assert 'value="3"' in html
    assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_a_suspended_member_has_no_check_in_button(desk, login):
    member = desk.member(status="suspended", status_reason="Under review")
    client = login(desk.volunteer)
    html = page(client.get(f"/checkin?number={member.membership_number}"))
    assert "Suspended: Under review." in html
    assert 'id="checkin-form"' not in html


def test_a_volunteer_with_two_sites_chooses_one_first(make_desk, make_user, login):
    a, b = make_desk(), make_desk()
    both = make_user("volunteer", sites=[a.site, b.site])
    client = login(both)
    response = client.get("/checkin")
    assert response.status_code == 302
    assert "/site" in response.headers["Location"]


def test_markup_in_member_text_is_escaped_on_the_desk(desk, login):
    member = desk.member(first_name="D'Arcy", dietary_notes="<script>alert(1)</script>")
    client = login(desk.volunteer)
    html = page(client.get(f"/checkin?number={member.membership_number}"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "D&#39;Arcy" in html


# --- the day's visits and voiding ---------------------------------------------------------------


def test_the_day_list_shows_visits_and_managers_can_void(desk, login):
    visit = desk.check_in(desk.member(), basket={"red": 2}).visit
    client = login(desk.manager)
    html = page(client.get("/visits"))
    assert "2 red" in html
    assert "Void" in html
    response = client.post(
        f"/visits/{visit.id}/void",
        data={"csrf_token": csrf_token(client, "/visits"), "reason": "Scanned twice"},
    )
    assert response.status_code == 303
    db.session.refresh(visit)
    assert visit.void_reason == "Scanned twice"


def test_volunteers_see_the_day_but_cannot_void(desk, login):
    visit = desk.check_in(desk.member()).visit
    client = login(desk.volunteer)
    assert 'class="void-form"' not in page(client.get("/visits"))
    response = client.post(
        f"/visits/{visit.id}/void",
        data={"csrf_token": csrf_token(client, "/visits"), "reason": "x"},
    )
    assert response.status_code == 403


def test_a_members_visit_history_page(desk, login):
    member = desk.member()
    desk.check_in(member, basket={"blue": 5})
    client = login(desk.volunteer)
    html = page(client.get(f"/members/{member.membership_number}/visits"))
    assert "5 blue" in html
    assert "£3.50 cash" in html


# --- sessions and the cash-up ---------------------------------------------------------------------


def test_open_check_in_and_close_a_session_with_a_short_till(desk, login):
    client = login(desk.volunteer)
    response = client.post(
        "/sessions/open",
        data={
            "csrf_token": csrf_token(client, "/sessions"),
            "volunteers": "Sue, Tom",
            "float": "20",
        },
    )
    assert response.status_code == 303
    session = db.session.scalar(select(SiteSession))
    assert (session.volunteers, session.float_pence) == ("Sue, Tom", 2000)
    assert "Session open since" in page(client.get("/checkin"))
    for _ in range(3):
        desk.check_in(desk.member())
    desk.check_in(desk.member(), payment={"method": "card"})
    html = page(client.get("/sessions"))
    assert "£10.50" in html  # cash taken
    assert "£30.50" in html  # expected in the tin with the float
    refused = client.post(
        f"/sessions/{session.id}/close",
        data={"csrf_token": csrf_token(client, "/sessions"), "counted_cash": "30.00"},
    )
    assert refused.status_code == 303  # flashed: a difference needs a note
    db.session.refresh(session)
    assert session.closed_at is None
    closed = client.post(
        f"/sessions/{session.id}/close",
        data={
            "csrf_token": csrf_token(client, "/sessions"),
            "counted_cash": "30.00",
            "note": "50p short",
        },
    )
    assert closed.status_code == 303
    db.session.refresh(session)
    assert (session.visits_count, session.expected_cash_pence, session.expected_card_pence) == (
        4,
        1050,
        350,
    )
    assert (session.counted_cash_pence, session.difference_pence, session.note) == (
        3000,
        -50,
        "50p short",
    )


def test_the_session_sheet_pdf_lists_takings_and_overrides(desk, login):
    session = services.open_session(desk.site, actor=desk.volunteer, volunteers="Sue")
    db.session.commit()
    member = desk.member()
    desk.check_in(member, basket={"red": 2})
    desk.check_in(member, override_reason="Emergency referral")
    services.close_session(desk.site, session.id, actor=desk.volunteer, counted_cash_pence=700)
    db.session.commit()
    client = login(desk.volunteer)
    response = client.get(f"/sessions/{session.id}/sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Session sheet" in text
    assert "£7.00" in text
    assert "Emergency referral" in text
    assert "Visit limit reached" in text
    assert member.last_name not in text


def test_only_one_session_is_open_at_a_time(desk):
    services.open_session(desk.site, actor=desk.volunteer)
    db.session.commit()
    from supermarket.errors import Conflict

    with pytest.raises(Conflict):
        services.open_session(desk.site, actor=desk.volunteer)


def test_another_sites_session_sheet_is_not_found(desk, make_desk, login):
    session = services.open_session(desk.site, actor=desk.volunteer)
    db.session.commit()
    client = login(make_desk().volunteer)
    assert client.get(f"/sessions/{session.id}/sheet.pdf").status_code == 404


def test_a_visit_voided_after_the_cash_up_leaves_the_cash_up_as_counted(desk, login):
    session = services.open_session(desk.site, actor=desk.volunteer)
    db.session.commit()
    visits = [desk.check_in(desk.member()).visit for _ in range(2)]
    services.close_session(desk.site, session.id, actor=desk.volunteer, counted_cash_pence=700)
    db.session.commit()
    services.void_visit(desk.site, visits[0].id, "Card belonged to her sister", actor=desk.manager)
    db.session.commit()
    client = login(desk.volunteer)
    response = client.get(f"/sessions/{session.id}/sheet.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "£7.00" in text  # cash expected and counted, as at the cash-up
    assert "VOIDED after the cash-up: Card belonged to her sister" in " ".join(text.split()), text


# --- the desk's words, in the boxes' units (without JavaScript) ---------------------------------

SCHEMA_WORDS = ("Must be", "Not a valid", "Length must be", "invalid fields")


def plain_checkin(client, member, **fields):
    html = page(client.get(f"/checkin?number={member.membership_number}"))
    data = {
        "csrf_token": csrf_token(client, "/checkin"),
        "membership_number": member.membership_number,
        "idempotency_key": form_key(html),
        "payment_method": "cash",
        "amount": "3.50",
        **fields,
    }
    return client.post("/checkin", data={k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize("typed", ["abc", "-2", "150", "3.505"])
def test_a_bad_amount_paid_is_explained_in_pounds(desk, login, typed):
    member = desk.member()
    client = login(desk.volunteer)
    response = plain_checkin(client, member, amount=typed)
    assert response.status_code == 422
    html = page(response)
    assert "Enter the amount paid in pounds, from £0.00 to £100.00." in html
    assert 'class="amount-field has-error"' in html
    assert f'value="{typed}"' in html  # what was typed stays
    assert not any(words in html for words in SCHEMA_WORDS)
    assert db.session.scalar(select(func.count(Visit.id))) == 0


@pytest.mark.parametrize("typed", ["-2", "500", "2.5"])
def test_a_bad_basket_count_is_explained_beside_its_band(desk, login, typed):
    member = desk.member()
    client = login(desk.volunteer)
    response = plain_checkin(client, member, band_blue=typed)
    assert response.status_code == 422
    html = page(response)
    assert '<p class="field-error" id="band-blue-error" data-hint' in html
    assert "Enter a whole number of items, from 0 to 200." in html
    assert not any(words in html for words in SCHEMA_WORDS)


def test_the_panel_says_the_limits_the_boxes_take(desk, login):
    member = desk.member()
    client = login(desk.volunteer)
    html = page(client.get(f"/checkin/panel/{member.membership_number}"))
    assert 'data-max-amount-pence="10000"' in html
    assert 'data-max-items="200"' in html
    assert 'data-hint="Enter the amount paid in pounds, from £0.00 to £100.00."' in html


def test_an_override_with_an_empty_basket_is_asked_about_first(desk, login):
    member = desk.member(first_name="Aisha")
    desk.check_in(member)
    client = login(desk.volunteer)
    reason = {"override_reason": "Emergency referral"}
    response = plain_checkin(client, member, **reason)
    assert response.status_code == 422
    html = page(response)
    assert "Nothing is in Aisha&#39;s basket." in html
    assert 'name="empty_basket"' in html
    assert db.session.scalar(select(func.count(Visit.id))) == 1
    response = plain_checkin(client, member, empty_basket="yes", **reason)
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Visit.id))) == 2


def test_an_override_with_a_basket_is_not_asked_about(desk, login):
    member = desk.member()
    desk.check_in(member)
    client = login(desk.volunteer)
    response = plain_checkin(client, member, band_red="1", override_reason="Emergency referral")
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("status", "reason"),
    [("suspended", "Suspended: Under review."), ("closed", "Membership closed")],
)
def test_a_member_who_cannot_be_checked_in_has_no_visits_left_figure(desk, login, status, reason):
    member = desk.member(status=status, status_reason="Under review")
    client = login(desk.volunteer)
    html = page(client.get(f"/checkin?number={member.membership_number}"))
    assert reason in html
    assert "left this week" not in html
    assert "cannot be checked in here today" in html


def test_a_free_site_asks_for_no_payment_and_checks_in_without_one(make_desk, login):
    free = make_desk(fee_pence=0)
    member = free.member(first_name="Femi")
    client = login(free.volunteer)
    html = page(client.get(f"/checkin?number={member.membership_number}"))
    assert "Nothing to pay: no fee is due." in html
    assert 'name="payment_method"' not in html
    assert 'name="amount"' not in html
    response = plain_checkin(client, member, payment_method=None, amount=None)
    assert response.status_code == 303
    visit = db.session.scalar(select(Visit).where(Visit.member_id == member.id))
    assert (visit.fee_pence, visit.amount_paid_pence) == (0, 0)
    assert "Femi checked in: nothing to pay. 0 left this week." in page(client.get("/checkin"))
    assert "nothing due" in page(client.get("/visits"))
