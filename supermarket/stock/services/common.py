"""What every stock service shares: who may act at a site, and the site's own calendar."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from supermarket.auth.access import works_at
from supermarket.auth.models import Role, User
from supermarket.errors import InvalidInput, NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.sites.models import Site
from supermarket.stock.barcodes import normalise_barcode
from supermarket.stock.models import Product


def ensure_staff(site: Site, actor: User, *, managers_only: bool = False) -> None:
    """Refuse unless the actor works at the site (404, so sites cannot be probed) and, where
    the action is a manager's, is a site manager (403)."""
    if not works_at(actor, site):
        raise NotFound("No such site.", code="site_not_found")
    if managers_only and actor.role != Role.SITE_MANAGER:
        raise PermissionDenied("Only a site manager can do this.")


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
