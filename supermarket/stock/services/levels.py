"""Stock levels and alerts, read from the batches the ledger keeps: what is held, what runs
low, what goes out of date soon and what must be wasted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site
from supermarket.stock.models import DateKind, Product, SiteMinimum, StockBatch, StockMovement
from supermarket.stock.services.catalogue import product_by_sku
from supermarket.stock.services.ledger import fefo
from supermarket.stock.services.products import products_query


@dataclass
class Level:
    """One product's stock at a site, and what needs attention."""

    product: Product
    quantity: int = 0
    usable_quantity: int = 0
    weight_g: int = 0
    value_pence: int = 0
    earliest_use_by: date | None = None
    earliest_best_before: date | None = None
    min_level: int | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class Alerts:
    below_minimum: list[Level]
    use_by_soon: list[StockBatch]
    past_best_before: list[StockBatch]
    past_use_by: list[StockBatch]
    use_by_days: int

    @property
    def count(self) -> int:
        return (
            len(self.below_minimum)
            + len(self.use_by_soon)
            + len(self.past_best_before)
            + len(self.past_use_by)
        )


def minimums(site: Site) -> dict[int, int | None]:
    """Each product's minimum at the site: the site's own, else the catalogue's."""
    found: dict[int, int | None] = dict(
        db.session.execute(
            select(Product.id, Product.min_level).where(Product.min_level.is_not(None))
        ).all()
    )
    found.update(
        db.session.execute(
            select(SiteMinimum.product_id, SiteMinimum.min_level).where(
                SiteMinimum.site_id == site.id
            )
        ).all()
    )
    return found


