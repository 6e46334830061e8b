"""Equality monitoring: optional answers at registration (page and API), changed later by site
managers, read back by them alone, in the subject access export and deleted on anonymisation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.monitoring import MemberMonitoring
from supermarket.members.services import privacy
from tests.conftest import csrf_token
from tests.factories import member_payload as payload
from tests.members.test_pages import _form

ANSWERS = {
    "gender": "woman",
    "ethnic_group": "white_gypsy_traveller",
    "disability": "prefer_not_to_say",
    "employment": "employed_part_time",
    "carer": "yes",
    "veteran": "no",
}


@pytest.fixture
def api(client, token_for):
    class Api:
        def __init__(self, user):
            self.headers = token_for(user)

        def get(self, path):
            return client.get(path, headers=self.headers)

        def post(self, path, json=None):
            return client.post(path, json=json, headers=self.headers)

        def patch(self, path, json=None):
            return client.patch(path, json=json, headers=self.headers)

    return Api


def _row(member: Member) -> MemberMonitoring | None:
    db.session.expire_all()
    return db.session.get(MemberMonitoring, member.id)


def _members() -> int:
    return db.session.scalar(select(func.count(Member.id))) or 0


# --- the API -----------------------------------------------------------------------------------


def test_a_volunteer_registers_answers_by_the_api_but_is_not_shown_them(staff_pair, api):
    site, volunteer, manager = staff_pair()
    body = payload(monitoring={"gender": "man", "ethnic_group": "prefer_not_to_say"})
    response = api(volunteer).post(f"/api/v1/sites/{site.code}/members", json=body)
    assert response.status_code == 201, response.json
    assert "monitoring" not in response.json
    number = response.json["membership_number"]
    path = f"/api/v1/sites/{site.code}/members/{number}"
    assert "monitoring" not in api(volunteer).get(path).json
    read = api(manager).get(path).json
    # Prefer not to say is an answer; a question left out is not asked (null).
    assert read["monitoring"] == {
        "gender": "man",
        "ethnic_group": "prefer_not_to_say",
        "disability": None,
        "employment": None,
        "carer": None,
        "veteran": None,
    }


def test_a_registration_without_answers_keeps_no_row(staff_pair, api, make_member):
    site, _, manager = staff_pair()
    member = make_member(site, manager)
    assert _row(member) is None
    read = api(manager).get(f"/api/v1/sites/{site.code}/members/{member.membership_number}")
    assert set(read.json["monitoring"].values()) == {None}


def test_a_wrong_answer_is_422_naming_the_field_and_registers_nothing(staff_pair, api):
    site, volunteer, _ = staff_pair()
    before = _members()
    body = payload(monitoring={"ethnic_group": "martian", "veteran": "maybe", "carer": "yes"})
    response = api(volunteer).post(f"/api/v1/sites/{site.code}/members", json=body)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]["monitoring"]
    assert set(fields) == {"ethnic_group", "veteran"}
    assert _members() == before
    unknown = payload(monitoring={"religion": "none"})
    refused = api(volunteer).post(f"/api/v1/sites/{site.code}/members", json=unknown)
    assert refused.status_code == 422


def test_a_manager_changes_answers_by_patch_and_null_clears_one(staff_pair, api, make_member):
    site, _, manager = staff_pair()
    member = make_member(site, manager, monitoring=dict(ANSWERS))
    path = f"/api/v1/sites/{site.code}/members/{member.membership_number}"
    response = api(manager).patch(path, json={"monitoring": {"carer": None, "gender": "another"}})
    assert response.status_code == 200, response.json
    assert response.json["monitoring"]["carer"] is None
    assert response.json["monitoring"]["gender"] == "another"
    assert response.json["monitoring"]["veteran"] == "no"  # not sent: unchanged
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "member.updated")
        .order_by(AuditEvent.id.desc())
    )
    assert event is not None
    assert "monitoring" in str(event.details)
    assert "another" not in str(event.details)  # the answers never reach the audit log


def test_clearing_every_answer_removes_the_row(staff_pair, api, make_member):
    site, _, manager = staff_pair()
    member = make_member(site, manager, monitoring={"veteran": "yes"})
    assert _row(member) is not None
    path = f"/api/v1/sites/{site.code}/members/{member.membership_number}"
    assert api(manager).patch(path, json={"monitoring": {"veteran": None}}).status_code == 200
    assert _row(member) is None


def test_a_volunteer_cannot_change_the_answers(staff_pair, api, make_member):
    site, volunteer, manager = staff_pair()
    member = make_member(site, manager, monitoring={"gender": "woman"})
    path = f"/api/v1/sites/{site.code}/members/{member.membership_number}"
    response = api(volunteer).patch(path, json={"monitoring": {"gender": "man"}})
    assert response.status_code == 403
    assert "monitoring" in response.json["error"]["fields"]
    assert _row(member).gender == "woman"
    # A volunteer's contact change still works, and still shows no answers.
    changed = api(volunteer).patch(path, json={"phone": "07700 900123"})
    assert changed.status_code == 200
    assert "monitoring" not in changed.json


def test_another_sites_manager_never_reads_the_answers(staff_pair, api, make_member):
    site, _, manager = staff_pair()
    _, _, other = staff_pair()
    member = make_member(site, manager, monitoring=dict(ANSWERS))
    path = f"/api/v1/sites/{site.code}/members/{member.membership_number}"
    assert api(other).get(path).status_code == 404


# --- the pages ---------------------------------------------------------------------------------


def test_the_desk_asks_on_the_register_page_and_the_volunteer_then_sees_nothing(
    staff_pair, login, client
):
    _, volunteer, manager = staff_pair()
    login(volunteer)
    page = client.get("/members/new").get_data(as_text=True)
    assert 'name="ethnic_group"' in page
    assert "Gypsy or Irish Traveller" in page
    assert "Prefer not to say" in page
    token = csrf_token(client, "/members/new")
    response = client.post(
        "/members/new",
        data={**_form(survey=""), **ANSWERS, "veteran": "", "csrf_token": token},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    member = db.session.scalar(select(Member).order_by(Member.id.desc()))
    row = _row(member)
    assert row is not None
    assert row.ethnic_group == "white_gypsy_traveller"
    assert row.disability == "prefer_not_to_say"
    assert row.veteran is None  # left at "Not asked"
    number = member.membership_number
    for path in (f"/members/{number}", f"/members/{number}/edit", f"/checkin/panel/{number}"):
        html = client.get(path).get_data(as_text=True)
        assert "Gypsy or Irish Traveller" not in html, path
        assert "equality monitoring" not in html, path
    client.post("/logout", data={"csrf_token": csrf_token(client, "/members")})
    login(manager)
    detail = client.get(f"/members/{number}").get_data(as_text=True)
    assert "About the household (equality monitoring)" in detail
    assert "Gypsy or Irish Traveller" in detail
    assert "Not asked" in detail
    edit = client.get(f"/members/{number}/edit").get_data(as_text=True)
    assert '<option value="white_gypsy_traveller" selected>' in edit


def test_a_wrong_answer_on_the_page_is_said_beside_its_field(staff_pair, login, client):
    _, volunteer, _ = staff_pair()
    login(volunteer)
    before = _members()
    token = csrf_token(client, "/members/new")
    response = client.post(
        "/members/new", data={**_form(survey=""), "gender": "robot", "csrf_token": token}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-gender-error"' in html
    assert "Choose one of the answers" in html
    assert _members() == before


def test_a_manager_changes_and_clears_answers_on_the_edit_page(
    staff_pair, make_member, login, client
):
    site, _, manager = staff_pair()
    member = make_member(site, manager, monitoring=dict(ANSWERS))
    login(manager)
    path = f"/members/{member.membership_number}/edit"
    token = csrf_token(client, path)
    answers = {**ANSWERS, "employment": "retired", "carer": ""}
    response = client.post(path, data={**_form(), **answers, "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)
    row = _row(member)
    assert row.employment == "retired"
    assert row.carer is None
    assert row.gender == "woman"


def test_a_volunteers_edit_leaves_the_answers_alone(staff_pair, make_member, login, client):
    site, volunteer, manager = staff_pair()
    member = make_member(site, manager, monitoring=dict(ANSWERS))
    login(volunteer)
    path = f"/members/{member.membership_number}/edit"
    token = csrf_token(client, path)
    data = {"phone": "", "email": "", "postcode": "CM20 1AB", "gender": "", "csrf_token": token}
    assert client.post(path, data=data).status_code == 303
    assert _row(member).gender == "woman"


# --- data rights -------------------------------------------------------------------------------


def test_the_answers_are_in_the_export_and_deleted_on_anonymisation(staff_pair, make_member):
    site, _, manager = staff_pair()
    member = make_member(site, manager, monitoring=dict(ANSWERS))
    data = privacy.export_member(site, member.membership_number, actor=manager)
    [exported] = data["records"]["member_monitoring"]
    assert {key: exported[key] for key in ANSWERS} == ANSWERS
    privacy.anonymise_member(site, member.membership_number, actor=manager)
    db.session.commit()
    assert _row(member) is None


def test_leads_and_admins_never_reach_a_members_answers(staff_pair, api, make_member, make_user):
    site, _, manager = staff_pair()
    member = make_member(site, manager, monitoring=dict(ANSWERS))
    path = f"/api/v1/sites/{site.code}/members/{member.membership_number}"
    for role in ("programme_lead", "admin"):
        response = api(make_user(role)).get(path)
        assert response.status_code in (403, 404), role
        assert "white_gypsy_traveller" not in response.get_data(as_text=True)


def test_the_demo_answers_are_mostly_given_with_some_prefer_not_and_some_never_asked(
    staff_pair, make_member
):
    from supermarket.members import demo_monitoring

    site, _, manager = staff_pair()
    members = [make_member(site, manager) for _ in range(40)]
    demo_monitoring.seed(None)
    rows = [_row(m) for m in members]
    answered = [r for r in rows if r is not None]
    assert len(rows) - len(answered) >= 1  # some households were never asked
    assert len(answered) >= 30
    values = [v for r in answered for v in r.answers().values()]
    assert "prefer_not_to_say" in values
    assert None in values  # a question left unasked
