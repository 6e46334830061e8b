"""Registering and managing member households at a site; every rule and site check lives here.

Public entry points for other domains (visits builds on these; members never imports visits):

- `find_member_for_checkin(site, text, actor=...)`: the member whose card number was typed or
  scanned at the desk.
- `search_members(site, q, actor=...)`: the desk search (number, name prefix, postcode).
- `get_member(site, number, actor=...)`: one member of a site, 404 for anyone else's.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from supermarket.auth import audit
from supermarket.auth.access import require_role, works_at
from supermarket.auth.models import Role, User
from supermarket.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from supermarket.extensions import db
from supermarket.members.identifiers import (
    is_valid_membership_number,
    new_membership_number,
    normalise_membership_number,
)
from supermarket.members.matching import household_match_hash, match_key
from supermarket.members.models import (
    ConsentKind,
    ConsentMethod,
    Member,
    MemberConsent,
    MemberStatus,
)
from supermarket.members.names import prefix_upper_bound, search_key
from supermarket.members.schemas import CONTACT_FIELDS
from supermarket.members.terms import add_months, age_band, site_today
from supermarket.models import utcnow
from supermarket.postcodes import in_catchment, normalise_catchment_entry, normalise_postcode
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings

# Statuses that hold a place at the site (a member cap counts these).
HOLDING_PLACE = (MemberStatus.ACTIVE.value, MemberStatus.SUSPENDED.value)
# A closed membership is over: the household may register afresh without a duplicate warning.
OPEN_STATUSES = tuple(s.value for s in MemberStatus if s is not MemberStatus.CLOSED)


@dataclass
class Registration:
    """A new member and any warnings for the desk (such as membership at another site)."""

    member: Member
    warnings: list[dict[str, str]] = field(default_factory=list)


@dataclass
class SearchPage:
    """One page of search results.

    `exact` is the member when the query was a valid membership number found at the site (the
    desk then goes straight to that member); `hint` explains a number with a wrong check
    character.
    """

    items: list[Member]
    next: str | None = None
    exact: Member | None = None
    hint: str | None = None


# --- access -------------------------------------------------------------------------------


def ensure_staff(actor: User, site: Site, *, managers_only: bool = False) -> None:
    """404 unless the actor works at the site (cross-site ids cannot be probed); 403 for a
    volunteer asking for a manager's action."""
    if not works_at(actor, site):
        raise NotFound("No such member.", code="member_not_found")
    if managers_only and actor.role != Role.SITE_MANAGER:
        raise PermissionDenied("Only a site manager can do this.")


def get_member(site: Site, number: str, *, actor: User, managers_only: bool = False) -> Member:
    """A member of `site` by membership number, for staff of that site only (404 otherwise).

    Anonymised members are gone as far as staff are concerned.
    """
    ensure_staff(actor, site, managers_only=managers_only)
    canonical = normalise_membership_number(number)
    member = None
    if canonical is not None:
        member = db.session.scalar(
            select(Member).where(
                Member.site_id == site.id,
                Member.membership_number == canonical,
                Member.anonymised_at.is_(None),
            )
        )
    if member is None:
        raise NotFound("No such member.", code="member_not_found")
    return member


def view_member(site: Site, number: str, *, actor: User) -> Member:
    """A member's full record, as on the member page; the view is audited."""
    member = get_member(site, number, actor=actor)
    audit.record(
        "member.viewed", actor=actor, object_type="member", object_id=member.id, site_id=site.id
    )
    return member


# --- registration ---------------------------------------------------------------------------


def _field_error(path: tuple[str, ...], message: str) -> dict[str, Any]:
    error: dict[str, Any] = {path[-1]: [message]}
    for name in reversed(path[:-1]):
        error = {name: error}
    return error


def _check_eligibility(site: Site, settings: SiteSettings, route: str, postcode: str) -> None:
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


def places_taken(site: Site) -> int:
    return (
        db.session.scalar(
            select(func.count(Member.id)).where(
                Member.site_id == site.id,
                Member.status.in_(HOLDING_PLACE),
                Member.anonymised_at.is_(None),
            )
        )
        or 0
    )


