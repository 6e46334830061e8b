"""Referrals in the member's data rights: in the subject access export (JSON and PDF, with
the service's name), and their notes cleared when the member is anonymised."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members import pdf
from supermarket.members.services import privacy
from supermarket.support import services
from supermarket.support.models import Referral


def _refer(desk, member, service, note):
    referral = services.record_referral(
        desk.site,
        member.membership_number,
        services.NewReferral(service.id, "referral", consent_given=True, note=note),
        actor=desk.volunteer,
    )
    db.session.commit()
    return referral


def test_referrals_are_in_the_subject_access_export(desk, make_service):
    service = make_service(desk.manager, name="Harlow Housing Options", category="housing")
    member = desk.member()
    _refer(desk, member, service, "Eviction notice, needs help quickly")
    data = privacy.export_member(desk.site, member.membership_number, actor=desk.manager)
    rows = data["records"]["referrals"]
    assert len(rows) == 1
    assert rows[0]["service_name"] == "Harlow Housing Options"
    assert rows[0]["note"] == "Eviction notice, needs help quickly"
    assert rows[0]["kind"] == "referral"
    assert rows[0]["consent_given"] is True
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.export_pdf(data))).pages
    )
    assert "Referrals (1)" in text
    assert "Harlow Housing Options" in text


def test_the_export_by_the_api_holds_the_referrals(client, desk, make_service, token_for):
    service = make_service(desk.manager)
    member = desk.member()
    _refer(desk, member, service, "")
    answer = client.get(
        f"/api/v1/sites/{desk.site.code}/members/{member.membership_number}/export",
        headers=token_for(desk.manager),
    )
    assert answer.status_code == 200
    assert answer.get_json()["records"]["referrals"][0]["service_name"] == "Citizens Advice"


def test_anonymising_clears_the_notes_and_keeps_the_referral(desk, make_service):
    service = make_service(desk.manager)
    member = desk.member()
    made = _refer(desk, member, service, "Partner left, rent arrears")
    privacy.anonymise_member(desk.site, member.membership_number, actor=desk.manager)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.scalar(select(Referral).where(Referral.id == made.id))
    assert kept is not None
    assert kept.note == ""
    assert kept.status == "made"
    assert kept.service_id == service.id
    # Anonymised members are gone from the follow-up list too.
    assert services.follow_up_list(desk.site, actor=desk.manager) == []
