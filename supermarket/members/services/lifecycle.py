"""A membership's life after registration (site managers): suspend, reinstate, renew, review,
close, and the waiting list of a site whose member cap is reached."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, tuple_

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.members import rules
from supermarket.members.inputs import FeePayment
from supermarket.members.models import FeeKind, Member, MemberStatus
from supermarket.members.services import audited
from supermarket.members.services.fees import fee_due, record_fee, settle_fee
from supermarket.members.services.lookup import _site_is_full
from supermarket.members.services.registration import term_columns
from supermarket.members.terms import add_months
from supermarket.sites.calendar import site_today


def _lifecycle(member: Member, action: str, actor: User, **details: Any) -> None:
    db.session.flush()
    audited.on_member(
        f"member.{action}", member, actor, member.site_id, status=member.status, **details
    )


def suspend_member(member: Member, reason: str, *, actor: User) -> Member:
    """Suspend an active (or lapsed) membership with a reason (site managers)."""
    ensure_works_at(actor, member.site, managers_only=True, hidden_as="member")
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
    ensure_works_at(actor, member.site, managers_only=True, hidden_as="member")
    if member.status != MemberStatus.SUSPENDED:
        raise RuleViolation("This membership is not suspended.", code="not_suspended")
    member.status = MemberStatus.ACTIVE.value
    member.status_reason = ""
    _lifecycle(member, "reinstated", actor)
    return member


def renew_member(member: Member, *, actor: User, fee: FeePayment | None = None) -> Member:
    """Extend the term by the site's term from its end (or from today once lapsed) and start a
    new review interval (site managers). A suspended member stays suspended. Where the site
    takes its joining fee again at renewal, `fee` says how it was settled (members.services.
    fees) and it is written with the renewal."""
    ensure_works_at(actor, member.site, managers_only=True, hidden_as="member")
    if member.status in (MemberStatus.CLOSED, MemberStatus.WAITING):
        raise RuleViolation(
            "A closed membership or a place on the waiting list cannot be renewed.",
            code="cannot_renew",
        )
    renewal_fee = fee_due(member.site, FeeKind.RENEWAL)
    settled = settle_fee(renewal_fee, fee, kind=FeeKind.RENEWAL)
    settings = member.site.settings
    today = site_today(member.site)
    start = member.expires_on if member.expires_on and member.expires_on >= today else today
    member.expires_on = add_months(start, settings.membership_term_months)
    member.review_due_on = add_months(today, settings.review_interval_months)
    if member.status == MemberStatus.LAPSED:
        member.status = MemberStatus.ACTIVE.value
    if settled is not None:
        record_fee(member, FeeKind.RENEWAL, renewal_fee, settled, actor=actor)
    _lifecycle(member, "renewed", actor, expires_on=member.expires_on.isoformat())
    return member


def record_review(member: Member, *, actor: User) -> Member:
    """The membership was reviewed today: the next review is one interval away."""
    ensure_works_at(actor, member.site, managers_only=True, hidden_as="member")
    if member.status in (MemberStatus.CLOSED, MemberStatus.WAITING):
        raise RuleViolation("Only a current membership is reviewed.", code="cannot_review")
    today = site_today(member.site)
    member.review_due_on = add_months(today, member.site.settings.review_interval_months)
    _lifecycle(member, "reviewed", actor)
    return member


def close_member(member: Member, reason: str, *, actor: User) -> Member:
    """End a membership (site managers). Its data stays until the retention period passes."""
    ensure_works_at(actor, member.site, managers_only=True, hidden_as="member")
    if member.status == MemberStatus.CLOSED:
        raise RuleViolation("This membership is already closed.", code="already_closed")
    member.status = MemberStatus.CLOSED.value
    member.status_reason = reason.strip()
    member.closed_on = site_today(member.site)
    _lifecycle(member, "closed", actor)
    return member


def admit_from_waiting_list(member: Member, *, actor: User) -> Member:
    """Give a waiting household a place: its term starts today (site managers)."""
    ensure_works_at(actor, member.site, managers_only=True, hidden_as="member")
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
    term = rules.new_term(settings, today, waiting=False)
    for column, value in term_columns(term).items():
        setattr(member, column, value)
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
