"""What every stock service shares: the catalogue's editors, the site's own calendar and
finding products. (Who may act at a site: `auth.access.ensure_works_at`.)"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from supermarket.auth.models import Role, User
from supermarket.errors import InvalidInput, PermissionDenied
from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.sites.models import Site
from supermarket.stock.barcodes import normalise_barcode
from supermarket.stock.models import Product


def ensure_catalogue_editor(actor: User) -> None:
    """Administrators and site managers keep the shared catalogue."""
    if actor.role not in (Role.SITE_MANAGER, Role.ADMIN):
        raise PermissionDenied("Only site managers and administrators change the catalogue.")


def now_or(at: datetime | None) -> datetime:
    return at if at is not None else utcnow()


def local_date(site: Site, at: datetime) -> date:
    """The calendar day at the site when `at` happened."""
    return at.astimezone(ZoneInfo(site.timezone)).date()


def site_today(site: Site, at: datetime | None = None) -> date:
    return local_date(site, now_or(at))


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
