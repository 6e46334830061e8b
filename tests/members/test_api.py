"""The members API: shapes, errors, roles and site scoping."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.members.models import Member
from tests.factories import member_payload as payload


@pytest.fixture
def api(client, token_for):
    class Api:
        def __init__(self, user):
            self.headers = token_for(user)

        def get(self, path, **kw):
            return client.get(path, headers=self.headers, **kw)

        def post(self, path, json=None, **kw):
            return client.post(path, json=json, headers=self.headers, **kw)

        def patch(self, path, json=None, **kw):
            return client.patch(path, json=json, headers=self.headers, **kw)

    return Api


def _count():
    return db.session.scalar(select(func.count(Member.id)))


def test_register_answers_201_with_the_member(staff_pair, api):
    site, volunteer, _ = staff_pair()
    response = api(volunteer).post(
        f"/api/v1/sites/{site.code}/members", json=payload(postcode="cm201ab")
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "active"
    assert body["postcode"] == "CM20 1AB"
    assert body["household"] == {
        "adults": 2,
        "children_0_4": 1,
        "children_5_11": 1,
        "children_12_17": 0,
        "people": 4,
    }
    assert body["consents"] == {"privacy_notice_given": True, "survey": True, "contact": False}
    for key in ("membership_number", "joined_on", "expires_on", "review_due_on"):
        assert body[key]
    assert len(body["joined_on"]) == 10  # YYYY-MM-DD
    assert body["warnings"] == []


def test_invalid_registration_answers_422_with_fields_and_stores_nothing(staff_pair, api):
    site, volunteer, _ = staff_pair()
    before = _count()
    body = payload(first_name="", postcode="nowhere", household={"adults": 0})
    response = api(volunteer).post(f"/api/v1/sites/{site.code}/members", json=body)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert {"first_name", "postcode", "household"} <= set(fields)
    assert "adults" in fields["household"]
    assert _count() == before


def test_unknown_fields_are_refused(staff_pair, api):
    site, volunteer, _ = staff_pair()
    response = api(volunteer).post(
        f"/api/v1/sites/{site.code}/members", json=payload(status="active", site_id=99)
    )
    assert response.status_code == 422
    assert {"status", "site_id"} <= set(response.json["error"]["fields"])


def test_malformed_json_and_wrong_content_type(staff_pair, api, client, token_for):
    site, volunteer, _ = staff_pair()
    headers = {**token_for(volunteer), "Content-Type": "application/json"}
    bad = client.post(f"/api/v1/sites/{site.code}/members", data="{not json", headers=headers)
    assert bad.status_code == 400
    assert bad.json["error"]["code"] == "bad_request"
    array = client.post(f"/api/v1/sites/{site.code}/members", data="[1]", headers=headers)
    assert array.status_code == 400
    form = client.post(
        f"/api/v1/sites/{site.code}/members", data={"first_name": "x"}, headers=token_for(volunteer)
    )
    assert form.status_code == 415


def test_duplicate_answers_409_possible_duplicate_with_the_number(staff_pair, api):
    site, volunteer, _ = staff_pair()
    first = api(volunteer).post(f"/api/v1/sites/{site.code}/members", json=payload()).json
    response = api(volunteer).post(f"/api/v1/sites/{site.code}/members", json=payload())
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "possible_duplicate"
    assert error["details"]["membership_number"] == first["membership_number"]


def test_other_site_membership_is_a_warning(staff_pair, api):
    site_a, volunteer_a, _ = staff_pair()
    site_b, volunteer_b, _ = staff_pair()
    api(volunteer_a).post(f"/api/v1/sites/{site_a.code}/members", json=payload())
    response = api(volunteer_b).post(f"/api/v1/sites/{site_b.code}/members", json=payload())
    assert response.status_code == 201
    assert response.json["warnings"][0]["code"] == "member_elsewhere"
    assert site_a.code not in str(response.json["warnings"])


@pytest.mark.parametrize("role", ["programme_lead", "admin"])
def test_leads_and_admins_get_403_on_every_member_route(
    app, role, make_user, make_member, api, client, token_for
):
    member = make_member()
    user = make_user(role)
    headers = token_for(user)
    code, number = member.site.code, member.membership_number
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("members")]
    assert rules
    for rule in rules:
        values = {"code": code, "number": number, "kind": "survey"}
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<{name}>", value)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers, json={})
            assert response.status_code in (403, 400), (rule.rule, method, response.status_code)
            if response.status_code == 400:  # pages refuse the missing CSRF token first
                assert not rule.rule.startswith("/api/")


def test_volunteer_gets_403_on_manager_actions(make_member, staff_pair, api):
    site, volunteer, manager = staff_pair()
    member = make_member(site=site, actor=manager)
    base = f"/api/v1/sites/{site.code}/members/{member.membership_number}"
    client = api(volunteer)
    for path in ("/suspend", "/renew", "/reinstate", "/close", "/admit", "/review", "/anonymise"):
        assert client.post(base + path, json={"reason": "x"}).status_code == 403, path
    assert client.get(base + "/export").status_code == 403
    assert client.get(base + "/export.pdf").status_code == 403


def test_site_a_volunteer_cannot_see_find_edit_export_or_card_a_site_b_member(
    staff_pair, make_member, api
):
    site_a, volunteer_a, manager_a = staff_pair()
    site_b, _, manager_b = staff_pair()
    member_b = make_member(site=site_b, actor=manager_b, first_name="Bea")
    number = member_b.membership_number
    for user in (volunteer_a, manager_a):
        client = api(user)
        # Through site B's code: the site itself is hidden.
        base = f"/api/v1/sites/{site_b.code}/members"
        assert client.get(f"{base}/{number}").status_code == 404
        assert client.get(f"{base}?q={number}").status_code == 404
        assert client.patch(f"{base}/{number}", json={"phone": "07700 900999"}).status_code == 404
        assert client.get(f"{base}/{number}/card.pdf").status_code == 404
        # Through their own site's code: the member is not there.
        own = f"/api/v1/sites/{site_a.code}/members"
        assert client.get(f"{own}/{number}").status_code == 404
        assert client.get(f"{own}?q={number}").json["items"] == []
        assert client.get(f"{own}?q=Bea").json["items"] == []
        assert client.patch(f"{own}/{number}", json={"phone": "07700 900999"}).status_code == 404
        assert client.get(f"{own}/{number}/card.pdf").status_code == 404
        assert client.get(f"{own}/cards.pdf?number={number}").status_code == 200
    manager_client = api(manager_a)
    own = f"/api/v1/sites/{site_a.code}/members/{number}"
    assert manager_client.get(f"{own}/export").status_code == 404
    assert manager_client.post(f"{own}/anonymise").status_code == 404
    assert manager_client.post(f"{own}/suspend", json={"reason": "x"}).status_code == 404
    db.session.refresh(member_b)
    assert member_b.phone == "07700 900123"
    assert member_b.anonymised_at is None


def test_volunteer_edits_contact_details_only(staff_pair, make_member, api):
    site, volunteer, manager = staff_pair()
    member = make_member(site=site, actor=manager)
    base = f"/api/v1/sites/{site.code}/members/{member.membership_number}"
    ok = api(volunteer).patch(base, json={"phone": "01279 123456", "postcode": "cm17 0aa"})
    assert ok.status_code == 200, ok.json
    assert ok.json["postcode"] == "CM17 0AA"
    refused = api(volunteer).patch(base, json={"household": {"adults": 3}, "notes": "x"})
    assert refused.status_code == 403
    assert set(refused.json["error"]["fields"]) == {"household", "notes"}
    by_manager = api(manager).patch(base, json={"household": {"adults": 3}, "notes": "Van"})
    assert by_manager.status_code == 200
    assert by_manager.json["household"]["adults"] == 3
    assert by_manager.json["notes"] == "Van"


def test_lifecycle_over_the_api(staff_pair, make_member, api):
    site, _, manager = staff_pair()
    member = make_member(site=site, actor=manager)
    base = f"/api/v1/sites/{site.code}/members/{member.membership_number}"
    client = api(manager)
    term_ended = member.expires_on.isoformat()
    assert client.post(base + "/suspend", json={}).status_code == 422
    suspended = client.post(base + "/suspend", json={"reason": "abusive to volunteers"})
    assert suspended.json["status"] == "suspended"
    assert suspended.json["status_reason"] == "abusive to volunteers"
    assert client.post(base + "/reinstate").json["status"] == "active"
    renewed = client.post(base + "/renew")
    assert renewed.status_code == 200
    assert renewed.json["expires_on"] > term_ended
    assert client.post(base + "/renew", json={"extra": 1}).status_code == 422
    assert client.post(base + "/close", json={"reason": "moved away"}).json["status"] == "closed"
    assert client.post(base + "/close").status_code == 409


def test_consent_withdrawal_is_one_call(staff_pair, make_member, api):
    site, volunteer, manager = staff_pair()
    member = make_member(site=site, actor=manager)
    base = f"/api/v1/sites/{site.code}/members/{member.membership_number}/consents"
    response = api(volunteer).post(f"{base}/survey/withdraw", json={"method": "phone"})
    assert response.status_code == 200
    assert response.json["consents"]["survey"] is False
    history = [c for c in response.json["consent_history"] if c["kind"] == "survey"]
    assert history[0]["withdrawn_method"] == "phone"
    assert history[0]["withdrawn_at"]
    assert api(volunteer).post(f"{base}/survey/withdraw").status_code == 409
    assert api(volunteer).post(f"{base}/privacy_notice/withdraw").status_code == 409
    assert api(volunteer).post(f"{base}/marketing/withdraw").status_code == 404
    again = api(volunteer).post(f"{base}/contact", json={"method": "in_person"})
    assert again.json["consents"]["contact"] is True


def test_card_pdf_is_credit_card_sized_and_holds_no_personal_data(staff_pair, make_member, api):
    site, volunteer, manager = staff_pair()
    member = make_member(site=site, actor=manager, first_name="Zoë")
    response = api(volunteer).get(
        f"/api/v1/sites/{site.code}/members/{member.membership_number}/card.pdf"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4, 1) == 85.6
    assert round(float(box.height) / 72 * 25.4, 1) == 54.0
    text = reader.pages[0].extract_text()
    assert "Zoë" in text
    assert site.name in text
    assert member.last_name not in text
    assert "CM20" not in text


def test_openapi_documents_every_member_route(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = [p for p in spec["paths"] if p.startswith("/api/v1/sites/{code}/members")]
    assert "/api/v1/sites/{code}/members/{number}/export" in paths
    assert len(paths) >= 12


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=15), inner, max_size=4)
    ),
    max_leaves=12,
)
_fields = st.fixed_dictionaries({}, optional={key: _json for key in payload()})


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.one_of(_fields, st.builds(lambda extra: payload(**extra), _fields)))
def test_fuzzed_registration_bodies_never_cause_a_server_error(staff_pair, api, body):
    if not hasattr(api, "ctx"):  # one site and token for all the examples
        site, volunteer, _ = staff_pair()
        api.ctx = (site.code, api(volunteer))
    code, client = api.ctx
    response = client.post(f"/api/v1/sites/{code}/members", json=body)
    assert response.status_code in (201, 409, 422), (body, response.json)
    if response.status_code == 422:
        assert response.json["error"]["fields"]
