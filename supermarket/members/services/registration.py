"""Registering a household and changing its details: eligibility, the catchment, possible
duplicates at the site (refused; registered and marked for review when a tablet registered
the household offline) or elsewhere (a warning), and fresh membership numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import Role, User
from supermarket.errors import Conflict, InvalidInput, PermissionDenied
from supermarket.extensions import db
from supermarket.members import rules
from supermarket.members.identifiers import new_membership_number
from supermarket.members.inputs import MemberChanges, NewMember
from supermarket.members.matching import match_key
from supermarket.members.models import ConsentKind, ConsentMethod, FeeKind, Member
from supermarket.members.schemas import CONTACT_FIELDS
from supermarket.members.services import access, audited
from supermarket.members.services.consent import _add_consent
from supermarket.members.services.fees import fee_due, record_fee, settle_fee
from supermarket.members.services.lookup import OPEN_STATUSES, _site_is_full
from supermarket.members.services.monitoring import record_monitoring
from supermarket.members.services.offline_registration import (
    keep_offline,
    offline_allowed,
    offline_audit,
    offline_by_key,
    registration_fingerprint,
    registration_warnings,
    replay_warnings,
    required_key,
)
from supermarket.members.terms import age_band
from supermarket.models import utcnow
from supermarket.postcodes import in_catchment
from supermarket.sites.calendar import local_date, now_or, site_today
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings


@dataclass
class Registration:
    """A new member and any warnings for the desk (such as membership at another site);
    `created` False: a tablet's retry of an offline registration, answered with the first."""

    member: Member
    warnings: list[dict[str, str]] = field(default_factory=list)
    created: bool = True


def _field_error(path: tuple[str, ...], message: str) -> dict[str, Any]:
    error: dict[str, Any] = {path[-1]: [message]}
    for name in reversed(path[:-1]):
        error = {name: error}
    return error


def check_eligibility(site: Site, settings: SiteSettings, route: str, postcode: str) -> None:
    """Refuse (422) a route the site does not accept, or a postcode outside its catchment for
    the postcode route; the desk and the import check with this rule."""
    if route not in settings.eligibility_routes:
        raise InvalidInput(
            "This site does not accept that eligibility route.",
            fields=_field_error(
                ("eligibility", "route"), f"{site.name} does not accept this route."
            ),
        )
    if route == "postcode" and not in_catchment(postcode, settings.catchment):
        raise InvalidInput(
            "The postcode is outside the site's catchment.",
            fields=_field_error(
                ("postcode",),
                f"This postcode is outside the catchment area ({', '.join(settings.catchment)}).",
            ),
        )


def _duplicate_at_site(
    site: Site, last_key: str, born: date, postcode: str, exclude_id: int | None = None
) -> Member | None:
    stmt = select(Member).where(
        Member.site_id == site.id,
        Member.last_name_key == last_key,
        Member.date_of_birth == born,
        Member.postcode == postcode,
        Member.status.in_(OPEN_STATUSES),
        Member.anonymised_at.is_(None),
    )
    if exclude_id is not None:
        stmt = stmt.where(Member.id != exclude_id)
    return db.session.scalar(stmt.limit(1))