def _site_is_full(site: Site, settings: SiteSettings) -> bool:
    if settings.member_cap is None:
        return False
    # Serialise registrations at a capped site so two desks cannot both take the last place.
    db.session.execute(select(Site.id).where(Site.id == site.id).with_for_update())
    return places_taken(site) >= settings.member_cap


def _add_consent(
    member: Member, kind: ConsentKind, method: ConsentMethod, actor: User | None
) -> MemberConsent:
    consent = MemberConsent(
        member=member,
        site_id=member.site_id,
        kind=kind.value,
        given_at=utcnow(),
        given_by_id=actor.id if actor else None,
        given_method=method.value,
    )
    db.session.add(consent)
    return consent


def register_member(
    site: Site,
    data: Mapping[str, Any],
    *,
    actor: User,
    method: ConsentMethod = ConsentMethod.IN_PERSON,
) -> Registration:
    """Register a household at the site from input loaded by MemberIn.

    Refuses an eligibility route the site does not accept, a postcode outside the catchment
    for the postcode route, and a possible duplicate at the same site (409 with its number).
    A possible membership at another site is only a warning, found by keyed hash. At a site
    whose member cap is reached the household joins the waiting list.
    """
    ensure_staff(actor, site)
    settings = site.settings
    eligibility = data["eligibility"]
    _check_eligibility(site, settings, eligibility["route"], data["postcode"])

    last_key = search_key(data["last_name"])
    born: date = data["date_of_birth"]
    existing = _duplicate_at_site(site, last_key, born, data["postcode"])
    if existing is not None:
        _raise_duplicate(existing)
    hashed = household_match_hash(last_key, born, data["postcode"], match_key())
    warnings = [dict(ELSEWHERE_WARNING)] if _member_elsewhere(site, hashed) else []

    today = site_today(site)
    waiting = _site_is_full(site, settings)
    household = data["household"]
    member = Member(
        site_id=site.id,
        site=site,
        first_name=data["first_name"],
        last_name=data["last_name"],
        first_name_key=search_key(data["first_name"]),
        last_name_key=last_key,
        date_of_birth=born,
        age_band=age_band(born, today),
        postcode=data["postcode"],
        postcode_district=data["postcode"].split(" ")[0],
        phone=data.get("phone"),
        email=data.get("email"),
        adults=household["adults"],
        children_0_4=household["children_0_4"],
        children_5_11=household["children_5_11"],
        children_12_17=household["children_12_17"],
        eligibility_route=eligibility["route"],
        referral_agency=eligibility.get("referral_agency", ""),
        referral_reference=eligibility.get("referral_reference", ""),
        benefit=eligibility.get("benefit", ""),
        dietary=list(data.get("dietary", [])),
        dietary_notes=data.get("dietary_notes", ""),
        status=(MemberStatus.WAITING if waiting else MemberStatus.ACTIVE).value,
        joined_on=today,
        expires_on=None if waiting else add_months(today, settings.membership_term_months),
        review_due_on=None if waiting else add_months(today, settings.review_interval_months),
        match_hash=hashed,
        registered_by_id=actor.id,
    )
    _insert_with_unique_number(member)
    consents = data["consents"]
    _add_consent(member, ConsentKind.PRIVACY_NOTICE, method, actor)
    for kind in (ConsentKind.SURVEY, ConsentKind.CONTACT):
        if consents.get(kind.value):
            _add_consent(member, kind, method, actor)
    db.session.flush()
    audit.record(
        "member.registered",
        actor=actor,
        object_type="member",
        object_id=member.id,
        site_id=site.id,
        details={
            "route": member.eligibility_route,
            "status": member.status,
            "member_elsewhere": bool(warnings),
        },
    )
    return Registration(member=member, warnings=warnings)


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


# --- changes --------------------------------------------------------------------------------


