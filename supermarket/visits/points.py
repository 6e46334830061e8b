"""The points ledger: a household's points at a site that charges visits in points.

One row per change, each keeping the balance after it, so the balance is the newest row's
and the history explains itself (what a member asks at the desk: "where did my points go?").
A points visit writes, in order: the points above the carry-over cap expiring (`expire`,
only when the balance is over it), the visit's credit (`credit`) and the basket's cost
(`spend`). Voiding the visit gives its change back (`void`). The balance never goes below
nothing: a basket a manager let through over the balance spends what there was.

A member's balance is per site (the site whose points scheme gave them): `member_id` and
`site_id` are indexed together with the row's id, newest last. The check-in has locked the
member's row, so two tablets never read the same balance to write after it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    event,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from supermarket.models import Base, LabelledEnum, UTCDateTime, utcnow


class PointsReason(LabelledEnum):
    CREDIT = "credit", "Points for the visit"
    SPEND = "spend", "Spent on the basket"
    EXPIRE = "expire", "Over the carry-over cap"
    VOID = "void", "Visit voided"


_REASONS = ", ".join(f"'{r.value}'" for r in PointsReason)


class PointsEntry(Base):
    """One change to a member's points at a site, and the balance after it."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        Index("ix_points_ledger_member_site", "member_id", "site_id", "id"),
        Index("ix_points_ledger_site_local_date", "site_id", "local_date"),
        CheckConstraint(f"reason IN ({_REASONS})", name="reason"),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
        # The visit by (id, local_date), the key a visits table partitioned by date holds
        # unique; both or neither, so the key is always checked.
        ForeignKeyConstraint(["visit_id", "visit_local_date"], ["visits.id", "visits.local_date"]),
        CheckConstraint("(visit_id IS NULL) = (visit_local_date IS NULL)", name="visit_local_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    visit_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    visit_local_date: Mapped[date | None] = mapped_column(Date, default=None)  # the visit's
    local_date: Mapped[date] = mapped_column(Date)
    change: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(10))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def reason_label(self) -> str:
        return PointsReason(self.reason).label

    def __repr__(self) -> str:
        return f"<PointsEntry member={self.member_id} {self.reason} {self.change:+d}>"


@event.listens_for(PointsEntry, "before_insert")
def _visit_local_date(_mapper: Mapper[Any], connection: Connection, target: PointsEntry) -> None:
    """A row written with its visit_id alone keeps the visit's local_date (the check-in and
    voiding set it themselves)."""
    if target.visit_id is not None and target.visit_local_date is None:
        target.visit_local_date = connection.scalar(
            text("SELECT local_date FROM visits WHERE id = :id"), {"id": target.visit_id}
        )
