"""Anonymous emergency visits: record a parcel given without registering, list and void them.

Only a visit type that may be given to a non-member (`members_only` False) may be given
anonymously: the weekly shop is the membership offer. Staff of the site only (volunteers
record, site managers void); programme leads see them only as counts in the reports. A replay
of the Idempotency-Key with the same request returns the first record, and the key reused for
a different one is refused (409 idempotency_key_reused), as check-in's is; the unique key in
the database is the last guard when two requests race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import Conflict, InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.idempotency import fingerprint
from supermarket.rows import one_or_not_found
from supermarket.sites.calendar import local_date, now_or
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings, VisitType
from supermarket.visits.anonymous import AnonymousVisit
from supermarket.visits.services.allowance import settle_payment
from supermarket.visits.services.checkin import _open_session_id
from supermarket.visits.services.requests import Payment, clean_key
from supermarket.visits.services.void import checked_reason, mark_voided

# The longest range the list answers at once (a year of a site's parcels is a short list).
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class AnonymousRequest:
    """An anonymous visit as asked: the type (None: the site's only one), the household's
    counts, the payment (None: the type's fee in cash) and the parcel's value if known."""

    visit_type: str | None = None
    adults: int = 1
    children_0_4: int = 0
    children_5_11: int = 0
    children_12_17: int = 0
    payment: Payment | None = None
    retail_value_pence: int = 0


@dataclass
class Recorded:
    """The anonymous visit, and whether this request made it (False: a replay of its key)."""

    visit: AnonymousVisit
    created: bool


def anonymous_types(settings: SiteSettings) -> list[VisitType]:
    """The site's visit types that may be given to someone who has not registered."""
    return [t for t in settings.visit_types if not t.members_only]


def types_for_desk(site: Site, *, actor: User) -> list[VisitType]:
    """What the desk's form offers: the site's types for non-members (its staff only)."""
    ensure_works_at(actor, site)
    return anonymous_types(site.settings)


def choose_type(settings: SiteSettings, key: str | None) -> VisitType:
    """The type asked for, if the site gives it to non-members; the site's only such type
    when none is named."""
    allowed = anonymous_types(settings)
    if not allowed:
        raise RuleViolation(
            "This site gives no kind of visit to people who have not registered. A site "
            "manager can add one (the emergency parcel) in the site's settings.",
            code="no_anonymous_visit_type",
        )
    if not key:
        if len(allowed) == 1:
            return allowed[0]
        raise InvalidInput(
            "Choose the kind of visit.", fields={"visit_type": ["Choose the kind of visit."]}
        )
    chosen = settings.visit_type(key)
    if chosen is None:
        raise InvalidInput(
            "This site has no such kind of visit.",
            fields={"visit_type": ["Choose one of the site's kinds of visit."]},
        )
    if chosen.members_only:
        raise RuleViolation(
            f"{chosen.label} is for members only: register the household to give it, or "
            f"choose {', '.join(t.label for t in allowed)}.",
            code="visit_type_members_only",
            details={"visit_type": chosen.key},
            fields={"visit_type": [f"{chosen.label} is for members only."]},
        )
    return chosen


def fee_for(settings: SiteSettings, kind: VisitType) -> int:
    """The type's fee; the site's own where the type names none."""
    return settings.fee_pence if kind.fee_pence is None else kind.fee_pence


def request_fingerprint(request: AnonymousRequest) -> str:
    """What makes two parcels sent with one Idempotency-Key "the same", as a SHA-256 hex digest:
    the type asked for, the household's counts, the payment (no payment at all is a cash
    payment of the fee; reasons compared without surrounding spaces) and the parcel's value."""
    payment = request.payment or Payment()
    return fingerprint(
        {
            "visit_type": request.visit_type or "",
            "household": [
                request.adults,
                request.children_0_4,
                request.children_5_11,
                request.children_12_17,
            ],
            "payment": {
                "method": payment.method or "cash",
                "amount_pence": payment.amount_pence,
                "reason": (payment.reason or "").strip(),
            },
            "retail_value_pence": request.retail_value_pence,
        }
    )


def _replay(visit: AnonymousVisit, hashed: str) -> Recorded:
    """The first parcel made with this key, provided the retry asks for the same parcel
    (parcels recorded before fingerprints were kept: always)."""
    if visit.request_hash is not None and visit.request_hash != hashed:
        raise Conflict(
            "This Idempotency-Key was already used for a different parcel; that first parcel "
            "stands and this one was not recorded. Send a new key for a new parcel.",
            code="idempotency_key_reused",
            details={"anonymous_visit_id": visit.id},
        )
    return Recorded(visit, created=False)


def _by_key(site: Site, key: str) -> AnonymousVisit | None:
    return db.session.scalar(
        select(AnonymousVisit).where(
            AnonymousVisit.site_id == site.id, AnonymousVisit.idempotency_key == key
        )
    )


def record_anonymous_visit(
    site: Site,
    request: AnonymousRequest,
    *,
    actor: User,
    key: str | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Record a parcel given without registering, with the household's counts only; a replay
    of `key` returns the first record. It joins today's open till session."""
    ensure_works_at(actor, site)
    key = clean_key(key)
    hashed = request_fingerprint(request)
    if key is not None and (found := _by_key(site, key)) is not None:
        return _replay(found, hashed)
    settings = site.settings
    kind = choose_type(settings, request.visit_type)
    counts = (request.adults, request.children_0_4, request.children_5_11, request.children_12_17)
    if sum(counts) < 1:
        raise InvalidInput(
            "Count at least one person in the household.",
            fields={"adults": ["Count at least one person."]},
        )
    fee = fee_for(settings, kind)
    payment = settle_payment(fee, request.payment)
    now = now_or(now)
    today = local_date(site, now)
    visit = AnonymousVisit(
        site_id=site.id,
        session_id=_open_session_id(site, today),
        visited_at=now,
        local_date=today,
        visit_type=kind.key,
        idempotency_key=key,
        request_hash=hashed if key is not None else None,
        adults=request.adults,
        children_0_4=request.children_0_4,
        children_5_11=request.children_5_11,
        children_12_17=request.children_12_17,
        fee_pence=fee,
        payment_method=payment.method,
        amount_paid_pence=payment.amount_pence,
        payment_reason=payment.reason,
        retail_value_pence=request.retail_value_pence,
        actor_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(visit)
            db.session.flush()
    except IntegrityError:
        # Another request stored a parcel with this key after we looked, and committed.
        first = _by_key(site, key) if key is not None else None
        if first is None:
            raise
        return _replay(first, hashed)
    audit.record_on(
        "anonymous_visit.recorded", "anonymous_visit", visit.id, actor, site.id, type=kind.key
    )
    return Recorded(visit, created=True)


def list_anonymous_visits(
    site: Site, start: date, end: date, *, actor: User
) -> Select[AnonymousVisit]:
    """The site's anonymous visits from `start` to `end` (both included), for its staff."""
    ensure_works_at(actor, site)
    if end < start:
        raise InvalidInput("The range ends before it starts.", fields={"to": ["After the start."]})
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidInput(
            "Ask for a year at most.", fields={"to": ["At most a year after the start."]}
        )
    return select(AnonymousVisit).where(
        AnonymousVisit.site_id == site.id,
        AnonymousVisit.local_date >= start,
        AnonymousVisit.local_date <= end,
    )


def day_anonymous_visits(site: Site, day: date, *, actor: User) -> list[AnonymousVisit]:
    """The anonymous visits of one day at the site, in the order they were given."""
    stmt = list_anonymous_visits(site, day, day, actor=actor)
    return list(db.session.scalars(stmt.order_by(AnonymousVisit.visited_at, AnonymousVisit.id)))


def get_anonymous_visit(site: Site, visit_id: int, *, actor: User) -> AnonymousVisit:
    """One anonymous visit made at the site, for its staff only (404 otherwise)."""
    ensure_works_at(actor, site)
    stmt = select(AnonymousVisit).where(
        AnonymousVisit.id == visit_id, AnonymousVisit.site_id == site.id
    )
    return one_or_not_found(stmt, "No such visit.", code="visit_not_found")


def void_anonymous_visit(
    site: Site, visit_id: int, reason: str, *, actor: User, now: datetime | None = None
) -> AnonymousVisit:
    """Undo an anonymous visit recorded by mistake (site managers, on its day, with a reason):
    it stops counting in the cash-up and the reports."""
    ensure_works_at(actor, site, managers_only=True)
    reason = checked_reason(reason)
    stmt = select(AnonymousVisit).where(
        AnonymousVisit.id == visit_id, AnonymousVisit.site_id == site.id
    )
    visit = one_or_not_found(stmt, "No such visit.", code="visit_not_found", lock=True)
    mark_voided(site, visit, reason, actor=actor, now=now)
    db.session.flush()
    audit.record_on("anonymous_visit.voided", "anonymous_visit", visit.id, actor, site.id)
    return visit


def session_parcels(session_id: int) -> list[AnonymousVisit]:
    """A till session's anonymous visits, voided ones too, in the order they were given (for
    its sheet, whose totals count them)."""
    stmt = (
        select(AnonymousVisit)
        .where(AnonymousVisit.session_id == session_id)
        .order_by(AnonymousVisit.visited_at, AnonymousVisit.id)
    )
    return list(db.session.scalars(stmt))


def session_takings_rows(session_id: int) -> list[tuple[str, bool, int, int, int]]:
    """What a till session's anonymous visits recorded, as the cash-up reads its visits: by
    payment method and whether voided, how many, paid and fees due (pence)."""
    rows = db.session.execute(
        select(
            AnonymousVisit.payment_method,
            AnonymousVisit.voided_at.is_(None),
            func.count(AnonymousVisit.id),
            func.coalesce(func.sum(AnonymousVisit.amount_paid_pence), 0),
            func.coalesce(func.sum(AnonymousVisit.fee_pence), 0),
        )
        .where(AnonymousVisit.session_id == session_id)
        .group_by(AnonymousVisit.payment_method, AnonymousVisit.voided_at.is_(None))
    ).all()
    return [(m, bool(live), int(c), int(p), int(f)) for m, live, c, p, f in rows]