def update_member(member: Member, changes: Mapping[str, Any], *, actor: User) -> Member:
    """Change a member's details from input loaded by MemberUpdateIn.

    Volunteers may change contact details only (phone, email, postcode); site managers
    anything there. Names, date of birth or postcode that now match another open member of
    the site are refused as a possible duplicate. Audited with the names of the fields changed.
    """
    ensure_staff(actor, member.site)
    if actor.role != Role.SITE_MANAGER:
        refused = sorted(set(changes) - CONTACT_FIELDS)
        if refused:
            raise PermissionDenied(
                "Volunteers can change contact details only; ask a site manager.",
                fields={name: ["Only a site manager can change this."] for name in refused},
            )
    site = member.site
    changed: set[str] = set()

    def put(attr: str, value: Any) -> None:
        if getattr(member, attr) != value:
            setattr(member, attr, value)
            changed.add(attr)

    for attr in ("first_name", "last_name", "phone", "email", "dietary_notes", "notes"):
        if attr in changes:
            put(attr, changes[attr])
    if "dietary" in changes:
        put("dietary", list(changes["dietary"]))
    if "date_of_birth" in changes:
        put("date_of_birth", changes["date_of_birth"])
        member.age_band = age_band(changes["date_of_birth"], member.joined_on)
    if "postcode" in changes:
        put("postcode", changes["postcode"])
        member.postcode_district = changes["postcode"].split(" ")[0]
    if "household" in changes:
        for key, value in changes["household"].items():
            put(key, value)
    if "eligibility" in changes:
        eligibility = changes["eligibility"]
        put("eligibility_route", eligibility["route"])
        for key in ("referral_agency", "referral_reference", "benefit"):
            put(key, eligibility.get(key, ""))
    if changed & {"eligibility_route", "postcode"}:
        _check_eligibility(site, site.settings, member.eligibility_route, member.postcode or "")
    if changed & {"first_name", "last_name", "date_of_birth", "postcode"}:
        member.first_name_key = search_key(member.first_name)
        member.last_name_key = search_key(member.last_name)
        if member.date_of_birth is not None and member.postcode is not None:
            existing = _duplicate_at_site(
                site,
                member.last_name_key,
                member.date_of_birth,
                member.postcode,
                exclude_id=member.id,
            )
            if existing is not None:
                _raise_duplicate(existing)
            member.match_hash = household_match_hash(
                member.last_name_key, member.date_of_birth, member.postcode, match_key()
            )
    if changed:
        db.session.flush()
        audit.record(
            "member.updated",
            actor=actor,
            object_type="member",
            object_id=member.id,
            site_id=site.id,
            details={"fields": sorted(changed)},
        )
    return member


def _lifecycle(member: Member, action: str, actor: User, **details: Any) -> None:
    db.session.flush()
    audit.record(
        f"member.{action}",
        actor=actor,
        object_type="member",
        object_id=member.id,
        site_id=member.site_id,
        details={"status": member.status, **details},
    )


def suspend_member(member: Member, reason: str, *, actor: User) -> Member:
    """Suspend an active (or lapsed) membership with a reason (site managers)."""
    ensure_staff(actor, member.site, managers_only=True)
    if not reason.strip():
        raise InvalidInput(
            "Give a reason for the suspension.", fields={"reason": ["Give a reason."]}
        )
    if member.status not in (MemberStatus.ACTIVE, MemberStatus.LAPSED):
        raise RuleViolation("Only an active membership can be suspended.", code="not_active")
    member.status = MemberStatus.SUSPENDED.value
    member.status_reason = reason.strip()
    _lifecycle(member, "suspended", actor)
    return member


def reinstate_member(member: Member, *, actor: User) -> Member:
    """Lift a suspension (site managers); a term that ended meanwhile reads as lapsed."""
    ensure_staff(actor, member.site, managers_only=True)
    if member.status != MemberStatus.SUSPENDED:
        raise RuleViolation("This membership is not suspended.", code="not_suspended")
    member.status = MemberStatus.ACTIVE.value
    member.status_reason = ""
    _lifecycle(member, "reinstated", actor)
    return member


