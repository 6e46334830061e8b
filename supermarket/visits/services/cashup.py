"""Till sessions and the cash-up: open a session with the volunteers on shift; close it
with the cash counted against the fees its visits recorded and the membership (joining)
fees taken while it was open; the difference is kept with a note.

A membership fee belongs to the session open at its site when it was taken, on that
session's day (as a check-in does). Members sit below visits and cannot name the session, so
the cash-up finds the fees by site, day and time while the session is open, and stamps them
with the session's id when it closes; from then on the session's fees are exactly those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import Conflict, InvalidInput
from supermarket.extensions import db
from supermarket.formatting import money
from supermarket.members.models import FeeKind, FeeMethod, MembershipFee
from supermarket.rows import one_or_not_found
from supermarket.sites.calendar import local_date, now_or, site_today
from supermarket.sites.models import Site
from supermarket.visits.anonymous import AnonymousVisit
from supermarket.visits.models import PaymentMethod, SiteSession, Visit
from supermarket.visits.services.anonymous import session_parcels, session_takings_rows

MAX_CASH_PENCE = 10_000_000
# The methods the cash-up counted when it closed (the session keeps them); the others are
# counted live from the visits.
_MONEY_METHODS = frozenset({PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.WAIVED})


@dataclass
class Takings:
    """What a session's visits (not voided) recorded, by payment method."""

    visits: int = 0
    voided: int = 0
    by_method: dict[str, int] = field(default_factory=dict)  # pence
    counts: dict[str, int] = field(default_factory=dict)
    overrides: int = 0
    fees_due_pence: int = 0
    # Membership (joining and renewal) fees taken in the session, by method: pence, and how
    # many.
    joining_by_method: dict[str, int] = field(default_factory=dict)
    joining_counts: dict[str, int] = field(default_factory=dict)
    # The payment models beyond the flat fee (visits.services.payments): the membership fees
    # among the fees above (pence by method, and how many), what pay-as-you-feel visits gave
    # (also in the cash and card above) and how many, and the points spent (not money).
    membership_by_method: dict[str, int] = field(default_factory=dict)
    membership_counts: dict[str, int] = field(default_factory=dict)
    pay_as_you_feel_pence: int = 0
    pay_as_you_feel_visits: int = 0
    points_spent: int = 0

    @property
    def payment_lines(self) -> list[tuple[str, str]]:
        """The cash-up's lines for the payment types a session had beyond the flat fee, in
        words: free and membership-covered visits, membership fees, pay-as-you-feel, points."""
        lines: list[tuple[str, str]] = []
        for method, words in (
            (PaymentMethod.FREE, "Visits with nothing due"),
            (PaymentMethod.MEMBERSHIP, "Visits covered by a membership fee"),
            (PaymentMethod.PAY_AS_YOU_FEEL, "Pay as you feel: nothing given"),
            (PaymentMethod.POINTS, "Visits paid in points"),
        ):
            if self.counts.get(method.value):
                lines.append((words, str(self.counts[method.value])))
        if self.pay_as_you_feel_visits:
            lines.append(
                (
                    "Pay as you feel: given (in the cash and card above)",
                    f"{money(self.pay_as_you_feel_pence)} "
                    f"from {self.pay_as_you_feel_visits} visits",
                )
            )
        if self.points_spent:
            lines.append(("Points spent (not money)", str(self.points_spent)))
        if self.membership_counts:
            lines.append(
                (
                    "Membership fees (in the fees above)",
                    f"{money(self.membership_by_method.get(FeeMethod.CASH.value, 0))} cash, "
                    f"{money(self.membership_by_method.get(FeeMethod.CARD.value, 0))} card, "
                    f"{self.membership_counts.get(FeeMethod.WAIVED.value, 0)} waived",
                )
            )
        return lines

    # Of the visits, parcels given without registering (visits.anonymous), not voided.
    parcels: int = 0

    @property
    def cash_pence(self) -> int:
        """Cash taken at visits."""
        return self.by_method.get(PaymentMethod.CASH.value, 0)

    @property
    def joining_fees(self) -> int:
        """How many joining (or renewal) fees were settled in the session, waived ones too."""
        return sum(self.joining_counts.values())

    @property
    def joining_cash_pence(self) -> int:
        return self.joining_by_method.get(FeeMethod.CASH.value, 0)

    @property
    def joining_card_pence(self) -> int:
        return self.joining_by_method.get(FeeMethod.CARD.value, 0)

    @property
    def joining_waived(self) -> int:
        return self.joining_counts.get(FeeMethod.WAIVED.value, 0)

    @property
    def all_cash_pence(self) -> int:
        """Cash that should be in the tin besides the float: visits and joining fees."""
        return self.cash_pence + self.joining_cash_pence

    @property
    def all_card_pence(self) -> int:
        return self.card_pence + self.joining_card_pence

    @property
    def card_pence(self) -> int:
        return self.by_method.get(PaymentMethod.CARD.value, 0)

    @property
    def waived(self) -> int:
        return self.counts.get(PaymentMethod.WAIVED.value, 0)


