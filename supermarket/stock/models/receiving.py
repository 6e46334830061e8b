"""Donors, and each delivery or purchase received at a site with its lines."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.models import Base, CreatedAt, IdKey, owned_lines
from supermarket.sites.models import Site
from supermarket.stock.models.catalogue import Product
from supermarket.stock.models.kinds import DonorKind


class Donor(IdKey, CreatedAt, Base):
    """Where food comes from, per site: FareShare, a retailer, the public, a group, a purchase."""

    __tablename__ = "donors"
    __table_args__ = (UniqueConstraint("site_id", "name_key", "kind"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))

    @property
    def kind_label(self) -> str:
        return DonorKind(self.kind).label


class Donation(IdKey, CreatedAt, Base):
    """One delivery or purchase received at a site, with its lines."""

    __tablename__ = "donations"
    __table_args__ = (Index("ix_donations_site_received", "site_id", "received_on"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    # Items counted (weight-only crate lines are not items), all weight, and what was paid.
    total_quantity: Mapped[int] = mapped_column(Integer, default=0)
    total_weight_g: Mapped[int] = mapped_column(Integer, default=0)
    total_cost_pence: Mapped[int] = mapped_column(Integer, default=0)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    site: Mapped[Site] = relationship()
    donor: Mapped[Donor] = relationship()
    actor: Mapped[User | None] = relationship()
    lines: Mapped[list[DonationLine]] = owned_lines("donation", "DonationLine")


class DonationLine(IdKey, Base):
    __tablename__ = "donation_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("weight_g >= 0", name="weight_not_negative"),
        CheckConstraint("best_before IS NULL OR use_by IS NULL", name="one_date"),
    )

    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batches.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    weight_g: Mapped[int] = mapped_column(Integer)
    best_before: Mapped[date | None] = mapped_column(Date, default=None)
    use_by: Mapped[date | None] = mapped_column(Date, default=None)
    cost_pence: Mapped[int | None] = mapped_column(Integer, default=None)

    donation: Mapped[Donation] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
