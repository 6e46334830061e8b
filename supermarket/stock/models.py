"""Products, donations, stock batches and the ledger of every stock movement.

How the tables fit together:

- `products` is the programme-wide catalogue. Crates weighed in by category are recorded
  against one *weight-only* product per category (sku ``CRATE-<CATEGORY>``, unit weight 1 g):
  their quantity is in grams, so the ledger and the levels stay uniform while no one pretends
  to know how many items a crate held. Everything that shows a quantity says its unit.
- `stock_batches` is stock of one product at one site with one date (use-by, best-before or
  none) from one kind of source. Its `quantity` is a cache of the sum of its movements, only
  ever changed by a conditional UPDATE in the same transaction as the movement that explains
  it, so it can never go negative (a CHECK constraint is the second guard).
- `stock_movements` is the ledger, append-only. Quantities and weights are signed (+ in,
  - out). Each row carries what reports group by without joins: `site_id`, `local_date` (the
  site's own calendar day; for receipts the day the delivery arrived), `kind`, `source` (the
  donor kind of the batch), `category` and `weight_g`. Issued stock put back when a visit is
  voided is kind ``returned``: net issued = -(issued + returned).
- `visit_id` is a plain indexed integer without a foreign key: visits belong to a higher
  layer that is built on top of stock, so stock cannot refer to its table.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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
from supermarket.models import Base, CreatedAt, LabelledEnum, UTCDateTime, utcnow
from supermarket.sites.models import Site


class Category(LabelledEnum):
    AMBIENT = "ambient"
    CHILLED = "chilled"
    FROZEN = "frozen"
    FRESH_PRODUCE = "fresh_produce"
    BAKERY = "bakery"
    HOUSEHOLD = "household"
    TOILETRIES = "toiletries"
    BABY = "baby"


class DonorKind(LabelledEnum):
    FARESHARE = "fareshare"
    RETAILER = "retailer"
    PUBLIC = "public"
    COMMUNITY = "community"
    PURCHASE = "purchase"

    _labels = enum.nonmember(
        {
            "fareshare": "FareShare",
            "retailer": "Retailer surplus",
            "public": "Public donation",
            "community": "Community group",
            "purchase": "Purchased",
        }
    )


# A batch made by a stocktake (stock found that no delivery explains) has no known source.
UNKNOWN_SOURCE = "unknown"


class MovementKind(LabelledEnum):
    RECEIVED = "received"
    ISSUED = "issued"
    RETURNED = "returned"
    WASTED = "wasted"
    TRANSFERRED_OUT = "transferred_out"
    TRANSFERRED_IN = "transferred_in"
    ADJUSTED = "adjusted"


class WasteReason(LabelledEnum):
    PAST_USE_BY = "past_use_by"
    DAMAGED = "damaged"
    TEMPERATURE = "temperature"
    RECALLED = "recalled"
    OTHER = "other"

    _labels = enum.nonmember(
        {
            "past_use_by": "Past its use-by date",
            "damaged": "Damaged",
            "temperature": "Temperature (fridge or freezer fault)",
            "recalled": "Recalled",
            "other": "Other",
        }
    )


class DateKind(enum.StrEnum):
    USE_BY = "use_by"
    BEST_BEFORE = "best_before"
    NONE = "none"


class TransferStatus(LabelledEnum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    SHORT_RECEIVED = "short_received"
    CANCELLED = "cancelled"


class StocktakeStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    CANCELLED = "cancelled"


class UnitKind(enum.StrEnum):
    FRIDGE = "fridge"
    FREEZER = "freezer"


class Product(CreatedAt, Base):
    """A catalogue entry, shared by every site."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("unit_weight_g > 0", name="unit_weight_positive"),
        CheckConstraint("reference_price_pence >= 0", name="price_not_negative"),
        CheckConstraint("min_level IS NULL OR min_level >= 0", name="min_level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Lower-cased name, for a case-insensitive search that stays the same on every database.
    name_key: Mapped[str] = mapped_column(String(120), index=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    band: Mapped[str] = mapped_column(String(20), default="blue")
    unit_weight_g: Mapped[int] = mapped_column(Integer)
    reference_price_pence: Mapped[int] = mapped_column(Integer, default=0)
    # GTIN-13 (UPC-A stored with its leading zero) or EAN-8, check digit verified.
    barcode: Mapped[str | None] = mapped_column(String(13), unique=True, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The programme's default minimum; a site may set its own (site_minimums).
    min_level: Mapped[int | None] = mapped_column(Integer, default=None)
    weight_only: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def unit(self) -> str:
        return "g" if self.weight_only else "item"

    @property
    def category_label(self) -> str:
        return Category(self.category).label

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"


class SiteMinimum(Base):
    """A site's own minimum level for a product, overriding the catalogue default."""

    __tablename__ = "stock_site_minimums"
    __table_args__ = (CheckConstraint("min_level >= 0", name="min_level_not_negative"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True, index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    min_level: Mapped[int] = mapped_column(Integer)


class Donor(CreatedAt, Base):
    """Where food comes from, per site: FareShare, a retailer, the public, a group, a purchase."""

    __tablename__ = "donors"
    __table_args__ = (UniqueConstraint("site_id", "name_key", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))

    @property
    def kind_label(self) -> str:
        return DonorKind(self.kind).label


class Donation(CreatedAt, Base):
    """One delivery or purchase received at a site, with its lines."""

    __tablename__ = "donations"
    __table_args__ = (Index("ix_donations_site_received", "site_id", "received_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
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
    lines: Mapped[list[DonationLine]] = relationship(
        back_populates="donation", order_by="DonationLine.id", cascade="all, delete-orphan"
    )


class DonationLine(Base):
    __tablename__ = "donation_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("weight_g >= 0", name="weight_not_negative"),
        CheckConstraint("best_before IS NULL OR use_by IS NULL", name="one_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
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


class StockBatch(CreatedAt, Base):
    """Stock of one product at one site with one date and one kind of source."""

    __tablename__ = "stock_batches"
    __table_args__ = (
        UniqueConstraint("site_id", "product_id", "batch_key"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
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


class StockTransfer(Base):
    """Stock sent from one site (site_id) to another (to_site_id)."""

    __tablename__ = "stock_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
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
    lines: Mapped[list[StockTransferLine]] = relationship(
        back_populates="transfer", order_by="StockTransferLine.id", cascade="all, delete-orphan"
    )


class StockTransferLine(Base):
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

    id: Mapped[int] = mapped_column(primary_key=True)
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


class Stocktake(Base):
    """A count of a site's stock (one category or all), approved by a site manager."""

    __tablename__ = "stocktakes"

    id: Mapped[int] = mapped_column(primary_key=True)
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
    lines: Mapped[list[StocktakeLine]] = relationship(
        back_populates="stocktake", cascade="all, delete-orphan", order_by="StocktakeLine.id"
    )

    @property
    def category_label(self) -> str:
        return Category(self.category).label if self.category else "All categories"


class StocktakeLine(Base):
    """One batch on the count sheet: what the ledger said when the count began, and the count."""

    __tablename__ = "stocktake_lines"
    __table_args__ = (
        UniqueConstraint("stocktake_id", "batch_id"),
        CheckConstraint("counted_quantity IS NULL OR counted_quantity >= 0", name="count_ok"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
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


class StockMovement(Base):
    """One line of the ledger. Append-only; levels are the sum of these."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        Index("ix_stock_movements_site_date_kind", "site_id", "local_date", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
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
    # No foreign key: the visits table belongs to a higher layer (see the module docstring).
    visit_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    local_date: Mapped[date] = mapped_column(Date)

    product: Mapped[Product] = relationship()
    batch: Mapped[StockBatch] = relationship()
    actor: Mapped[User | None] = relationship()


class TemperatureCheck(Base):
    """A fridge or freezer reading; out of range readings carry the action taken."""

    __tablename__ = "temperature_checks"
    __table_args__ = (
        Index("ix_temperature_checks_site_at", "site_id", "at"),
        CheckConstraint(
            "NOT out_of_range OR length(action_taken) > 0", name="action_when_out_of_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    unit_name: Mapped[str] = mapped_column(String(60))
    unit_kind: Mapped[str] = mapped_column(String(10))
    # Tenths of a degree Celsius: exact on every database, one decimal place as thermometers.
    tenths_c: Mapped[int] = mapped_column(Integer)
    out_of_range: Mapped[bool] = mapped_column(Boolean)
    action_taken: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    local_date: Mapped[date] = mapped_column(Date)

    actor: Mapped[User | None] = relationship()

    @property
    def celsius(self) -> float:
        return self.tenths_c / 10
