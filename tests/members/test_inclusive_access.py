"""Inclusive access: joining with no fixed address or no date of birth, the duplicate checks
then, proxies, the note for the door, and the member's data rights over all of it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.members import pdf
from supermarket.members.models import Member, MemberProxy
from supermarket.members.services import privacy
from tests.conftest import csrf_token
from tests.factories import member_payload, unique_last_name

NFA = {"eligibility_routes": ["self_declared", "no_fixed_abode"]}


@pytest.fixture
def nfa_desk(make_site, make_user):
    """A site in Clacton that accepts people with no fixed address (dates of birth optional
    unless said), with its volunteer and manager."""

    def make(**settings):
        site = make_site(postcode="co15 1aa", settings={**NFA, **settings})
        return site, make_user("volunteer", sites=[site]), make_user("site_manager", sites=[site])

    return make


def _api(client, token_for, user):
    headers = token_for(user)

    class Api:
        def get(self, path):
            return client.get(path, headers=headers)

        def post(self, path, json=None):
            return client.post(path, json=json, headers=headers)

        def put(self, path, json=None):
            return client.put(path, json=json, headers=headers)

        def delete(self, path):
            return client.delete(path, headers=headers)

    return Api()


def _nfa_body(**overrides):
    body = member_payload(
        **{"last_name": unique_last_name(), "eligibility": {"route": "no_fixed_abode"}, **overrides}
    )
    body.pop("postcode")
    return body


def _page_form(**overrides):
    data = {
        "first_name": "Dee",
        "last_name": unique_last_name(),
        "dob_day": "",
        "dob_month": "",
        "dob_year": "",
        "postcode": "",
        "adults": "1",
        "route": "no_fixed_abode",
        "privacy_notice_given": "on",
    }
    data.update(overrides)
    return data


# --- no fixed abode, no date of birth -------------------------------------------------------


def test_the_programme_default_routes_leave_no_fixed_abode_to_each_site():
    from supermarket.sites.settings import ELIGIBILITY_ROUTES, SiteSettings

    assert "no_fixed_abode" in ELIGIBILITY_ROUTES
    assert "no_fixed_abode" not in SiteSettings().eligibility_routes
    assert SiteSettings().date_of_birth_optional is False


def test_api_registers_no_fixed_abode_without_a_postcode(nfa_desk, client, token_for):
    site, volunteer, _ = nfa_desk()
    response = _api(client, token_for, volunteer).post(
        f"/api/v1/sites/{site.code}/members", json=_nfa_body(care_of="St Mary's day centre")
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["postcode"] is None
    assert body["postcode_district"] == "CO15"  # the site's own area, for the reports
    assert body["care_of"] == "St Mary's day centre"
    codes = [w["code"] for w in body["warnings"]]
    assert codes == ["duplicate_check_limited"]
    assert (
        "No postcode: duplicates checked by surname and date of birth only"
        in (body["warnings"][0]["message"])
    )


def test_other_routes_still_need_a_postcode(nfa_desk, client, token_for):
    site, volunteer, _ = nfa_desk()
    body = _nfa_body(eligibility={"route": "self_declared"})
    response = _api(client, token_for, volunteer).post(
        f"/api/v1/sites/{site.code}/members", json=body
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"postcode": ["Enter the postcode."]}


def test_moving_a_member_with_no_postcode_to_another_route_needs_one(nfa_desk, client, token_for):
    site, volunteer, manager = nfa_desk()
    made = _api(client, token_for, volunteer).post(
        f"/api/v1/sites/{site.code}/members", json=_nfa_body()
    )
    path = f"/api/v1/sites/{site.code}/members/{made.json['membership_number']}"
    moved = client.patch(
        path, json={"eligibility": {"route": "self_declared"}}, headers=token_for(manager)
    )
    assert moved.status_code == 422
    assert "postcode" in moved.json["error"]["fields"]
    with_postcode = client.patch(
        path,
        json={"eligibility": {"route": "self_declared"}, "postcode": "CO15 2BB"},
        headers=token_for(manager),
    )
    assert with_postcode.status_code == 200, with_postcode.json
    assert with_postcode.json["postcode_district"] == "CO15"


def test_a_site_that_does_not_accept_the_route_refuses_it(make_desk, client, token_for):
    desk = make_desk()
    response = _api(client, token_for, desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/members", json=_nfa_body()
    )
    assert response.status_code == 422
    assert "route" in response.json["error"]["fields"]["eligibility"]


def test_date_of_birth_required_unless_the_site_allows(nfa_desk, client, token_for):
    strict, volunteer, _ = nfa_desk()
    body = _nfa_body(age_band="35-44")
    body.pop("date_of_birth")
    refused = _api(client, token_for, volunteer).post(
        f"/api/v1/sites/{strict.code}/members", json=body
    )
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {"date_of_birth": ["Enter the date of birth."]}

    relaxed, volunteer2, _ = nfa_desk(date_of_birth_optional=True)
    caller = _api(client, token_for, volunteer2)
    no_band = dict(body)
    no_band.pop("age_band")
    missing = caller.post(f"/api/v1/sites/{relaxed.code}/members", json=no_band)
    assert missing.status_code == 422
    assert "age_band" in missing.json["error"]["fields"]
    ok = caller.post(f"/api/v1/sites/{relaxed.code}/members", json=body)
    assert ok.status_code == 201, ok.json
    assert (ok.json["date_of_birth"], ok.json["age_band"]) == (None, "35-44")
    assert ok.json["warnings"][0]["message"].startswith(
        "No date of birth or postcode: duplicates checked by name only"
    )


def test_an_age_band_with_a_date_of_birth_is_refused(nfa_desk, client, token_for):
    site, volunteer, _ = nfa_desk(date_of_birth_optional=True)
    response = _api(client, token_for, volunteer).post(
        f"/api/v1/sites/{site.code}/members", json=_nfa_body(age_band="25-34")
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"age_band": ["Only without a date of birth."]}


def test_name_only_check_warns_of_a_possible_duplicate(nfa_desk, client, token_for):
    site, volunteer, _ = nfa_desk(date_of_birth_optional=True)
    caller = _api(client, token_for, volunteer)
    body = _nfa_body(first_name="Robin", age_band="45-54")
    body.pop("date_of_birth")
    first = caller.post(f"/api/v1/sites/{site.code}/members", json=body)
    again = caller.post(f"/api/v1/sites/{site.code}/members", json=body)
    assert again.status_code == 201  # a shared name is never a refusal
    warnings = {w["code"]: w for w in again.json["warnings"]}
    assert warnings["possible_duplicate"]["membership_number"] == first.json["membership_number"]
    assert "same name" in warnings["possible_duplicate"]["message"]


def test_registration_page_takes_no_postcode_and_an_age_band(nfa_desk, login, client):
    _, volunteer, _ = nfa_desk(date_of_birth_optional=True)
    login(volunteer)
    page = client.get("/members/new").get_data(as_text=True)
    assert 'name="age_band"' in page
    assert 'name="care_of"' in page
    form = _page_form(age_band="25-34", care_of="c/o the site")
    response = client.post(
        "/members/new", data={**form, "csrf_token": csrf_token(client, "/members/new")}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    member = db.session.scalar(select(Member).where(Member.last_name == form["last_name"]))
    assert (member.postcode, member.postcode_district, member.age_band) == (None, "CO15", "25-34")
    assert member.care_of == "c/o the site"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No date of birth or postcode: duplicates checked by name only" in shown
    # Its page still edits without a postcode or date of birth.
    edit = client.post(
        f"/members/{member.membership_number}/edit",
        data={
            "phone": "07700 900456",
            "email": "",
            "postcode": "",
            "csrf_token": csrf_token(client, f"/members/{member.membership_number}/edit"),
        },
    )
    assert edit.status_code == 303, edit.get_data(as_text=True)


def test_registration_page_needs_the_date_of_birth_where_the_site_does(nfa_desk, login, client):
    _, volunteer, _ = nfa_desk()
    login(volunteer)
    page = client.get("/members/new").get_data(as_text=True)
    assert 'name="age_band"' not in page
    response = client.post(
        "/members/new",
        data={**_page_form(), "csrf_token": csrf_token(client, "/members/new")},
    )
    assert response.status_code == 422
    assert "Enter the date of birth." in response.get_data(as_text=True)


# --- proxies --------------------------------------------------------------------------------


def _member(site, manager, **overrides):
    from tests.factories import register

    member = register(site, manager, member_payload(last_name=unique_last_name(), **overrides))
    db.session.commit()
    return member


def test_proxies_added_listed_and_removed_through_the_api(desk, client, token_for):
    member = _member(desk.site, desk.manager)
    caller = _api(client, token_for, desk.volunteer)
    path = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}/proxies"
    first = caller.post(path, json={"name": "Jo Bloggs", "relationship": "neighbour"})
    assert first.status_code == 201, first.json
    second = caller.post(path, json={"name": "Sam Patel", "phone": "07700 900999"})
    assert second.status_code == 201
    third = caller.post(path, json={"name": "Al Third"})
    assert third.status_code == 422
    assert "name" in third.json["error"]["fields"]
    listed = caller.get(path).json["items"]
    assert [p["name"] for p in listed] == ["Jo Bloggs", "Sam Patel"]
    left = caller.delete(f"{path}/{first.json['id']}")
    assert [p["name"] for p in left.json["items"]] == ["Sam Patel"]
    assert caller.delete(f"{path}/{first.json['id']}").status_code == 404


def test_proxies_on_the_member_page(desk, login, client):
    member = _member(desk.site, desk.manager)
    login(desk.volunteer)
    path = f"/members/{member.membership_number}"
    for name in ("Jo Bloggs", "Sam Patel", "Al Third"):
        response = client.post(
            f"{path}/proxies",
            data={
                "name": name,
                "relationship": "neighbour",
                "csrf_token": csrf_token(client, path),
            },
        )
    assert response.status_code == 422
    assert "Up to 2 proxies" in response.get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    assert "Jo Bloggs (neighbour)" in page
    assert "Al Third" not in page
    proxy = db.session.scalars(
        select(MemberProxy).where(MemberProxy.member_id == member.id)
    ).first()
    removed = client.post(
        f"{path}/proxies/{proxy.id}/remove", data={"csrf_token": csrf_token(client, path)}
    )
    assert removed.status_code == 303
    assert "Jo Bloggs" not in client.get(path).get_data(as_text=True)


def test_another_sites_staff_cannot_read_or_change_proxies_or_the_note(
    desk, make_desk, client, token_for
):
    member = _member(desk.site, desk.manager)
    other = make_desk()
    caller = _api(client, token_for, other.manager)
    base = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}"
    assert caller.get(f"{base}/proxies").status_code == 404
    assert caller.post(f"{base}/proxies", json={"name": "X"}).status_code == 404
    assert caller.put(f"{base}/door-note", json={"note": "x"}).status_code == 404
    own = f"/api/v1/sites/{other.site.code}/members/{member.membership_number}"
    assert caller.get(f"{own}/proxies").status_code == 404
    assert db.session.scalar(select(func.count(MemberProxy.id))) == 0


# --- the note for the door ------------------------------------------------------------------


def test_a_sensitive_note_needs_consent(desk, client, token_for):
    member = _member(desk.site, desk.manager)
    caller = _api(client, token_for, desk.volunteer)
    path = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}/door-note"
    refused = caller.put(path, json={"note": "Nut allergy", "sensitive": True})
    assert refused.status_code == 422
    assert "door_note_consent" in refused.json["error"]["fields"]
    db.session.refresh(member)
    assert member.door_note == ""
    ok = caller.put(path, json={"note": "Nut allergy", "sensitive": True, "consent": True})
    assert ok.status_code == 200
    assert ok.json["sensitive"] is True
    assert ok.json["consent_at"]
    plain = caller.put(path, json={"note": "Speak to the manager"})
    assert (plain.json["sensitive"], plain.json["consent_at"]) == (False, None)


def test_a_sensitive_note_without_consent_is_refused_beside_the_box(desk, login, client):
    member = _member(desk.site, desk.manager)
    login(desk.volunteer)
    path = f"/members/{member.membership_number}"
    response = client.post(
        f"{path}/door-note",
        data={
            "door_note": "Uses a wheelchair",
            "door_note_sensitive": "on",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-door_note_consent-error"' in html
    assert "only if the member agrees" in html


def test_the_door_note_on_the_panel_per_site(desk, make_desk, login, client, token_for):
    """Staff of the member's site see a sensitive note; another site that serves the member
    sees only a note that is not sensitive."""
    member = _member(desk.site, desk.manager)
    other = make_desk(allow_other_site_members=True)
    note_path = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}/door-note"
    _api(client, token_for, desk.manager).put(
        note_path, json={"note": "Nut allergy", "sensitive": True, "consent": True}
    )
    panel = f"/api/v1/sites/{{}}/checkin/{member.membership_number}"
    home = _api(client, token_for, desk.volunteer).get(panel.format(desk.site.code))
    assert home.status_code == 200, home.json
    assert (home.json["door_note"], home.json["door_note_sensitive"]) == ("Nut allergy", True)
    away = _api(client, token_for, other.volunteer).get(panel.format(other.site.code))
    assert away.status_code == 200, away.json
    assert away.json["door_note"] == ""
    _api(client, token_for, desk.manager).put(note_path, json={"note": "Speak to the manager"})
    away = _api(client, token_for, other.volunteer).get(panel.format(other.site.code))
    assert away.json["door_note"] == "Speak to the manager"
    login(desk.volunteer)
    html = client.get(f"/checkin/panel/{member.membership_number}").get_data(as_text=True)
    assert "Speak to the manager" in html


def test_programme_leads_never_reach_the_note_or_proxies(desk, make_user, client, token_for):
    member = _member(desk.site, desk.manager)
    lead = make_user("programme_lead")
    caller = _api(client, token_for, lead)
    base = f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}"
    assert caller.get(f"{base}/proxies").status_code in (403, 404)
    assert caller.put(f"{base}/door-note", json={"note": "x"}).status_code in (403, 404)


# --- data rights ----------------------------------------------------------------------------


def test_export_holds_it_all_and_anonymising_clears_it(nfa_desk, client, token_for):
    site, volunteer, manager = nfa_desk()
    caller = _api(client, token_for, volunteer)
    made = caller.post(
        f"/api/v1/sites/{site.code}/members", json=_nfa_body(care_of="Hostel on Pier Ave")
    )
    number = made.json["membership_number"]
    base = f"/api/v1/sites/{site.code}/members/{number}"
    caller.post(f"{base}/proxies", json={"name": "Jo Bloggs", "relationship": "friend"})
    caller.put(
        f"{base}/door-note", json={"note": "Nut allergy", "sensitive": True, "consent": True}
    )

    exported = privacy.export_member(site, number, actor=manager)
    assert exported["member"]["care_of"] == "Hostel on Pier Ave"
    assert exported["member"]["door_note"] == "Nut allergy"
    assert exported["member"]["door_note_consent_at"]
    assert [p["name"] for p in exported["records"]["member_proxies"]] == ["Jo Bloggs"]
    assert pdf.export_pdf(exported).startswith(b"%PDF")

    member = privacy.anonymise_member(site, number, actor=manager)
    db.session.commit()
    assert (member.care_of, member.door_note, member.door_note_sensitive) == ("", "", False)
    assert member.door_note_consent_at is None
    assert db.session.scalar(select(func.count(MemberProxy.id))) == 0
