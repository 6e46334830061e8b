"""Demonstration stock: a catalogue of everyday UK groceries, donors at each site, eight weeks
of deliveries, the waste that followed, a transfer, a stocktake and fridge checks.

Nothing is issued here: the visits demo takes stock out through `issue()`. What it leaves for
the alerts page: at Basildon 12 yoghurts with a use-by of tomorrow and 3 of yesterday; the
Tuesday scene's Fridge 2 at 6 °C with the action taken; a transfer on its way to Basildon.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.sites.models import Site
from supermarket.stock.barcodes import check_digit
from supermarket.stock.models import Product, StockBatch
from supermarket.stock.services.common import site_today
from supermarket.stock.services.ledger import give_out, waste, waste_expired
from supermarket.stock.services.receiving import receive_donation
from supermarket.stock.services.stocktake import approve_stocktake, record_counts, start_stocktake
from supermarket.stock.services.temperatures import record_temperature
from supermarket.stock.services.transfers import receive_transfer, send_transfer

# sku, name, category, band, grams, shelf price (pence), minimum level or None
CATALOGUE: tuple[tuple[str, str, str, str, int, int, int | None], ...] = (
    ("BEANS-415", "Baked beans in tomato sauce 415g", "ambient", "blue", 415, 75, 24),
    ("TOM-CHOP-400", "Chopped tomatoes 400g", "ambient", "blue", 400, 49, 24),
    ("SOUP-TOM-400", "Cream of tomato soup 400g", "ambient", "blue", 400, 85, None),
    ("SOUP-VEG-400", "Vegetable soup 400g", "ambient", "blue", 400, 80, None),
    ("TUNA-145", "Tuna chunks in brine 145g", "ambient", "red", 145, 105, 12),
    ("CHICK-CURRY-400", "Chicken curry 400g tin", "ambient", "red", 400, 175, None),
    ("CORNBEEF-340", "Corned beef 340g", "ambient", "red", 340, 275, None),
    ("CHICKPEA-400", "Chickpeas in water 400g", "ambient", "blue", 400, 55, None),
    ("SWEETCORN-326", "Sweetcorn 326g", "ambient", "blue", 326, 59, None),
    ("PEACH-410", "Peach slices in juice 410g", "ambient", "blue", 410, 70, None),
    ("RICEPUD-400", "Creamed rice pudding 400g", "ambient", "blue", 400, 65, None),
    ("PASTA-FUS-500", "Fusilli pasta 500g", "ambient", "blue", 500, 75, 20),
    ("PASTA-SPAG-500", "Spaghetti 500g", "ambient", "blue", 500, 70, None),
    ("RICE-LG-1K", "Long grain rice 1kg", "ambient", "blue", 1000, 115, 10),
    ("PASTA-SAUCE-500", "Tomato and herb pasta sauce 500g", "ambient", "blue", 500, 99, None),
    ("NOODLE-CHK", "Instant noodles, chicken 70g", "ambient", "blue", 70, 35, None),
    ("CEREAL-CORN-500", "Cornflakes 500g", "ambient", "red", 500, 139, None),
    ("CEREAL-WHEAT-24", "Wheat biscuits, 24 pack", "ambient", "red", 430, 179, 6),
    ("PORRIDGE-1K", "Porridge oats 1kg", "ambient", "blue", 1000, 99, 8),
    ("TEA-80", "Tea bags, 80 pack", "ambient", "red", 250, 129, None),
    ("COFFEE-100", "Instant coffee 100g", "ambient", "red", 100, 249, None),
    ("UHT-MILK-1L", "UHT semi-skimmed milk 1 litre", "ambient", "blue", 1030, 95, 12),
    ("JAM-454", "Strawberry jam 454g", "ambient", "blue", 454, 89, None),
    ("PB-340", "Smooth peanut butter 340g", "ambient", "blue", 340, 125, None),
    ("BISC-DIG-400", "Digestive biscuits 400g", "ambient", "blue", 400, 69, None),
    ("OIL-VEG-1L", "Vegetable oil 1 litre", "ambient", "red", 920, 175, None),
    ("SUGAR-1K", "Granulated sugar 1kg", "ambient", "blue", 1000, 109, None),
    ("YOG-STRAW-4", "Strawberry yoghurts, 4 x 125g", "chilled", "blue", 500, 95, None),
    ("YOG-NAT-500", "Natural yoghurt 500g", "chilled", "blue", 500, 85, None),
    ("MILK-SS-2PT", "Semi-skimmed milk 2 pints", "chilled", "blue", 1136, 125, None),
    ("CHEESE-CHED-400", "Mild cheddar 400g", "chilled", "red", 400, 299, None),
    ("HAM-SLICED-125", "Sliced ham 125g", "chilled", "red", 125, 119, None),
    ("SAUS-PORK-8", "Pork sausages, 8 pack", "chilled", "red", 454, 169, None),
    ("BUTTER-250", "Spreadable butter 250g", "chilled", "blue", 250, 185, None),
    ("HUMMUS-200", "Houmous 200g", "chilled", "blue", 200, 75, None),
    ("PEAS-FZ-900", "Frozen garden peas 900g", "frozen", "blue", 900, 109, None),
    ("CHIPS-FZ-1K", "Oven chips 1kg", "frozen", "blue", 1000, 125, None),
    ("FISHFING-10", "Fish fingers, 10 pack", "frozen", "red", 250, 159, None),
    ("MINCE-VEG-FZ-500", "Meat-free mince, frozen 500g", "frozen", "red", 500, 199, None),
    ("APPLES-6", "Apples, bag of 6", "fresh_produce", "free", 800, 99, None),
    ("BANANAS-5", "Bananas, bunch of 5", "fresh_produce", "free", 900, 89, None),
    ("POTATO-2K", "White potatoes 2kg", "fresh_produce", "free", 2000, 99, None),
    ("CARROTS-1K", "Carrots 1kg", "fresh_produce", "free", 1000, 49, None),
    ("ONIONS-1K", "Brown onions 1kg", "fresh_produce", "free", 1000, 69, None),
    ("SALAD-BAG", "Mixed salad bag 120g", "fresh_produce", "free", 120, 65, None),
    ("BREAD-WH-800", "White sliced bread 800g", "bakery", "free", 800, 75, None),
    ("BREAD-WM-800", "Wholemeal bread 800g", "bakery", "free", 800, 75, None),
    ("ROLLS-6", "White rolls, 6 pack", "bakery", "free", 330, 59, None),
    ("CROISS-4", "Croissants, 4 pack", "bakery", "free", 180, 99, None),
    ("LOO-ROLL-9", "Toilet tissue, 9 rolls", "household", "red", 900, 399, 6),
    ("WASHUP-433", "Washing-up liquid 433ml", "household", "blue", 450, 65, None),
    ("LAUNDRY-POD-20", "Laundry capsules, 20 pack", "household", "red", 500, 350, None),
    ("TOOTHPASTE-100", "Fluoride toothpaste 100ml", "toiletries", "blue", 130, 99, None),
    ("SHAMPOO-400", "Shampoo 400ml", "toiletries", "blue", 420, 125, None),
    ("SHOWER-250", "Shower gel 250ml", "toiletries", "blue", 270, 79, None),
    ("DEO-250", "Roll-on deodorant 50ml", "toiletries", "blue", 70, 125, None),
    ("PADS-14", "Sanitary pads, 14 pack", "toiletries", "free", 150, 135, 10),
    ("NAPPY-4-40", "Nappies size 4, 40 pack", "baby", "red", 1200, 450, 4),
    ("NAPPY-5-36", "Nappies size 5, 36 pack", "baby", "red", 1250, 450, 4),
    ("WIPES-80", "Baby wipes, 80 pack", "baby", "blue", 450, 65, None),
    ("BABY-PUREE-120", "Baby fruit purée 120g", "baby", "blue", 120, 85, None),
)
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


def _barcode(index: int) -> str:
    body = f"50{(60_000_000 + index * 7919) % 10**10:010d}"
    return body + str(check_digit(body))


def _catalogue() -> dict[str, Product]:
    products = {}
    for index, (sku, name, category, band, grams, price, minimum) in enumerate(CATALOGUE):
        product = Product(
            sku=sku,
            name=name,
            name_key=name.lower(),
            category=category,
            band=band,
            unit_weight_g=grams,
            reference_price_pence=price,
            barcode=_barcode(index),
            min_level=minimum,
            active=True,
        )
        db.session.add(product)
        products[sku] = product
    db.session.flush()
    return products


def _at(site: Site, day: date, hour: int = 10, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(site.timezone)).astimezone(UTC)


class _Seeder:
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
            {
                "donor": {"name": donor[0], "kind": donor[1]},
                "received_on": day,
                "note": note,
                "lines": lines,
            },
            actor=self.volunteer if by_volunteer else self.manager,
            at=_at(self.site, day),
        )

    def pick(self, category: str, count: int) -> list[str]:
        skus = [sku for sku, p in self.products.items() if p.category == category]
        return self.rng.sample(skus, min(count, len(skus)))

    def tidy(self, day: date) -> None:
        """Before a session: past use-by out, and bread and veg gone past their best."""
        at = _at(self.site, day, 9, 0)
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
                give_out(self.site, sku, out, actor=self.volunteer, at=_at(self.site, day, 12, 45))

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


def _donors(code: str) -> dict[str, tuple[str, str]]:
    retailer = {
        "harlow": "Tesco Harlow",
        "basildon": "Co-op Basildon Town Square",
        "canvey": "Co-op Canvey Island",
    }[code]
    return {
        "fareshare": ("FareShare Eastern", "fareshare"),
        "retailer": (retailer, "retailer"),
        "public": ("Public donations", "public"),
        "community": ("St Mary's Church", "community"),
        "purchase": ("Booker Basildon", "purchase"),
    }


def _history(seeder: _Seeder) -> None:
    rng, site, today = seeder.rng, seeder.site, seeder.today
    donors = _donors(site.code)
    start = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    for week in range(WEEKS):
        seeder.week(start + timedelta(days=7 * week), donors)
    church = today - timedelta(days=24)
    seeder.receive(
        church,
        donors["community"],
        [
            seeder.line(sku, rng.randint(10, 30), church, last_week=False)
            for sku in ("BEANS-415", "TOM-CHOP-400", "PASTA-FUS-500", "TUNA-145", "RICE-LG-1K")
        ],
        "Harvest festival collection",
    )
    if site.code == "basildon":
        day = today - timedelta(days=17)
        seeder.receive(
            day,
            donors["fareshare"],
            [{"sku": "TOM-CHOP-400", "quantity": 72, "best_before": day + timedelta(days=400)}],
            "Pallet of tinned tomatoes",
        )
    for ago in (40, 12):
        day = today - timedelta(days=ago)
        lines = [
            {**seeder.line(sku, qty, day, last_week=False), "cost_pence": cost}
            for sku, qty, cost in (
                ("NAPPY-4-40", 6, 2400),
                ("LOO-ROLL-9", 10, 3500),
                ("UHT-MILK-1L", 24, 1900),
            )
        ]
        seeder.receive(day, donors["purchase"], lines, "Top-up order")
    day = today - timedelta(days=9)
    beans = seeder.products["BEANS-415"].sku
    waste(
        site, beans, 2, "damaged", actor=seeder.manager, note="tins dented", at=_at(site, day, 14)
    )


def _temperatures(seeder: _Seeder) -> None:
    site, rng = seeder.site, seeder.rng
    units = (("Fridge 1", "fridge"), ("Fridge 2", "fridge"), ("Chest freezer", "freezer"))
    for ago in range(WEEKS * 7, 0, -1):
        day = seeder.today - timedelta(days=ago)
        if day.weekday() not in SESSION_WEEKDAYS[site.code]:
            continue
        for name, kind in units:
            reading = rng.randint(20, 45) / 10 if kind == "fridge" else -rng.randint(185, 230) / 10
            action = ""
            if site.code == "basildon" and name == "Fridge 2" and ago <= 7 and day.weekday() == 1:
                reading, action = 6.0, "moved stock, engineer called"
            record_temperature(
                site,
                unit_name=name,
                unit_kind=kind,
                celsius=f"{reading:.1f}",
                action_taken=action,
                actor=seeder.manager,
                at=_at(site, day, 9, 45),
            )


def _yoghurt_scene(seeder: _Seeder) -> None:
    """12 yoghurts with use-by tomorrow (move to free) and 3 with use-by yesterday (waste)."""
    today = seeder.today
    two_days_ago = today - timedelta(days=2)
    seeder.receive(
        two_days_ago,
        ("FareShare Eastern", "fareshare"),
        [
            {"sku": "YOG-STRAW-4", "quantity": 3, "use_by": today - timedelta(days=1)},
            {"sku": "YOG-STRAW-4", "quantity": 12, "use_by": today + timedelta(days=1)},
        ],
        "Short-dated yoghurts",
    )


def _transfers(basildon: _Seeder, canvey: _Seeder) -> None:
    today = basildon.today
    friday = today - timedelta(days=(today.weekday() - 4) % 7 or 7)
    sent = send_transfer(
        basildon.site,
        {
            "to_site": "canvey",
            "note": "Canvey is short of tins",
            "lines": [{"sku": "TOM-CHOP-400", "quantity": 40}],
        },
        actor=basildon.manager,
        at=_at(basildon.site, friday, 15),
    )
    receive_transfer(
        canvey.site, sent.id, {}, actor=canvey.manager, at=_at(canvey.site, friday, 17)
    )
    send_transfer(
        canvey.site,
        {
            "to_site": "basildon",
            "note": "Spare pasta",
            "lines": [{"sku": "PASTA-FUS-500", "quantity": 10}],
        },
        actor=canvey.manager,
        at=utcnow() - timedelta(hours=3),
    )


def _stocktake(seeder: _Seeder) -> None:
    """Yesterday afternoon's count of the ambient shelves, approved with a few short."""
    at = _at(seeder.site, seeder.today - timedelta(days=1), 16)
    take = start_stocktake(
        seeder.site, category="ambient", actor=seeder.manager, at=at, note="Month-end count"
    )
    counts: dict[int, int | None] = {}
    for line in take.lines:
        short = 1 if seeder.rng.random() < 0.15 and line.expected_quantity > 1 else 0
        counts[line.id] = line.expected_quantity - short
    record_counts(seeder.site, take.id, counts, actor=seeder.manager)
    approve_stocktake(seeder.site, take.id, actor=seeder.manager, at=at + timedelta(hours=1))


