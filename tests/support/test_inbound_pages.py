"""The pages of referral agencies and inbound referrals: the register, an administrator
adding a referrer's account, the referrer's home (their form and their list), the site's
incoming list, the accept page (the desk's registration form, pre-filled) and the decline
form; CSRF on each form, errors beside their fields."""

from __future__ import annotations

from sqlalchemy import select

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.support.agency_models import InboundReferral, ReferralAgency
from supermarket.support.services import inbound
from tests.conftest import PASSWORD, csrf_token


def _refer_row(site, referrer, **overrides) -> InboundReferral:
    fields = {
        "first_name": "Amira",
        "last_name": "Haddad",
        "postcode": "CM20 2QT",
        "reason": "Universal Credit delayed.",
        "consent_given": True,
        "urgency": "urgent",
        "household": {"adults": 1, "children_5_11": 2},
    }
    fields.update(overrides)
    referral = inbound.refer(site, inbound.NewInbound(**fields), actor=referrer)
    db.session.commit()
    return referral


def test_an_admin_adds_an_agency_and_a_referrer_attached_to_it(client, login, desk, make_user):
    admin = make_user("admin")
    login(admin)
    token = csrf_token(client, "/support/agencies/new")
    answer = client.post(
        "/support/agencies/new",
        data={
            "csrf_token": token,
            "name": "Citizens Advice Harlow",
            "kind": "citizens_advice",
            "phone": "0344 477 0808",
            "sites": [desk.site.code],
            "active": "yes",
        },
    )
    assert answer.status_code == 303
    agency = db.session.scalar(select(ReferralAgency))
    assert agency.sites == [desk.site]
    assert "Citizens Advice Harlow" in client.get("/support/agencies").get_data(as_text=True)

    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "Citizens Advice Harlow" in form
    no_agency = client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "email": "rosa.referrer@example.org",
            "name": "Rosa Bianchi",
            "role": "referrer",
            "agency": "",
        },
    )
    assert no_agency.status_code == 422
    assert "Choose the referral agency" in no_agency.get_data(as_text=True)
    made = client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "email": "rosa.referrer@example.org",
            "name": "Rosa Bianchi",
            "role": "referrer",
            "agency": str(agency.id),
            "sites": [desk.site.code],  # ignored: a referrer works at no site
        },
    )
    assert made.status_code == 200
    rosa = db.session.scalar(select(User).where(User.email == "rosa.referrer@example.org"))
    assert rosa.role == "referrer"
    assert rosa.agency_id == agency.id
    assert rosa.sites == []


