"""Stocktakes: a count sheet per category, counts entered, differences shown, and a site
manager's approval turns each difference into an "adjusted" movement."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, select, update

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import Conflict, InvalidInput, NotFound, RuleViolation
from supermarket.extensions import db
from supermarket.sites.calendar import now_or
from supermarket.sites.models import Site
from supermarket.stock.models import (
    UNKNOWN_SOURCE,
    Category,
    MovementKind,
    Product,
    StockBatch,
    Stocktake,
    StocktakeLine,
    StocktakeStatus,
)
from supermarket.stock.services.catalogue import product_by_sku
from supermarket.stock.services.ledger import dated_batch, move

MAX_COUNT = 10_000_000


def start_stocktake(
    site: Site,
    *,
    category: str | None,
    actor: User,
    note: str = "",
    at: datetime | None = None,
) -> Stocktake:
    """Open a count sheet listing every batch in stock (for one category, or all)."""
    ensure_works_at(actor, site, managers_only=True)
    if category is not None and category not in Category.__members__.values():
        raise InvalidInput("Choose a category.", fields={"category": "Choose a category."})
    open_ones = db.session.scalars(
        select(Stocktake).where(
            Stocktake.site_id == site.id, Stocktake.status == StocktakeStatus.OPEN
        )
    ).all()
    for other in open_ones:
        if other.category is None or category is None or other.category == category:
            raise Conflict(
                f"Stocktake {other.id} ({other.category_label}) is still open: "
                "approve or cancel it first.",
                code="stocktake_open",
            )
    stocktake = Stocktake(
        site_id=site.id,
        site=site,
        category=category,
        note=note[:500],
        started_by_id=actor.id,
        started_at=now_or(at),
    )
    stmt = (
        select(StockBatch)
        .join(StockBatch.product)
        .where(StockBatch.site_id == site.id, StockBatch.quantity > 0)
    )
    if category is not None:
        stmt = stmt.where(Product.category == category)
    for batch in db.session.scalars(stmt):
        stocktake.lines.append(
            StocktakeLine(batch_id=batch.id, batch=batch, expected_quantity=batch.quantity)
        )
    db.session.add(stocktake)
    db.session.flush()
    return stocktake


def sheet_lines(stocktake: Stocktake) -> list[StocktakeLine]:
    """The lines in count-sheet order: category, product, then date."""
    return sorted(
        stocktake.lines,
        key=lambda ln: (
            ln.batch.product.category,
            ln.batch.product.name_key,
            ln.batch.expires_on or date.max,
            ln.id,
        ),
    )


def _open(site: Site, stocktake_id: int) -> Stocktake:
    stocktake = _stocktake(site, stocktake_id)
    if stocktake.status != StocktakeStatus.OPEN:
        raise RuleViolation("This stocktake is closed.", code="stocktake_closed")
    return stocktake


def record_counts(
    site: Site, stocktake_id: int, counts: dict[int, int | None], *, actor: User
) -> Stocktake:
    """Save counts by line id (None clears one); counting may take several visits to the page."""
    ensure_works_at(actor, site, managers_only=True)
    stocktake = _open(site, stocktake_id)
    by_id = {line.id: line for line in stocktake.lines}
    problems = {}
    for line_id, counted in counts.items():
        if line_id not in by_id:
            problems[str(line_id)] = "Not a line of this stocktake."
        elif counted is not None and (
            not isinstance(counted, int) or not 0 <= counted <= MAX_COUNT
        ):
            problems[str(line_id)] = "Give a count of 0 or more."
    if problems:
        raise InvalidInput("Some counts need correcting.", fields={"counts": problems})
    for line_id, counted in counts.items():
        by_id[line_id].counted_quantity = counted
    db.session.flush()
    return stocktake


def add_found_line(
    site: Site,
    stocktake_id: int,
    *,
    sku: str,
    counted: int,
    actor: User,
    use_by: date | None = None,
    best_before: date | None = None,
) -> StocktakeLine:
    """Count stock the sheet did not list (expected 0; its source is unknown)."""
    ensure_works_at(actor, site, managers_only=True)
    stocktake = _open(site, stocktake_id)
    product = product_by_sku(sku)
    problems = {}
    if stocktake.category and product.category != stocktake.category:
        problems["sku"] = f"This count is for {stocktake.category_label} only."
    if use_by and best_before:
        problems["use_by"] = "Give a use-by or a best-before date, not both."
    if not isinstance(counted, int) or not 1 <= counted <= MAX_COUNT:
        problems["counted"] = "Give the number found, 1 or more."
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    batch = dated_batch(site, product, UNKNOWN_SOURCE, use_by=use_by, best_before=best_before)
    line = next((ln for ln in stocktake.lines if ln.batch_id == batch.id), None)
    if line is None:
        line = StocktakeLine(batch_id=batch.id, batch=batch, expected_quantity=0)
        stocktake.lines.append(line)
    line.counted_quantity = counted
    db.session.flush()
    return line


def approve_stocktake(
    site: Site, stocktake_id: int, *, actor: User, at: datetime | None = None
) -> Stocktake:
    """Turn every difference into an adjustment. Stock that moved since the count began keeps
    its movements: the difference (counted - expected) is applied, never below zero."""
    ensure_works_at(actor, site, managers_only=True)
    stocktake = _open(site, stocktake_id)
    uncounted = [ln.id for ln in stocktake.lines if ln.counted_quantity is None]
    if uncounted:
        raise RuleViolation(
            f"{len(uncounted)} line(s) have no count yet (enter 0 for none).",
            code="stocktake_incomplete",
            details={"lines": uncounted},
        )
    at = now_or(at)
    # Approve once only, even if two managers tap at the same moment.
    claimed = db.session.execute(
        update(Stocktake)
        .where(Stocktake.id == stocktake.id, Stocktake.status == StocktakeStatus.OPEN)
        .values(status=StocktakeStatus.APPROVED)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise RuleViolation("This stocktake is closed.", code="stocktake_closed")
    db.session.expire(stocktake, ["status"])
    for line in sheet_lines(stocktake):
        delta = line.difference or 0
        if delta < 0:
            db.session.refresh(line.batch, ["quantity"])
            delta = max(delta, -line.batch.quantity)
        if delta != 0:
            move(
                line.batch,
                delta,
                kind=MovementKind.ADJUSTED,
                actor=actor,
                at=at,
                site=site,
                reason="stocktake",
                stocktake_id=stocktake.id,
            )
    stocktake.status = StocktakeStatus.APPROVED
    stocktake.approved_by_id = actor.id
    stocktake.approved_at = at
    db.session.flush()
    audit.record_on("stocktake.approved", "stocktake", stocktake.id, actor, site.id)
    return stocktake


def cancel_stocktake(site: Site, stocktake_id: int, *, actor: User) -> Stocktake:
    ensure_works_at(actor, site, managers_only=True)
    stocktake = _open(site, stocktake_id)
    stocktake.status = StocktakeStatus.CANCELLED
    db.session.flush()
    return stocktake


def stocktakes_query(site: Site, *, actor: User) -> Select[Stocktake]:
    ensure_works_at(actor, site, managers_only=True)
    return select(Stocktake).where(Stocktake.site_id == site.id)


def get_stocktake(site: Site, stocktake_id: int, *, actor: User) -> Stocktake:
    ensure_works_at(actor, site, managers_only=True)
    return _stocktake(site, stocktake_id)


def _stocktake(site: Site, stocktake_id: int) -> Stocktake:
    stocktake = db.session.get(Stocktake, stocktake_id)
    if stocktake is None or stocktake.site_id != site.id:
        raise NotFound("No such stocktake.", code="stocktake_not_found")
    return stocktake
