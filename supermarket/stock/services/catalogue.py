"""The catalogue as every stock service reads it: who may edit it, and finding a product by
sku, barcode or code. (Who may act at a site: `auth.access.ensure_works_at`.)"""

from __future__ import annotations

from sqlalchemy import select

from supermarket.auth.models import Role, User
from supermarket.errors import InvalidInput, PermissionDenied
from supermarket.extensions import db
from supermarket.stock.barcodes import normalise_barcode
from supermarket.stock.models import Product


def ensure_catalogue_editor(actor: User) -> None:
    """Administrators and site managers keep the shared catalogue."""
    if actor.role not in (Role.SITE_MANAGER, Role.ADMIN):
        raise PermissionDenied("Only site managers and administrators change the catalogue.")


def find_product(code: str) -> Product | None:
    """A product by its sku (any case) or a scanned barcode, active or not."""
    code = code.strip()
    if not code:
        return None
    barcode = normalise_barcode(code)
    if barcode is not None:
        found = db.session.scalar(select(Product).where(Product.barcode == barcode))
        if found is not None:
            return found
    return db.session.scalar(select(Product).where(Product.sku == code.upper()))


def product_by_sku(sku: str, *, field: str = "sku") -> Product:
    """The active product with this sku, or a 422 naming the field."""
    product = db.session.scalar(select(Product).where(Product.sku == sku.strip().upper()))
    if product is None or not product.active:
        raise InvalidInput(
            "No such product.", code="unknown_product", fields={field: "No active product."}
        )
    return product
