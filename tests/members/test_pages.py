"""The members pages on the desk tablet: search, register, member page, edit and actions."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.members.identifiers import format_membership_number
from supermarket.members.models import Member
from tests.conftest import csrf_token


def _form(**overrides):
    data = {
        "first_name": "Tasha",
        "last_name": "Okafor",
        "dob_day": "12",
        "dob_month": "4",
        "dob_year": "1988",
        "postcode": "cm201ab",
        "phone": "",
        "email": "",
        "adults": "2",
        "children_0_4": "1",
        "children_5_11": "0",
        "children_12_17": "0",
        "route": "self_declared",
        "dietary": ["vegetarian"],
        "dietary_notes": "",
        "privacy_notice_given": "on",
        "survey": "on",
    }
    data.update(overrides)
    return data


def _count():
    return db.session.scalar(select(func.count(Member.id)))


def test_search_page_has_an_autofocused_search_box(staff_pair, login, client):
    _, volunteer, _ = staff_pair()
    login(volunteer)
    html = client.get("/members").get_data(as_text=True)
    assert 'id="f-q"' in html
    assert "autofocus" in html
    assert "Register a household" in html


def test_scanned_number_goes_straight_to_the_member(staff_pair, make_member, login, client):
    site, volunteer, manager = staff_pair()
    member = make_member(site, manager)
    login(volunteer)
    scanned = client.get("/members", query_string={"q": member.membership_number + "\r"})
    assert scanned.status_code == 303
    assert scanned.headers["Location"].endswith(f"/members/{member.membership_number}")
    typed = client.get(
        "/members", query_string={"q": format_membership_number(member.membership_number).lower()}
    )
    assert typed.status_code == 303


def test_name_search_lists_matches_with_district_and_household(
    staff_pair, make_member, login, client
):
    site, volunteer, manager = staff_pair()
    make_member(site, manager, first_name="Zoë", last_name="Adams")
    login(volunteer)
    html = client.get("/members?q=zoe").get_data(as_text=True)
    assert "Zoë Adams" in html
    assert "CM20" in html
    assert "4 people (2 children)" in html


def test_register_page_registers_and_shows_the_member(staff_pair, login, client):
    _, volunteer, _ = staff_pair()
    login(volunteer)
    response = client.post(
        "/members/new", data={**_form(), "csrf_token": csrf_token(client, "/members/new")}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    member = db.session.scalar(select(Member).where(Member.last_name == "Okafor"))
    # She agreed to the food questions, so the tablet offers them straight away.
    assert f"/surveys/take/{member.membership_number}" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is registered: membership number" in page
    assert "Tasha Okafor" in client.get(f"/members/{member.membership_number}").get_data(
        as_text=True
    )
    assert member.postcode == "CM20 1AB"
    assert member.dietary == ["vegetarian"]
    assert member.consent_flags()["survey"] is True
    assert member.consent_flags()["contact"] is False


def test_register_page_shows_field_errors_and_keeps_the_input(staff_pair, login, client):
    _, volunteer, _ = staff_pair()
    login(volunteer)
    before = _count()
    response = client.post(
        "/members/new",
        data={
            **_form(
                first_name="",
                postcode="nowhere",
                dob_year="88",
                adults="0",
                privacy_notice_given="",
            ),
            "csrf_token": csrf_token(client, "/members/new"),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for anchor in (
        "#f-first_name",
        "#f-postcode",
        "#f-dob",
        "#f-adults",
        "#f-privacy_notice_given",
    ):
        assert anchor in html
    assert "Enter a UK postcode" in html
    assert 'value="Okafor"' in html
    assert _count() == before


def test_markup_typed_as_a_name_is_refused_and_shown_escaped(staff_pair, login, client):
    _, volunteer, _ = staff_pair()
    login(volunteer)
    response = client.post(
        "/members/new",
        data={
            **_form(last_name='<script>alert("x")</script>'),
            "csrf_token": csrf_token(client, "/members/new"),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_markup_in_notes_is_rendered_escaped_on_the_member_page(
    staff_pair, make_member, login, client
):
    site, _, manager = staff_pair()
    member = make_member(
        site, manager, first_name="Zoë & “Jo”", dietary_notes="<img src=x onerror=alert(1)>"
    )
    member.notes = "<script>alert(1)</script>"
    db.session.commit()
    login(manager)
    html = client.get(f"/members/{member.membership_number}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "Zoë &amp; “Jo”" in html


def test_duplicate_at_the_desk_links_to_the_existing_member(staff_pair, make_member, login, client):
    site, volunteer, manager = staff_pair()
    existing = make_member(site, manager, last_name="Okafor")
    login(volunteer)
    response = client.post(
        "/members/new", data={**_form(), "csrf_token": csrf_token(client, "/members/new")}
    )
    assert response.status_code == 422
    assert f"/members/{existing.membership_number}" in response.get_data(as_text=True)


def test_member_page_shows_household_status_consents_and_notes(
    staff_pair, make_member, login, client
):
    site, volunteer, manager = staff_pair()
    member = make_member(site, manager)
    member.notes = "Prefers afternoon visits"
    db.session.commit()
    login(volunteer)
    html = client.get(f"/members/{member.membership_number}").get_data(as_text=True)
    for text in (
        "4 people (2 children)",
        "Active",
        "Prefers afternoon visits",
        "Answers the food survey",
        "Print card",
        format_membership_number(member.membership_number),
    ):
        assert text in html
    assert "Anonymise now" not in html  # site managers only
    has_history = "visits.member_history" in client.application.view_functions
    assert ("Visit history" in html) is has_history  # linked once visits provides it


@pytest.mark.parametrize("role", ["programme_lead", "admin"])
def test_leads_and_admins_cannot_open_member_pages(role, make_user, make_member, login, client):
    member = make_member()
    login(make_user(role))
    for path in (
        "/members",
        "/members/new",
        f"/members/{member.membership_number}",
        f"/members/{member.membership_number}/card.pdf",
        "/members/import",
    ):
        assert client.get(path).status_code == 403, path


def test_volunteer_cannot_open_another_sites_member_page(staff_pair, make_member, login, client):
    _, volunteer_a, _ = staff_pair()
    site_b, _, manager_b = staff_pair()
    member_b = make_member(site_b, manager_b)
    login(volunteer_a)
    number = member_b.membership_number
    assert client.get(f"/members/{number}").status_code == 404
    assert client.get(f"/members/{number}/edit").status_code == 404
    assert client.get(f"/members/{number}/card.pdf").status_code == 404
    html = client.get(f"/members?q={number}").get_data(as_text=True)
    assert member_b.first_name not in html


def test_volunteer_edits_contact_details(staff_pair, make_member, login, client):
    site, volunteer, manager = staff_pair()
    member = make_member(site, manager)
    login(volunteer)
    page = client.get(f"/members/{member.membership_number}/edit").get_data(as_text=True)
    assert 'name="phone"' in page
    assert 'name="notes"' not in page
    token = csrf_token(client, f"/members/{member.membership_number}/edit")
    response = client.post(
        f"/members/{member.membership_number}/edit",
        data={
            "phone": "01279 555123",
            "email": "",
            "postcode": "CM20 1AB",
            "csrf_token": token,
            "notes": "sneaky",
        },
    )
    assert response.status_code == 303
    db.session.refresh(member)
    assert member.phone == "01279 555123"
    assert member.notes == ""


def test_manager_edits_household_and_notes(staff_pair, make_member, login, client):
    site, _, manager = staff_pair()
    member = make_member(site, manager)
    login(manager)
    token = csrf_token(client, f"/members/{member.membership_number}/edit")
    response = client.post(
        f"/members/{member.membership_number}/edit",
        data={
            **_form(adults="3", notes="New baby due"),
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.refresh(member)
    assert member.adults == 3
    assert member.notes == "New baby due"


def test_manager_suspends_reinstates_renews_and_closes(staff_pair, make_member, login, client):
    site, _, manager = staff_pair()
    member = make_member(site, manager)
    login(manager)
    base = f"/members/{member.membership_number}"
    token = csrf_token(client, base)
    assert (
        client.post(
            f"{base}/status/suspend", data={"reason": "Rude to staff", "csrf_token": token}
        ).status_code
        == 303
    )
    db.session.refresh(member)
    assert member.status == "suspended"
    assert "Suspended: Rude to staff" in client.get(base).get_data(as_text=True)
    for action in ("reinstate", "renew", "review", "close"):
        assert client.post(f"{base}/status/{action}", data={"csrf_token": token}).status_code == 303
    db.session.refresh(member)
    assert member.status == "closed"
    assert client.post(f"{base}/status/explode", data={"csrf_token": token}).status_code == 404


def test_volunteer_cannot_use_manager_actions(staff_pair, make_member, login, client):
    site, volunteer, manager = staff_pair()
    member = make_member(site, manager)
    login(volunteer)
    base = f"/members/{member.membership_number}"
    token = csrf_token(client, base)
    assert (
        client.post(f"{base}/status/suspend", data={"reason": "x", "csrf_token": token}).status_code
        == 403
    )
    assert (
        client.post(f"{base}/anonymise", data={"confirm": "yes", "csrf_token": token}).status_code
        == 403
    )
    assert client.get(f"{base}/export.pdf").status_code == 403


def test_consent_withdrawn_from_the_member_page(staff_pair, make_member, login, client):
    site, volunteer, manager = staff_pair()
    member = make_member(site, manager)
    login(volunteer)
    base = f"/members/{member.membership_number}"
    response = client.post(
        f"{base}/consents/survey/withdraw",
        data={"method": "phone", "csrf_token": csrf_token(client, base)},
    )
    assert response.status_code == 303
    db.session.refresh(member)
    assert member.consent_flags()["survey"] is False


def test_anonymise_needs_the_confirmation_box(staff_pair, make_member, login, client):
    site, _, manager = staff_pair()
    member = make_member(site, manager)
    login(manager)
    base = f"/members/{member.membership_number}"
    token = csrf_token(client, base)
    client.post(f"{base}/anonymise", data={"csrf_token": token})
    db.session.refresh(member)
    assert member.anonymised_at is None
    assert (
        client.post(f"{base}/anonymise", data={"confirm": "yes", "csrf_token": token}).status_code
        == 303
    )
    db.session.refresh(member)
    assert member.anonymised_at is not None
    assert member.first_name == ""
    assert client.get(base).status_code == 404


def test_card_and_batch_sheet_pdfs(staff_pair, make_member, login, client):
    site, volunteer, manager = staff_pair()
    members = [make_member(site, manager, first_name=f"Person{n}") for n in range(9)]
    login(volunteer)
    card = client.get(f"/members/{members[0].membership_number}/card.pdf")
    assert card.status_code == 200
    assert card.mimetype == "application/pdf"
    sheet = client.get("/members/cards.pdf?registered=today")
    reader = PdfReader(io.BytesIO(sheet.data))
    assert len(reader.pages) == 2  # 8 a page
    assert round(float(reader.pages[0].mediabox.width) / 72 * 25.4) == 210
    selected = client.get(
        "/members/cards.pdf",
        query_string=[
            ("number", members[1].membership_number),
            ("number", members[2].membership_number),
        ],
    )
    text = PdfReader(io.BytesIO(selected.data)).pages[0].extract_text()
    assert "Person1" in text
    assert "Person2" in text
    assert "Person3" not in text


def test_subject_access_downloads(staff_pair, make_member, login, client):
    site, _, manager = staff_pair()
    member = make_member(site, manager, first_name="Zoë")
    login(manager)
    base = f"/members/{member.membership_number}"
    exported = client.get(f"{base}/export.json")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    assert json.loads(exported.data)["member"]["first_name"] == "Zoë"
    pdf = client.get(f"{base}/export.pdf")
    assert pdf.headers["Cache-Control"] == "no-store"
    assert "Zoë" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()


def test_import_page_checks_a_file_and_offers_the_template(staff_pair, login, client):
    _site, _, manager = staff_pair()
    login(manager)
    template = client.get("/members/import/template.csv")
    assert template.mimetype == "text/csv"
    assert template.data.decode().startswith("first_name,last_name,date_of_birth")
    token = csrf_token(client, "/members/import")
    response = client.post(
        "/members/import",
        data={
            "file": (io.BytesIO(template.data), "members.csv"),
            "mode": "all",
            "dry_run": "on",
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 of 1 rows would be imported" in html
    assert _count() == 0
    response = client.post(
        "/members/import",
        data={
            "file": (io.BytesIO(template.data), "members.csv"),
            "mode": "all",
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    assert "1 of 1 rows imported" in response.get_data(as_text=True)
    assert _count() == 1


def test_import_page_refuses_a_mixed_file_and_a_doubled_column_naming_them(
    staff_pair, login, client
):
    _site, _, manager = staff_pair()
    login(manager)
    template = client.get("/members/import/template.csv").data.decode()
    head, example = template.split("\r\n")[:2]
    mixed = (
        (head + "\r\n" + example + "\r\n").encode()
        + (example.replace("Tasha", "Zoë") + "\r\n").encode("utf-8")
        + (example.replace("Tasha", "Café").replace("Okafor", "Lee") + "\r\n").encode("cp1252")
    )
    doubled = (head + ",Surname\r\n" + example + ",Lee\r\n").encode()
    for data, message in (
        (mixed, "line 4 is not UTF-8 text"),
        (doubled, "columns 2 (&#34;last_name&#34;) and 25 (&#34;Surname&#34;) both give last_name"),
    ):
        response = client.post(
            "/members/import",
            data={
                "file": (io.BytesIO(data), "members.csv"),
                "mode": "skip",
                "csrf_token": csrf_token(client, "/members/import"),
            },
            content_type="multipart/form-data",
        )
        html = response.get_data(as_text=True)
        assert "Nothing imported: " in html
        assert message in html
    assert _count() == 0
