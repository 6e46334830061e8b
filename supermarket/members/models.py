"""Member households and the consents they gave: site-owned, one membership per household."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.models import Base, CreatedAt, IdKey, LabelledEnum, UTCDateTime, utcnow
from supermarket.sites.models import Site

# Search keys are compared as ranges (key >= p AND key < upper bound): that needs code-point
# order, which is SQLite's default BINARY collation and PostgreSQL's "C" collation.
SearchKey = String(100).with_variant(String(100, collation="C"), "postgresql")


class MemberStatus(LabelledEnum):
    WAITING = "waiting", "On the waiting list"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    LAPSED = "lapsed", "Lapsed"
    CLOSED = "closed", "Closed"


class ConsentKind(LabelledEnum):
    PRIVACY_NOTICE = "privacy_notice", "Privacy notice given"
    SURVEY = "survey", "Answers the food survey"
    CONTACT = "contact", "May be contacted"


class ConsentMethod(LabelledEnum):
    """How a consent was given or withdrawn."""

    IN_PERSON = "in_person", "in person"
    PHONE = "phone", "by phone"
    EMAIL = "email", "by email"
    LETTER = "letter", "by letter"
    IMPORT = "import", "imported from the site's records"


DIETARY_NEEDS = (
    "vegetarian",
    "vegan",
    "halal",
    "kosher",
    "gluten_free",
    "diabetic",
    "nut_allergy",
    "other",
)
DIETARY_LABELS = {
    "vegetarian": "Vegetarian",
    "vegan": "Vegan",
    "halal": "Halal",
    "kosher": "Kosher",
    "gluten_free": "Gluten-free",
    "diabetic": "Diabetic",
    "nut_allergy": "Nut allergy",
    "other": "Other (see notes)",
}

_STATUSES = ", ".join(f"'{s.value}'" for s in MemberStatus)


class Member(IdKey, CreatedAt, Base):
    """A member household: its lead person, household counts, eligibility and membership term.

    Personal fields (names, date of birth, postcode, phone, email, notes) are cleared for good
    when the member is anonymised; the household counts, the age band and postcode district
    at joining, and the dates stay so that statistics remain true.
    """

    __tablename__ = "members"
    __table_args__ = (
        # Search: every key query is site-scoped, so site_id leads each index.
        Index("ix_members_site_last_name_key", "site_id", "last_name_key", "first_name_key"),
        Index("ix_members_site_first_name_key", "site_id", "first_name_key"),
        Index("ix_members_site_postcode", "site_id", "postcode"),
        Index("ix_members_site_postcode_district", "site_id", "postcode_district"),
        Index("ix_members_site_status", "site_id", "status"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        CheckConstraint("adults >= 1 AND adults <= 20", name="adults"),
        CheckConstraint(
            "children_0_4 >= 0 AND children_0_4 <= 20 AND children_5_11 >= 0 AND "
            "children_5_11 <= 20 AND children_12_17 >= 0 AND children_12_17 <= 20",
            name="children",
        ),
    )

    # Indexed by the composite search indexes below, which all lead with site_id.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    # Unique across the programme: 8 Crockford base-32 symbols, the last a check character.
    membership_number: Mapped[str] = mapped_column(String(8), unique=True)

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name_key: Mapped[str] = mapped_column(SearchKey)
    last_name_key: Mapped[str] = mapped_column(SearchKey)
    date_of_birth: Mapped[date | None] = mapped_column(Date, default=None)
    age_band: Mapped[str] = mapped_column(String(8))  # at joining, e.g. "35-44"
    postcode: Mapped[str | None] = mapped_column(String(8), default=None)
    postcode_district: Mapped[str] = mapped_column(String(4))
    phone: Mapped[str | None] = mapped_column(String(30), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)

    adults: Mapped[int] = mapped_column(Integer, default=1)
    children_0_4: Mapped[int] = mapped_column(Integer, default=0)
    children_5_11: Mapped[int] = mapped_column(Integer, default=0)
    children_12_17: Mapped[int] = mapped_column(Integer, default=0)

    eligibility_route: Mapped[str] = mapped_column(String(20))
    referral_agency: Mapped[str] = mapped_column(String(120), default="")
    referral_reference: Mapped[str] = mapped_column(String(60), default="")
    benefit: Mapped[str] = mapped_column(String(60), default="")
    # A pregnancy in the household, recorded only with the member's consent (when it was
    # given) and the due date if they said; for the Healthy Start prompt. Cleared on
    # anonymisation; in the subject access export with the rest of the row.
    pregnancy_recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    pregnancy_due_on: Mapped[date | None] = mapped_column(Date, default=None)
    pregnancy_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    # Where a household with no fixed address can be reached ("care of" a day centre, a
    # hostel, the site itself): free text, optional; personal, so cleared on anonymisation.
    care_of: Mapped[str] = mapped_column(String(200), default="")
    # A short note for the door (access needs, an allergy, "speak to the manager"). A
    # sensitive one (health) is kept only with the member's consent, recorded when given;
    # members.services.access decides who sees it. Cleared on anonymisation.
    door_note: Mapped[str] = mapped_column(String(200), default="")
    door_note_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    door_note_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    dietary: Mapped[list[str]] = mapped_column(JSON, default=list)
    dietary_notes: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    status: Mapped[str] = mapped_column(String(12), default=MemberStatus.ACTIVE.value)
    status_reason: Mapped[str] = mapped_column(String(200), default="")
    joined_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, default=None)
    review_due_on: Mapped[date | None] = mapped_column(Date, default=None)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)

    # HMAC of last name key + date of birth + postcode: compares households across sites
    # without any personal data leaving a site.
    match_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship()
    consents: Mapped[list[MemberConsent]] = relationship(
        back_populates="member", order_by="MemberConsent.id"
    )
    fees: Mapped[list[MembershipFee]] = relationship(
        back_populates="member", order_by="MembershipFee.id"
    )
    offline_registration: Mapped[OfflineRegistration | None] = relationship(
        back_populates="member", foreign_keys="OfflineRegistration.member_id"
    )

    @property
    def children(self) -> int:
        return self.children_0_4 + self.children_5_11 + self.children_12_17

    @property
    def household_size(self) -> int:
        return self.adults + self.children

    @property
    def household(self) -> dict[str, int]:
        return {
            "adults": self.adults,
            "children_0_4": self.children_0_4,
            "children_5_11": self.children_5_11,
            "children_12_17": self.children_12_17,
        }

    def _status_on(self, today: date) -> MemberStatus:
        status = MemberStatus(self.status)
        if (
            status is MemberStatus.ACTIVE
            and self.expires_on is not None
            and today > self.expires_on
        ):
            return MemberStatus.LAPSED
        return status

    def _status_on_sql(cls: Any, today: date) -> ColumnElement[MemberStatus]:
        # Called on the class (cls is Member). The stored value is the enum's string value,
        # which a MemberStatus (a StrEnum) equals.
        lapsed = and_(cls.status == MemberStatus.ACTIVE.value, cls.expires_on < today)
        sql = case((lapsed, MemberStatus.LAPSED.value), else_=cls.status)
        return cast("ColumnElement[MemberStatus]", sql)

    status_on = hybrid_method(_status_on, _status_on_sql)
    """The status as of a date: an active membership past its term reads as lapsed.

    `member.status_on(today)` in Python; `Member.status_on(today) == "lapsed"` in a query,
    the same rule as SQL (a CASE). The stored status catches up when `supermarket members
    lapse` (or the nightly retention run) records it; reads never write.
    """

    def active_consents(self) -> dict[str, MemberConsent]:
        return {c.kind: c for c in self.consents if c.withdrawn_at is None}

    def consent_flags(self) -> dict[str, bool]:
        active = self.active_consents()
        return {
            "privacy_notice_given": ConsentKind.PRIVACY_NOTICE in active,
            "survey": ConsentKind.SURVEY in active,
            "contact": ConsentKind.CONTACT in active,
        }

    def __repr__(self) -> str:
        return f"<Member {self.membership_number} site={self.site_id}>"


class MemberConsent(IdKey, Base):
    """A consent (or the privacy notice) as given: who recorded it, when and how; withdrawable."""

    __tablename__ = "member_consents"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    given_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    given_method: Mapped[str] = mapped_column(String(20))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    withdrawn_method: Mapped[str] = mapped_column(String(20), default="")

    member: Mapped[Member] = relationship(back_populates="consents")
    given_by: Mapped[User | None] = relationship(foreign_keys=[given_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])


class FeeKind(LabelledEnum):
    """What a membership fee was paid for."""

    JOINING = "joining", "Joining fee"
    RENEWAL = "renewal", "Renewal fee"
    # The annual or termly fee of visits paid by membership (covers_until says to when).
    MEMBERSHIP = "membership", "Membership fee"


class FeeMethod(LabelledEnum):
    """How a membership fee was settled: the payment methods a visit uses."""

    CASH = "cash", "Cash"
    CARD = "card", "Card"
    WAIVED = "waived", "Waived"


_FEE_KINDS = ", ".join(f"'{k.value}'" for k in FeeKind)
_FEE_METHODS = ", ".join(f"'{m.value}'" for m in FeeMethod)


class MembershipFee(Base):
    """A joining (or renewal) fee taken at the desk: paid in cash or by card, or waived.

    Kept apart from visits: it is paid once for the membership, not for a shop. `local_date`
    is the site's day it was taken (reports sum fees by site and day). `session_id` is the
    till session whose cash-up counted it, filled in when that session closes (the visits'
    cash-up; `site_sessions` belongs to visits, above members, so it is a plain integer, as
    `visit_lines.product_id` is); NULL while the session is open or when none was.
    """

    __tablename__ = "membership_fees"
    __table_args__ = (
        Index("ix_membership_fees_site_local_date", "site_id", "local_date"),
        CheckConstraint(f"kind IN ({_FEE_KINDS})", name="kind"),
        CheckConstraint(f"method IN ({_FEE_METHODS})", name="method"),
        CheckConstraint("fee_pence >= 0 AND amount_pence >= 0", name="money_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))  # indexed with local_date
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # A membership fee's last day covered (visits.services.payments); None for other kinds.
    covers_until: Mapped[date | None] = mapped_column(Date, default=None)
    fee_pence: Mapped[int] = mapped_column(Integer)  # the site's fee when it was taken
    amount_pence: Mapped[int] = mapped_column(Integer)  # paid: the fee, or 0 when waived
    method: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    local_date: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    session_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)

    member: Mapped[Member] = relationship(back_populates="fees")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def kind_label(self) -> str:
        return FeeKind(self.kind).label

    @property
    def method_label(self) -> str:
        return FeeMethod(self.method).label

    def __repr__(self) -> str:
        return f"<MembershipFee {self.kind} member={self.member_id} {self.amount_pence}p>"


class RegistrationReview(LabelledEnum):
    """Where an offline registration marked for review stands (a possible duplicate)."""

    OPEN = "open", "To review"
    KEPT = "kept", "Kept as a separate household"
    CLOSED = "closed", "Closed as a duplicate"


_REGISTRATION_REVIEW = ", ".join(f"'{s.value}'" for s in RegistrationReview)


class OfflineRegistration(Base):
    """A household registered on a tablet while it was offline, as the server received it
    when the tablet synced: when and on which tablet, the provisional number the tablet gave
    it (on paper or a card until the real number is known), the key and request it was sent
    with, and the site manager's review when the server's duplicate check found a possible
    duplicate (never merged: kept as a separate household, or closed as a duplicate)."""

    __tablename__ = "offline_registrations"
    __table_args__ = (
        # A tablet's retry of a registration is found by its key, per site.
        UniqueConstraint("site_id", "idempotency_key"),
        # The site manager's review list.
        Index("ix_offline_registrations_site_review_status", "site_id", "review_status"),
        CheckConstraint(
            f"review_status IS NULL OR review_status IN ({_REGISTRATION_REVIEW})",
            name="review_status",
        ),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the registration as asked (registration.registration_fingerprint).
    request_hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device: Mapped[str] = mapped_column(String(100), default="")
    provisional_number: Mapped[str] = mapped_column(String(20))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    review_status: Mapped[str | None] = mapped_column(String(10), default=None)
    review_reason_code: Mapped[str] = mapped_column(String(40), default="")
    review_reason: Mapped[str] = mapped_column(String(300), default="")
    # The open member this household may duplicate. Deliberately no foreign key: a subject
    # access export follows every foreign key to members.id, and the other household's
    # export must not carry this household's record.
    duplicate_of_id: Mapped[int | None] = mapped_column(Integer, default=None)
    review_note: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    member: Mapped[Member] = relationship(
        back_populates="offline_registration", foreign_keys=[member_id]
    )
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    duplicate_of: Mapped[Member | None] = relationship(
        primaryjoin="foreign(OfflineRegistration.duplicate_of_id) == Member.id", viewonly=True
    )


MAX_PROXIES = 2


class MemberProxy(IdKey, Base):
    """Someone a member named to collect for them (a neighbour, a carer): at most
    MAX_PROXIES per member (members.services.access). A proxy's collection is the member's
    visit (`visits.proxy_id`). Removed for good when taken off the list or when the member is
    anonymised; a visit they collected then keeps no name."""

    __tablename__ = "member_proxies"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    relationship: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str | None] = mapped_column(String(30), default=None)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    @property
    def label(self) -> str:
        """ "Jo Bloggs (neighbour)" """
        return f"{self.name} ({self.relationship})" if self.relationship else self.name
