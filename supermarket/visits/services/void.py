"""Voiding a visit recorded by mistake: site managers, on the day, with a reason (the same
rules void a parcel given without registering: services.anonymous)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.rows import one_or_not_found
from supermarket.sites.calendar import local_date, now_or
from supermarket.sites.models import Site
from supermarket.visits.anonymous import AnonymousVisit
from supermarket.visits.models import ReviewStatus, Visit
from supermarket.visits.services import payments, stock_link


def get_visit(site: Site, visit_id: int, *, actor: User, lock: bool = False) -> Visit:
    """A visit made at the site, for its staff only (404 otherwise)."""
    ensure_works_at(actor, site)
    return _visit(site, visit_id, lock=lock)


def checked_reason(reason: str) -> str:
    """The reason to void a visit or a parcel, which must be given."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the visit is voided.", fields={"reason": ["Give a reason."]})
    return reason


def mark_voided(
    site: Site,
    visit: Visit | AnonymousVisit,
    reason: str,
    *,
    actor: User,
    now: datetime | None,
) -> datetime:
    """Mark a visit or a parcel voided, if not already and on the day it was made; returns
    when (what else voiding undoes is the caller's)."""
    if visit.voided_at is not None:
        raise RuleViolation("This visit is already voided.", code="already_voided")
    now = now_or(now)
    if visit.local_date != local_date(site, now):
        raise RuleViolation(
            "A visit can only be voided on the day it was made.", code="void_too_late"
        )
    visit.voided_at = now
    visit.void_reason = reason[:200]
    visit.voided_by_id = actor.id
    return now


def _visit(site: Site, visit_id: int, *, lock: bool = False) -> Visit:
    stmt = select(Visit).where(Visit.id == visit_id, Visit.site_id == site.id)
    return one_or_not_found(stmt, "No such visit.", code="visit_not_found", lock=lock)


def void_visit(
    site: Site, visit_id: int, reason: str, *, actor: User, now: datetime | None = None
) -> Visit:
    """Undo a visit recorded by mistake (site managers, on the day it was made, with a
    reason). It stops counting against the limit and any stock it took goes back."""
    ensure_works_at(actor, site, managers_only=True)
    reason = checked_reason(reason)
    visit = _visit(site, visit_id, lock=True)
    now = mark_voided(site, visit, reason, actor=actor, now=now)
    if visit.review_status is not None:  # an offline check-in under review: voided settles it
        visit.review_status = ReviewStatus.VOIDED.value
        visit.reviewed_by_id, visit.reviewed_at = actor.id, now
    if visit.lines:
        stock_link.return_lines(visit.id, actor=actor, at=now)
    payments.give_back_points(visit, now=now)
    db.session.flush()
    audit.record_on("visit.voided", "visit", visit.id, actor, site.id, lines=len(visit.lines))
    return visit
