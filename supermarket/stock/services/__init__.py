"""Stock services. Other domains use only what is named here (the visits feature: `issue`,
`return_issued`, `lookup_product`, `find_product`, `products_by_sku`)."""

from __future__ import annotations

from sqlalchemy import select

from supermarket.extensions import db
from supermarket.sites.calendar import site_today
from supermarket.stock.models import Product
from supermarket.stock.services.catalogue import find_product
from supermarket.stock.services.ledger import issue, return_issued
from supermarket.stock.services.products import lookup_product


def products_by_sku(skus: list[str]) -> dict[str, Product]:
    """Products by sku (upper-cased), each with its `band` and `reference_price_pence`."""
    wanted = {s.strip().upper() for s in skus}
    found = db.session.scalars(select(Product).where(Product.sku.in_(wanted)))
    return {p.sku: p for p in found}


__all__ = [
    "find_product",
    "issue",
    "lookup_product",
    "products_by_sku",
    "return_issued",
    "site_today",
]
