"""Finding one member of a site (for its staff only), and the places a site's member
cap counts. (Who may act on a site's members: `auth.access.ensure_works_at`.)"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import NotFound
from supermarket.extensions import db
from supermarket.members import rules
from supermarket.members.identifiers import normalise_membership_number
from supermarket.members.models import Member, MemberStatus
from supermarket.members.services import audited
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings

# Statuses that hold a place at the site (a member cap counts these).
HOLDING_PLACE = (MemberStatus.ACTIVE.value, MemberStatus.SUSPENDED.value)
# A closed membership is over: the household may register afresh without a duplicate warning.
OPEN_STATUSES = tuple(s.value for s in MemberStatus if s is not MemberStatus.CLOSED)


def get_member(site: Site, number: str, *, actor: User, managers_only: bool = False) -> Member:
    """A member of `site` by membership number, for staff of that site only (404 otherwise).

    Anonymised members are gone as far as staff are concerned.
    """
    ensure_works_at(actor, site, managers_only=managers_only, hidden_as="member")
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
    audited.on_member("member.viewed", member, actor, site.id)
    return member


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
    return rules.is_full(places_taken(site), settings.member_cap)


def _numbers_by_id(ids: Collection[str]) -> dict[str, str]:
    wanted = [int(i) for i in ids if i.isascii() and i.isdigit()]
    rows = db.session.execute(
        select(Member.id, Member.membership_number).where(Member.id.in_(wanted))
    )
    return {str(row.id): row.membership_number for row in rows}


def _ids_by_number(text: str) -> list[str]:
    number = normalise_membership_number(text)
    if number is None:
        return []
    return [
        str(i)
        for i in db.session.scalars(select(Member.id).where(Member.membership_number == number))
    ]


# The audit log names a member by membership number (never the database id), to the roles
# that may see one: the site's manager and the administrator, who reads the log.
audit.name_objects(
    "member",
    audit.Namer(names=_numbers_by_id, ids=_ids_by_number, shown_to=("site_manager", "admin")),
)
