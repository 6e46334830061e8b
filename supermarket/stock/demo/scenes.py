"""The demonstration's history and scenes: eight weeks at each site, fridge checks, a
stocktake, a transfer and the alerts page's yoghurts."""

from __future__ import annotations

from datetime import timedelta

from supermarket.models import utcnow
from supermarket.stock.demo.seeder import SESSION_WEEKDAYS, WEEKS, Seeder, at_site
from supermarket.stock.services.ledger import waste
from supermarket.stock.services.stocktake import approve_stocktake, record_counts, start_stocktake
from supermarket.stock.services.temperatures import record_temperature
from supermarket.stock.services.transfers import (
    TransferLine,
    TransferReceipt,
    TransferRequest,
    receive_transfer,
    send_transfer,
)


def donors_of(code: str) -> dict[str, tuple[str, str]]:
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


def history(seeder: Seeder) -> None:
    rng, site, today = seeder.rng, seeder.site, seeder.today
    donors = donors_of(site.code)
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
        site,
        beans,
        2,
        "damaged",
        actor=seeder.manager,
        note="tins dented",
        at=at_site(site, day, 14),
    )


def temperatures(seeder: Seeder) -> None:
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
                at=at_site(site, day, 9, 45),
            )


def yoghurt_scene(seeder: Seeder) -> None:
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


def transfers(basildon: Seeder, canvey: Seeder) -> None:
    today = basildon.today
    friday = today - timedelta(days=(today.weekday() - 4) % 7 or 7)
    sent = send_transfer(
        basildon.site,
        TransferRequest("canvey", (TransferLine("TOM-CHOP-400", 40),), "Canvey is short of tins"),
        actor=basildon.manager,
        at=at_site(basildon.site, friday, 15),
    )
    receive_transfer(
        canvey.site,
        sent.id,
        TransferReceipt(),
        actor=canvey.manager,
        at=at_site(canvey.site, friday, 17),
    )
    send_transfer(
        canvey.site,
        TransferRequest("basildon", (TransferLine("PASTA-FUS-500", 10),), "Spare pasta"),
        actor=canvey.manager,
        at=utcnow() - timedelta(hours=3),
    )


def stocktake(seeder: Seeder) -> None:
    """Yesterday afternoon's count of the ambient shelves, approved with a few short."""
    at = at_site(seeder.site, seeder.today - timedelta(days=1), 16)
    take = start_stocktake(
        seeder.site, category="ambient", actor=seeder.manager, at=at, note="Month-end count"
    )
    counts: dict[int, int | None] = {}
    for line in take.lines:
        short = 1 if seeder.rng.random() < 0.15 and line.expected_quantity > 1 else 0
        counts[line.id] = line.expected_quantity - short
    record_counts(seeder.site, take.id, counts, actor=seeder.manager)
    approve_stocktake(seeder.site, take.id, actor=seeder.manager, at=at + timedelta(hours=1))