def renew_member(member: Member, *, actor: User) -> Member:
    """Extend the term by the site's term from its end (or from today once lapsed) and start a
    new review interval (site managers). A suspended member stays suspended."""
    ensure_staff(actor, member.site, managers_only=True)
    if member.status in (MemberStatus.CLOSED, MemberStatus.WAITING):
        raise RuleViolation(
            "A closed membership or a place on the waiting list cannot be renewed.",
            code="cannot_renew",
        )
    settings = member.site.settings
    today = site_today(member.site)
    start = member.expires_on if member.expires_on and member.expires_on >= today else today
    member.expires_on = add_months(start, settings.membership_term_months)
    member.review_due_on = add_months(today, settings.review_interval_months)
    if member.status == MemberStatus.LAPSED:
        member.status = MemberStatus.ACTIVE.value
    _lifecycle(member, "renewed", actor, expires_on=member.expires_on.isoformat())
    return member


def record_review(member: Member, *, actor: User) -> Member:
    """The membership was reviewed today: the next review is one interval away."""
    ensure_staff(actor, member.site, managers_only=True)
    if member.status in (MemberStatus.CLOSED, MemberStatus.WAITING):
        raise RuleViolation("Only a current membership is reviewed.", code="cannot_review")
    today = site_today(member.site)
    member.review_due_on = add_months(today, member.site.settings.review_interval_months)
    _lifecycle(member, "reviewed", actor)
    return member


def close_member(member: Member, reason: str, *, actor: User) -> Member:
    """End a membership (site managers). Its data stays until the retention period passes."""
    ensure_staff(actor, member.site, managers_only=True)
    if member.status == MemberStatus.CLOSED:
        raise RuleViolation("This membership is already closed.", code="already_closed")
    member.status = MemberStatus.CLOSED.value
    member.status_reason = reason.strip()
    member.closed_on = site_today(member.site)
    _lifecycle(member, "closed", actor)
    return member


def admit_from_waiting_list(member: Member, *, actor: User) -> Member:
    """Give a waiting household a place: its term starts today (site managers)."""
    ensure_staff(actor, member.site, managers_only=True)
    if member.status != MemberStatus.WAITING:
        raise RuleViolation("This household is not on the waiting list.", code="not_waiting")
    site = member.site
    settings = site.settings
    if _site_is_full(site, settings):
        raise RuleViolation(
            f"The site is full ({settings.member_cap} members). Close a membership or raise "
            "the limit in the site settings first.",
            code="member_cap_reached",
        )
    today = site_today(site)
    member.status = MemberStatus.ACTIVE.value
    member.joined_on = today
    member.expires_on = add_months(today, settings.membership_term_months)
    member.review_due_on = add_months(today, settings.review_interval_months)
    _lifecycle(member, "admitted", actor)
    return member


def waiting_position(member: Member) -> int | None:
    """1 for the household that has waited longest at its site."""
    if member.status != MemberStatus.WAITING:
        return None
    ahead = (
        db.session.scalar(
            select(func.count(Member.id)).where(
                Member.site_id == member.site_id,
                Member.status == MemberStatus.WAITING.value,
                Member.anonymised_at.is_(None),
                tuple_(Member.joined_on, Member.id) < tuple_(member.joined_on, member.id),
            )
        )
        or 0
    )
    return ahead + 1


# --- consents -------------------------------------------------------------------------------


def give_consent(member: Member, kind: str, method: str, *, actor: User) -> MemberConsent:
    """Record a consent the member gives now (who, when, how); giving it again changes nothing."""
    ensure_staff(actor, member.site)
    consent_kind = _consent_kind(kind)
    current = member.active_consents().get(consent_kind.value)
    if current is not None:
        return current
    consent = _add_consent(member, consent_kind, ConsentMethod(method), actor)
    db.session.flush()
    audit.record(
        "member.consent_given",
        actor=actor,
        object_type="member",
        object_id=member.id,
        site_id=member.site_id,
        details={"kind": consent_kind.value, "method": method},
    )
    return consent


