"""Issuing to visits and at sessions, and putting back what a voided visit took (the visits
feature calls these in its own transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

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
)
from supermarket.stock.services.catalogue import product_by_sku
from supermarket.stock.services.ledger.batches import fefo, move, take, usable


def issue(
    site: Site,
    sku: str,
    quantity: int,
    *,
    actor: User,
    visit_id: int | None = None,
    at: datetime | None = None,
) -> list[StockMovement]:
    """Give stock out, earliest-expiring first, never from a batch past its use-by date."""
    return _issue_usable(site, sku, quantity, actor=actor, at=at, visit_id=visit_id)


GIVEN_OUT_NOTE = "given out without a scan"


def give_out(
    site: Site, sku: str, quantity: int, *, actor: User, at: datetime | None = None
) -> list[StockMovement]:
    """Record stock that left at a session without being scanned at check-in (free items,
    weighed crates in grams, baskets counted by band): issued first-expiring first, with no
    visit, so the levels stay true."""
    return _issue_usable(site, sku, quantity, actor=actor, at=at, note=GIVEN_OUT_NOTE)


def _issue_usable(
    site: Site,
    sku: str,
    quantity: int,
    *,
    actor: User,
    at: datetime | None,
    visit_id: int | None = None,
    note: str = "",
) -> list[StockMovement]:
    """Issue `quantity` by staff of the site from the usable batches, earliest-expiring first,
    all or nothing (through `take`)."""
    ensure_works_at(actor, site)
    if quantity <= 0:
        raise InvalidInput("Give a quantity of 1 or more.", fields={"quantity": "At least 1."})
    product = product_by_sku(sku)
    at = now_or(at)
    stmt = fefo(site, product).where(usable(site_today(site, at)))
    return take(
        site,
        product,
        quantity,
        stmt=stmt,
        kind=MovementKind.ISSUED,
        actor=actor,
        at=at,
        note=note,
        visit_id=visit_id,
    )


def return_issued(visit_id: int, *, actor: User, at: datetime | None = None) -> list[StockMovement]:
    """Put back into their batches what a voided visit took; doing it twice changes nothing."""
    rows = db.session.execute(
        select(StockMovement.batch_id, func.sum(StockMovement.quantity))
        .where(
            StockMovement.visit_id == visit_id,
            StockMovement.kind.in_([MovementKind.ISSUED, MovementKind.RETURNED]),
        )
        .group_by(StockMovement.batch_id)
        .order_by(StockMovement.batch_id)
    ).all()
    at = now_or(at)
    movements: list[StockMovement] = []
    for batch_id, net in rows:
        if net >= 0:
            continue
        batch = db.session.get_one(StockBatch, batch_id)
        site = db.session.get_one(Site, batch.site_id)
        ensure_works_at(actor, site)
        movement = move(
            batch,
            -net,
            kind=MovementKind.RETURNED,
            actor=actor,
            at=at,
            site=site,
            visit_id=visit_id,
            note="visit voided",
        )
        assert movement is not None  # adding to a batch cannot go below zero
        movements.append(movement)
    db.session.flush()
    return movements