def _member_elsewhere(site: Site, match_hash: str) -> bool:
    return (
        db.session.scalar(
            select(Member.id)
            .where(
                Member.match_hash == match_hash,
                Member.site_id != site.id,
                Member.status.in_(OPEN_STATUSES),
                Member.anonymised_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def _raise_duplicate(existing: Member) -> None:
    raise Conflict(
        "A member with the same surname, date of birth and postcode is already registered "
        "here. Check it is not the same household.",
        code="possible_duplicate",
        details={"membership_number": existing.membership_number},
    )


ELSEWHERE_WARNING = {
    "code": "member_elsewhere",
    "message": "This household may already be a member at another site. One membership per "
    "household: ask whether they shop elsewhere.",
}


def unused_membership_number(taken: Iterable[str] = ()) -> str:
    """A fresh random membership number not yet in use (and not in `taken`)."""
    reserved = set(taken)
    while True:
        number = new_membership_number()
        if number in reserved:
            continue
        exists = db.session.scalar(select(Member.id).where(Member.membership_number == number))
        if exists is None:
            return number


def register_member(
    site: Site,
    data: NewMember,
    *,
    actor: User,
    method: ConsentMethod = ConsentMethod.IN_PERSON,
    key: str | None = None,
    now: datetime | None = None,
) -> Registration:
    """Register a household at the site from input loaded by MemberIn.

    Refuses an eligibility route the site does not accept, a postcode outside the catchment
    for the postcode route, and a possible duplicate at the same site (409 with its number).
    A possible membership at another site is only a warning, found by keyed hash. At a site
    whose member cap is reached the household joins the waiting list. Where the site charges
    a joining fee, `data.joining_fee` says how it was settled (members.services.fees) and the
    fee is written with the member.

    A household a tablet registered offline (`data.offline`, with the Idempotency-Key `key`)
    is refused (422) where the site does not allow it, or recorded in the future or before
    yesterday; a retry of the key answers with the first registration (`created` False). Its
    membership starts on the day it was recorded. A possible duplicate at the site does not
    refuse it (the household was told it is registered): it is registered, marked for the
    site manager's review with the existing member's number, and the answer warns of it.
    """
    ensure_works_at(actor, site, hidden_as="member")
    settings = site.settings
    offline = data.offline
    hashed = ""
    if offline is not None:
        key = required_key(key)
        hashed = registration_fingerprint(data)
        if (first := offline_by_key(site, key)) is not None:
            return Registration(first.member, replay_warnings(first, hashed), created=False)
        offline_allowed(site, settings, data, now_or(now))
    joining_fee = fee_due(site, FeeKind.JOINING)
    settled = settle_fee(joining_fee, data.joining_fee, kind=FeeKind.JOINING)
    access.check_identity(settings, data)
    check_eligibility(site, settings, data.eligibility.route, data.postcode or "")
    keys = rules.household_keys(
        data.first_name, data.last_name, data.date_of_birth, data.postcode, match_key()
    )
    existing = None
    if data.date_of_birth is None or data.postcode is None:
        warnings = access.limited_duplicate_check(site, keys, data.date_of_birth, data.postcode)
    else:
        existing = _duplicate_at_site(site, keys.last_name_key, data.date_of_birth, data.postcode)
        if existing is not None and offline is None:
            _raise_duplicate(existing)
        assert keys.match_hash is not None  # the date of birth and postcode are known
        warnings = [dict(ELSEWHERE_WARNING)] if _member_elsewhere(site, keys.match_hash) else []

    joined = local_date(site, offline.recorded_at) if offline is not None else site_today(site)
    term = rules.new_term(settings, joined, waiting=_site_is_full(site, settings))
    member = _new_member(site, data, keys, term, actor)
    _insert_with_unique_number(member)
    record = None
    if offline is not None:
        assert key is not None
        record = keep_offline(member, data, key, hashed, existing)
        warnings = registration_warnings(record) + warnings
    for kind in ConsentKind:
        if kind is ConsentKind.PRIVACY_NOTICE or data.consents.given(kind):
            _add_consent(member, kind, method, actor)
    if settled is not None:
        record_fee(member, FeeKind.JOINING, joining_fee, settled, actor=actor)
    if data.monitoring:
        record_monitoring(member, data.monitoring, actor=actor)
    db.session.flush()
    audited.on_member(
        "member.registered",
        member,
        actor,
        site.id,
        route=member.eligibility_route,
        status=member.status,
        member_elsewhere=any(w["code"] == ELSEWHERE_WARNING["code"] for w in warnings),
        **offline_audit(record),
    )
    return Registration(member=member, warnings=warnings)


def _new_member(
    site: Site, data: NewMember, keys: rules.HouseholdKeys, term: rules.Term, actor: User
) -> Member:
    return Member(site=site, **new_member_columns(site, data, keys, term, actor))


def term_columns(term: rules.Term) -> dict[str, Any]:
    """A membership term as the member's columns store it."""
    return {
        "status": term.status.value,
        "joined_on": term.joined_on,
        "expires_on": term.expires_on,
        "review_due_on": term.review_due_on,
    }


def new_member_columns(
    site: Site, data: NewMember, keys: rules.HouseholdKeys, term: rules.Term, actor: User
) -> dict[str, Any]:
    """A new member's columns, from a registration at the desk or a row of an import."""
    household, eligibility = data.household, data.eligibility
    return {
        "site_id": site.id,
        "first_name": data.first_name,
        "last_name": data.last_name,
        "first_name_key": keys.first_name_key,
        "last_name_key": keys.last_name_key,
        "date_of_birth": data.date_of_birth,
        "postcode": data.postcode,
        **access.identity_columns(site, data, term.joined_on),
        "phone": data.phone,
        "email": data.email,
        "adults": household.adults,
        "children_0_4": household.children_0_4,
        "children_5_11": household.children_5_11,
        "children_12_17": household.children_12_17,
        "eligibility_route": eligibility.route,
        "referral_agency": eligibility.referral_agency,
        "referral_reference": eligibility.referral_reference,
        "benefit": eligibility.benefit,
        "dietary": list(data.dietary),
        "dietary_notes": data.dietary_notes,
        **term_columns(term),
        "match_hash": keys.match_hash,
        "registered_by_id": actor.id,
    }


def _insert_with_unique_number(member: Member) -> None:
    """Insert with a fresh number; a number taken by a concurrent insert is simply redrawn."""
    for _ in range(5):
        member.membership_number = unused_membership_number()
        try:
            with db.session.begin_nested():
                db.session.add(member)
                db.session.flush()
            return
        except IntegrityError:
            taken = db.session.scalar(
                select(Member.id).where(Member.membership_number == member.membership_number)
            )
            if taken is None:
                raise
    raise RuntimeError("could not draw an unused membership number")


def update_member(member: Member, changes: MemberChanges, *, actor: User) -> Member:
    """Change a member's details from input loaded by MemberUpdateIn.

    Volunteers may change contact details only (phone, email, postcode); site managers
    anything there. Names, date of birth or postcode that now match another open member of
    the site are refused as a possible duplicate. Audited with the names of the fields changed.
    """
    ensure_works_at(actor, member.site, hidden_as="member")
    if actor.role != Role.SITE_MANAGER:
        refused = sorted(changes.sent - CONTACT_FIELDS)
        if refused:
            raise PermissionDenied(
                "Volunteers can change contact details only; ask a site manager.",
                fields={name: ["Only a site manager can change this."] for name in refused},
            )
    site = member.site
    changed = _apply(member, changes)
    answers = changes.monitoring if "monitoring" in changes.sent else None
    if answers is not None and record_monitoring(member, answers, actor=actor):
        changed.add("monitoring")  # audited by name only: the answers stay out of the log
    if changed & {"eligibility_route", "postcode"}:
        check_eligibility(site, site.settings, member.eligibility_route, member.postcode or "")
        access.check_route_postcode(member)
    if changed & {"first_name", "last_name", "date_of_birth", "postcode"}:
        _rekey(member)
    if changed:
        db.session.flush()
        audited.on_member("member.updated", member, actor, site.id, fields=sorted(changed))
    return member


def _apply(member: Member, changes: MemberChanges) -> set[str]:
    """Set the fields sent on the member; the names of those whose value changed."""
    changed: set[str] = set()
    sent = changes.sent

    def put(attr: str, value: Any) -> None:
        if getattr(member, attr) != value:
            setattr(member, attr, value)
            changed.add(attr)

    for attr in ("first_name", "last_name", "phone", "email", "dietary_notes", "notes"):
        if attr in sent:
            put(attr, getattr(changes, attr))
    if "dietary" in sent:
        put("dietary", list(changes.dietary))
    if "date_of_birth" in sent and changes.date_of_birth is not None:
        put("date_of_birth", changes.date_of_birth)
        member.age_band = age_band(changes.date_of_birth, member.joined_on)
    if "postcode" in sent:
        put("postcode", changes.postcode)
        member.postcode_district = rules.postcode_district(changes.postcode)
    if "household" in sent and changes.household is not None:
        for key, value in asdict(changes.household).items():
            put(key, value)
    if "eligibility" in sent and changes.eligibility is not None:
        eligibility = changes.eligibility
        put("eligibility_route", eligibility.route)
        put("referral_agency", eligibility.referral_agency)
        put("referral_reference", eligibility.referral_reference)
        put("benefit", eligibility.benefit)
    if "pregnancy_recorded" in sent:
        _pregnancy(member, changes, put)
    return changed


def _pregnancy(member: Member, changes: MemberChanges, put: Any) -> None:
    """Record a pregnancy (the schema has checked the member's consent was ticked) with when
    that consent was first given, or clear it with its due date."""
    if changes.pregnancy_recorded:
        put("pregnancy_recorded", True)
        if "pregnancy_due_on" in changes.sent:
            put("pregnancy_due_on", changes.pregnancy_due_on)
        if member.pregnancy_consent_at is None:
            put("pregnancy_consent_at", utcnow())
    else:
        put("pregnancy_recorded", False)
        put("pregnancy_due_on", None)
        put("pregnancy_consent_at", None)


def _rekey(member: Member) -> None:
    """New search keys and match hash after a change of names, date of birth or postcode;
    refused (409) if the household now matches another open member of the site."""
    keys = rules.household_keys(
        member.first_name, member.last_name, member.date_of_birth, member.postcode, match_key()
    )
    member.first_name_key = keys.first_name_key
    member.last_name_key = keys.last_name_key
    if member.date_of_birth is not None and member.postcode is not None:
        existing = _duplicate_at_site(
            member.site,
            member.last_name_key,
            member.date_of_birth,
            member.postcode,
            exclude_id=member.id,
        )
        if existing is not None:
            _raise_duplicate(existing)
        member.match_hash = keys.match_hash