def withdraw_consent(member: Member, kind: str, method: str, *, actor: User) -> MemberConsent:
    """Withdraw a consent in one action, recording who, when and how; any staff member may."""
    ensure_staff(actor, member.site)
    consent_kind = _consent_kind(kind)
    if consent_kind is ConsentKind.PRIVACY_NOTICE:
        raise RuleViolation(
            "The privacy notice is information given, not a consent; to stop being a member "
            "close the membership or anonymise it.",
            code="not_withdrawable",
        )
    current = member.active_consents().get(consent_kind.value)
    if current is None:
        raise RuleViolation("The member has not given this consent.", code="no_such_consent")
    current.withdrawn_at = utcnow()
    current.withdrawn_by_id = actor.id
    current.withdrawn_method = ConsentMethod(method).value
    db.session.flush()
    audit.record(
        "member.consent_withdrawn",
        actor=actor,
        object_type="member",
        object_id=member.id,
        site_id=member.site_id,
        details={"kind": consent_kind.value, "method": method},
    )
    return current


def _consent_kind(kind: str) -> ConsentKind:
    try:
        return ConsentKind(kind)
    except ValueError:
        raise NotFound("No such consent.", code="no_such_consent") from None


# --- finding members ------------------------------------------------------------------------


def find_member_for_checkin(
    site: Site, text: str, *, actor: User, for_update: bool = False
) -> Member:
    """The member whose card number was typed or scanned (with any spacing, case or hyphen).

    For the check-in desk: refuses (422) text that is not a membership number or whose check
    character is wrong, so a misread number never finds someone else. Looks at the site's own
    members; if the site accepts other sites' members, then at the whole programme (audited
    as `member.found_from_other_site`). 404 if nobody holds the number. The caller decides
    what the member's status allows. With `for_update`, the member's row is locked until
    the transaction ends (on databases that lock rows).
    """
    ensure_staff(actor, site)
    number = normalise_membership_number(text)
    if number is None:
        raise InvalidInput(
            "That is not a membership number.",
            code="not_a_membership_number",
            fields={"number": ["Type the 8 characters on the card."]},
        )
    if not is_valid_membership_number(number):
        raise InvalidInput(
            "That number is not right: a character is mistyped or misread.",
            code="invalid_check_character",
            fields={"number": ["Check the number on the card and type it again."]},
        )
    stmt = select(Member).where(Member.membership_number == number, Member.anonymised_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    member = db.session.scalar(stmt.where(Member.site_id == site.id))
    if member is None and site.settings.allow_other_site_members:
        member = db.session.scalar(stmt)
        if member is not None:
            audit.record(
                "member.found_from_other_site",
                actor=actor,
                object_type="member",
                object_id=member.id,
                site_id=site.id,
                details={"home_site_id": member.site_id},
            )
    if member is None:
        raise NotFound("No member has that number here.", code="member_not_found")
    return member


def _encode_cursor(group: int, member: Member, order: tuple[Any, ...]) -> str:
    keys = [getattr(member, column.key) for column in order]
    raw = json.dumps([group, *keys])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, groups: int) -> tuple[int, list[Any]]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error):
        value = None
    if (
        not isinstance(value, list)
        or len(value) not in (3, 4)
        or not isinstance(value[0], int)
        or not 0 <= value[0] < groups
        or not all(isinstance(v, str) for v in value[1:-1])
        or not isinstance(value[-1], int)
    ):
        raise InvalidInput("The cursor is not valid.", fields={"cursor": ["Not valid."]})
    return value[0], value[1:]


def _prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    """An index range for `column LIKE 'prefix%'` without LIKE (which cannot use the index)."""
    return and_(column >= prefix, column < prefix_upper_bound(prefix))


BY_LAST = (Member.last_name_key, Member.first_name_key, Member.id)
# By first name, then registration: the (site_id, first_name_key) index gives this order
# directly (SQLite keeps the row id in the index; PostgreSQL sorts only equal keys).
BY_FIRST = (Member.first_name_key, Member.id)


