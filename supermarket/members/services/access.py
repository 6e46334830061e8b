"""Inclusive access: joining with no fixed address or no date of birth, the duplicate checks
that can still be made then, the proxies who collect for a member, and the note for the door.

Who sees a door note: every member of staff who can open the member's check-in panel sees a
note that is not sensitive (any site that serves the member); a sensitive note (health: an
allergy, an access need) only staff of the member's own site. Programme leads, referrers and
admins never reach a member's panel or record at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.members import rules
from supermarket.members.access_inputs import DoorNote, NewProxy
from supermarket.members.inputs import NewMember
from supermarket.members.models import MAX_PROXIES, Member, MemberProxy
from supermarket.members.services import audited
from supermarket.members.services.lookup import OPEN_STATUSES
from supermarket.members.terms import age_band
from supermarket.models import utcnow
from supermarket.postcodes import normalise_postcode
from supermarket.sites.models import Site
from supermarket.sites.settings import NO_FIXED_ABODE, SiteSettings

# --- joining without a postcode or a date of birth ------------------------------------------


def check_identity(settings: SiteSettings, data: NewMember) -> None:
    """Refuse (422, beside the field) a registration without the postcode it needs (every
    route but no fixed abode) or without a date of birth where the site asks for one, or
    with neither a date of birth nor an age band."""
    fields: dict[str, list[str]] = {}
    if data.postcode is None and data.eligibility.route != NO_FIXED_ABODE:
        fields["postcode"] = ["Enter the postcode."]
    if data.date_of_birth is None:
        if not settings.date_of_birth_optional:
            fields["date_of_birth"] = ["Enter the date of birth."]
        elif data.age_band is None:
            fields["age_band"] = ["Without a date of birth, choose an age band."]
    if fields:
        raise InvalidInput("Some details are missing.", fields=fields)


def check_route_postcode(member: Member) -> None:
    """A member without a postcode (no fixed abode) moved to another route needs one first."""
    if member.postcode is None and member.eligibility_route != NO_FIXED_ABODE:
        raise InvalidInput(
            "This route needs a postcode.",
            fields={"postcode": ["Enter the postcode: only no fixed address needs none."]},
        )


def site_district(site: Site) -> str:
    """The postcode district of the site itself: the area recorded for a household with no
    postcode, so that reports by district still count them (empty if the site has none)."""
    normal = normalise_postcode(site.postcode or "")
    return rules.postcode_district(normal) if normal else ""


def identity_columns(site: Site, data: NewMember, joined_on: date) -> dict[str, Any]:
    """The age band, postcode district and "care of" address of a new member: from the date
    of birth and postcode when given, otherwise the age band given and the site's district."""
    born, postcode = data.date_of_birth, data.postcode
    return {
        "age_band": age_band(born, joined_on) if born is not None else data.age_band or "",
        "postcode_district": rules.postcode_district(postcode) if postcode else site_district(site),
        "care_of": data.care_of,
    }


def limited_duplicate_check(
    site: Site, keys: rules.HouseholdKeys, born: date | None, postcode: str | None
) -> list[dict[str, str]]:
    """Without a date of birth or a postcode the usual check (surname, date of birth and
    postcode, here and at other sites) cannot be made: say so, and check on what is known
    (surname and date of birth; or full name and postcode; or the full name alone). A match is
    a warning, never a refusal: two people may share a name."""
    stmt = select(Member.membership_number).where(
        Member.site_id == site.id,
        Member.last_name_key == keys.last_name_key,
        Member.status.in_(OPEN_STATUSES),
        Member.anonymised_at.is_(None),
    )
    if born is not None:
        basis = "No postcode: duplicates checked by surname and date of birth only"
        stmt = stmt.where(Member.date_of_birth == born)
    elif postcode is not None:
        basis = "No date of birth: duplicates checked by name and postcode only"
        stmt = stmt.where(Member.first_name_key == keys.first_name_key, Member.postcode == postcode)
    else:
        basis = "No date of birth or postcode: duplicates checked by name only"
        stmt = stmt.where(Member.first_name_key == keys.first_name_key)
    warnings = [
        {
            "code": "duplicate_check_limited",
            "message": f"{basis}, and not at other sites. Ask whether they are already a member.",
        }
    ]
    number = db.session.scalar(stmt.limit(1))
    if number is not None:
        warnings.append(
            {
                "code": "possible_duplicate",
                "message": f"Member {number[:4]}-{number[4:]} has the same "
                f"{'surname and date of birth' if born else 'name'}: check it is not the "
                "same household.",
                "membership_number": number,
            }
        )
    return warnings


# --- proxies --------------------------------------------------------------------------------


def list_proxies(member: Member) -> list[MemberProxy]:
    return list(
        db.session.scalars(
            select(MemberProxy).where(MemberProxy.member_id == member.id).order_by(MemberProxy.id)
        )
    )