def test_the_agency_form_shows_errors_beside_the_fields(client, login, make_user):
    login(make_user("admin"))
    token = csrf_token(client, "/support/agencies/new")
    answer = client.post(
        "/support/agencies/new", data={"csrf_token": token, "name": "", "kind": "astrology"}
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="f-kind-error"' in html
    assert db.session.scalar(select(ReferralAgency)) is None


def test_a_referrer_signs_in_to_their_form_and_refers_a_household(
    client, login, desk, make_desk, make_agency, make_referrer
):
    other = make_desk()
    agency = make_agency(desk.site, name="Citizens Advice Harlow")
    rosa = make_referrer(agency)
    signed_in = client.post(
        "/login",
        data={"email": rosa.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert signed_in.headers["Location"].endswith("/support/referrals")
    page = client.get("/support/referrals").get_data(as_text=True)
    assert desk.site.name in page
    assert other.site.name not in page
    # The menu names the referrer's page and nothing of the programme's.
    assert 'href="/members' not in page
    assert 'href="/visits' not in page
    token = csrf_token(client, "/support/referrals")
    data = {
        "site": desk.site.code,
        "first_name": "Amira",
        "last_name": "Haddad",
        "dob_day": "1",
        "dob_month": "5",
        "dob_year": "1987",
        "postcode": "cm20 2qt",
        "adults": "1",
        "children_5_11": "2",
        "reason": "Universal Credit delayed.",
        "urgency": "urgent",
    }
    no_token = client.post("/support/referrals", data={**data, "consent_given": "yes"})
    assert no_token.status_code == 400
    no_consent = client.post("/support/referrals", data={**data, "csrf_token": token})
    assert no_consent.status_code == 422
    assert 'id="f-consent_given-error"' in no_consent.get_data(as_text=True)
    elsewhere = client.post(
        "/support/referrals",
        data={**data, "csrf_token": token, "consent_given": "yes", "site": other.site.code},
    )
    assert elsewhere.status_code == 422
    assert 'id="f-site-error"' in elsewhere.get_data(as_text=True)
    assert db.session.scalar(select(InboundReferral)) is None
    sent = client.post(
        "/support/referrals", data={**data, "csrf_token": token, "consent_given": "yes"}
    )
    assert sent.status_code == 303
    referral = db.session.scalar(select(InboundReferral))
    assert referral.postcode == "CM20 2QT"
    assert referral.children_5_11 == 2
    assert referral.urgency == "urgent"
    listed = client.get("/support/referrals").get_data(as_text=True)
    assert "Amira Haddad" in listed
    assert "Waiting for the site" in listed


def test_the_site_accepts_a_referral_through_the_pre_filled_registration_form(
    client, login, desk, make_agency, make_referrer
):
    rosa = make_referrer(make_agency(desk.site, name="Citizens Advice Harlow"))
    referral = _refer_row(desk.site, rosa)
    login(desk.volunteer)
    listed = client.get("/support/inbound").get_data(as_text=True)
    assert "Amira Haddad" in listed
    assert "Urgent" in listed
    home = client.get("/home").get_data(as_text=True)
    assert "/support/inbound" in home
    url = f"/support/inbound/{referral.id}/accept"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Amira"' in page
    assert 'value="CM20 2QT"' in page
    assert "Referred by Citizens Advice Harlow" in page
    token = csrf_token(client, url)
    form = {
        "csrf_token": token,
        "first_name": "Amira",
        "last_name": "Haddad",
        "postcode": "CM20 2QT",
        "adults": "1",
        "children_5_11": "2",
        "route": "referral",
        "referral_agency": "Citizens Advice Harlow",
        "privacy_notice_given": "on",
    }
    missing = client.post(url, data=form)  # the agency gave no date of birth
    assert missing.status_code == 422
    assert 'id="f-dob-error"' in missing.get_data(as_text=True) or "date of birth" in (
        missing.get_data(as_text=True).lower()
    )
    assert db.session.get(InboundReferral, referral.id).status == "pending"
    done = client.post(url, data={**form, "dob_day": "1", "dob_month": "5", "dob_year": "1987"})
    assert done.status_code == 303
    member = db.session.scalar(select(Member).where(Member.last_name == "Haddad"))
    assert done.headers["Location"].endswith(f"/members/{member.membership_number}")
    saved = db.session.get(InboundReferral, referral.id)
    assert saved.status == "accepted"
    assert saved.member_id == member.id
    assert client.get(url).status_code == 303  # decided: back to the list


def test_a_duplicate_at_accept_offers_the_existing_member(
    client, login, desk, make_agency, make_referrer
):
    existing = desk.member(
        first_name="Amira", last_name="Haddad", postcode="CM20 2QT", date_of_birth="1987-05-01"
    )
    rosa = make_referrer(make_agency(desk.site))
    referral = _refer_row(desk.site, rosa)
    login(desk.volunteer)
    url = f"/support/inbound/{referral.id}/accept"
    token = csrf_token(client, url)
    form = {
        "csrf_token": token,
        "first_name": "Amira",
        "last_name": "Haddad",
        "dob_day": "1",
        "dob_month": "5",
        "dob_year": "1987",
        "postcode": "CM20 2QT",
        "adults": "1",
        "route": "self_declared",
        "privacy_notice_given": "on",
    }
    answer = client.post(url, data=form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "may already be a member" in html
    assert f"/support/inbound/{referral.id}/accept-existing" in html
    matched = client.post(
        f"/support/inbound/{referral.id}/accept-existing",
        data={"csrf_token": token, "membership_number": existing.membership_number},
    )
    assert matched.status_code == 303
    assert db.session.get(InboundReferral, referral.id).member_id == existing.id


def test_the_site_declines_with_a_reason_the_referrer_then_reads(
    client, login, desk, make_desk, make_agency, make_referrer
):
    other = make_desk()
    rosa = make_referrer(make_agency(desk.site))
    referral = _refer_row(desk.site, rosa)
    login(other.volunteer)
    assert client.get(f"/support/inbound/{referral.id}/decline").status_code == 404
    assert "Amira" not in client.get("/support/inbound").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    login(desk.volunteer)
    url = f"/support/inbound/{referral.id}/decline"
    token = csrf_token(client, url)
    assert client.post(url, data={"reason": "No"}).status_code == 400  # no CSRF token
    empty = client.post(url, data={"csrf_token": token, "reason": "  "})
    assert empty.status_code == 422
    assert 'id="f-reason-error"' in empty.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": token, "reason": "Outside our area."})
    assert done.status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    login(rosa)
    page = client.get("/support/referrals").get_data(as_text=True)
    assert "Declined: Outside our area." in page


def test_a_site_manager_reads_the_agencies_referring_to_their_sites(
    client, login, desk, make_desk, make_agency
):
    other = make_desk()
    make_agency(desk.site, name="Citizens Advice Harlow")
    make_agency(other.site, name="Basildon Academy", kind="school")
    login(desk.manager)
    page = client.get("/support/agencies").get_data(as_text=True)
    assert "Citizens Advice Harlow" in page
    assert "Basildon Academy" not in page
    assert "/support/agencies/new" not in page
    assert client.get("/support/agencies/new").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    login(desk.volunteer)
    assert client.get("/support/agencies").status_code == 403
