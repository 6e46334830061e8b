"""Stock sent from one site to another, batch by batch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.models import Base, IdKey, UTCDateTime, owned_lines, utcnow
from supermarket.sites.models import Site
from supermarket.stock.models.catalogue import Product
from supermarket.stock.models.kinds import TransferStatus
from supermarket.stock.models.ledger import StockBatch


class StockTransfer(IdKey, Base):
    """Stock sent from one site (site_id) to another (to_site_id)."""

    __tablename__ = "stock_transfers"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    to_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=TransferStatus.IN_TRANSIT)
    note: Mapped[str] = mapped_column(String(500), default="")
    receive_note: Mapped[str] = mapped_column(String(500), default="")
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    from_site: Mapped[Site] = relationship(foreign_keys=[site_id])
    to_site: Mapped[Site] = relationship(foreign_keys=[to_site_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    lines: Mapped[list[StockTransferLine]] = owned_lines("transfer", "StockTransferLine")


class StockTransferLine(IdKey, Base):
    """One sender batch in a transfer; the shortfall is what did not arrive."""

    __tablename__ = "stock_transfer_lines"
    __table_args__ = (
        CheckConstraint("quantity_sent > 0", name="sent_positive"),
        CheckConstraint(
            "quantity_received IS NULL OR (quantity_received >= 0 "
            "AND quantity_received <= quantity_sent)",
            name="received_within_sent",
        ),
    )

    transfer_id: Mapped[int] = mapped_column(ForeignKey("stock_transfers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    from_batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batches.id"))
    to_batch_id: Mapped[int | None] = mapped_column(ForeignKey("stock_batches.id"), default=None)
    quantity_sent: Mapped[int] = mapped_column(Integer)
    quantity_received: Mapped[int | None] = mapped_column(Integer, default=None)

    transfer: Mapped[StockTransfer] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    from_batch: Mapped[StockBatch] = relationship(foreign_keys=[from_batch_id])

    @property
    def quantity_short(self) -> int | None:
        if self.quantity_received is None:
            return None
        return self.quantity_sent - self.quantity_received
