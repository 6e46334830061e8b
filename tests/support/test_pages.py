"""The support pages: the directory (list, add, edit), the member page's support panel with
its two-tap form and outcomes, and the follow-up list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from supermarket.extensions import db
from supermarket.support.models import FOLLOW_UP_DAYS, Referral, SupportService
from tests.conftest import csrf_token


def _member_page(client, member) -> str:
    return client.get(f"/members/{member.membership_number}").get_data(as_text=True)


def test_the_member_page_records_a_referral_and_its_outcome(client, login, desk, make_service):
    service = make_service(desk.manager, name="Harlow Job Club", category="employment_skills")
    member = desk.member()
    login(desk.volunteer)
    html = _member_page(client, member)
    assert "Support and referrals" in html
    assert "Harlow Job Club" in html
    token = csrf_token(client, f"/members/{member.membership_number}")
    url = f"/support/members/{member.membership_number}/referrals"
    answer = client.post(
        url,
        data={
            "csrf_token": token,
            "service_id": str(service.id),
            "kind": "referral",
            "consent_given": "yes",
            "note": "Wants help with a CV",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/members/{member.membership_number}#support")
    referral = db.session.scalar(select(Referral))
    assert referral is not None
    assert referral.kind == "referral"
    assert referral.note == "Wants help with a CV"
    html = _member_page(client, member)
    assert "Referral to Harlow Job Club recorded." in html

    answer = client.post(
        f"{url}/{referral.id}", data={"csrf_token": token, "status": "engaged", "on": ""}
    )
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "engaged"


def test_a_referral_without_consent_is_refused_on_the_page(client, login, desk, make_service):
    service = make_service(desk.manager)
    member = desk.member()
    login(desk.volunteer)
    token = csrf_token(client, f"/members/{member.membership_number}")
    answer = client.post(
        f"/support/members/{member.membership_number}/referrals",
        data={"csrf_token": token, "service_id": str(service.id), "kind": "referral"},
    )
    assert answer.status_code == 303
    assert "tick that they agreed" in _member_page(client, member)
    assert db.session.scalar(select(Referral)) is None


def test_another_sites_member_cannot_be_referred_from_the_page(
    client, login, desk, make_desk, make_service
):
    other = make_desk()
    make_service(other.manager)
    member = desk.member()
    login(other.volunteer)
    token = csrf_token(client, "/members")
    answer = client.post(
        f"/support/members/{member.membership_number}/referrals",
        data={"csrf_token": token, "service_id": "1", "kind": "signpost"},
    )
    assert answer.status_code in (303, 404)
    assert db.session.scalar(select(Referral)) is None


def test_a_manager_adds_and_edits_their_sites_entry(client, login, desk):
    login(desk.manager)
    assert "Add a service" in client.get("/support/services").get_data(as_text=True)
    token = csrf_token(client, "/support/services/new")
    bad = client.post(
        "/support/services/new", data={"csrf_token": token, "name": "Job Club", "category": ""}
    )
    assert bad.status_code == 422
    assert "Choose one of the categories listed." in bad.get_data(as_text=True)
    made = client.post(
        "/support/services/new",
        data={
            "csrf_token": token,
            "name": "Job Club",
            "category": "employment_skills",
            "walk_in": "Mondays 10am",
            "active": "yes",
        },
    )
    assert made.status_code == 303
    service = db.session.scalar(select(SupportService))
    assert service.site_id == desk.site.id
    assert [s.id for s in service.sites] == [desk.site.id]
    edit = client.get(f"/support/services/{service.id}/edit").get_data(as_text=True)
    assert 'value="Job Club"' in edit
    saved = client.post(
        f"/support/services/{service.id}/edit",
        data={"csrf_token": token, "name": "Harlow Job Club", "category": "employment_skills"},
    )
    assert saved.status_code == 303
    db.session.expire_all()
    changed = db.session.get(SupportService, service.id)
    assert changed.name == "Harlow Job Club"
    assert changed.active is False  # the box was left unticked


def test_an_admin_adds_a_programme_entry_for_chosen_sites(client, login, make_user, desk):
    admin = make_user("admin")
    login(admin)
    token = csrf_token(client, "/support/services/new")
    made = client.post(
        "/support/services/new",
        data={
            "csrf_token": token,
            "name": "Warm Homes",
            "category": "energy",
            "sites": [desk.site.code],
            "active": "yes",
        },
    )
    assert made.status_code == 303
    service = db.session.scalar(select(SupportService))
    assert service.site_id is None
    assert [s.code for s in service.sites] == [desk.site.code]


def test_volunteers_see_the_directory_but_cannot_change_it(client, login, desk, make_service):
    service = make_service(desk.manager)
    login(desk.volunteer)
    listed = client.get("/support/services")
    assert listed.status_code == 200
    assert "Citizens Advice" in listed.get_data(as_text=True)
    assert "Add a service" not in listed.get_data(as_text=True)
    assert client.get("/support/services/new").status_code == 403
    assert client.get(f"/support/services/{service.id}/edit").status_code == 403


def test_the_follow_up_page_lists_referrals_with_no_news(client, login, desk, make_service, clock):
    from supermarket.support import services

    service = make_service(desk.manager, name="Debt Line")
    member = desk.member(first_name="Grace")
    services.record_referral(
        desk.site,
        member.membership_number,
        services.NewReferral(service.id, "referral", consent_given=True),
        actor=desk.volunteer,
    )
    db.session.commit()
    login(desk.manager)
    assert "Nothing to follow up" in client.get("/support/follow-up").get_data(as_text=True)
    clock.shift(timedelta(days=FOLLOW_UP_DAYS + 1))
    login(desk.manager)  # the session has ended by then
    html = client.get("/support/follow-up").get_data(as_text=True)
    assert "Debt Line" in html
    assert "Grace" in html
    home = client.get("/home").get_data(as_text=True)
    assert "Referrals to follow up" in home
    assert "Support services" in home


def test_a_service_that_is_not_a_number_is_refused_on_the_page(client, login, desk):
    member = desk.member()
    login(desk.volunteer)
    token = csrf_token(client, f"/members/{member.membership_number}")
    for text in ("²", "12x", ""):  # "²" is a digit to Python's isdigit, not to int()
        answer = client.post(
            f"/support/members/{member.membership_number}/referrals",
            data={"csrf_token": token, "service_id": text, "kind": "signpost"},
        )
        assert answer.status_code == 303, text
    assert db.session.scalar(select(Referral)) is None
