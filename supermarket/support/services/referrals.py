"""Signposts and referrals of a member to a support service, their outcomes, and the site
manager's follow-up list.

A referral passes the member's details on, so it needs their consent, recorded as given; a
signpost is information given and needs none. Staff record them for members of their own
site only (404 for anyone else's); each is audited on the member's record. The note is the
one free text: it is cleared when the member is anonymised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.services import get_member, privacy
from supermarket.members.services.audited import on_member
from supermarket.models import utcnow
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site
from supermarket.support.models import (
    FOLLOW_UP_DAYS,
    OPEN_STATUSES,
    Referral,
    ReferralKind,
    ReferralStatus,
    SupportService,
)
from supermarket.support.services.directory import services_for_site
from supermarket.support.services.prompts import note_referral

FIX = "Some fields need correcting."


@dataclass(frozen=True)
class NewReferral:
    """What the desk records: the service, signpost or referral, consent, and a note."""

    service_id: int
    kind: str
    consent_given: bool = False
    note: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NewReferral:
        return cls(
            service_id=data["service_id"],
            kind=data["kind"],
            consent_given=bool(data.get("consent_given", False)),
            note=(data.get("note") or "").strip(),
        )


@dataclass(frozen=True)
class OutcomeUpdate:
    """What staff heard back: the new status, the day it happened (today if not given), and
    optionally a new note."""

    status: str
    on: date | None = None
    note: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutcomeUpdate:
        note = data.get("note")
        return cls(
            status=data["status"], on=data.get("on"), note=None if note is None else note.strip()
        )


def _service_at(site: Site, service_id: int) -> SupportService:
    service = next((s for s in services_for_site(site) if s.id == service_id), None)
    if service is None:
        raise InvalidInput(
            FIX, fields={"service_id": "Choose one of the services this site signposts to."}
        )
    return service


def record_referral(site: Site, number: str, request: NewReferral, *, actor: User) -> Referral:
    """Record a signpost or a referral of a member of `site` to one of the site's active
    services; a referral only with the member's consent (422 naming consent_given). Audited."""
    member = get_member(site, number, actor=actor)
    if request.kind not in {k.value for k in ReferralKind}:
        raise InvalidInput(FIX, fields={"kind": "Choose signpost or referral."})
    if request.kind == ReferralKind.REFERRAL and not request.consent_given:
        raise InvalidInput(
            FIX,
            fields={
                "consent_given": "A referral passes their details on: ask the member, and "
                "tick that they agreed. Otherwise record a signpost."
            },
        )
    service = _service_at(site, request.service_id)
    today = site_today(site)
    referral = Referral(
        site_id=site.id,
        member_id=member.id,
        service_id=service.id,
        service=service,
        kind=request.kind,
        consent_given=request.consent_given,
        note=request.note,
        status=ReferralStatus.MADE.value,
        made_on=today,
        status_on=today,
        recorded_at=utcnow(),
        recorded_by_id=actor.id,
        updated_at=utcnow(),
    )
    db.session.add(referral)
    db.session.flush()
    note_referral(member, referral, service)
    on_member(
        "member.referral_recorded",
        member,
        actor,
        site.id,
        referral=referral.id,
        kind=referral.kind,
        service=service.id,
    )
    return referral


def list_referrals(site: Site, number: str, *, actor: User) -> list[Referral]:
    """A member's signposts and referrals, the latest first (staff of the member's site)."""
    member = get_member(site, number, actor=actor)
    return referrals_of(member)


def referrals_of(member: Member) -> list[Referral]:
    """A member's signposts and referrals, the latest first; the caller has checked access."""
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.member_id == member.id)
            .order_by(Referral.recorded_at.desc(), Referral.id.desc())
        )
    )


def update_outcome(
    site: Site, number: str, referral_id: int, change: OutcomeUpdate, *, actor: User
) -> Referral:
    """Record what happened to a signpost or referral: its status and the day (not in the
    future, not before it was made). Audited."""
    member = get_member(site, number, actor=actor)
    referral = db.session.scalar(
        select(Referral).where(Referral.id == referral_id, Referral.member_id == member.id)
    )
    if referral is None:
        raise NotFound("No such referral.", code="referral_not_found")
    if change.status not in {s.value for s in ReferralStatus}:
        raise InvalidInput(FIX, fields={"status": "Choose one of the outcomes listed."})
    today = site_today(site)
    on = change.on or today
    if on > today:
        raise InvalidInput(FIX, fields={"on": "The day cannot be in the future."})
    if on < referral.made_on:
        raise InvalidInput(
            FIX,
            fields={"on": f"The day cannot be before it was made ({referral.made_on:%d/%m/%Y})."},
        )
    referral.status = change.status
    referral.status_on = on
    if change.note is not None:
        referral.note = change.note
    referral.updated_at = utcnow()
    referral.updated_by_id = actor.id
    db.session.flush()
    on_member(
        "member.referral_updated",
        member,
        actor,
        site.id,
        referral=referral.id,
        status=referral.status,
        on=on.isoformat(),
    )
    return referral


def follow_up_cutoff(site: Site) -> date:
    """Referrals with no news since before this day (the site's) are due a follow-up."""
    return site_today(site) - timedelta(days=FOLLOW_UP_DAYS)


def follow_up_list(site: Site, *, actor: User) -> list[Referral]:
    """The site's referrals still open (made, contacted or engaged) with no update for
    FOLLOW_UP_DAYS days or more, the longest waiting first (site managers)."""
    ensure_works_at(actor, site, managers_only=True)
    return list(
        db.session.scalars(
            select(Referral)
            .join(Member, Member.id == Referral.member_id)
            .where(
                Referral.site_id == site.id,
                Member.site_id == site.id,
                Member.anonymised_at.is_(None),
                Referral.kind == ReferralKind.REFERRAL.value,
                Referral.status.in_([s.value for s in OPEN_STATUSES]),
                Referral.status_on <= follow_up_cutoff(site),
            )
            .order_by(Referral.status_on, Referral.id)
        )
    )


# --- the member's data rights ----------------------------------------------------------------


def _clear_notes(member: Member) -> None:
    """On anonymisation: the notes may say something about the household; the rows stay, so
    the referral still counts in statistics."""
    db.session.execute(update(Referral).where(Referral.member_id == member.id).values(note=""))


def add_names_to_export(rows: list[dict[str, Any]], key: str, model: Any, name_key: str) -> None:
    """In a subject access export's rows: beside each row's `key` (an id of `model`), that
    row's name under `name_key`, read in one statement."""
    ids = {row[key] for row in rows}
    if not ids:
        return
    found = db.session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    names: dict[int, str] = {row_id: name for row_id, name in found}
    for row in rows:
        row[name_key] = names.get(row[key], "")


def _name_services(member: Member, records: dict[str, list[dict[str, Any]]]) -> None:
    """In the subject access export: each referral says which service, by name."""
    rows = records.get(Referral.__tablename__, [])
    add_names_to_export(rows, "service_id", SupportService, "service_name")


privacy.ANONYMISE_HOOKS.append(_clear_notes)
privacy.EXPORT_HOOKS.append(_name_services)