def add_proxy(member: Member, data: NewProxy, *, actor: User) -> MemberProxy:
    """Name a proxy for the member (staff of the member's site): refused (422, beside the
    name) when the member already has MAX_PROXIES. Audited without the proxy's name."""
    ensure_works_at(actor, member.site, hidden_as="member")
    # The member's row is locked by the caller's lookup on PostgreSQL only when asked; a
    # third proxy slipping in at the same instant is harmless and shows on the page.
    count = db.session.scalar(
        select(func.count(MemberProxy.id)).where(MemberProxy.member_id == member.id)
    )
    if (count or 0) >= MAX_PROXIES:
        raise InvalidInput(
            f"A member may name up to {MAX_PROXIES} proxies.",
            fields={"name": [f"Up to {MAX_PROXIES} proxies: remove one before adding another."]},
        )
    proxy = MemberProxy(
        member_id=member.id,
        name=data.name,
        relationship=data.relationship,
        phone=data.phone,
        added_at=utcnow(),
        added_by_id=actor.id,
    )
    db.session.add(proxy)
    member.updated_at = utcnow()  # the tablets' roster changes with it
    db.session.flush()
    audited.on_member("member.proxy_added", member, actor, member.site_id, proxy=proxy.id)
    return proxy


def remove_proxy(member: Member, proxy_id: int, *, actor: User) -> None:
    """Take a proxy off the member's list for good (404 if not theirs); visits they
    collected keep no name. Audited."""
    ensure_works_at(actor, member.site, hidden_as="member")
    proxy = proxy_of(member, proxy_id)
    db.session.delete(proxy)
    member.updated_at = utcnow()  # the tablets' roster changes with it
    db.session.flush()
    audited.on_member("member.proxy_removed", member, actor, member.site_id, proxy=proxy_id)


def proxy_number(text: str) -> int:
    """A proxy's id as a URL gives it; 0 (no proxy) for anything but digits."""
    return int(text) if text.isdigit() and len(text) < 12 else 0


def proxy_of(member: Member, proxy_id: int) -> MemberProxy:
    proxy = db.session.get(MemberProxy, proxy_id)
    if proxy is None or proxy.member_id != member.id:
        raise NotFound("The member has no such proxy.")
    return proxy


def proxy_for_checkin(member: Member, proxy_id: int) -> MemberProxy:
    """The proxy collecting for the member at check-in: one the member named, else 422 naming
    the `proxy` field."""
    proxy = db.session.get(MemberProxy, proxy_id)
    if proxy is None or proxy.member_id != member.id:
        raise InvalidInput(
            "That person is not one of the member's proxies.",
            fields={"proxy": ["Choose one of the member's proxies."]},
        )
    return proxy


def delete_proxies(member: Member) -> None:
    """Anonymisation: the member's proxies are other people's personal data; removed."""
    db.session.execute(delete(MemberProxy).where(MemberProxy.member_id == member.id))


# --- the door note --------------------------------------------------------------------------


def set_door_note(member: Member, data: DoorNote, *, actor: User) -> Member:
    """Set or clear (an empty note) the member's door note (staff of the member's site). A
    sensitive note is refused (422, beside the consent box) unless the member agreed; when
    they did, the time is kept until the note is cleared or no longer sensitive. Audited
    without the note's words."""
    ensure_works_at(actor, member.site, hidden_as="member")
    note = data.note
    sensitive = data.sensitive and bool(note)
    if sensitive and not data.consent:
        raise InvalidInput(
            "A sensitive note needs the member's consent.",
            fields={
                "door_note_consent": [
                    "Keep a note about health or access needs only if the member agrees: ask "
                    "them, and tick that they agreed."
                ]
            },
        )
    member.door_note = note
    member.door_note_sensitive = sensitive
    if not sensitive:
        member.door_note_consent_at = None
    elif member.door_note_consent_at is None:
        member.door_note_consent_at = utcnow()
    db.session.flush()
    audited.on_member(
        "member.door_note_set", member, actor, member.site_id, sensitive=sensitive, empty=not note
    )
    return member


def clear_access_details(member: Member) -> None:
    """Anonymisation: the "care of" address, the door note and the proxies go."""
    member.care_of = ""
    member.door_note = ""
    member.door_note_sensitive = False
    member.door_note_consent_at = None
    delete_proxies(member)


# --- at the door ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DoorAccess:
    """What the check-in panel shows of access: the note this member of staff may see, and
    who may collect for the member."""

    note: str
    sensitive: bool
    proxies: list[MemberProxy]

    @property
    def may_collect(self) -> str:
        """ "Jo Bloggs (neighbour), Sam Patel" """
        return ", ".join(p.label for p in self.proxies)


def door_access(member: Member, site: Site) -> DoorAccess:
    """The panel's access part at `site` (the caller has checked the actor works there): a
    sensitive note only at the member's own site. One query, for the proxies."""
    own = member.site_id == site.id
    shown = member.door_note if (own or not member.door_note_sensitive) else ""
    return DoorAccess(
        note=shown,
        sensitive=bool(shown) and member.door_note_sensitive,
        proxies=list_proxies(member),
    )
