"""A site's weeks of deliveries, sessions and waste, drawn at random but reproducibly."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.stock.models import Product, StockBatch
from supermarket.stock.services.ledger import give_out, waste, waste_expired
from supermarket.stock.services.receiving import DonationRequest, receive_donation

SHORT_LIFE = {
    "chilled": (3, 8),
    "bakery": (1, 3),
    "fresh_produce": (4, 9),
    "frozen": (90, 200),
    "ambient": (120, 500),
    "household": (0, 0),
    "toiletries": (0, 0),
    "baby": (200, 500),
}
# The share of each category's stock that goes out at a session (short-life food goes first).
SESSION_SHARE = {
    "chilled": (0.6, 0.9),
    "bakery": (0.6, 0.9),
    "fresh_produce": (0.6, 0.9),
    "ambient": (0.08, 0.2),
    "frozen": (0.1, 0.3),
}
SESSION_WEEKDAYS = {"harlow": (1, 5), "basildon": (1, 3), "canvey": (2, 4)}  # Mon = 0
WEEKS = 8


def at_site(site: Site, day: date, hour: int = 10, minute: int = 30) -> datetime:
    """`hour:minute` on `day` on the site's clock, as an instant in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(site.timezone)).astimezone(UTC)


class Seeder:
    """One site's demonstration stock: its deliveries, sessions and tidying, week by week."""

    def __init__(
        self,
        site: Site,
        manager: User,
        volunteer: User,
        products: dict[str, Product],
        rng: random.Random,
        today: date,
    ) -> None:
        self.site, self.manager, self.volunteer = site, manager, volunteer
        self.products, self.rng, self.today = products, rng, today

    def line(self, sku: str, quantity: int, day: date, *, last_week: bool) -> dict[str, Any]:
        product = self.products[sku]
        low, high = SHORT_LIFE[product.category]
        line: dict[str, Any] = {"sku": sku, "quantity": quantity}
        if high == 0:
            return line
        ahead = self.rng.randint(low, high)
        expires = day + timedelta(days=ahead)
        if product.category == "chilled":
            # Keep the last week's chilled stock in date, bar the alerts scene's yoghurts.
            line["use_by"] = max(expires, self.today + timedelta(days=2)) if last_week else expires
        else:
            line["best_before"] = expires
        return line

    def receive(
        self,
        day: date,
        donor: tuple[str, str],
        lines: list[dict[str, Any]],
        note: str = "",
        *,
        by_volunteer: bool = False,
    ) -> None:
        receive_donation(
            self.site,
            DonationRequest.from_dict(
                {
                    "donor": {"name": donor[0], "kind": donor[1]},
                    "received_on": day,
                    "note": note,
                    "lines": lines,
                }
            ),
            actor=self.volunteer if by_volunteer else self.manager,
            at=at_site(self.site, day),
        )

    def pick(self, category: str, count: int) -> list[str]:
        skus = [sku for sku, p in self.products.items() if p.category == category]
        return self.rng.sample(skus, min(count, len(skus)))

    def tidy(self, day: date) -> None:
        """Before a session: past use-by out, and bread and veg gone past their best."""
        at = at_site(self.site, day, 9, 0)
        waste_expired(self.site, actor=self.manager, at=at)
        stale = db.session.scalars(
            select(StockBatch)
            .join(StockBatch.product)
            .where(
                StockBatch.site_id == self.site.id,
                StockBatch.quantity > 0,
                StockBatch.date_kind == "best_before",
                StockBatch.expires_on < day - timedelta(days=2),
                Product.category.in_(("bakery", "fresh_produce")),
            )
        ).all()
        for batch in stale:
            waste(
                self.site,
                batch.product.sku,
                batch.quantity,
                "other",
                actor=self.manager,
                note="past its best, composted",
                batch_id=batch.id,
                at=at,
            )

    def give_out_at_session(self, day: date) -> None:
        """After a session: what left in baskets counted by band, free items and crate food
        (the visits demo records the visits, not the items)."""
        totals = db.session.execute(
            select(
                Product.sku, Product.category, Product.weight_only, func.sum(StockBatch.quantity)
            )
            .join(StockBatch.product)
            .where(
                StockBatch.site_id == self.site.id,
                StockBatch.quantity > 0,
                (StockBatch.date_kind != "use_by") | (StockBatch.expires_on >= day),
                Product.category.in_(SESSION_SHARE) | Product.weight_only.is_(True),
            )
            .group_by(Product.sku, Product.category, Product.weight_only)
            .order_by(Product.sku)
        ).all()
        for sku, category, weight_only, held in totals:
            low, high = (0.7, 0.95) if weight_only else SESSION_SHARE[category]
            out = int(held * self.rng.uniform(low, high))
            if out > 0:
                give_out(
                    self.site, sku, out, actor=self.volunteer, at=at_site(self.site, day, 12, 45)
                )

    def week(self, monday: date, donors: dict[str, tuple[str, str]]) -> None:
        last_week = monday + timedelta(days=7) > self.today
        sessions = [monday + timedelta(days=d) for d in SESSION_WEEKDAYS[self.site.code]]
        tuesday, friday = monday + timedelta(days=1), monday + timedelta(days=4)
        for day in sorted({*sessions, tuesday, friday}):
            if day >= self.today:
                continue
            if day == sessions[-1]:  # the week's main session: tidy, collect, give out
                self.tidy(day)
            if day == tuesday:
                crates = [
                    {"category": c, "weight_g": self.rng.randint(lo, hi) * 1000}
                    for c, lo, hi in (
                        ("chilled", 20, 40),
                        ("ambient", 30, 65),
                        ("fresh_produce", 8, 25),
                    )
                ]
                items = [
                    self.line(sku, self.rng.randint(12, 48), tuesday, last_week=last_week)
                    for sku in self.pick("ambient", 3)
                ]
                self.receive(
                    tuesday,
                    donors["fareshare"],
                    crates + items,
                    f"{self.rng.randint(9, 16)} crates",
                )
            if day == sessions[-1]:
                lines = [
                    self.line(sku, self.rng.randint(6, 24), day, last_week=last_week)
                    for sku in self.pick("chilled", 3)
                    + self.pick("bakery", 1)
                    + self.pick("fresh_produce", 2)
                ]
                self.receive(
                    day,
                    donors["retailer"],
                    lines,
                    "Store collection",
                    by_volunteer=True,
                )
                self.give_out_at_session(day)
            if day == friday and self.rng.random() < 0.6:
                lines = [
                    self.line(sku, self.rng.randint(1, 6), friday, last_week=last_week)
                    for sku in self.pick("ambient", 2) + self.pick("toiletries", 1)
                ]
                self.receive(friday, donors["public"], lines, "Donation box at the library")
