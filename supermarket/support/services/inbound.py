"""Inbound referrals: a referral agency's referrer refers a household to one of the sites
their agency serves (the household's details, given with their consent, a reason and an
urgency); the site's staff accept it, which registers the household with the details
pre-filled through the members' own registration (its duplicate checks run as at the desk),
or matches it to a member already registered, or decline it with a reason the agency reads.

A referrer reaches only their own agency's referrals and the sites their agency serves: any
other site is 404, as is any other agency's referral. Staff reach their own sites' referrals
only (404 otherwise). Personal details are cleared when the member it became is anonymised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, column, func, or_, select, table, update
from werkzeug.datastructures import MultiDict

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import Role, User
from supermarket.errors import Conflict, InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.members.inputs import NewMember
from supermarket.members.models import Member
from supermarket.members.services import get_member, privacy, register_member
from supermarket.members.services.audited import on_member
from supermarket.models import utcnow
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site
from supermarket.support.agency_models import (
    InboundReferral,
    InboundStatus,
    ReferralAgency,
    Urgency,
)
from supermarket.support.services.agencies import agency_of
from supermarket.support.services.referrals import add_names_to_export

FIX = "Some fields need correcting."
HOUSEHOLD = ("adults", "children_0_4", "children_5_11", "children_12_17")
# Visits are a domain above this one: only whether a member has one is read, by name.
_visits = table("visits", column("member_id"), column("voided_at"))


@dataclass(frozen=True)
class NewInbound:
    """What a referrer sends, as loaded by InboundIn."""

    first_name: str
    last_name: str
    postcode: str
    reason: str
    consent_given: bool
    urgency: str = Urgency.ROUTINE.value
    date_of_birth: date | None = None
    phone: str = ""
    email: str = ""
    household: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NewInbound:
        return cls(
            first_name=data["first_name"],
            last_name=data["last_name"],
            postcode=data["postcode"],
            reason=data["reason"],
            consent_given=bool(data.get("consent_given")),
            urgency=data.get("urgency") or Urgency.ROUTINE.value,
            date_of_birth=data.get("date_of_birth"),
            phone=data.get("phone") or "",
            email=data.get("email") or "",
            household=dict(data.get("household") or {}),
        )


@dataclass
class Acceptance:
    referral: InboundReferral
    member: Member
    warnings: list[dict[str, str]] = field(default_factory=list)
    registered: bool = True


# --- the referrer's side ------------------------------------------------------------------


def _no_site() -> NotFound:
    return NotFound("No such site.", code="site_not_found")


def referrer_sites(actor: User) -> list[Site]:
    """The active sites the referrer's agency refers to (none for anyone else)."""
    agency = agency_of(actor)
    return [s for s in agency.sites if s.active] if agency is not None else []


def referrer_site(code: str, actor: User) -> Site:
    """One of the referrer's agency's sites by code; 404 for any other."""
    wanted = normalise_site_code(code)
    site = next((s for s in referrer_sites(actor) if s.code == wanted), None)
    if site is None:
        raise _no_site()
    return site


def refer(site: Site, request: NewInbound, *, actor: User) -> InboundReferral:
    """A referrer refers a household to one of their agency's sites, with consent (422
    naming consent_given otherwise). Audited (no personal details in the log)."""
    agency = agency_of(actor)
    if agency is None or not agency.refers_to(site) or not site.active:
        raise _no_site()
    if not request.consent_given:
        raise InvalidInput(
            FIX,
            fields={
                "consent_given": "Ask the household whether they agree to their details being "
                "passed to the site, and tick that they did."
            },
        )
    if request.urgency not in {u.value for u in Urgency}:
        raise InvalidInput(FIX, fields={"urgency": "Choose routine or urgent."})
    household = {name: int(request.household.get(name, 0)) for name in HOUSEHOLD}
    household["adults"] = household["adults"] or 1
    referral = InboundReferral(
        agency_id=agency.id,
        agency=agency,
        site_id=site.id,
        site=site,
        referred_by_id=actor.id,
        first_name=request.first_name,
        last_name=request.last_name,
        date_of_birth=request.date_of_birth,
        postcode=request.postcode,
        phone=request.phone,
        email=request.email,
        consent_given=True,
        reason=request.reason,
        urgency=request.urgency,
        status=InboundStatus.PENDING.value,
        created_at=utcnow(),
        **household,
    )
    db.session.add(referral)
    db.session.flush()
    audit.record_on(
        "inbound_referral.made",
        "inbound_referral",
        referral.id,
        actor,
        site.id,
        agency=agency.id,
        urgency=referral.urgency,
    )
    return referral


