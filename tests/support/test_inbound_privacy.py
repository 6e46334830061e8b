"""Inbound referrals in the member's data rights: in the subject access export (JSON and PDF,
with the agency's name), and their personal details cleared when the member is anonymised
(the row stays, for statistics by agency kind)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members import pdf
from supermarket.members.services import privacy
from supermarket.support.agency_models import InboundReferral
from supermarket.support.services import inbound


def _accepted(desk, make_agency, make_referrer) -> tuple[InboundReferral, object]:
    member = desk.member(first_name="Amira", last_name="Haddad", postcode="CM20 2QT")
    rosa = make_referrer(make_agency(desk.site, name="Citizens Advice Harlow"))
    referral = inbound.refer(
        desk.site,
        inbound.NewInbound(
            first_name="Amira",
            last_name="Haddad",
            postcode="CM20 2QT",
            phone="07700 900555",
            reason="Rent arrears after a benefit sanction.",
            consent_given=True,
        ),
        actor=rosa,
    )
    inbound.accept(
        desk.site, referral.id, actor=desk.volunteer, membership_number=member.membership_number
    )
    db.session.commit()
    return referral, member


def test_inbound_referrals_are_in_the_subject_access_export(desk, make_agency, make_referrer):
    _referral, member = _accepted(desk, make_agency, make_referrer)
    data = privacy.export_member(desk.site, member.membership_number, actor=desk.manager)
    rows = data["records"]["inbound_referrals"]
    assert len(rows) == 1
    assert rows[0]["agency_name"] == "Citizens Advice Harlow"
    assert rows[0]["reason"] == "Rent arrears after a benefit sanction."
    assert rows[0]["consent_given"] is True
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.export_pdf(data))).pages
    )
    assert "Inbound referrals (1)" in text
    assert "Citizens Advice Harlow" in text


def test_anonymising_the_member_clears_the_referrals_personal_details(
    desk, make_agency, make_referrer
):
    referral, member = _accepted(desk, make_agency, make_referrer)
    privacy.anonymise_member(desk.site, member.membership_number, actor=desk.manager)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.scalar(select(InboundReferral).where(InboundReferral.id == referral.id))
    assert kept is not None
    assert (kept.first_name, kept.last_name, kept.postcode, kept.phone, kept.reason) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert kept.date_of_birth is None
    # What reports read stays: the agency, the dates, the member it became.
    assert kept.status == "accepted"
    assert kept.agency.kind == "citizens_advice"
    assert kept.decided_at is not None
    assert kept.member_id == member.id


def test_retention_clears_referrals_that_never_became_members(desk, make_agency, make_referrer):
    """A declined referral keeps the household's details for the site's retention period from
    the decision, a referral never decided from when it came in; then they are cleared (the
    row stays for statistics), once; an accepted referral waits for its member's retention."""
    from datetime import UTC, date, datetime, timedelta

    rosa = make_referrer(make_agency(desk.site, name="Essex early help"))

    def referred(first_name: str) -> InboundReferral:
        return inbound.refer(
            desk.site,
            inbound.NewInbound(
                first_name=first_name,
                last_name="Household",
                postcode="CM20 2QT",
                phone="07700 900555",
                reason="Rent arrears.",
                consent_given=True,
            ),
            actor=rosa,
        )

    declined, waiting, recent = referred("Declined"), referred("Waiting"), referred("Recent")
    inbound.decline(desk.site, declined.id, "Outside our area.", actor=desk.volunteer)
    accepted, _member = _accepted(desk, make_agency, make_referrer)
    months = desk.site.settings.retention_months
    long_ago = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
    for referral in (declined, waiting, accepted):
        referral.created_at = long_ago
    declined.decided_at = long_ago + timedelta(days=2)
    accepted.decided_at = long_ago + timedelta(days=2)
    db.session.commit()
    today = date(2024, 1, 12) + timedelta(days=31 * months + 31)

    dry = privacy.run_retention(today=today, dry_run=True)
    assert dry.others_cleared == {desk.site.code: 2}
    assert db.session.get(InboundReferral, declined.id).first_name == "Declined"

    report = privacy.run_retention(today=today)
    db.session.commit()
    assert report.others_cleared == {desk.site.code: 2}
    for referral in (declined, waiting):
        row = db.session.get(InboundReferral, referral.id)
        assert (row.first_name, row.last_name, row.postcode, row.phone, row.reason) == (
            "",
            "",
            "",
            "",
            "",
        )
        assert row.agency_id is not None  # the row stays, for statistics
    assert db.session.get(InboundReferral, recent.id).first_name == "Recent"
    assert db.session.get(InboundReferral, accepted.id).first_name == "Amira"
    assert privacy.run_retention(today=today).others_cleared == {}
