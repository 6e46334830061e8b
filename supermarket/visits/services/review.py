"""The site manager's review of offline check-ins a rule would have refused.

A tablet that checked a member in offline could not ask the server; when the check-in syncs
and a rule says no (the member was checked in at another site meanwhile, the membership had
lapsed), the visit is still recorded — the food has gone — and marked `open` for review. The
site's manager accepts it, adds a note, or voids it with a reason (it then stops counting in
reports and against the limit, and any stock it took goes back, as a voided visit does).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, case, func, select

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.rows import one_or_not_found
from supermarket.sites.calendar import now_or
from supermarket.sites.models import Site
from supermarket.visits.models import ReviewStatus, Visit
from supermarket.visits.services import payments, stock_link

ACCEPT, NOTE, VOID = "accept", "note", "void"
ACTIONS = (ACCEPT, NOTE, VOID)
AUDIT_ACTIONS = {
    ACCEPT: "visit.review_accepted",
    NOTE: "visit.review_noted",
    VOID: "visit.review_voided",
}
# The most visits the review list shows (open ones first, then the latest resolved).
REVIEW_LIST_LIMIT = 200


def review_list(site: Site, *, actor: User) -> Select[Visit]:
    """The site's visits marked for review: open ones first (oldest first, the order they
    happened), then those resolved, latest first. Site managers only."""
    ensure_works_at(actor, site, managers_only=True)
    is_open = Visit.review_status == ReviewStatus.OPEN.value
    return (
        select(Visit)
        .where(Visit.site_id == site.id, Visit.review_status.is_not(None))
        .order_by(
            case((is_open, 0), else_=1),
            case((is_open, Visit.id), else_=-Visit.id),
        )
        .limit(REVIEW_LIST_LIMIT)
    )


def open_reviews(site: Site) -> int:
    """How many of the site's visits wait for review (for the badge); no access check."""
    return (
        db.session.scalar(
            select(func.count(Visit.id)).where(
                Visit.site_id == site.id, Visit.review_status == ReviewStatus.OPEN.value
            )
        )
        or 0
    )


def resolve_review(
    site: Site,
    visit_id: int,
    action: str,
    note: str = "",
    *,
    actor: User,
    now: datetime | None = None,
) -> Visit:
    """Accept an open review (with an optional note), add a note to any review, or void an
    open or accepted one with a reason (the note). Site managers; audited."""
    ensure_works_at(actor, site, managers_only=True)
    note = (note or "").strip()
    stmt = select(Visit).where(
        Visit.id == visit_id, Visit.site_id == site.id, Visit.review_status.is_not(None)
    )
    visit = one_or_not_found(
        stmt, "No visit to review with that number.", code="visit_not_found", lock=True
    )
    now = now_or(now)
    if action not in ACTIONS:
        raise InvalidInput(
            "Choose accept, note or void.", fields={"action": ["Choose accept, note or void."]}
        )
    if action == NOTE and not note:
        raise InvalidInput("Write the note.", fields={"note": ["Write the note."]})
    if action == VOID and not note:
        raise InvalidInput(
            "Say why the visit is voided.", fields={"note": ["Give a reason for voiding."]}
        )
    if visit.review_status == ReviewStatus.VOIDED.value and action != NOTE:
        raise RuleViolation("This visit is already voided.", code="already_voided")
    if action == ACCEPT and visit.review_status != ReviewStatus.OPEN.value:
        raise RuleViolation("This visit is already accepted.", code="already_reviewed")
    if note:
        visit.review_note = note[:500]
    if action == ACCEPT:
        visit.review_status = ReviewStatus.ACCEPTED.value
    elif action == VOID:
        visit.review_status = ReviewStatus.VOIDED.value
        if visit.voided_at is None:
            visit.voided_at = now
            visit.void_reason = note[:200]
            visit.voided_by_id = actor.id
            if visit.lines:
                stock_link.return_lines(visit.id, actor=actor, at=now)
            payments.give_back_points(visit, now=now)
    visit.reviewed_by_id = actor.id
    visit.reviewed_at = now
    db.session.flush()
    audit.record_on(
        AUDIT_ACTIONS[action],
        "visit",
        visit.id,
        actor,
        site.id,
        reason_code=visit.review_reason_code,
    )
    return visit
