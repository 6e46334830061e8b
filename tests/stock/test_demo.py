"""The stock demo seeds a believable programme quickly, and leaves the Tuesday scene set up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from supermarket.extensions import db
from supermarket.sites.calendar import site_today
from supermarket.stock import demo
from supermarket.stock.models import Product, StockTransfer, TemperatureCheck
from supermarket.stock.services.ledger import ledger_discrepancies
from supermarket.stock.services.levels import alerts
from supermarket.stock.services.reports import stock_report
from tests.factories import demo_context


@pytest.mark.slow
def test_demo_stock_is_sound_and_sets_the_tuesday_scene():
    ctx = demo_context()
    sites, staff = ctx.sites, ctx.staff
    demo.seed(ctx)
    assert db.session.scalar(select(func.count()).select_from(Product)) >= 60
    assert ledger_discrepancies() == []
    dev = staff["dev.manager@example.org"]
    found = alerts(sites["basildon"], actor=dev)
    assert [(b.product.sku, b.quantity) for b in found.past_use_by] == [("YOG-STRAW-4", 3)]
    assert ("YOG-STRAW-4", 12) in [(b.product.sku, b.quantity) for b in found.use_by_soon]
    fridge = db.session.scalars(
        select(TemperatureCheck).where(TemperatureCheck.out_of_range.is_(True))
    ).all()
    assert [(c.unit_name, c.celsius, c.action_taken) for c in fridge] == [
        ("Fridge 2", 6.0, "moved stock, engineer called")
    ]
    statuses = sorted(db.session.scalars(select(StockTransfer.status)).all())
    assert statuses == ["in_transit", "received"]
    today = site_today(sites["harlow"])
    report = stock_report(
        sites["harlow"],
        actor=staff["amara.manager@example.org"],
        start=today - timedelta(days=60),
        end=today,
    )
    assert set(report.received_by_source) >= {"fareshare", "retailer"}
    assert ctx.extra["stock"]["skus_by_band"]["red"]
