"""The programme-wide catalogue of products, and a site's own minimum levels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from supermarket.models import Base, CreatedAt, IdKey, UTCDateTime, utcnow
from supermarket.stock.models.kinds import Category


class Product(IdKey, CreatedAt, Base):
    """A catalogue entry, shared by every site."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("unit_weight_g > 0", name="unit_weight_positive"),
        CheckConstraint("reference_price_pence >= 0", name="price_not_negative"),
        CheckConstraint("min_level IS NULL OR min_level >= 0", name="min_level_not_negative"),
    )

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
