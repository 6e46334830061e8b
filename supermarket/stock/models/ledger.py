"""Stock batches and the ledger of every stock movement (see the package's docstring)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.models import Base, CreatedAt, IdKey, UTCDateTime, utcnow
from supermarket.stock.models.catalogue import Product
from supermarket.stock.models.kinds import DateKind


class StockBatch(IdKey, CreatedAt, Base):
    """Stock of one product at one site with one date and one kind of source."""

    __tablename__ = "stock_batches"
    __table_args__ = (
        UniqueConstraint("site_id", "product_id", "batch_key"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    date_kind: Mapped[str] = mapped_column(String(12))
    expires_on: Mapped[date | None] = mapped_column(Date, default=None)
    source: Mapped[str] = mapped_column(String(20))
    # "<date_kind>:<date or ->:<source>": unique per site and product (NULL dates would not be).
    batch_key: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship()

    @property
    def use_by(self) -> date | None:
        return self.expires_on if self.date_kind == DateKind.USE_BY else None

    @property
    def best_before(self) -> date | None:
        return self.expires_on if self.date_kind == DateKind.BEST_BEFORE else None

    @staticmethod
    def key_for(date_kind: str, expires_on: date | None, source: str) -> str:
        return f"{date_kind}:{expires_on.isoformat() if expires_on else '-'}:{source}"


class StockMovement(IdKey, Base):
    """One line of the ledger. Append-only; levels are the sum of these."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        Index("ix_stock_movements_site_date_kind", "site_id", "local_date", "kind"),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batches.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    weight_g: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(20), default=None)
    note: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donations.id"), index=True)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("stock_transfers.id"), index=True)
    stocktake_id: Mapped[int | None] = mapped_column(ForeignKey("stocktakes.id"), index=True)
    # No foreign key: the visits table belongs to a higher layer (see the package docstring).
    visit_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    local_date: Mapped[date] = mapped_column(Date)

    product: Mapped[Product] = relationship()
    batch: Mapped[StockBatch] = relationship()
    actor: Mapped[User | None] = relationship()