def _min(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def stock_levels(
    site: Site,
    *,
    actor: User,
    category: str | None = None,
    q: str = "",
    at: datetime | None = None,
) -> list[Level]:
    """Every product in stock or with a minimum at the site, with its flags; `q` narrows to
    a scanned barcode, a sku or words of the name."""
    ensure_works_at(actor, site)
    return levels_of(site, category=category, q=q, at=at)


def levels_of(
    site: Site, *, category: str | None = None, q: str = "", at: datetime | None = None
) -> list[Level]:
    """`stock_levels` for a caller that has checked the actor works at the site."""
    today = site_today(site, at)
    soon = today + timedelta(days=site.settings.use_by_alert_days)
    mins = {k: v for k, v in minimums(site).items() if v}
    stmt = (
        select(StockBatch)
        .join(StockBatch.product)
        .where(StockBatch.site_id == site.id, StockBatch.quantity > 0)
    )
    products = select(Product).where(Product.id.in_(list(mins)), Product.active.is_(True))
    if category:
        stmt = stmt.where(Product.category == category)
        products = products.where(Product.category == category)
    if q.strip():
        matching = products_query(q=q, active=None, include_crates=True).with_only_columns(
            Product.id
        )
        stmt = stmt.where(Product.id.in_(matching))
        products = products.where(Product.id.in_(matching))
    levels: dict[int, Level] = {}
    for batch in db.session.scalars(stmt):
        level = levels.setdefault(batch.product_id, Level(batch.product))
        level.quantity += batch.quantity
        expired = batch.use_by is not None and batch.use_by < today
        if not expired:
            level.usable_quantity += batch.quantity
        if batch.use_by is not None:
            level.earliest_use_by = _min(level.earliest_use_by, batch.use_by)
            flag = "past_use_by" if expired else "use_by_soon" if batch.use_by <= soon else ""
            if flag and flag not in level.flags:
                level.flags.append(flag)
        if batch.best_before is not None:
            level.earliest_best_before = _min(level.earliest_best_before, batch.best_before)
            if batch.best_before < today and "past_best_before" not in level.flags:
                level.flags.append("past_best_before")
    for product in db.session.scalars(products):
        levels.setdefault(product.id, Level(product))
    for level in levels.values():
        product = level.product
        level.weight_g = level.quantity * product.unit_weight_g
        level.value_pence = (
            0 if product.weight_only else level.quantity * (product.reference_price_pence)
        )
        level.min_level = mins.get(product.id)
        if level.min_level is not None and level.usable_quantity < level.min_level:
            level.flags.insert(0, "below_minimum")
    return sorted(levels.values(), key=lambda lv: (lv.product.category, lv.product.name_key))


def alerts(site: Site, *, actor: User, at: datetime | None = None) -> Alerts:
    """Below minimum, use-by within the site's warning days, past best-before, past use-by."""
    ensure_works_at(actor, site)
    today = site_today(site, at)
    days = site.settings.use_by_alert_days
    base = (
        select(StockBatch)
        .join(StockBatch.product)
        .where(StockBatch.site_id == site.id, StockBatch.quantity > 0)
        .order_by(StockBatch.expires_on, Product.name_key)
    )
    use_by = base.where(StockBatch.date_kind == DateKind.USE_BY)
    return Alerts(
        below_minimum=[lv for lv in levels_of(site, at=at) if "below_minimum" in lv.flags],
        use_by_soon=list(
            db.session.scalars(
                use_by.where(
                    StockBatch.expires_on >= today,
                    StockBatch.expires_on <= today + timedelta(days=days),
                )
            )
        ),
        past_best_before=list(
            db.session.scalars(
                base.where(
                    StockBatch.date_kind == DateKind.BEST_BEFORE, StockBatch.expires_on < today
                )
            )
        ),
        past_use_by=list(db.session.scalars(use_by.where(StockBatch.expires_on < today))),
        use_by_days=days,
    )


@dataclass
class Item:
    product: Product
    batches: list[StockBatch]
    movements: list[StockMovement]
    min_level: int | None
    site_min_level: int | None


def stock_item(site: Site, sku: str, *, actor: User, limit: int = 30) -> Item:
    """One product at the site: its batches in issuing order and its latest movements."""
    ensure_works_at(actor, site)
    product = db.session.scalar(select(Product).where(Product.sku == sku.upper()))
    if product is None:
        raise NotFound("No such product.", code="unknown_product")
    batches = list(db.session.scalars(fefo(site, product)))
    movements = list(
        db.session.scalars(
            select(StockMovement)
            .where(StockMovement.site_id == site.id, StockMovement.product_id == product.id)
            .order_by(StockMovement.at.desc(), StockMovement.id.desc())
            .limit(limit)
        )
    )
    own = db.session.get(SiteMinimum, (site.id, product.id))
    return Item(
        product, batches, movements, minimums(site).get(product.id), own.min_level if own else None
    )


def set_site_minimum(site: Site, sku: str, min_level: int | None, *, actor: User) -> Product:
    """Set (or with None clear) the site's own minimum level for a product."""
    ensure_works_at(actor, site, managers_only=True)
    product = product_by_sku(sku)
    if min_level is not None and not 0 <= min_level <= 1_000_000:
        raise InvalidInput("Give a minimum of 0 or more.", fields={"min_level": "0 or more."})
    own = db.session.get(SiteMinimum, (site.id, product.id))
    if min_level is None:
        if own is not None:
            db.session.delete(own)
    elif own is None:
        db.session.add(SiteMinimum(site_id=site.id, product_id=product.id, min_level=min_level))
    else:
        own.min_level = min_level
    db.session.flush()
    return product


def movements_query(
    site: Site,
    *,
    actor: User,
    kind: str | None = None,
    sku: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Select[StockMovement]:
    """The site's ledger, filtered; the caller pages it."""
    ensure_works_at(actor, site)
    stmt = select(StockMovement).where(StockMovement.site_id == site.id)
    if kind:
        stmt = stmt.where(StockMovement.kind == kind)
    if sku:
        stmt = stmt.where(
            StockMovement.product_id.in_(select(Product.id).where(Product.sku == sku.upper()))
        )
    if start:
        stmt = stmt.where(StockMovement.local_date >= start)
    if end:
        stmt = stmt.where(StockMovement.local_date <= end)
    return stmt