def referrer_list(actor: User, *, site: Site | None = None) -> list[InboundReferral]:
    """The referrer's own agency's referrals, the latest first (none without an agency)."""
    agency = agency_of(actor)
    if agency is None:
        return []
    stmt = select(InboundReferral).where(InboundReferral.agency_id == agency.id)
    if site is not None:
        stmt = stmt.where(InboundReferral.site_id == site.id)
    return list(
        db.session.scalars(
            stmt.order_by(InboundReferral.created_at.desc(), InboundReferral.id.desc())
        )
    )


def taken_up(referrals: list[InboundReferral]) -> set[int]:
    """The ids of those accepted whose member has come to a first visit (not voided)."""
    members = {r.member_id for r in referrals if r.member_id is not None}
    if not members:
        return set()
    visited = set(
        db.session.scalars(
            select(_visits.c.member_id)
            .where(_visits.c.member_id.in_(members), _visits.c.voided_at.is_(None))
            .distinct()
        )
    )
    return {r.id for r in referrals if r.member_id in visited}


# --- the site's side ----------------------------------------------------------------------


def site_list(site: Site, *, actor: User, status: str | None = None) -> list[InboundReferral]:
    """The site's inbound referrals (its staff): pending first, urgent before routine, the
    oldest first; then those decided, the latest first."""
    ensure_works_at(actor, site)
    stmt = select(InboundReferral).where(InboundReferral.site_id == site.id)
    if status is not None:
        stmt = stmt.where(InboundReferral.status == status)
    found = list(db.session.scalars(stmt.order_by(InboundReferral.id)))
    pending = [r for r in found if r.status == InboundStatus.PENDING]
    pending.sort(key=lambda r: (r.urgency != Urgency.URGENT, r.created_at, r.id))
    decided = [r for r in found if r.status != InboundStatus.PENDING]
    decided.sort(key=lambda r: (r.decided_at or r.created_at, r.id), reverse=True)
    return pending + decided


def visible_list(actor: User, site_code: str) -> tuple[Site, list[InboundReferral]]:
    """`GET .../inbound-referrals`: the site's for its staff, the agency's own at that site
    for a referrer; 404 for a site the actor does not reach."""
    if actor.role == Role.REFERRER:
        site = referrer_site(site_code, actor)
        return site, referrer_list(actor, site=site)
    wanted = normalise_site_code(site_code)
    own = next((s for s in actor.sites if s.code == wanted), None)
    if own is None:
        raise _no_site()
    return own, site_list(own, actor=actor)


def get_for_site(site: Site, referral_id: int, *, actor: User) -> InboundReferral:
    """One of the site's inbound referrals (its staff; 404 for anyone else's)."""
    ensure_works_at(actor, site)
    referral = db.session.scalar(
        select(InboundReferral).where(
            InboundReferral.id == referral_id, InboundReferral.site_id == site.id
        )
    )
    if referral is None:
        raise NotFound("No such referral.", code="referral_not_found")
    return referral


def pending_count(site: Site) -> int:
    return len(
        db.session.scalars(
            select(InboundReferral.id).where(
                InboundReferral.site_id == site.id,
                InboundReferral.status == InboundStatus.PENDING.value,
            )
        ).all()
    )


def _still_pending(referral: InboundReferral) -> None:
    if referral.status != InboundStatus.PENDING:
        raise Conflict(
            f"This referral has already been {referral.status}.",
            code="referral_decided",
            details={"status": referral.status},
        )


def registration_prefill(referral: InboundReferral) -> dict[str, Any]:
    """The registration (MemberIn's shape) as far as the referral knows it: the desk adds
    the rest (the date of birth if not given, the privacy notice, consents, any fee)."""
    data: dict[str, Any] = {
        "first_name": referral.first_name,
        "last_name": referral.last_name,
        "postcode": referral.postcode,
        "phone": referral.phone or None,
        "email": referral.email or None,
        "household": {name: getattr(referral, name) for name in HOUSEHOLD},
        "eligibility": {
            "route": "referral",
            "referral_agency": referral.agency.name[:120],
            "referral_reference": f"IR-{referral.id}",
        },
    }
    if referral.date_of_birth is not None:
        data["date_of_birth"] = referral.date_of_birth.isoformat()
    return data


def merged_registration(referral: InboundReferral, given: dict[str, Any]) -> dict[str, Any]:
    """The pre-filled registration with what staff sent over it (nested parts merged)."""
    data = registration_prefill(referral)
    for name, value in given.items():
        if isinstance(value, dict) and isinstance(data.get(name), dict):
            data[name] = {**data[name], **value}
        else:
            data[name] = value
    return data


