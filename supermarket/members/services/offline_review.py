"""The site manager's review of households registered offline that may duplicate a member.

A tablet that registered a household offline could not ask the server's duplicate check; the
household was told it is registered. When the registration syncs and the check finds an open
member with the same surname, date of birth and postcode, the household is registered all
the same and marked `open` for review. The site's manager decides, never the system: keep it
as a separate household (another person at the same address and birthday is possible), or
close the new record as a duplicate with a note (its membership closes; nothing is merged).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, case, func, select

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.members.identifiers import normalise_membership_number
from supermarket.members.models import Member, MemberStatus, OfflineRegistration
from supermarket.members.models import RegistrationReview as Review
from supermarket.members.services import audited
from supermarket.members.services.lifecycle import close_member
from supermarket.rows import one_or_not_found
from supermarket.sites.calendar import now_or
from supermarket.sites.models import Site

KEEP, CLOSE, NOTE = "keep", "close", "note"
ACTIONS = (KEEP, CLOSE, NOTE)
AUDIT_ACTIONS = {
    KEEP: "member.duplicate_review_kept",
    CLOSE: "member.duplicate_review_closed",
    NOTE: "member.duplicate_review_noted",
}
# The most registrations the review list shows (open ones first, then the latest resolved).
REVIEW_LIST_LIMIT = 200


def registration_reviews(site: Site, *, actor: User) -> Select[OfflineRegistration]:
    """The site's offline registrations marked for review: open ones first (oldest first),
    then those resolved, latest first. Site managers only."""
    ensure_works_at(actor, site, managers_only=True)
    is_open = OfflineRegistration.review_status == Review.OPEN.value
    return (
        select(OfflineRegistration)
        .join(Member, Member.id == OfflineRegistration.member_id)
        .where(
            OfflineRegistration.site_id == site.id,
            OfflineRegistration.review_status.is_not(None),
            Member.anonymised_at.is_(None),
        )
        .order_by(
            case((is_open, 0), else_=1),
            case((is_open, OfflineRegistration.member_id), else_=-OfflineRegistration.member_id),
        )
        .limit(REVIEW_LIST_LIMIT)
    )


def open_registration_reviews(site: Site) -> int:
    """How many of the site's offline registrations wait for review; no access check."""
    return (
        db.session.scalar(
            select(func.count()).where(
                OfflineRegistration.site_id == site.id,
                OfflineRegistration.review_status == Review.OPEN.value,
            )
        )
        or 0
    )


def resolve_registration_review(
    site: Site,
    number: str,
    action: str,
    note: str = "",
    *,
    actor: User,
    now: datetime | None = None,
) -> OfflineRegistration:
    """Keep an open review's household as a separate one (with an optional note), close it as
    a duplicate of the existing member with a note (its membership closes; nothing is
    merged), or add a note to any review. Site managers of the site; audited."""
    ensure_works_at(actor, site, managers_only=True)
    note = (note or "").strip()
    record = one_or_not_found(
        select(OfflineRegistration)
        .join(Member, Member.id == OfflineRegistration.member_id)
        .where(
            Member.membership_number == (normalise_membership_number(number) or ""),
            Member.site_id == site.id,
            Member.anonymised_at.is_(None),
            OfflineRegistration.review_status.is_not(None),
        ),
        "No registration to review with that number.",
        code="registration_not_found",
        lock=True,
    )
    if action not in ACTIONS:
        raise InvalidInput(
            "Choose keep, close or note.", fields={"action": ["Choose keep, close or note."]}
        )
    if action in (NOTE, CLOSE) and not note:
        words = "Write the note." if action == NOTE else "Say why it is a duplicate."
        raise InvalidInput(words, fields={"note": [words]})
    if action != NOTE and record.review_status != Review.OPEN.value:
        raise RuleViolation("This registration is already reviewed.", code="already_reviewed")
    if note:
        record.review_note = note[:500]
    member = record.member
    if action == CLOSE:
        if member.status != MemberStatus.CLOSED:
            existing = record.duplicate_of
            why = f"Duplicate of {existing.membership_number}" if existing else "Duplicate"
            close_member(member, f"{why}: {note}"[:200], actor=actor)
        record.review_status = Review.CLOSED.value
    elif action == KEEP:
        record.review_status = Review.KEPT.value
    record.reviewed_by_id = actor.id
    record.reviewed_at = now_or(now)
    db.session.flush()
    audited.on_member(
        AUDIT_ACTIONS[action],
        member,
        actor,
        site.id,
        provisional_number=record.provisional_number,
        duplicate_of=record.duplicate_of_id,
    )
    return record
