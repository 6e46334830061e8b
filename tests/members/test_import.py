"""Importing a site's spreadsheet: messy real-world CSV, bad rows, duplicates, all or nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.errors import NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.members.models import Member, MemberConsent
from supermarket.members.services import importing as importer
from supermarket.spreadsheets import starts_formula

# What a site's spreadsheet looks like after Excel: a byte-order mark, CRLF line endings,
# columns in another order with other names and an extra "Volunteer" column, blank lines,
# dates in Excel's UK format and as serial numbers, "2.0" for 2, quoted commas, a name in
# Welsh, Polish, Arabic and Chinese, and some rows that are wrong.
MESSY = (
    "\ufeffSurname,Forename,DOB,Post Code,Adults,Children 0-4,Children 5-11,Children 12-17,"
    "Route,Referral agency,Dietary,Privacy notice given,Survey consent,Volunteer,Notes\r\n"
    "Jones,Siân,03/02/1979,cf10 1aa,2,1,0,0,self_declared,,vegetarian; gluten free,yes,yes,"
    'Sue,"Prefers Tuesdays, after 12"\r\n'
    "Wójcik,Łukasz,1985-11-30,SS14 1DL,2.0,,1,,referral,Citizens Advice,,Y,no,Tom,\r\n"
    "\r\n"
    ",,,,,,,,,,,,,,\r\n"
    "الحسن,محمد,29221,CM20 1AB,1,0,0,0,benefits,,halal,yes,,Sue,\r\n"
    "王,芳,12/04/88,CM20 2AB,1,0,0,0,self_declared,,,yes,,Sue,\r\n"
    "Brown,Ann,31/02/1990,CM20 3AB,1,0,0,0,self_declared,,,yes,,Sue,\r\n"
    "Smith,John,01/01/1970,NOT A CODE,0,0,0,0,vibes,,,no,,Sue,\r\n"
    "Okafor,Tasha,12/04/1988,CM20 1AB,2,1,1,0,referral,,,yes,yes,Sue,\r\n"
    '<b>Bold</b>,Evil,01/01/1970,CM20 1AB,1,0,0,0,self_declared,,,yes,,Sue,=HYPERLINK("x")\r\n'
    "jones,SIAN,3/2/1979,CF101AA,1,0,0,0,self_declared,,,yes,,Sue,\r\n"
)
GOOD_LINES = 3  # Siân, Łukasz, Mohammed


def _csv(*rows, sep=","):
    lines = [sep.join(importer.COLUMN_NAMES)]
    for row in rows:
        values = {
            "adults": "1",
            "eligibility_route": "self_declared",
            "privacy_notice_given": "yes",
            **row,
        }
        lines.append(sep.join(values.get(name, "") for name in importer.COLUMN_NAMES))
    return "\r\n".join(lines) + "\r\n"


def _run(site, actor, text, *, encoding="utf-8", **kwargs):
    return importer.import_members(
        site, io.BytesIO(text.encode(encoding)), actor=actor, source="members.csv", **kwargs
    )


def _members(site):
    return db.session.scalar(select(func.count(Member.id)).where(Member.site_id == site.id))


def _by_line(report):
    found = {}
    for error in report.errors:
        found.setdefault(error.line, set()).add(error.column)
    return found


def test_messy_csv_reports_every_bad_row_by_line_field_and_reason(staff_pair):
    site, _, manager = staff_pair()
    with time_machine.travel(date(2026, 3, 1), tick=False):
        report = _run(site, manager, MESSY)
    assert report.rows == 9
    assert report.ignored_columns == ["volunteer"]
    lines = _by_line(report)
    assert set(lines) == {7, 8, 9, 10, 11, 12}
    assert "date_of_birth" in lines[7]  # two-digit year
    assert "date_of_birth" in lines[8]  # 31 February
    assert {"postcode", "adults", "eligibility_route", "privacy_notice_given"} <= lines[9]
    assert "referral_agency" in lines[10]
    assert "last_name" in lines[11]  # markup
    assert "last_name" in lines[12]  # duplicate of line 2 (accents, case, spacing)
    two_digit = next(e for e in report.errors if e.line == 7)
    assert "4 digits" in two_digit.problem
    duplicate = next(e for e in report.errors if e.line == 12)
    assert "line 2" in duplicate.problem
    assert report.bad_rows == 6
    assert report.duplicates == 1


def test_default_is_all_or_nothing(staff_pair):
    site, _, manager = staff_pair()
    report = _run(site, manager, MESSY)
    assert not report.ok
    assert report.imported == 0
    assert _members(site) == 0
    assert db.session.scalar(select(func.count(MemberConsent.id))) == 0
    assert report.summary.startswith("Nothing imported")


def test_skip_bad_rows_imports_only_the_good_rows_whole(staff_pair):
    site, _, manager = staff_pair()
    with time_machine.travel(date(2026, 3, 1), tick=False):
        report = _run(site, manager, MESSY, skip_bad_rows=True)
    db.session.commit()
    assert report.ok
    assert report.imported == GOOD_LINES
    members = {
        m.first_name: m for m in db.session.scalars(select(Member).where(Member.site_id == site.id))
    }
    assert set(members) == {"Siân", "Łukasz", "محمد"}
    sian = members["Siân"]
    assert sian.postcode == "CF10 1AA"
    assert sian.date_of_birth == date(1979, 2, 3)
    assert sian.dietary == ["vegetarian", "gluten_free"]
    assert sian.notes == "Prefers Tuesdays, after 12"
    assert sian.consent_flags() == {"privacy_notice_given": True, "survey": True, "contact": False}
    assert sian.consents[0].given_method == "import"
    lukasz = members["Łukasz"]
    assert lukasz.adults == 2
    assert lukasz.children_5_11 == 1
    assert lukasz.referral_agency == "Citizens Advice"
    assert members["محمد"].date_of_birth == date(1980, 1, 1)  # Excel serial 29221
    assert sian.last_name_key == "jones"
    assert sian.match_hash


def test_dry_run_checks_everything_and_writes_nothing(staff_pair):
    site, _, manager = staff_pair()
    report = _run(site, manager, MESSY, dry_run=True, skip_bad_rows=True)
    assert report.imported == GOOD_LINES
    assert "would be imported" in report.summary
    assert _members(site) == 0


def test_existing_members_are_flagged_as_duplicates(staff_pair, make_member):
    site, _, manager = staff_pair()
    existing = make_member(
        site,
        manager,
        first_name="Tasha",
        last_name="Okafor",
        date_of_birth="1988-04-12",
        postcode="CM20 1AB",
    )
    text = _csv(
        {
            "first_name": "Tasha",
            "last_name": "OKAFOR",
            "date_of_birth": "12/04/1988",
            "postcode": "cm201ab",
        }
    )
    report = _run(site, manager, text)
    assert report.duplicates == 1
    assert existing.membership_number in report.errors[0].problem


def test_import_audits_one_summary_event(staff_pair):
    site, _, manager = staff_pair()
    _run(site, manager, MESSY, skip_bad_rows=True)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("member%")))
    actions = [e.action for e in events]
    assert actions.count("members.imported") == 1
    assert "member.registered" not in actions
    summary = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "members.imported"))
    assert summary.details["imported"] == GOOD_LINES
    assert summary.details["bad_rows"] == 6
    assert "Jones" not in str(summary.details)


def test_windows_1252_excel_csv_is_read(staff_pair):
    site, _, manager = staff_pair()
    text = _csv(
        {
            "first_name": "Renée",
            "last_name": "Müller",
            "date_of_birth": "01/02/1980",
            "postcode": "CM20 1AB",
        }
    )
    report = _run(site, manager, text, encoding="cp1252")
    assert report.ok
    assert report.encoding == "windows-1252"
    member = db.session.scalar(select(Member).where(Member.site_id == site.id))
    assert member.first_name == "Renée"


def test_semicolon_separated_csv_is_read(staff_pair):
    site, _, manager = staff_pair()
    row = {"first_name": "Ann", "last_name": "Lee", "date_of_birth": "01/02/1980"}
    text = _csv({**row, "postcode": "CM20 1AB"}, sep=";")
    assert _run(site, manager, text).imported == 1


def test_missing_required_columns_is_fatal(staff_pair):
    site, _, manager = staff_pair()
    report = _run(site, manager, "name,age\nAnn,40\n")
    assert not report.ok
    assert "first_name" in report.fatal
    assert _members(site) == 0


def test_joined_and_expiry_dates_set_the_term_and_status(staff_pair):
    site, _, manager = staff_pair()
    common = {"last_name": "Lee", "postcode": "CM20 1AB"}
    text = _csv(
        {**common, "first_name": "Ann", "date_of_birth": "01/02/1980", "joined_on": "01/01/2026"},
        {**common, "first_name": "Bob", "date_of_birth": "01/02/1981", "joined_on": "2025-01-01"},
    )
    with time_machine.travel(date(2026, 3, 1), tick=False):
        _run(site, manager, text)
    ann, bob = db.session.scalars(
        select(Member).where(Member.site_id == site.id).order_by(Member.first_name)
    )
    assert ann.status == "active"
    assert ann.expires_on == date(2026, 7, 1)
    assert ann.review_due_on == date(2026, 4, 1)
    assert bob.status == "lapsed"


@pytest.mark.parametrize(
    "formula", ['=HYPERLINK("http://evil")', "＝1+1", " =1+1", "\n=1+1", "＠SUM(A1)", "\t-1"]
)
def test_error_csv_neutralises_formulas_in_every_column(formula):
    error = importer.RowError(3, formula, formula, formula)
    rows = list(csv.reader(io.StringIO(importer.errors_csv([error]), newline="")))
    assert rows[1] == ["3", "'" + formula, "'" + formula, "'" + formula]


def test_the_template_is_written_by_the_safe_writer():
    rows = list(csv.reader(io.StringIO(importer.template_csv(), newline="")))
    assert not [cell for row in rows for cell in row if starts_formula(cell)]


def test_only_that_sites_managers_may_import(staff_pair):
    site, volunteer, _ = staff_pair()
    _, _, other_manager = staff_pair()
    with pytest.raises(PermissionDenied):
        _run(site, volunteer, MESSY)
    with pytest.raises(NotFound):
        _run(site, other_manager, MESSY)


def test_template_has_the_documented_columns_and_a_valid_example(staff_pair):
    site, _, manager = staff_pair()
    text = importer.template_csv()
    assert text.splitlines()[0].split(",") == list(importer.COLUMN_NAMES)
    assert _run(site, manager, text).imported == 1


def test_cli_import_with_progress_and_error_file(staff_pair, app, tmp_path):
    site, _, manager = staff_pair()
    path = tmp_path / "members.csv"
    path.write_text(MESSY, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["members", "import", str(path), "--site", site.code])
    assert result.exit_code == 1
    assert "Nothing imported" in result.output
    errors = (tmp_path / "members.errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert errors[0] == "line,column,problem,value"
    assert len(errors) > 6
    result = runner.invoke(
        args=[
            "members",
            "import",
            str(path),
            "--site",
            site.code,
            "--skip-bad-rows",
            "--as",
            manager.email,
        ]
    )
    assert result.exit_code == 0, result.output
    assert f"{GOOD_LINES} of 9 rows imported" in result.output
    assert _members(site) == GOOD_LINES


def test_cli_error_file_neutralises_formulas(staff_pair, app, tmp_path):
    site, _, manager = staff_pair()
    path = tmp_path / "members.csv"
    row = {"first_name": "Ann", "last_name": "Lee", "date_of_birth": "01/02/1980"}
    path.write_text(_csv({**row, "postcode": "＝1+1"}), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["members", "import", str(path), "--site", site.code, "--as", manager.email]
    )
    assert result.exit_code == 1
    text = (tmp_path / "members.errors.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][1:] == ["postcode", rows[1][2], "'＝1+1"]
    assert not [cell for row in rows for cell in row if starts_formula(cell)]


# --- one encoding throughout, one column per field --------------------------------------------

ROW = {"last_name": "Lee", "date_of_birth": "01/02/1980", "postcode": "CM20 1AB"}


def _mixed(first: str, first_encoding: str, later: str, later_encoding: str) -> bytes:
    """A file whose second row is written in another encoding than its first."""
    head, one, two = _csv({**ROW, "first_name": first}, {**ROW, "first_name": later}).split("\r\n")[
        :3
    ]
    return b"\r\n".join(
        [head.encode(), one.encode(first_encoding), two.encode(later_encoding), b""]
    )


def _run_bytes(site, actor, data, **kwargs):
    return importer.import_members(
        site, io.BytesIO(data), actor=actor, source="members.csv", **kwargs
    )


@pytest.mark.parametrize("skip_bad_rows", [False, True])
def test_a_utf8_file_with_one_windows_1252_row_is_refused_naming_the_row(staff_pair, skip_bad_rows):
    site, _, manager = staff_pair()
    report = _run_bytes(
        site, manager, _mixed("Zoë", "utf-8", "Café", "cp1252"), skip_bad_rows=skip_bad_rows
    )
    assert not report.ok
    assert report.fatal.startswith("line 3 is not UTF-8 text")
    assert report.imported == 0
    assert _members(site) == 0


def test_a_windows_1252_file_with_one_utf8_row_is_refused_naming_the_row(staff_pair):
    site, _, manager = staff_pair()
    report = _run_bytes(site, manager, _mixed("Renée", "cp1252", "Café", "utf-8"))
    assert report.fatal.startswith("line 3 is UTF-8 text, though the lines before it are")
    assert _members(site) == 0
    assert db.session.scalar(select(Member).where(Member.first_name == "CafÃ©")) is None


def test_a_bad_row_far_into_the_file_is_named_too(staff_pair):
    site, _, manager = staff_pair()
    rows = [
        {**ROW, "first_name": f"Zoë{'a' * (n % 7)}", "last_name": f"Lee{n}"} for n in range(1500)
    ]
    last = _csv({**ROW, "first_name": "Café"}).split("\r\n")[1]
    data = _csv(*rows).encode("utf-8") + last.encode("cp1252") + b"\r\n"
    assert len(data) > 64 * 1024  # past the first read
    report = _run_bytes(site, manager, data)
    assert report.fatal.startswith("line 1502 is not UTF-8 text")
    assert _members(site) == 0


def test_a_character_cut_by_a_read_is_still_one_character(staff_pair):
    site, _, manager = staff_pair()
    rows = [{**ROW, "first_name": "Zoë", "last_name": f"Lee{n}"} for n in range(1200)]
    data = _csv(*rows).encode("utf-8")
    # Pad the first rows' notes so that an "ë" straddles the end of the first 64 KB read.
    shift = 64 * 1024 - 1 - data.index("ë".encode(), 60_000)
    for row in rows:
        row["notes"], shift = "x" * min(shift, 2000), shift - min(shift, 2000)
    data = _csv(*rows).encode("utf-8")
    assert data[64 * 1024 - 1 : 64 * 1024 + 1] == "ë".encode()
    report = _run_bytes(site, manager, data)
    assert report.ok
    assert report.imported == 1200


def test_a_byte_in_neither_encoding_is_refused_naming_the_row(staff_pair):
    site, _, manager = staff_pair()
    data = _mixed("Renée", "cp1252", "Ann", "ascii").replace(b"Ann", b"A\x81n")
    report = _run_bytes(site, manager, data)
    assert report.fatal.startswith("line 3 is neither UTF-8 nor Windows-1252")


@pytest.mark.parametrize(
    ("titles", "named"),
    [
        (("last_name", "last_name"), '("last_name") and'),
        (("Surname", "last_name"), '("Surname") and'),
        (("postcode", "Post Code"), '("Post Code")'),
    ],
)
def test_two_columns_for_one_field_are_refused_naming_both(staff_pair, titles, named):
    site, _, manager = staff_pair()
    first, second = titles
    text = _csv({**ROW, "first_name": "Ann"})
    head, row = text.split("\r\n")[:2]
    field = importer.column_name(first)
    value = row.split(",")[importer.COLUMN_NAMES.index(field)]
    head = head.replace(field, first, 1) + "," + second
    report = _run(site, manager, f"{head}\r\n{row},{value}X\r\n")
    assert not report.ok
    assert "both give " + field in report.fatal
    assert named in report.fatal
    assert _members(site) == 0


def test_the_command_line_refuses_a_mixed_file_and_a_doubled_column(staff_pair, app, tmp_path):
    site, _, manager = staff_pair()
    runner = app.test_cli_runner()
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(_mixed("Zoë", "utf-8", "Café", "cp1252"))
    doubled = tmp_path / "doubled.csv"
    doubled.write_text(_csv({**ROW, "first_name": "Ann"}).replace(",notes\r\n", ",Surname\r\n", 1))
    for path, message in ((mixed, "line 3 is not UTF-8"), (doubled, "both give last_name")):
        result = runner.invoke(
            args=["members", "import", str(path), "--site", site.code, "--as", manager.email]
        )
        assert result.exit_code == 1, result.output
        assert "Nothing imported: " in result.output
        assert message in result.output
    assert _members(site) == 0


@pytest.mark.parametrize("column", importer.COLUMN_NAMES)
def test_nul_in_any_column_is_a_bad_row_never_stored(staff_pair, column):
    site, _, manager = staff_pair()
    row = {**ROW, "first_name": "Ann", "notes": "note", "referral_agency": ""}
    row[column] = "A\x00b"
    report = _run(site, manager, _csv(row))
    assert report.bad_rows == 1
    assert {(e.line, e.column) for e in report.errors} == {(2, column)}
    assert _members(site) == 0
