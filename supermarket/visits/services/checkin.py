"""Checking a member in: the panel the desk sees, the check-in itself and voiding a visit.

Never twice, never over the limit: a check-in locks the member's row (SELECT ... FOR UPDATE
on PostgreSQL; on SQLite the request already holds the write lock, BEGIN IMMEDIATE) before it
counts the visits in the window and inserts, so two tablets checking in one household at once
are serialised and the second sees the first's visit. The idempotency key is unique per site
in the database; a retry with the same key, even one that waited on the lock while the first
attempt was still running, answers with the first visit — provided it asks for the same check-in
(request_fingerprint): the key reused for anything else is refused (409 idempotency_key_reused),
never answered with a visit that dropped the new basket or payment.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import Role, User
from supermarket.errors import Conflict, PermissionDenied, RuleViolation
from supermarket.extensions import db
from supermarket.members import services as members
from supermarket.members.identifiers import normalise_membership_number
from supermarket.members.models import Member
from supermarket.sites.calendar import local_date, now_or, offline_time_allowed
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings
from supermarket.visits.models import (
    DEVICE_NOT_ENROLLED,
    Device,
    ReviewStatus,
    SiteSession,
    Visit,
    VisitBand,
    VisitLine,
)
from supermarket.visits.services import stock_link
from supermarket.visits.services.allowance import (
    Allowance,
    Basket,
    ScannedLine,
    SettledPayment,
    allowance_for,
    count_basket,
    savings,
    settle_payment,
)
from supermarket.visits.services.dates import week_key
from supermarket.visits.services.requests import (
    CheckInRequest,
    Offline,
    clean_key,
    request_fingerprint,
)
from supermarket.visits.services.rules import (
    LimitState,
    Problem,
    allowance_problem,
    limit_problem,
    limit_state,
    membership_problem,
    state_from,
)

UNENROLLED_WORDS = "Recorded on a tablet that was not enrolled at this site at the time."

# --- finding the member ---------------------------------------------------------------------


def find_member(site: Site, number: str, *, actor: User, for_update: bool = False) -> Member:
    """The member whose card was scanned or typed at this site's desk: the site's own
    members, or another site's where this site accepts them (the members' rule,
    `not_allowed_at_this_site` otherwise). The caller (check-in, the panel) has checked that
    the actor works at `site`."""
    return members.find_member_for_checkin(site, number, actor=actor, for_update=for_update)


def home_settings(member: Member, site: Site, settings: SiteSettings) -> SiteSettings:
    return settings if member.site_id == site.id else member.site.settings


def can_override(site_settings: SiteSettings, actor: User) -> bool:
    return not site_settings.overrides_managers_only or actor.role == Role.SITE_MANAGER


# --- checking in ----------------------------------------------------------------------------


@dataclass
class CheckIn:
    """The visit, whether this request created it (False: a replay of its key), and the
    member's visits left in the window after it."""

    visit: Visit
    created: bool
    visits_left: int
    next_visit_from: date | None = None
    problems: list[Problem] = field(default_factory=list)


def _visit_by_key(site: Site, key: str) -> Visit | None:
    found = db.session.scalar(
        select(Visit.id).where(Visit.site_id == site.id, Visit.idempotency_key == key)
    )
    return db.session.get(Visit, found) if found is not None else None


def _replay(
    visit: Visit, number: str, fingerprint: str, settings: SiteSettings, now: datetime
) -> CheckIn:
    """The first visit made with this key, provided the retry asks for the same check-in
    (visits recorded before fingerprints were kept: for the same member)."""
    if normalise_membership_number(number) != visit.member.membership_number:
        raise Conflict(
            "This Idempotency-Key was already used for another member's check-in. Send a new "
            "key for a new check-in.",
            code="idempotency_key_reused",
            details={"visit_id": visit.id},
        )
    if visit.request_hash is not None and visit.request_hash != fingerprint:
        raise Conflict(
            f"This Idempotency-Key was already used to check {visit.member.first_name} in with "
            "a different basket or payment; that first check-in stands and this one was not "
            "recorded. Send a new key for a new check-in.",
            code="idempotency_key_reused",
            details={"visit_id": visit.id},
        )
    state = limit_state(visit.member, settings, local_date(visit.site, now))
    return CheckIn(
        visit, created=False, visits_left=state.left, next_visit_from=state.next_visit_from
    )


def _row_locks() -> bool:
    """Whether the database locks rows. SQLite does not, and needs not: a request that writes
    holds the database's write lock from its first statement (BEGIN IMMEDIATE), so everything
    it read, the replay check above included, is already what the previous check-in left."""
    return db.session.get_bind().dialect.name != "sqlite"


