"""Members' data rights: subject access from every table, erasure that keeps statistics, and
retention."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import Column, ForeignKey, Integer, String, Table, func, insert, select

from supermarket.auth.models import AuditEvent
from supermarket.errors import NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.members import pdf, services
from supermarket.members.identifiers import is_valid_membership_number
from supermarket.members.models import Member, MemberConsent
from supermarket.members.services import privacy


def test_export_holds_every_table_that_refers_to_members(staff_pair, make_member):
    site, _, manager = staff_pair()
    member = make_member(site, manager, first_name="Zoë")
    data = privacy.export_member(site, member.membership_number, actor=manager)
    referring = {table.name for table, _ in privacy.tables_referring_to_members()}
    assert "member_consents" in referring
    # The walk is generic: every table with a foreign key to members is in the export.
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "members":
                assert table.name in referring
                assert table.name in data["records"], table.name
    assert data["member"]["first_name"] == "Zoë"
    assert data["member"]["date_of_birth"] == member.date_of_birth.isoformat()
    kinds = {row["kind"] for row in data["records"]["member_consents"]}
    assert kinds == {"privacy_notice", "survey"}
    assert "member.registered" in [a["action"] for a in data["activity"]]


def test_a_table_added_later_is_exported_without_changing_the_export(staff_pair, make_member):
    site, _, manager = staff_pair()
    member = make_member(site, manager)
    table = Table(
        "zz_future_notes",
        db.metadata,
        Column("id", Integer, primary_key=True),
        Column("member_id", ForeignKey("members.id")),
        Column("text", String(50)),
    )
    try:
        table.create(db.session.connection())
        db.session.execute(insert(table).values(member_id=member.id, text="hello"))
        data = privacy.export_member(site, member.membership_number, actor=manager)
        assert data["records"]["zz_future_notes"] == [
            {"id": 1, "member_id": member.id, "text": "hello"}
        ]
    finally:
        db.metadata.remove(table)


def test_export_is_audited_and_for_that_sites_managers_only(staff_pair, make_member):
    site, volunteer, manager = staff_pair()
    _, _, other_manager = staff_pair()
    member = make_member(site, manager)
    privacy.export_member(site, member.membership_number, actor=manager)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.exported"))
    assert event.object_id == str(member.id)
    assert event.actor_id == manager.id
    with pytest.raises(PermissionDenied):
        privacy.export_member(site, member.membership_number, actor=volunteer)
    with pytest.raises(NotFound):
        privacy.export_member(site, member.membership_number, actor=other_manager)


def test_export_pdf_lists_the_records(staff_pair, make_member):
    site, _, manager = staff_pair()
    member = make_member(site, manager, first_name="Łukasz")
    data = privacy.export_member(site, member.membership_number, actor=manager)
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.export_pdf(data))).pages
    )
    assert "Łukasz" in text
    assert "Member consents (2)" in text


def test_anonymise_clears_personal_fields_for_good_and_keeps_statistics(staff_pair, make_member):
    site, volunteer, manager = staff_pair()
    member = make_member(
        site,
        manager,
        first_name="Zoë",
        last_name="Adams",
        phone="07700 900123",
        email="zoe@example.org",
        dietary_notes="nut allergy",
    )
    member.notes = "Lives with her mother"
    db.session.commit()
    number = member.membership_number
    household = member.household
    calls = []
    privacy.ANONYMISE_HOOKS.append(calls.append)
    try:
        privacy.anonymise_member(site, number, actor=manager)
    finally:
        privacy.ANONYMISE_HOOKS.remove(calls.append)
    db.session.commit()
    assert calls == [member]
    row = db.session.get(Member, member.id)
    for attr in (
        "first_name",
        "last_name",
        "first_name_key",
        "last_name_key",
        "notes",
        "dietary_notes",
        "referral_reference",
        "benefit",
    ):
        assert getattr(row, attr) == ""
    for attr in ("date_of_birth", "postcode", "phone", "email", "match_hash"):
        assert getattr(row, attr) is None
    assert row.dietary == []
    assert row.status == "closed"
    assert row.anonymised_at is not None
    assert row.membership_number != number
    assert not is_valid_membership_number(row.membership_number)
    # What statistics need stays.
    assert row.household == household
    assert row.age_band
    assert row.postcode_district == "CM20"
    assert row.joined_on
    assert row.site_id == site.id
    assert (
        db.session.scalar(
            select(func.count(MemberConsent.id)).where(MemberConsent.member_id == row.id)
        )
        == 2
    )
    # Gone for staff: not found by the old number, nor by name.
    with pytest.raises(NotFound):
        services.get_member(site, number, actor=volunteer)
    assert services.search_members(site, "adams", actor=volunteer).items == []
    assert services.search_members(site, "", actor=volunteer).items == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.anonymised"))
    assert event.details == {"reason": "request"}


def test_only_managers_of_the_site_anonymise(staff_pair, make_member):
    site, volunteer, manager = staff_pair()
    _, _, other_manager = staff_pair()
    member = make_member(site, manager)
    with pytest.raises(PermissionDenied):
        privacy.anonymise_member(site, member.membership_number, actor=volunteer)
    with pytest.raises(NotFound):
        privacy.anonymise_member(site, member.membership_number, actor=other_manager)


def test_retention_anonymises_members_whose_membership_ended_long_enough_ago(
    staff_pair, make_member
):
    site, _, manager = staff_pair(settings={"retention_months": 24})
    with time_machine.travel(date(2023, 1, 10), tick=False):
        closed_long_ago = make_member(site, manager, first_name="ClosedOld")
        services.close_member(closed_long_ago, "moved", actor=manager)
        lapsed_long_ago = make_member(site, manager, first_name="LapsedOld")
    with time_machine.travel(date(2024, 6, 1), tick=False):
        closed_recently = make_member(site, manager, first_name="ClosedNew")
        services.close_member(closed_recently, "moved", actor=manager)
        current = make_member(site, manager, first_name="Current")
    db.session.commit()
    # Lapsed-old's term ended 10/07/2023: more than 24 months before 01/08/2025.
    with time_machine.travel(date(2025, 8, 1), tick=False):
        dry = privacy.run_retention(dry_run=True)
        assert dry.anonymised == {site.code: 2}
        assert closed_long_ago.anonymised_at is None
        report = privacy.run_retention()
        db.session.commit()
        assert report.anonymised == {site.code: 2}
        again = privacy.run_retention()
    assert again.total == 0
    for member, gone in (
        (closed_long_ago, True),
        (lapsed_long_ago, True),
        (closed_recently, False),
        (current, False),
    ):
        db.session.refresh(member)
        assert (member.anonymised_at is not None) is gone, member.first_name
    reasons = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "member.anonymised")
    )
    assert all(r == {"reason": "retention"} for r in reasons)


def test_lapse_records_ended_terms_once(staff_pair, make_member):
    site, _, manager = staff_pair()
    with time_machine.travel(date(2025, 1, 1), tick=False):
        member = make_member(site, manager)
    assert member.status_on(date(2025, 7, 2)).value == "lapsed"
    assert member.status == "active"  # reading never writes
    with time_machine.travel(date(2025, 7, 2), tick=False):
        assert services.lapse_expired_members() == {site.code: 1}
        assert services.lapse_expired_members() == {}
    db.session.refresh(member)
    assert member.status == "lapsed"
    services.renew_member(member, actor=manager)
    assert member.status == "active"


def test_retention_command_reports_what_it_did(app, staff_pair, make_member):
    site, _, manager = staff_pair()
    with time_machine.travel(date(2020, 1, 1), tick=False):
        make_member(site, manager)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--today", "2025-01-01"])
    assert result.exit_code == 0, result.output
    assert f"{site.code}" in result.output
    assert "Anonymised 1 members in all." in result.output
    assert "Anonymised 0" in runner.invoke(args=["retention", "run"]).output
