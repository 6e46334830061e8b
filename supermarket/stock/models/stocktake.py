"""Counts of a site's stock, and each batch on the count sheet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.models import Base, IdKey, UTCDateTime, owned_lines, utcnow
from supermarket.sites.models import Site
from supermarket.stock.models.kinds import Category, StocktakeStatus
from supermarket.stock.models.ledger import StockBatch


class Stocktake(IdKey, Base):
    """A count of a site's stock (one category or all), approved by a site manager."""

    __tablename__ = "stocktakes"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(20), default=None)
    status: Mapped[str] = mapped_column(String(12), default=StocktakeStatus.OPEN)
    note: Mapped[str] = mapped_column(String(500), default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    site: Mapped[Site] = relationship()
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    lines: Mapped[list[StocktakeLine]] = owned_lines("stocktake", "StocktakeLine")

    @property
    def category_label(self) -> str:
        return Category(self.category).label if self.category else "All categories"


class StocktakeLine(IdKey, Base):
    """One batch on the count sheet: what the ledger said when the count began, and the count."""

    __tablename__ = "stocktake_lines"
    __table_args__ = (
        UniqueConstraint("stocktake_id", "batch_id"),
        CheckConstraint("counted_quantity IS NULL OR counted_quantity >= 0", name="count_ok"),
    )

    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktakes.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batches.id"))
    expected_quantity: Mapped[int] = mapped_column(Integer)
    counted_quantity: Mapped[int | None] = mapped_column(Integer, default=None)

    stocktake: Mapped[Stocktake] = relationship(back_populates="lines")
    batch: Mapped[StockBatch] = relationship()

    @property
    def difference(self) -> int | None:
        if self.counted_quantity is None:
            return None
        return self.counted_quantity - self.expected_quantity
