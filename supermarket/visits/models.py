"""Visits (one household shopping once), what they took, and the site's till sessions.

How the tables fit together:

- `visits` is one check-in. It keeps a snapshot of the household (adults and children by age
  band) and the money (fee due, amount paid and how, retail value, saving), so reports stay
  true when a household changes or the member is anonymised. Reports aggregate it by
  `site_id` and `local_date` (the site's own calendar day); no personal data is stored beyond
  `member_id`.
- `idempotency_key` is unique per site: a tablet retrying after a timeout sends the same key
  and gets the first visit back, never a second one. The uniqueness is kept by `visit_keys`
  (one row per site and key, inserted before the visit), not by `visits`, so that `visits`
  may be partitioned by date; `visits` keeps the key, indexed, to find the first visit.
  `request_hash` fingerprints what that first request asked for, so the key reused for a
  different check-in is refused (409).
- `visit_bands` holds how many items of each allowance band the visit took, counting both
  the band counts typed at the desk and the products scanned (reports sum items per band from
  it alone); `visit_lines` holds the scanned products, which were issued from stock.
  `product_id` there is a plain indexed integer: the products table comes from the stock
  migration, which is not guaranteed to run before this one. Both keep the visit's
  `local_date` and point at the visit by (id, local_date), the key a table partitioned by
  date can hold unique.
- `site_sessions` is a till session: opened with the volunteers on shift, closed with the
  cash counted against the takings recorded on its visits. At most one is open per site.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.members.models import Member, MemberProxy
from supermarket.models import (
    Base,
    CreatedAt,
    IdKey,
    LabelledEnum,
    UTCDateTime,
    owned_lines,
    utcnow,
)
from supermarket.sites.models import Site
from supermarket.sites.settings import WEEKLY_SHOP


class PaymentMethod(LabelledEnum):
    CASH = "cash"
    CARD = "card"
    WAIVED = "waived"
    # Recorded by the check-in, never asked for: a visit with nothing due, one covered by the
    # member's membership fee, one where nothing was given (pay-as-you-feel), one paid in
    # points (visits.points_spent).
    FREE = "free", "Free"
    MEMBERSHIP = "membership", "Membership"
    PAY_AS_YOU_FEEL = "pay_as_you_feel", "Pay as you feel"
    POINTS = "points", "Points"


# What the desk may send as a visit's payment.
DESK_METHODS = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.WAIVED)


class ReviewStatus(LabelledEnum):
    """Where a visit marked for review stands (offline check-ins a rule would have refused)."""

    OPEN = "open", "To review"
    ACCEPTED = "accepted", "Accepted"
    VOIDED = "voided", "Voided"


class Rule(LabelledEnum):
    """The check-in rules, by the error code a refusal carries."""

    VISIT_LIMIT_REACHED = "visit_limit_reached", "Visit limit reached"
    MEMBERSHIP_EXPIRED = "membership_expired", "Membership ended"
    MEMBERSHIP_SUSPENDED = "membership_suspended", "Suspended"
    MEMBERSHIP_CLOSED = "membership_closed", "Membership closed"
    MEMBERSHIP_WAITING = "membership_waiting", "On the waiting list"
    ALLOWANCE_EXCEEDED = "allowance_exceeded", "Over the allowance"
    NOT_ALLOWED_AT_THIS_SITE = "not_allowed_at_this_site", "Member of another site"
    MEMBERSHIP_FEE_DUE = "membership_fee_due", "Membership fee due"
    POINTS_EXCEEDED = "points_exceeded", "Over the points balance"


# A volunteer may override these with a reason; the others need a manager to change the
# membership itself (reinstate, admit, register again) or the site's settings.
OVERRIDABLE = frozenset(
    {
        Rule.VISIT_LIMIT_REACHED,
        Rule.ALLOWANCE_EXCEEDED,
        Rule.MEMBERSHIP_EXPIRED,
        Rule.POINTS_EXCEEDED,
    }
)

_METHODS = ", ".join(f"'{m.value}'" for m in PaymentMethod)
_REVIEW = ", ".join(f"'{r.value}'" for r in ReviewStatus)


class HouseholdCounts:
    """What a visit and an anonymous visit say of the household they counted: adults and
    children by age band (each class maps the four columns itself)."""

    if TYPE_CHECKING:
        adults: Mapped[int]
        children_0_4: Mapped[int]
        children_5_11: Mapped[int]
        children_12_17: Mapped[int]

    @property
    def children(self) -> int:
        return self.children_0_4 + self.children_5_11 + self.children_12_17

    @property
    def people(self) -> int:
        return self.adults + self.children

    @property
    def household(self) -> dict[str, int]:
        return {
            "adults": self.adults,
            "children_0_4": self.children_0_4,
            "children_5_11": self.children_5_11,
            "children_12_17": self.children_12_17,
            "people": self.people,
        }


# Called as hook(connection, site id, local date) once a visit is stored without the ORM (the
# check-in's own INSERT, services/checkin.py), so that a layer above that watches the visits
# through ORM events (reporting's rollups, which must hear of a visit on a day they have
# already summed: an offline check-in synced after the nightly rollup) hears of these too.
VISIT_STORED_HOOKS: list[Callable[[Connection, int, date], None]] = []


def visit_stored(connection: Connection, site_id: int, day: date) -> None:
    """Tell VISIT_STORED_HOOKS that a visit dated `day` was stored at the site."""
    for hook in VISIT_STORED_HOOKS:
        hook(connection, site_id, day)


class Visit(HouseholdCounts, IdKey, Base):
    """One member household shopping once at a site."""

    __tablename__ = "visits"
    __table_args__ = (
        # What bands, lines and points point at: a key that includes the date.
        UniqueConstraint("id", "local_date"),
        # A retry finds the first visit by its key (unique in visit_keys, not here).
        Index("ix_visits_site_idempotency_key", "site_id", "idempotency_key"),
        Index("ix_visits_site_local_date", "site_id", "local_date"),
        # The visit limit counts a member's visits in a window of local dates, across sites.
        Index("ix_visits_member_local_date", "member_id", "local_date"),
        CheckConstraint(f"payment_method IN ({_METHODS})", name="payment_method"),
        CheckConstraint(
            f"review_status IS NULL OR review_status IN ({_REVIEW})", name="review_status"
        ),
        # The site manager's review list: a site's visits marked for review.
        Index("ix_visits_site_review_status", "site_id", "review_status"),
        CheckConstraint(
            "fee_pence >= 0 AND amount_paid_pence >= 0 AND retail_value_pence >= 0 "
            "AND savings_pence >= 0",
            name="money_not_negative",
        ),
        CheckConstraint(
            "adults >= 0 AND children_0_4 >= 0 AND children_5_11 >= 0 AND children_12_17 >= 0",
            name="household_not_negative",
        ),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))  # indexed with local_date
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))  # indexed with local_date
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_sessions.id"), default=None, index=True
    )
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    local_date: Mapped[date] = mapped_column(Date)
    week_key: Mapped[str] = mapped_column(String(8))  # ISO year and week: "2026-W09"
    idempotency_key: Mapped[str | None] = mapped_column(String(100), default=None)
    # The site's visit type (sites.settings.VisitType.key); the weekly shop unless said.
    visit_type: Mapped[str] = mapped_column(
        String(40), default=WEEKLY_SHOP, server_default=WEEKLY_SHOP
    )
    # SHA-256 of the check-in as asked (checkin.request_fingerprint): a retry with the key
    # must ask the same. None on visits recorded before it was kept.
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    # The member's proxy who collected (members' MemberProxy); None: the member came. Set to
    # None when the proxy is removed or the member anonymised.
    proxy_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_proxies.id", ondelete="SET NULL"), default=None, index=True
    )

    # The household when it shopped.
    adults: Mapped[int] = mapped_column(Integer)
    children_0_4: Mapped[int] = mapped_column(Integer)
    children_5_11: Mapped[int] = mapped_column(Integer)
    children_12_17: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(40), default="")

    fee_pence: Mapped[int] = mapped_column(Integer)
    payment_method: Mapped[str] = mapped_column(String(20))
    amount_paid_pence: Mapped[int] = mapped_column(Integer)
    payment_reason: Mapped[str] = mapped_column(String(200), default="")
    retail_value_pence: Mapped[int] = mapped_column(Integer, default=0)
    savings_pence: Mapped[int] = mapped_column(Integer, default=0)
    # The visit type's payment model (sites.settings.PAYMENT_MODELS) and, for points, the
    # points its basket cost (not money: the cash-up and reports show them apart).
    payment_model: Mapped[str] = mapped_column(
        String(20), default="flat_fee", server_default="flat_fee"
    )
    points_spent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    override_reason: Mapped[str] = mapped_column(String(200), default="")
    overridden_rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    overridden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    voided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    site: Mapped[Site] = relationship()
    member: Mapped[Member] = relationship()
    session: Mapped[SiteSession | None] = relationship(back_populates="visits")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    overridden_by: Mapped[User | None] = relationship(foreign_keys=[overridden_by_id])

    # Offline check-ins: when the tablet recorded it (its site-local date is the visit's
    # local_date and week; visited_at stays when the server stored it) and which tablet.
    offline_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    offline_device: Mapped[str | None] = mapped_column(String(100), default=None)
    # An offline check-in a rule would have refused is recorded (the food has gone) and
    # marked for the site manager's review: open, then accepted or voided.
    review_status: Mapped[str | None] = mapped_column(String(10), default=None)
    review_reason_code: Mapped[str] = mapped_column(String(40), default="")
    review_reason: Mapped[str] = mapped_column(String(300), default="")
    review_note: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    # Who collected for the member (the day's list and the history name them).
    proxy: Mapped[MemberProxy | None] = relationship()
    bands: Mapped[list[VisitBand]] = owned_lines("visit", "VisitBand")
    lines: Mapped[list[VisitLine]] = owned_lines("visit", "VisitLine")

    @property
    def basket(self) -> dict[str, int]:
        return {b.band: b.quantity for b in self.bands}

    @property
    def items(self) -> int:
        return sum(b.quantity for b in self.bands)

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def offline(self) -> dict[str, Any] | None:
        if self.offline_recorded_at is None:
            return None
        return {"recorded_at": self.offline_recorded_at, "device": self.offline_device}

    @property
    def review(self) -> dict[str, Any] | None:
        if self.review_status is None:
            return None
        return {
            "status": self.review_status,
            "reason_code": self.review_reason_code,
            "reason": self.review_reason,
            "note": self.review_note,
        }

    @property
    def payment_label(self) -> str:
        return PaymentMethod(self.payment_method).label

    def __repr__(self) -> str:
        return f"<Visit {self.id} member={self.member_id} {self.local_date}>"


class VisitBand(IdKey, Base):
    """How many items of one allowance band a visit took (typed and scanned together)."""

    __tablename__ = "visit_bands"
    __table_args__ = (
        ForeignKeyConstraint(
            ["visit_id", "local_date"], ["visits.id", "visits.local_date"], ondelete="CASCADE"
        ),
        UniqueConstraint("visit_id", "local_date", "band"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    visit_id: Mapped[int] = mapped_column(Integer)
    # The visit's (set from it: the relationship, or visit_local_date below).
    local_date: Mapped[date] = mapped_column(Date)
    band: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    # Their retail value: the band's average for typed items, reference prices for scanned.
    value_pence: Mapped[int] = mapped_column(Integer, default=0)

    visit: Mapped[Visit] = relationship(back_populates="bands")


class VisitLine(IdKey, Base):
    """A product scanned at check-in and issued from stock."""

    __tablename__ = "visit_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["visit_id", "local_date"], ["visits.id", "visits.local_date"], ondelete="CASCADE"
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    visit_id: Mapped[int] = mapped_column(Integer, index=True)
    local_date: Mapped[date] = mapped_column(Date)  # the visit's
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    sku: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    band: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    reference_price_pence: Mapped[int] = mapped_column(Integer)

    visit: Mapped[Visit] = relationship(back_populates="lines")

    @property
    def value_pence(self) -> int:
        return self.quantity * self.reference_price_pence


@event.listens_for(VisitBand, "before_insert")
@event.listens_for(VisitLine, "before_insert")
def _visit_local_date(
    _mapper: Mapper[Any], connection: Connection, target: VisitBand | VisitLine
) -> None:
    """A band or line added by its visit_id alone (a test, a demo) keeps the visit's
    local_date; added through the visit's relationship it already has it (the ORM copies
    both columns of the key), and the check-in's plain inserts set it."""
    if target.local_date is None:
        target.local_date = connection.scalar(
            select(Visit.local_date).where(Visit.id == target.visit_id)
        )