@dataclass(frozen=True)
class _Group:
    """One part of a search answered by a single index range, in that index's order."""

    condition: ColumnElement[bool]
    order: tuple[Any, ...]


def _name_groups(text: str) -> list[_Group]:
    """Name matches, best first: surname prefix; first name + surname in either order
    ("tasha oka", "okafor t"); then first-name prefix. Each group reads one index range in
    order and stops at the page size, so a search costs the same at 200 or 200,000 members."""
    key = search_key(text.replace(",", " "))
    if not key:
        return []
    tokens = key.split(" ")
    groups = [_Group(_prefix(Member.last_name_key, key), BY_LAST)]
    for cut in range(1, len(tokens)):
        head, tail = " ".join(tokens[:cut]), " ".join(tokens[cut:])
        groups.append(
            _Group(
                and_(_prefix(Member.last_name_key, tail), _prefix(Member.first_name_key, head)),
                BY_LAST,
            )
        )
        groups.append(
            _Group(
                and_(_prefix(Member.last_name_key, head), _prefix(Member.first_name_key, tail)),
                BY_LAST,
            )
        )
    groups.append(_Group(_prefix(Member.first_name_key, key), BY_FIRST))
    return groups


def _postcode_condition(text: str) -> ColumnElement[bool] | None:
    full = normalise_postcode(text)
    if full is not None:
        return Member.postcode == full
    entry = normalise_catchment_entry(text.strip())
    if entry is None:
        return None
    if " " in entry:  # a sector, "CM20 1"
        return _prefix(Member.postcode, entry)
    return Member.postcode_district == entry


def _status_condition(status: str, today: date) -> ColumnElement[bool]:
    if status == MemberStatus.LAPSED:
        return or_(
            Member.status == MemberStatus.LAPSED.value,
            and_(Member.status == MemberStatus.ACTIVE.value, Member.expires_on < today),
        )
    if status == MemberStatus.ACTIVE:
        return and_(
            Member.status == MemberStatus.ACTIVE.value,
            or_(Member.expires_on.is_(None), Member.expires_on >= today),
        )
    return Member.status == status


NUMBER_HINT = (
    "That looks like a membership number, but a character is wrong. Check the card and type "
    "it again."
)


