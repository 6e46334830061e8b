"""The visits feature's only door into stock: products by sku, issuing and returning."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from supermarket.auth.models import User
from supermarket.errors import InvalidInput
from supermarket.sites.models import Site
from supermarket.stock import services as stock
from supermarket.visits.services.allowance import ScannedLine
from supermarket.visits.services.requests import Line

MAX_LINES = 100


def scanned_lines(raw: Sequence[Line]) -> list[ScannedLine]:
    """The scanned products of a check-in (the same sku twice is added up), or a 422 naming
    each line whose sku is not an active product."""
    if not raw:
        return []
    products = stock.products_by_sku([line.sku for line in raw])
    errors: dict[str, Any] = {}
    merged: dict[str, ScannedLine] = {}
    for i, line in enumerate(raw):
        sku = line.sku.strip().upper()
        product = products.get(sku)
        if product is None or not product.active or product.weight_only:
            errors[str(i)] = {"sku": ["No active product has this code."]}
            continue
        quantity = line.quantity + (merged[sku].quantity if sku in merged else 0)
        merged[sku] = ScannedLine(
            product_id=product.id,
            sku=product.sku,
            name=product.name,
            band=product.band,
            quantity=quantity,
            reference_price_pence=product.reference_price_pence,
        )
    if errors:
        raise InvalidInput("A scanned product is not in the catalogue.", fields={"lines": errors})
    return list(merged.values())


def issue_lines(
    site: Site, lines: Sequence[ScannedLine], *, visit_id: int, actor: User, at: datetime
) -> None:
    """Issue each scanned product from the site's stock, earliest expiry first and never past
    its use-by date; a shortfall refuses the whole check-in (409 insufficient_stock)."""
    if not lines:
        return
    for line in lines:
        stock.issue(site, line.sku, line.quantity, actor=actor, visit_id=visit_id, at=at)


def return_lines(visit_id: int, *, actor: User, at: datetime) -> None:
    """Put back what a voided visit took from stock."""
    stock.return_issued(visit_id, actor=actor, at=at)
