"""Demonstration stock: a catalogue of everyday UK groceries, donors at each site, eight weeks
of deliveries, the waste that followed, a transfer, a stocktake and fridge checks.

Nothing is issued here: the visits demo takes stock out through `issue()`. What it leaves for
the alerts page: at Basildon 12 yoghurts with a use-by of tomorrow and 3 of yesterday; the
Tuesday scene's Fridge 2 at 6 °C with the action taken; a transfer on its way to Basildon.
"""

from __future__ import annotations

import random
from typing import Any

from supermarket.extensions import db
from supermarket.sites.calendar import site_today
from supermarket.stock.demo.catalogue import CATALOGUE, add_catalogue, demo_barcode
from supermarket.stock.demo.scenes import history, stocktake, temperatures, transfers, yoghurt_scene
from supermarket.stock.demo.seeder import Seeder
from supermarket.stock.services.ledger import waste_expired

__all__ = ["CATALOGUE", "demo_barcode", "seed"]


def seed(ctx: Any) -> None:
    """Called by `supermarket demo` after the sites and staff exist."""
    rng = random.Random(20240611)  # noqa: S311 - demo data, not security
    products = add_catalogue()
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
        seeder = Seeder(site, managers[code], volunteers[code], products, rng, site_today(site))
        seeders[code] = seeder
        history(seeder)
        temperatures(seeder)
    stocktake(seeders["harlow"])
    for seeder in seeders.values():  # this morning's check of the fridges
        waste_expired(seeder.site, actor=seeder.manager)
    transfers(seeders["basildon"], seeders["canvey"])
    yoghurt_scene(seeders["basildon"])
    db.session.flush()
    ctx.extra["stock"] = {
        "skus_by_band": {
            band: [p.sku for p in products.values() if p.band == band]
            for band in ("red", "blue", "free")
        },
    }
