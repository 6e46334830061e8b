"""The site manager's stock report: what is held (items, weight, value at reference prices)
and what came in, went out and was wasted in a period, by source, category and reason."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput
from supermarket.extensions import db
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site
from supermarket.stock.models import Donation, MovementKind, Product, StockMovement
from supermarket.stock.services.levels import Level, levels_of

MAX_PERIOD_DAYS = 3 * 366


@dataclass
class Totals:
    """Items (weighed crates are not items) and grams."""

    items: int = 0
    weight_g: int = 0
    value_pence: int = 0

    def add(self, items: int, weight_g: int, value_pence: int = 0) -> None:
        self.items += items
        self.weight_g += weight_g
        self.value_pence += value_pence


@dataclass
class StockReport:
    site: Site
    start: date
    end: date
    held_by_category: dict[str, Totals] = field(default_factory=dict)
    held: Totals = field(default_factory=Totals)
    received_by_source: dict[str, Totals] = field(default_factory=dict)
    received_by_category: dict[str, Totals] = field(default_factory=dict)
    issued_by_category: dict[str, Totals] = field(default_factory=dict)
    wasted_by_reason: dict[str, Totals] = field(default_factory=dict)
    wasted_by_category: dict[str, Totals] = field(default_factory=dict)
    flows: dict[str, Totals] = field(default_factory=dict)
    purchases_cost_pence: int = 0
    levels: list[Level] = field(default_factory=list)


def default_period(site: Site, at: datetime | None = None) -> tuple[date, date]:
    """The current calendar month so far."""
    today = site_today(site, at)
    return today.replace(day=1), today


def stock_report(
    site: Site,
    *,
    actor: User,
    start: date | None = None,
    end: date | None = None,
    at: datetime | None = None,
) -> StockReport:
    """Levels now, and the ledger's movements between start and end (site dates, inclusive)."""
    ensure_works_at(actor, site, managers_only=True)
    first, last = default_period(site, at)
    start, end = start or first, end or last
    if end < start:
        raise InvalidInput("The period ends before it starts.", fields={"end": "After the start."})
    if end - start > timedelta(days=MAX_PERIOD_DAYS):
        raise InvalidInput("Choose a period of three years or less.", fields={"start": "Too long."})
    report = StockReport(site=site, start=start, end=end)
    _add_levels(report, levels_of(site, at=at))
    _add_movements(report)
    report.purchases_cost_pence = int(
        db.session.scalar(
            select(func.coalesce(func.sum(Donation.total_cost_pence), 0)).where(
                Donation.site_id == site.id,
                Donation.received_on >= start,
                Donation.received_on <= end,
            )
        )
        or 0
    )
    return report


def _add_levels(report: StockReport, levels: list[Level]) -> None:
    """What is held now, by category and in all."""
    report.levels = levels
    for level in levels:
        items = 0 if level.product.weight_only else level.quantity
        report.held_by_category.setdefault(level.product.category, Totals()).add(
            items, level.weight_g, level.value_pence
        )
        report.held.add(items, level.weight_g, level.value_pence)


def _add_movements(report: StockReport) -> None:
    """The period's movements: each kind's flow, and what came in, went out and was wasted by
    source, category and reason."""
    item_qty = case((Product.weight_only.is_(True), 0), else_=StockMovement.quantity)
    rows = db.session.execute(
        select(
            StockMovement.kind,
            StockMovement.source,
            StockMovement.category,
            StockMovement.reason,
            func.sum(item_qty),
            func.sum(StockMovement.weight_g),
        )
        .join(Product, Product.id == StockMovement.product_id)
        .where(
            StockMovement.site_id == report.site.id,
            StockMovement.local_date >= report.start,
            StockMovement.local_date <= report.end,
        )
        .group_by(
            StockMovement.kind, StockMovement.source, StockMovement.category, StockMovement.reason
        )
    ).all()
    buckets: dict[str, dict[str, Totals]] = defaultdict(dict)
    for kind, source, category, reason, items, grams in rows:
        items, grams = int(items or 0), int(grams or 0)
        sign = 1 if kind in (MovementKind.RECEIVED, MovementKind.TRANSFERRED_IN) else -1
        report.flows.setdefault(kind, Totals()).add(items, grams)
        if kind == MovementKind.RECEIVED:
            buckets["received_by_source"].setdefault(source, Totals()).add(items, grams)
            buckets["received_by_category"].setdefault(category, Totals()).add(items, grams)
        elif kind in (MovementKind.ISSUED, MovementKind.RETURNED):
            buckets["issued_by_category"].setdefault(category, Totals()).add(
                sign * items, sign * grams
            )
        elif kind == MovementKind.WASTED:
            buckets["wasted_by_reason"].setdefault(reason or "other", Totals()).add(-items, -grams)
            buckets["wasted_by_category"].setdefault(category, Totals()).add(-items, -grams)
    for name, values in buckets.items():
        setattr(report, name, dict(sorted(values.items())))
