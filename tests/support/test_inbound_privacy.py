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