def takings(session: SiteSession) -> Takings:
    result = Takings()
    rows = db.session.execute(
        select(
            Visit.payment_method,
            Visit.voided_at.is_(None),
            func.count(Visit.id),
            func.coalesce(func.sum(Visit.amount_paid_pence), 0),
            func.coalesce(func.sum(Visit.fee_pence), 0),
        )
        .where(Visit.session_id == session.id)
        .group_by(Visit.payment_method, Visit.voided_at.is_(None))
    ).all()
    # Parcels given without registering are takings of the session too.
    parcels = session_takings_rows(session.id)
    result.parcels = sum(count for _method, live, count, _paid, _fees in parcels if live)
    for method, live, count, paid, fees in [*rows, *parcels]:
        if not live:
            result.voided += count
            continue
        result.visits += count
        result.counts[method] = result.counts.get(method, 0) + count
        result.by_method[method] = result.by_method.get(method, 0) + int(paid)
        result.fees_due_pence += int(fees)
    result.overrides = (
        db.session.scalar(
            select(func.count(Visit.id)).where(
                Visit.session_id == session.id,
                Visit.voided_at.is_(None),
                Visit.override_reason != "",
            )
        )
        or 0
    )
    _add_membership_fees(result, session)
    _add_payment_models(result, session)
    return result


def _add_payment_models(result: Takings, session: SiteSession) -> None:
    """Pay-as-you-feel given and points spent on the session's visits (not voided)."""
    given, visits, points = db.session.execute(
        select(
            func.coalesce(
                func.sum(Visit.amount_paid_pence).filter(Visit.payment_model == "pay_as_you_feel"),
                0,
            ),
            func.count(Visit.id).filter(
                Visit.payment_model == "pay_as_you_feel", Visit.amount_paid_pence > 0
            ),
            func.coalesce(func.sum(Visit.points_spent), 0),
        ).where(Visit.session_id == session.id, Visit.voided_at.is_(None))
    ).one()
    result.pay_as_you_feel_pence = int(given)
    result.pay_as_you_feel_visits = int(visits)
    result.points_spent = int(points)


def _session_fees(session: SiteSession) -> ColumnElement[bool]:
    """The membership fees that belong to the session: stamped with it once it is closed;
    while it is open, those taken at its site on its day since it opened, not yet stamped."""
    if session.closed_at is not None:
        return MembershipFee.session_id == session.id
    return (
        (MembershipFee.site_id == session.site_id)
        & MembershipFee.session_id.is_(None)
        & (MembershipFee.local_date == session.local_date)
        & (MembershipFee.recorded_at >= session.opened_at)
    )


def _add_membership_fees(result: Takings, session: SiteSession) -> None:
    rows = db.session.execute(
        select(
            MembershipFee.method,
            MembershipFee.kind,
            func.count(MembershipFee.id),
            func.coalesce(func.sum(MembershipFee.amount_pence), 0),
        )
        .where(_session_fees(session))
        .group_by(MembershipFee.method, MembershipFee.kind)
    ).all()
    for method, kind, count, paid in rows:
        result.joining_counts[method] = result.joining_counts.get(method, 0) + int(count)
        result.joining_by_method[method] = result.joining_by_method.get(method, 0) + int(paid)
        if kind == FeeKind.MEMBERSHIP.value:
            result.membership_counts[method] = int(count)
            result.membership_by_method[method] = int(paid)


def as_cashed_up(session: SiteSession) -> Takings:
    """A session's takings: as counted at the cash-up once it is closed (a visit voided later
    that day does not rewrite the cash-up), live while it is open."""
    live = takings(session)
    if session.closed_at is None:
        return live
    # The session keeps all the cash and card expected (visits and membership fees); the
    # membership fees are the ones stamped with it, so the visits' part is the rest.
    return Takings(
        visits=session.visits_count or 0,
        voided=live.voided,
        by_method={
            PaymentMethod.CASH.value: (session.expected_cash_pence or 0) - live.joining_cash_pence,
            PaymentMethod.CARD.value: (session.expected_card_pence or 0) - live.joining_card_pence,
        },
        counts={
            **{m: n for m, n in live.counts.items() if m not in _MONEY_METHODS},
            PaymentMethod.WAIVED.value: session.waived_count or 0,
        },
        overrides=session.overrides_count or 0,
        fees_due_pence=live.fees_due_pence,
        joining_by_method=live.joining_by_method,
        joining_counts=live.joining_counts,
        membership_by_method=live.membership_by_method,
        membership_counts=live.membership_counts,
        pay_as_you_feel_pence=live.pay_as_you_feel_pence,
        pay_as_you_feel_visits=live.pay_as_you_feel_visits,
        points_spent=live.points_spent,
    )


def open_session_for(site: Site) -> SiteSession | None:
    """The site's open session, whatever day it was opened (one is forgotten now and then)."""
    return db.session.scalar(
        select(SiteSession).where(SiteSession.site_id == site.id, SiteSession.closed_at.is_(None))
    )