class VisitKey(Base):
    """An idempotency key a check-in used at a site: inserted (ON CONFLICT DO NOTHING) before
    its visit, so that a second request with the key inserts nothing (on PostgreSQL it waits
    for the first to commit) and answers with the first visit, found by visits' own copy of
    the key."""

    __tablename__ = "visit_keys"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SiteSession(IdKey, CreatedAt, Base):
    """A till session at a site: who was on shift, and the cash-up when it closed."""

    __tablename__ = "site_sessions"
    __table_args__ = (
        # At most one open session per site (a partial unique index on both databases).
        Index(
            "uq_site_sessions_open_site",
            "site_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index("ix_site_sessions_site_local_date", "site_id", "local_date"),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))  # indexed with local_date
    local_date: Mapped[date] = mapped_column(Date)
    volunteers: Mapped[str] = mapped_column(String(300), default="")
    float_pence: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # Filled in at closing, from the visits recorded in the session; the cash and card
    # expected include the membership fees taken in it (members' `membership_fees`, stamped
    # with the session's id at closing).
    visits_count: Mapped[int | None] = mapped_column(Integer, default=None)
    expected_cash_pence: Mapped[int | None] = mapped_column(Integer, default=None)
    expected_card_pence: Mapped[int | None] = mapped_column(Integer, default=None)
    waived_count: Mapped[int | None] = mapped_column(Integer, default=None)
    overrides_count: Mapped[int | None] = mapped_column(Integer, default=None)
    counted_cash_pence: Mapped[int | None] = mapped_column(Integer, default=None)
    # Counted minus expected (float plus cash takings): negative when short.
    difference_pence: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str] = mapped_column(String(500), default="")

    site: Mapped[Site] = relationship()
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    visits: Mapped[list[Visit]] = relationship(back_populates="session", order_by="Visit.id")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def __repr__(self) -> str:
        return f"<SiteSession {self.id} site={self.site_id} {self.local_date}>"


# --- tablets -------------------------------------------------------------------------------

DEVICE_ID_LENGTH = 32  # secrets.token_urlsafe(24): 24 random bytes, base64url
MAX_DEVICE_NAME = 60  # of a tablet's name
DEVICE_NOT_ENROLLED = "device_not_enrolled"  # the code of a refusal or a review


class Device(Base):
    """A named tablet enrolled for one site by a site manager, until revoked. Only an enrolled
    tablet may hold the site's roster (supermarket.offline); a check-in recorded offline on a
    tablet that was not enrolled at the site is marked for review when it syncs."""

    __tablename__ = "devices"

    # Opaque and random: the tablet keeps it in localStorage and sends it as X-Device.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    enrolled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    site: Mapped[Site] = relationship()
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def enrolled_when(self, site_id: int, at: datetime) -> bool:
        """Whether this tablet was enrolled at the site, and not yet revoked, at `at`."""
        return (
            self.site_id == site_id
            and self.enrolled_at <= at
            and (self.revoked_at is None or at < self.revoked_at)
        )