def _apply_overrides(
    problems: list[Problem], reason: str, settings: SiteSettings, actor: User
) -> list[str]:
    """Refuse the check-in for the first problem unless every problem may be overridden and a
    reason was given (by a site manager where the site says so); returns the overridden rules."""
    if not problems:
        return []
    details = {"problems": [p.as_dict() for p in problems]}
    blocking = [p for p in problems if not p.overridable]
    first = blocking[0] if blocking else problems[0]
    if blocking or not reason:
        raise RuleViolation(
            first.message,
            code=first.rule.value,
            details={**details, "overridable": not blocking, **first.details},
        )
    if not can_override(settings, actor):
        raise PermissionDenied(
            "Only a site manager can override a rule at this site. Ask the manager on shift.",
            code="override_needs_manager",
            details=details,
        )
    return [p.rule.value for p in problems]


def _open_session_id(site: Site, today: date) -> int | None:
    """Today's open session at the site, read with a share lock so that closing it (which
    takes the row's update lock) waits for check-ins in flight and then totals them."""
    return db.session.scalar(
        select(SiteSession.id)
        .where(
            SiteSession.site_id == site.id,
            SiteSession.closed_at.is_(None),
            SiteSession.local_date == today,
        )
        .with_for_update(read=True)
    )


def check_in(
    site: Site,
    request: CheckInRequest,
    *,
    actor: User,
    key: str | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Record a visit as CheckInIn loaded it, applying every rule (build_visit), once.

    A replay of `key` returns the first visit with `created` False. Scanned lines are issued
    from stock in the same transaction.
    """
    ensure_works_at(actor, site)
    key = clean_key(key)
    now = now_or(now)
    settings = site.settings
    number = request.membership_number
    fingerprint = request_fingerprint(request)
    if key is not None and (found := _visit_by_key(site, key)) is not None:
        return _replay(found, number, fingerprint, settings, now)
    if request.offline is not None:
        offline_time_allowed(site, request.offline.recorded_at, now)
    locks = _row_locks()
    member = find_member(site, number, actor=actor, for_update=locks)
    lines = stock_link.scanned_lines(request.lines)
    if locks and key is not None and (found := _visit_by_key(site, key)) is not None:
        # A first attempt with this key may have committed while we waited on the lock.
        return _replay(found, number, fingerprint, settings, now)

    draft = build_visit(site, member, request, lines, settings=settings, actor=actor, now=now)
    visit = draft.visit
    visit.idempotency_key = key
    visit.request_hash = fingerprint if key is not None else None
    first = _insert(visit, savepoint=locks)
    if first is not None:
        return _replay(first, number, fingerprint, settings, now)
    stock_link.issue_lines(site, draft.basket.lines, visit_id=visit.id, actor=actor, at=now)
    audit.record_on(
        "visit.checked_in",
        "visit",
        visit.id,
        actor,
        site.id,
        overridden_rules=draft.overridden,
        other_site=member.site_id != site.id,
        lines=len(draft.basket.lines),
        **_offline_audit(visit),
    )
    after = state_from((*draft.state.dates, visit.local_date), settings, visit.local_date)
    return CheckIn(
        visit,
        created=True,
        visits_left=after.left,
        next_visit_from=after.next_visit_from,
        problems=draft.problems,
    )


@dataclass
class Draft:
    """A visit built and allowed by every rule, not yet stored; what check-in needs of the
    rules after storing it."""

    visit: Visit
    basket: Basket
    state: LimitState
    problems: list[Problem]
    overridden: list[str]


def build_visit(
    site: Site,
    member: Member,
    request: CheckInRequest,
    lines: list[ScannedLine],
    *,
    settings: SiteSettings,
    actor: User,
    now: datetime,
) -> Draft:
    """The visit a check-in records, once every rule allows it.

    Refuses (409) a membership that is waiting, closed, suspended or past its term and grace
    period, a member over the visit limit (counted across sites in the ISO week or the last
    7 days) and a basket over the household's allowance, unless the problems may be
    overridden and `override_reason` is given.
    """
    offline = request.offline
    # An offline check-in's rules are those of when the tablet recorded it.
    today = local_date(site, offline.recorded_at if offline is not None else now)
    allowance = allowance_for(settings, member.household_size)
    basket = count_basket(allowance, request.basket, lines)
    payment = settle_payment(allowance.fee_pence, request.payment)
    state = limit_state(member, settings, today)
    problems = [
        p
        for p in (
            membership_problem(member, home_settings(member, site, settings), today),
            limit_problem(state, today),
            allowance_problem(basket),
        )
        if p is not None
    ]
    reason = (request.override_reason or "").strip()
    review: RuleViolation | PermissionDenied | None = None
    try:
        overridden = _apply_overrides(problems, reason, settings, actor)
    except (RuleViolation, PermissionDenied) as refusal:
        if offline is None:
            raise
        # The food has gone: the visit is recorded and marked for the manager's review.
        review, overridden = refusal, []
    visit = Visit(
        site_id=site.id,
        site=site,
        member_id=member.id,
        member=member,
        session_id=_open_session_id(site, today),
        visited_at=now,
        local_date=today,
        week_key=week_key(today),
        **_household(member),
        **_takings(allowance, basket, payment),
        override_reason=reason if overridden else "",
        overridden_rules=overridden,
        overridden_by_id=actor.id if overridden else None,
        actor_id=actor.id,
    )
    if offline is not None:
        _mark_offline(visit, offline, review, problems)
    visit.bands, visit.lines = _basket_rows(basket)
    return Draft(visit, basket, state, problems, overridden)


def _mark_offline(
    visit: Visit,
    offline: Offline,
    review: RuleViolation | PermissionDenied | None,
    problems: list[Problem],
) -> None:
    """Keep when and where an offline check-in was recorded, and mark it for review with the
    refusal's code and every rule's words when a rule would have refused it."""
    recorded_at = offline.recorded_at.astimezone(UTC)
    visit.offline_recorded_at = recorded_at
    visit.offline_device = offline.device or None
    code, words = "", ""
    if review is not None:
        code = review.code
        words = " ".join(p.message for p in problems) or review.message
    if offline.device and not _enrolled_at(offline.device, visit.site_id, recorded_at):
        # Only an enrolled tablet may hold the roster: the manager should know of one that
        # was not (revoked, another site's, unknown) when it recorded this check-in.
        code = code or DEVICE_NOT_ENROLLED
        words = f"{words} {UNENROLLED_WORDS}".strip()
    if not code:
        return
    visit.review_status = ReviewStatus.OPEN.value
    visit.review_reason_code = code[:40]
    visit.review_reason = words[:300]


def _enrolled_at(device_id: str, site_id: int, at: datetime) -> bool:
    device = db.session.get(Device, device_id[:64])
    return device is not None and device.enrolled_when(site_id, at)


def _offline_audit(visit: Visit) -> dict[str, Any]:
    if visit.offline_recorded_at is None:
        return {}
    return {
        "offline_recorded_at": visit.offline_recorded_at.isoformat(),
        "device": visit.offline_device,
        "review": visit.review_reason_code or None,
    }


def _basket_rows(basket: Basket) -> tuple[list[VisitBand], list[VisitLine]]:
    """The basket as the visit keeps it: items per band, and the scanned products."""
    bands = [
        VisitBand(band=band, quantity=count, value_pence=basket.values.get(band, 0))
        for band, count in basket.counts.items()
    ]
    # A visit line keeps the scanned line as it is: the product, and its name, band and price then.
    lines = [VisitLine(**asdict(line)) for line in basket.lines]
    return bands, lines


def _household(member: Member) -> dict[str, int]:
    """The household as it shops today, kept on the visit."""
    return {
        "adults": member.adults,
        "children_0_4": member.children_0_4,
        "children_5_11": member.children_5_11,
        "children_12_17": member.children_12_17,
    }


def _takings(allowance: Allowance, basket: Basket, payment: SettledPayment) -> dict[str, Any]:
    """The tier, fee, payment and value of a visit."""
    return {
        "tier": allowance.tier,
        "fee_pence": allowance.fee_pence,
        "payment_method": payment.method,
        "amount_paid_pence": payment.amount_pence,
        "payment_reason": payment.reason,
        "retail_value_pence": basket.retail_value_pence,
        "savings_pence": savings(basket.retail_value_pence, payment.amount_pence),
    }


def _insert(visit: Visit, *, savepoint: bool) -> Visit | None:
    """Store the visit, once. Returns None, or the visit another request stored first with
    the same key, when the unique key (the last guard) refused this one.

    On SQLite (no savepoint) this request holds the write lock and found no visit with its
    key, so the key cannot be taken under it and no savepoint to fall back to is needed.
    """
    guard: AbstractContextManager[Any] = db.session.begin_nested() if savepoint else nullcontext()
    try:
        with guard:
            db.session.add(visit)
            db.session.flush()
    except IntegrityError:
        key = visit.idempotency_key
        first = _visit_by_key(visit.site, key) if savepoint and key is not None else None
        if first is None:
            raise
        return first
    return None
