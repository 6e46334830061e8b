"""Writing stock off with a reason: a quantity, or every batch past its use-by at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput
from supermarket.extensions import db
from supermarket.sites.calendar import now_or, site_today
from supermarket.sites.models import Site
from supermarket.stock.models import (
    MovementKind,
    StockBatch,
    StockMovement,
    WasteReason,
)
from supermarket.stock.services.catalogue import product_by_sku
from supermarket.stock.services.ledger.batches import expired, fefo, move, take


def waste(
    site: Site,
    sku: str,
    quantity: int,
    reason: str,
    *,
    actor: User,
    note: str = "",
    batch_id: int | None = None,
    at: datetime | None = None,
) -> list[StockMovement]:
    """Write stock off with a reason: from one batch if named, else earliest-dated first
    (only batches past their use-by for the reason "past use-by")."""
    ensure_works_at(actor, site, managers_only=True)
    if reason not in WasteReason.__members__.values():
        raise InvalidInput("Choose a reason.", fields={"reason": "Choose a reason."})
    if quantity <= 0:
        raise InvalidInput("Give a quantity of 1 or more.", fields={"quantity": "At least 1."})
    product = product_by_sku(sku)
    at = now_or(at)
    stmt = fefo(site, product)
    if batch_id is not None:
        stmt = stmt.where(StockBatch.id == batch_id)
    if reason == WasteReason.PAST_USE_BY:
        stmt = stmt.where(*expired(site_today(site, at)))
    return take(
        site,
        product,
        quantity,
        stmt=stmt,
        kind=MovementKind.WASTED,
        actor=actor,
        at=at,
        reason=reason,
        note=note,
    )


def waste_expired(
    site: Site,
    *,
    actor: User,
    reason: str = WasteReason.PAST_USE_BY,
    note: str = "",
    at: datetime | None = None,
) -> list[StockMovement]:
    """Write off every batch past its use-by date in one action."""
    ensure_works_at(actor, site, managers_only=True)
    if reason not in WasteReason.__members__.values():
        raise InvalidInput("Choose a reason.", fields={"reason": "Choose a reason."})
    at = now_or(at)
    batches = db.session.scalars(
        select(StockBatch)
        .where(
            StockBatch.site_id == site.id, StockBatch.quantity > 0, *expired(site_today(site, at))
        )
        .order_by(StockBatch.id)
        .execution_options(populate_existing=True)
    ).all()
    movements = []
    for batch in batches:
        if batch.quantity > 0:
            movement = move(
                batch,
                -batch.quantity,
                kind=MovementKind.WASTED,
                actor=actor,
                at=at,
                site=site,
                reason=reason,
                note=note,
            )
            if movement is not None:
                movements.append(movement)
    db.session.flush()
    return movements