def seed(ctx: Any) -> None:
    """Called by `supermarket demo` after the sites and staff exist."""
    rng = random.Random(20240611)  # noqa: S311 - demo data, not security
    products = _catalogue()
    staff = ctx.staff
    managers = {
        "harlow": staff["amara.manager@example.org"],
        "basildon": staff["dev.manager@example.org"],
        "canvey": staff["dev.manager@example.org"],
    }
    volunteers = {
        "harlow": staff["sue.volunteer@example.org"],
        "basildon": staff["tom.volunteer@example.org"],
        "canvey": staff["tom.volunteer@example.org"],
    }
    seeders = {}
    for code, site in ctx.sites.items():
        seeder = _Seeder(site, managers[code], volunteers[code], products, rng, site_today(site))
        seeders[code] = seeder
        _history(seeder)
        _temperatures(seeder)
    _stocktake(seeders["harlow"])
    for seeder in seeders.values():  # this morning's check of the fridges
        waste_expired(seeder.site, actor=seeder.manager)
    _transfers(seeders["basildon"], seeders["canvey"])
    _yoghurt_scene(seeders["basildon"])
    db.session.flush()
    ctx.extra["stock"] = {
        "skus_by_band": {
            band: [p.sku for p in products.values() if p.band == band]
            for band in ("red", "blue", "free")
        },
    }