def registration_form(referral: InboundReferral) -> MultiDict[str, str]:
    """The desk's registration form, pre-filled from the referral."""
    items: list[tuple[str, str]] = [
        ("first_name", referral.first_name),
        ("last_name", referral.last_name),
        ("postcode", referral.postcode),
        ("phone", referral.phone),
        ("email", referral.email),
        ("route", "referral"),
        ("referral_agency", referral.agency.name[:120]),
        ("referral_reference", f"IR-{referral.id}"),
    ]
    items += [(name, str(getattr(referral, name))) for name in HOUSEHOLD]
    if referral.date_of_birth is not None:
        born = referral.date_of_birth
        items += [("dob_day", str(born.day)), ("dob_month", str(born.month))]
        items += [("dob_year", str(born.year))]
    return MultiDict(items)


def _decided(referral: InboundReferral, status: InboundStatus, actor: User) -> None:
    referral.status = status.value
    referral.decided_at = utcnow()
    referral.decided_by_id = actor.id


def accept(
    site: Site,
    referral_id: int,
    *,
    actor: User,
    registration: NewMember | None = None,
    membership_number: str | None = None,
) -> Acceptance:
    """Accept a pending referral: register the household (`registration`, loaded by MemberIn
    from the pre-filled details; a possible duplicate at the site is refused, 409 with its
    number, as at the desk) or match it to a member of the site already registered
    (`membership_number`). 409 if already decided. Audited on the member."""
    referral = get_for_site(site, referral_id, actor=actor)
    _still_pending(referral)
    warnings: list[dict[str, str]] = []
    if membership_number:
        member = get_member(site, membership_number, actor=actor)
        registered = False
    elif registration is not None:
        result = register_member(site, registration, actor=actor)
        member, warnings, registered = result.member, result.warnings, True
    else:
        raise InvalidInput(
            FIX,
            fields={"registration": "Send the registration, or the number of the member."},
        )
    _decided(referral, InboundStatus.ACCEPTED, actor)
    referral.member_id = member.id
    db.session.flush()
    on_member(
        "member.inbound_referral_accepted",
        member,
        actor,
        site.id,
        referral=referral.id,
        agency=referral.agency_id,
        registered=registered,
    )
    return Acceptance(referral, member, warnings, registered)


def decline(site: Site, referral_id: int, reason: str, *, actor: User) -> InboundReferral:
    """Decline a pending referral with a reason the agency reads (422 without one; 409 if
    already decided). Audited."""
    referral = get_for_site(site, referral_id, actor=actor)
    _still_pending(referral)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            FIX, fields={"reason": "Say why, in words the agency can pass on to the household."}
        )
    _decided(referral, InboundStatus.DECLINED, actor)
    referral.decline_reason = reason
    db.session.flush()
    audit.record_on(
        "inbound_referral.declined",
        "inbound_referral",
        referral.id,
        actor,
        site.id,
        agency=referral.agency_id,
    )
    return referral


# --- the member's data rights ------------------------------------------------------------


_CLEARED = {
    "first_name": "",
    "last_name": "",
    "date_of_birth": None,
    "postcode": "",
    "phone": "",
    "email": "",
    "reason": "",
}


def _clear_details(member: Member) -> None:
    """On anonymisation: the household's details and the reason go; the row stays (it still
    counts, by agency kind and dates, in statistics)."""
    db.session.execute(
        update(InboundReferral).where(InboundReferral.member_id == member.id).values(**_CLEARED)
    )


def _clear_unregistered(site: Site, cutoff: date, dry_run: bool) -> int:
    """Retention: a referral that never became a member (declined, or never decided) keeps
    the household's details for the site's retention period from the decision (or from when
    it came in), then they are cleared; the row stays for statistics. Answers how many."""
    start_of_cutoff = datetime.combine(cutoff, time(0), ZoneInfo(site.timezone)).astimezone(UTC)
    due = and_(
        InboundReferral.site_id == site.id,
        InboundReferral.member_id.is_(None),
        InboundReferral.status != InboundStatus.ACCEPTED.value,
        func.coalesce(InboundReferral.decided_at, InboundReferral.created_at) < start_of_cutoff,
        or_(InboundReferral.first_name != "", InboundReferral.postcode != ""),
    )
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(InboundReferral).where(due)) or 0
    cleared = db.session.execute(update(InboundReferral).where(due).values(**_CLEARED))
    return int(getattr(cleared, "rowcount", 0) or 0)


def _name_agencies(member: Member, records: dict[str, list[dict[str, Any]]]) -> None:
    """In the subject access export: each inbound referral says which agency, by name."""
    rows = records.get(InboundReferral.__tablename__, [])
    add_names_to_export(rows, "agency_id", ReferralAgency, "agency_name")


privacy.ANONYMISE_HOOKS.append(_clear_details)
privacy.EXPORT_HOOKS.append(_name_agencies)
privacy.RETENTION_HOOKS.append(_clear_unregistered)
