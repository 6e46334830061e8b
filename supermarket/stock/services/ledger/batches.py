"""Batches and the movements that change them: the one place a batch's quantity changes
(`move()`), taking stock first-expiring first, and the check that the cache is sound."""

from __future__ import annotations

from datetime import date, datetime
from typing import Required, TypedDict, Unpack

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from supermarket.auth.models import User
from supermarket.errors import RuleViolation
from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.sites.calendar import local_date
from supermarket.sites.models import Site
from supermarket.stock.models import (
    DateKind,
    MovementKind,
    Product,
    StockBatch,
    StockMovement,
)

# --- batches and movements ------------------------------------------------------------------


def batch_for(
    site: Site, product: Product, date_kind: str, expires_on: date | None, source: str
) -> StockBatch:
    """The batch for this product, date and source at the site, created empty if new."""
    key = StockBatch.key_for(date_kind, expires_on, source)
    stmt = select(StockBatch).where(
        StockBatch.site_id == site.id,
        StockBatch.product_id == product.id,
        StockBatch.batch_key == key,
    )
    found = db.session.scalar(stmt)
    if found is not None:
        return found
    # Two receipts may create the same batch at once: INSERT ... ON CONFLICT DO NOTHING lets
    # the second use the first's row instead of failing (both databases support it).
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(StockBatch)
        .values(
            site_id=site.id,
            product_id=product.id,
            date_kind=date_kind,
            expires_on=expires_on,
            source=source,
            batch_key=key,
            quantity=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["site_id", "product_id", "batch_key"])
    )
    return db.session.scalars(stmt).one()


def dated_batch(
    site: Site,
    product: Product,
    source: str,
    *,
    use_by: date | None,
    best_before: date | None,
) -> StockBatch:
    """The batch for this product and source by the date it carries: a use-by, else a
    best-before, else none (batch_for)."""
    kind = DateKind.USE_BY if use_by else DateKind.BEST_BEFORE if best_before else DateKind.NONE
    return batch_for(site, product, kind, use_by or best_before, source)


def move(
    batch: StockBatch,
    delta: int,
    *,
    kind: MovementKind,
    actor: User | None,
    at: datetime,
    site: Site,
    weight_g: int | None = None,
    day: date | None = None,
    reason: str | None = None,
    note: str = "",
    donation_id: int | None = None,
    transfer_id: int | None = None,
    stocktake_id: int | None = None,
    visit_id: int | None = None,
) -> StockMovement | None:
    """Change a batch by `delta` and write the movement; None if it would go below zero."""
    if delta == 0:
        raise ValueError("a movement must change the quantity")
    result = db.session.execute(
        update(StockBatch)
        .where(StockBatch.id == batch.id, StockBatch.quantity + delta >= 0)
        .values(quantity=StockBatch.quantity + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(batch, ["quantity"])
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    product = batch.product
    movement = StockMovement(
        site_id=batch.site_id,
        batch_id=batch.id,
        product_id=product.id,
        kind=kind,
        quantity=delta,
        weight_g=weight_g if weight_g is not None else delta * product.unit_weight_g,
        reason=reason,
        note=note[:300],
        source=batch.source,
        category=product.category,
        donation_id=donation_id,
        transfer_id=transfer_id,
        stocktake_id=stocktake_id,
        visit_id=visit_id,
        actor_id=actor.id if actor is not None else None,
        at=at,
        local_date=day or local_date(site, at),
    )
    db.session.add(movement)
    return movement


def expired(today: date) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (StockBatch.date_kind == DateKind.USE_BY, StockBatch.expires_on < today)


def usable(today: date) -> ColumnElement[bool]:
    """Batches that may be given out: not past their use-by date (use-by day itself is fine)."""
    return or_(StockBatch.date_kind != DateKind.USE_BY, StockBatch.expires_on >= today)


def fefo(site: Site, product: Product) -> Select[StockBatch]:
    return (
        select(StockBatch)
        .where(
            StockBatch.site_id == site.id,
            StockBatch.product_id == product.id,
            StockBatch.quantity > 0,
        )
        .order_by(StockBatch.expires_on.asc().nulls_last(), StockBatch.id)
    )


class Taking(TypedDict, total=False):
    """What each movement of a take records (move()'s arguments of the same names)."""

    kind: Required[MovementKind]
    actor: Required[User | None]
    at: Required[datetime]
    reason: str | None
    note: str
    visit_id: int | None
    transfer_id: int | None


def take(
    site: Site,
    product: Product,
    quantity: int,
    *,
    stmt: Select[StockBatch],
    **taking: Unpack[Taking],
) -> list[StockMovement]:
    """Take `quantity` from the batches `stmt` lists, in its order; all or nothing. Each
    movement is recorded at the site as `taking` describes it.

    Spanning batches runs in a savepoint, so a shortfall undoes the batches already taken
    even when the caller carries on with its transaction. Long on purpose: the one-batch
    fast path and the retrying loop are read together to see that neither oversells.
    """

    def take_from(batch: StockBatch, amount: int) -> StockMovement | None:
        return move(batch, -amount, site=site, **taking)

    batches = db.session.scalars(stmt.execution_options(populate_existing=True)).all()
    if batches and batches[0].quantity >= quantity:
        # One batch covers it: a single conditional UPDATE either all happens or not at all.
        single = take_from(batches[0], quantity)
        if single is not None:
            db.session.flush()
            return [single]
        db.session.refresh(batches[0], ["quantity"])
    movements: list[StockMovement] = []
    remaining = quantity
    with db.session.begin_nested():
        for batch in batches:
            available = batch.quantity
            while remaining > 0 and available > 0:
                amount = min(available, remaining)
                movement = take_from(batch, amount)
                if movement is not None:
                    movements.append(movement)
                    remaining -= amount
                    available -= amount
                else:  # another transaction took some meanwhile: re-read and try again
                    db.session.refresh(batch, ["quantity"])
                    available = batch.quantity
            if remaining == 0:
                break
        if remaining > 0:
            raise _not_enough(product, quantity, quantity - remaining)
        db.session.flush()
    return movements


def _not_enough(product: Product, want: int, have: int) -> RuleViolation:
    """The refusal of a take that found `have` of the `want` asked for."""
    amounts = (
        f"{have / 1000:,.1f} kg of {want / 1000:,.1f} kg"
        if product.weight_only
        else f"{have} of {want}"
    )
    return RuleViolation(
        f"Not enough {product.name} in stock: {amounts}.",
        code="insufficient_stock",
        fields={"quantity": "More than is in stock."},
        details={"sku": product.sku, "requested": want, "available": have},
    )


def ledger_discrepancies(site_id: int | None = None) -> list[tuple[int, int, int]]:
    """Batches whose cached quantity is not the sum of their movements: (id, cached, sum).

    Empty whenever the ledger is sound; a test runs it after every kind of movement.
    """
    sums = (
        select(StockMovement.batch_id, func.sum(StockMovement.quantity).label("total"))
        .group_by(StockMovement.batch_id)
        .subquery()
    )
    stmt = (
        select(StockBatch.id, StockBatch.quantity, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.batch_id == StockBatch.id)
        .where(or_(StockBatch.quantity != func.coalesce(sums.c.total, 0), StockBatch.quantity < 0))
    )
    if site_id is not None:
        stmt = stmt.where(StockBatch.site_id == site_id)
    return [(a, b, int(c)) for a, b, c in db.session.execute(stmt)]
