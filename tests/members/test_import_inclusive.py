"""Issue 16 in the spreadsheet import: a row on the no-fixed-abode route with no postcode, a
row with an age band and no date of birth where the site allows it, refused per row where it
does not, and the desk's duplicate check on what is known (a warning in its words, never a
refusal)."""

from __future__ import annotations

import io

from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.services import importing as importer
from tests.conftest import csrf_token

INCLUSIVE = {
    "eligibility_routes": ["self_declared", "no_fixed_abode"],
    "date_of_birth_optional": True,
}


def _csv(*rows: dict[str, str]) -> str:
    lines = [",".join(importer.COLUMN_NAMES)]
    for row in rows:
        values = {
            "adults": "1",
            "eligibility_route": "self_declared",
            "privacy_notice_given": "yes",
            **row,
        }
        lines.append(",".join(values.get(name, "") for name in importer.COLUMN_NAMES))
    return "\r\n".join(lines) + "\r\n"


def _run(site, actor, text: str, **kwargs):
    report = importer.import_members(
        site, io.BytesIO(text.encode()), actor=actor, source="members.csv", **kwargs
    )
    db.session.commit()
    return report


def _member(site, last_name: str) -> Member | None:
    return db.session.scalar(
        select(Member).where(Member.site_id == site.id, Member.last_name == last_name)
    )


def test_a_no_fixed_abode_row_without_a_postcode_is_imported_with_its_care_of(staff_pair):
    site, _, manager = staff_pair(settings=INCLUSIVE)
    text = _csv(
        {
            "first_name": "Dee",
            "last_name": "Hartley",
            "date_of_birth": "12/04/1980",
            "eligibility_route": "No fixed abode",
            "care_of": "c/o St Mark's hostel",
        }
    )
    report = _run(site, manager, text)
    assert report.ok, report.errors
    assert report.imported == 1
    assert report.limited_checks == 1
    assert "duplicates checked on what is known only" in report.summary
    member = _member(site, "Hartley")
    assert member is not None
    assert (member.postcode, member.eligibility_route) == (None, "no_fixed_abode")
    assert member.care_of == "c/o St Mark's hostel"
    assert member.match_hash is None


def test_an_age_band_instead_of_the_date_of_birth_is_imported_where_the_site_allows(
    staff_pair,
):
    site, _, manager = staff_pair(settings=INCLUSIVE)
    text = _csv(
        {"first_name": "Ray", "last_name": "Bourne", "postcode": "CM20 1AB", "age_band": "55-64"}
    )
    report = _run(site, manager, text)
    assert report.ok, report.errors
    member = _member(site, "Bourne")
    assert (member.date_of_birth, member.age_band) == (None, "55-64")


def test_the_same_rows_are_refused_per_row_where_the_site_does_not_allow_them(staff_pair):
    site, _, manager = staff_pair()
    text = _csv(
        {
            "first_name": "Dee",
            "last_name": "Hartley",
            "date_of_birth": "12/04/1980",
            "eligibility_route": "no_fixed_abode",
        },
        {"first_name": "Ray", "last_name": "Bourne", "postcode": "CM20 1AB", "age_band": "55-64"},
    )
    report = _run(site, manager, text, skip_bad_rows=True)
    assert report.imported == 0
    assert report.bad_rows == 2
    found = {(e.line, e.column): e.problem for e in report.errors}
    assert "does not accept this route" in found[(2, "eligibility_route")]
    assert found[(3, "date_of_birth")] == "This is needed."


def test_missing_details_are_named_beside_their_column(staff_pair):
    site, _, manager = staff_pair(settings=INCLUSIVE)
    text = _csv(
        # Another route still needs its postcode; no date of birth needs an age band.
        {"first_name": "Al", "last_name": "Ng", "date_of_birth": "01/01/1990"},
        {"first_name": "Bo", "last_name": "Ng", "postcode": "CM20 1AB"},
        {
            "first_name": "Cy",
            "last_name": "Ng",
            "date_of_birth": "01/01/1990",
            "postcode": "CM20 1AB",
            "age_band": "25-34",
        },
    )
    report = _run(site, manager, text)
    assert not report.ok
    columns = {(e.line, e.column) for e in report.errors}
    assert columns == {(2, "postcode"), (3, "age_band"), (4, "age_band")}
    assert _member(site, "Ng") is None


def test_a_possible_duplicate_on_what_is_known_is_a_warning_in_the_desks_words(
    staff_pair, make_member
):
    site, _, manager = staff_pair(settings=INCLUSIVE)
    existing = make_member(
        site, manager, first_name="Sam", last_name="Okoro", date_of_birth="1975-05-05"
    )
    db.session.commit()
    text = _csv(
        {
            "first_name": "Sam",
            "last_name": "Okoro",
            "date_of_birth": "05/05/1975",
            "eligibility_route": "no_fixed_abode",
        },
        {"first_name": "Jo", "last_name": "Fenn", "postcode": "CM20 1AB", "age_band": "25-34"},
        {"first_name": "Jo", "last_name": "FENN", "postcode": "cm20 1ab", "age_band": "35-44"},
    )
    report = _run(site, manager, text)
    assert report.ok, report.errors
    assert report.imported == 3
    assert report.duplicates == 0
    warnings = {w.line: w.problem for w in report.warnings}
    number = existing.membership_number
    assert warnings[2] == (
        f"Member {number[:4]}-{number[4:]} has the same surname and date of birth: check it "
        "is not the same household."
    )
    assert warnings[4] == "Line 3 has the same name: check it is not the same household."
    assert 3 not in warnings


def test_the_template_names_the_new_columns():
    assert {"age_band", "care_of"} <= set(importer.COLUMN_NAMES)
    assert "no_fixed_abode" in importer.template_csv() or "age_band" in importer.template_csv()


def test_the_import_page_lists_the_warnings_to_check(staff_pair, make_member, login, client):
    site, _, manager = staff_pair(settings=INCLUSIVE)
    make_member(site, manager, first_name="Sam", last_name="Okoro", date_of_birth="1975-05-05")
    db.session.commit()
    login(manager)
    text = _csv(
        {
            "first_name": "Sam",
            "last_name": "Okoro",
            "date_of_birth": "05/05/1975",
            "eligibility_route": "nfa",
        },
    )
    token = csrf_token(client, "/members/import")
    response = client.post(
        "/members/import",
        data={
            "file": (io.BytesIO(text.encode()), "members.csv"),
            "mode": "all",
            "dry_run": "on",
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 of 1 rows would be imported" in html
    assert "duplicates checked on what is known only" in html
    assert "Possible duplicates to check" in html
    assert "Line 2: Member " in html
    assert "same surname and date of birth" in html