def current_session(site: Site, *, actor: User) -> SiteSession | None:
    ensure_works_at(actor, site)
    return open_session_for(site)


def open_session(
    site: Site,
    *,
    actor: User,
    volunteers: str = "",
    float_pence: int = 0,
    now: datetime | None = None,
) -> SiteSession:
    """Open today's session at the site; refused while another is open (one at a time, which
    the database enforces too)."""
    ensure_works_at(actor, site)
    if not 0 <= float_pence <= MAX_CASH_PENCE:
        raise InvalidInput(
            "Give the float in pounds and pence.", fields={"float_pence": ["£0.00 or more."]}
        )
    if open_session_for(site) is not None:
        raise Conflict(
            "A session is already open here: close it first.", code="session_already_open"
        )
    now = now_or(now)
    session = SiteSession(
        site_id=site.id,
        local_date=local_date(site, now),
        volunteers=" ".join(volunteers.split())[:300],
        float_pence=float_pence,
        opened_at=now,
        opened_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(session)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "A session is already open here: close it first.", code="session_already_open"
        ) from None
    audit.record_on("session.opened", "site_session", session.id, actor, site.id)
    return session


def get_session(site: Site, session_id: int, *, actor: User, lock: bool = False) -> SiteSession:
    ensure_works_at(actor, site)
    stmt = select(SiteSession).where(SiteSession.id == session_id, SiteSession.site_id == site.id)
    return one_or_not_found(stmt, "No such session.", code="session_not_found", lock=lock)


def close_session(
    site: Site,
    session_id: int,
    *,
    actor: User,
    counted_cash_pence: int,
    note: str = "",
    now: datetime | None = None,
) -> SiteSession:
    """Close a session with the cash counted. Expected cash is the float plus the cash fees its
    visits recorded and the joining fees taken in cash while it was open; a difference needs a
    note ("50p short"). The joining fees are stamped with the session."""
    session = get_session(site, session_id, actor=actor, lock=True)
    if session.closed_at is not None:
        raise Conflict("This session is already closed.", code="session_closed")
    if not 0 <= counted_cash_pence <= MAX_CASH_PENCE:
        raise InvalidInput(
            "Give the cash counted in pounds and pence.",
            fields={"counted_cash_pence": ["£0.00 or more."]},
        )
    note = " ".join(note.split())[:500]
    summary = takings(session)
    difference = counted_cash_pence - (session.float_pence + summary.all_cash_pence)
    if difference and not note:
        raise InvalidInput(
            "The cash counted is not what was expected: add a note saying why.",
            fields={"note": ['Say why, e.g. "50p short".']},
            details={"difference_pence": difference},
        )
    db.session.execute(
        update(MembershipFee)
        .where(_session_fees(session))
        .values(session_id=session.id)
        .execution_options(synchronize_session=False)
    )
    session.closed_at = now_or(now)
    session.closed_by_id = actor.id
    session.visits_count = summary.visits
    session.expected_cash_pence = summary.all_cash_pence
    session.expected_card_pence = summary.all_card_pence
    session.waived_count = summary.waived
    session.overrides_count = summary.overrides
    session.counted_cash_pence = counted_cash_pence
    session.difference_pence = difference
    session.note = note
    db.session.flush()
    audit.record_on(
        "session.closed", "site_session", session.id, actor, site.id, difference_pence=difference
    )
    return session


def list_sessions(site: Site, *, actor: User, limit: int = 30) -> list[SiteSession]:
    """The site's sessions, newest first."""
    ensure_works_at(actor, site)
    return list(
        db.session.scalars(
            select(SiteSession)
            .where(SiteSession.site_id == site.id)
            .order_by(SiteSession.opened_at.desc(), SiteSession.id.desc())
            .limit(limit)
        )
    )


@dataclass
class SessionSheet:
    session: SiteSession
    visits: list[Visit]
    takings: Takings
    # Parcels given without registering in the session (its takings count them too).
    parcels: list[AnonymousVisit] = field(default_factory=list)


def session_sheet(site: Site, session_id: int, *, actor: User) -> SessionSheet:
    """Everything on a session's sheet for the site's records (the export is audited)."""
    session = get_session(site, session_id, actor=actor)
    visits = list(
        db.session.scalars(
            select(Visit)
            .where(Visit.session_id == session.id)
            .options(selectinload(Visit.member), selectinload(Visit.bands))
            .order_by(Visit.visited_at, Visit.id)
        )
    )
    audit.record_on("session.sheet_exported", "site_session", session.id, actor, site.id)
    return SessionSheet(session, visits, as_cashed_up(session), session_parcels(session.id))


def stale_session(site: Site, *, now: datetime | None = None) -> SiteSession | None:
    """An open session from an earlier day: check-ins are not added to it."""
    session = open_session_for(site)
    if session is not None and session.local_date != site_today(site, now):
        return session
    return None