def search_members(
    site: Site,
    q: str = "",
    *,
    actor: User,
    status: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> SearchPage:
    """Find a site's members by exact membership number, name prefix or postcode.

    Names match by prefix of the surname, of the first name, or of both ("tash oka"), case-
    and accent-insensitively ("zoe" finds Zoë), through indexed key ranges, never `%term%`:
    surname matches first (by surname, first name), then first-name matches. A postcode
    matches exactly; a district ("CM20") or sector ("CM20 1") matches all in it. A valid
    membership number found at the site is returned as `exact`; one with a wrong check
    character sets `hint`. `cursor` continues from the previous page. Anonymised members
    never appear.
    """
    ensure_staff(actor, site)
    limit = max(1, min(limit, 200))
    q = q.strip()[:100]
    base = select(Member).where(Member.site_id == site.id, Member.anonymised_at.is_(None))
    if status:
        base = base.where(_status_condition(status, site_today(site)))
    hint = None
    number = normalise_membership_number(q) if q else None
    if number is not None and cursor is None:
        if is_valid_membership_number(number):
            found = db.session.scalar(base.where(Member.membership_number == number))
            if found is not None:
                return SearchPage(items=[found], exact=found)
        else:
            hint = NUMBER_HINT
    if not q:
        groups = [_Group(Member.id.is_not(None), BY_LAST)]
    else:
        postcode = _postcode_condition(q)
        groups = [_Group(postcode, BY_LAST)] if postcode is not None else _name_groups(q)
    if not groups:
        return SearchPage(items=[], hint=hint)
    start, after = _decode_cursor(cursor, len(groups)) if cursor else (0, None)
    if after is not None and len(after) != len(groups[start].order):
        raise InvalidInput("The cursor is not valid.", fields={"cursor": ["Not valid."]})
    rows: list[tuple[int, Member]] = []
    earlier = [g.condition for g in groups[:start]]
    for index in range(start, len(groups)):
        group = groups[index]
        stmt = base.where(group.condition)
        if earlier:  # a member matching two groups is listed once, in the first
            stmt = stmt.where(~or_(*earlier))
        if index == start and after is not None:
            stmt = stmt.where(tuple_(*group.order) > tuple_(*after))
        wanted = limit + 1 - len(rows)
        rows += [(index, m) for m in db.session.scalars(stmt.order_by(*group.order).limit(wanted))]
        if len(rows) > limit:
            break
        earlier.append(group.condition)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last_group, last_member = rows[-1]
        next_cursor = _encode_cursor(last_group, last_member, groups[last_group].order)
    return SearchPage(items=[m for _, m in rows], next=next_cursor, hint=hint)


def members_for_cards(
    site: Site, *, actor: User, numbers: Iterable[str] = (), registered_on: date | None = None
) -> list[Member]:
    """Members of the site to print cards for: by number, or all registered on a day."""
    ensure_staff(actor, site)
    stmt = select(Member).where(
        Member.site_id == site.id,
        Member.anonymised_at.is_(None),
        Member.status != MemberStatus.CLOSED.value,
    )
    canonical = [n for n in (normalise_membership_number(x) for x in numbers) if n]
    if canonical:
        stmt = stmt.where(Member.membership_number.in_(canonical[:200]))
    elif registered_on is not None:
        stmt = stmt.where(Member.joined_on == registered_on)
    else:
        return []
    members = list(db.session.scalars(stmt.order_by(Member.last_name_key, Member.id).limit(200)))
    if members:
        audit.record(
            "member.cards_printed",
            actor=actor,
            object_type="site",
            object_id=site.code,
            site_id=site.id,
            details={"count": len(members)},
        )
    return members


def card_for(site: Site, number: str, *, actor: User) -> Member:
    """A member whose card is being printed (audited)."""
    member = get_member(site, number, actor=actor)
    audit.record(
        "member.card_printed",
        actor=actor,
        object_type="member",
        object_id=member.id,
        site_id=site.id,
    )
    return member


# --- upkeep ---------------------------------------------------------------------------------


def lapse_expired_members(*, today: date | None = None) -> dict[str, int]:
    """Record as lapsed every active membership whose term ended (by each site's local date).

    Safe to run repeatedly: returns how many were lapsed per site code.
    """
    result: dict[str, int] = {}
    for site in db.session.scalars(select(Site).order_by(Site.code)):
        day = today or site_today(site)
        outcome = db.session.execute(
            update(Member)
            .where(
                Member.site_id == site.id,
                Member.status == MemberStatus.ACTIVE.value,
                Member.expires_on < day,
            )
            .values(status=MemberStatus.LAPSED.value, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        count = int(getattr(outcome, "rowcount", 0) or 0)
        if count:
            result[site.code] = count
            audit.record(
                "members.lapsed",
                actor=None,
                object_type="site",
                object_id=site.code,
                site_id=site.id,
                details={"count": count},
            )
    return result


def rehash_members(*, batch: int = 1000) -> int:
    """Recompute every member's cross-site match hash (after the match key changed)."""
    key = match_key()
    count = 0
    last_id = 0
    while True:
        rows = db.session.execute(
            select(Member.id, Member.last_name_key, Member.date_of_birth, Member.postcode)
            .where(Member.id > last_id, Member.anonymised_at.is_(None))
            .order_by(Member.id)
            .limit(batch)
        ).all()
        if not rows:
            return count
        for member_id, last_key, born, postcode in rows:
            if born is not None and postcode is not None:
                db.session.execute(
                    update(Member)
                    .where(Member.id == member_id)
                    .values(match_hash=household_match_hash(last_key, born, postcode, key))
                )
                count += 1
        last_id = rows[-1][0]


def require_manager(actor: User) -> None:
    require_role(actor, Role.SITE_MANAGER)
