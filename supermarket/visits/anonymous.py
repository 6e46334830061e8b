"""Anonymous visits: a parcel given to someone who does not want to register.

Nothing personal is kept: the household's counts (adults, children by age band), the visit
type, what was paid and when. There is no member, so an anonymous visit never counts against
anyone's limit and never adds to the programme's unduplicated households; the reports count
it apart, as "anonymous households". Its takings belong to the till session open at its site
that day, as a check-in's do, so the cash-up counts them. `idempotency_key` is unique per
site: a tablet retrying after a timeout gets the first record back, never a second parcel;
`request_hash` tells a retry from the key reused for a different parcel (refused).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.models import Base, IdKey, UTCDateTime, sql_values, utcnow
from supermarket.sites.models import Site
from supermarket.visits.models import HouseholdCounts, PaymentMethod, SiteSession

# The most people of one age group a form or the API takes (a refuge's whole house at most).
MAX_COUNT = 30


class AnonymousVisit(HouseholdCounts, IdKey, Base):
    """A parcel given without registering: the household's counts only."""

    __tablename__ = "anonymous_visits"
    __table_args__ = (
        UniqueConstraint("site_id", "idempotency_key"),
        Index("ix_anonymous_visits_site_local_date", "site_id", "local_date"),
        CheckConstraint(f"payment_method IN ({sql_values(PaymentMethod)})", name="payment_method"),
        CheckConstraint(
            "adults >= 0 AND children_0_4 >= 0 AND children_5_11 >= 0 AND children_12_17 >= 0",
            name="household_not_negative",
        ),
        CheckConstraint(
            "adults + children_0_4 + children_5_11 + children_12_17 >= 1",
            name="at_least_one_person",
        ),
        CheckConstraint(
            "fee_pence >= 0 AND amount_paid_pence >= 0 AND retail_value_pence >= 0",
            name="money_not_negative",
        ),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))  # indexed with local_date
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_sessions.id"), default=None, index=True
    )
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    local_date: Mapped[date] = mapped_column(Date)
    # The site's visit type (one that may be given to a non-member).
    visit_type: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str | None] = mapped_column(String(100), default=None)
    # The fingerprint of what was asked with the key (NULL: no key, or recorded before they
    # were kept): the key reused for a different parcel is refused, not replayed.
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)

    adults: Mapped[int] = mapped_column(Integer)
    children_0_4: Mapped[int] = mapped_column(Integer)
    children_5_11: Mapped[int] = mapped_column(Integer)
    children_12_17: Mapped[int] = mapped_column(Integer)

    fee_pence: Mapped[int] = mapped_column(Integer, default=0)
    payment_method: Mapped[str] = mapped_column(String(20))
    amount_paid_pence: Mapped[int] = mapped_column(Integer, default=0)
    payment_reason: Mapped[str] = mapped_column(String(200), default="")
    # What the parcel would cost in the shops, when the volunteer gives it (0: not given).
    retail_value_pence: Mapped[int] = mapped_column(Integer, default=0)

    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    voided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    site: Mapped[Site] = relationship()
    session: Mapped[SiteSession | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def payment_label(self) -> str:
        return PaymentMethod(self.payment_method).label

    def __repr__(self) -> str:
        return f"<AnonymousVisit {self.id} site={self.site_id} {self.local_date}>"
