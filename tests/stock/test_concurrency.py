"""Stock never goes negative under concurrent issues and waste: real parallel connections
(threads, each with its own app context and session) released at once by a barrier."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select

from supermarket.auth.models import User
from supermarket.errors import RuleViolation
from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.stock.models import StockBatch, StockMovement
from supermarket.stock.services import issue
from supermarket.stock.services.ledger import ledger_discrepancies, waste

pytestmark = pytest.mark.concurrency

THREADS = 12


def _race(app: Flask, work, count: int = THREADS) -> Counter[str]:
    """Run work(i) in `count` threads at the same moment; count outcomes."""
    barrier = threading.Barrier(count)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                work(i)
                db.session.commit()
                result = "ok"
            except RuleViolation as exc:
                db.session.rollback()
                result = exc.code
            except Exception as exc:
                db.session.rollback()
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _ids(shop) -> tuple[int, int, int]:
    return shop.site.id, shop.manager.id, shop.volunteer.id


def test_parallel_issues_from_one_batch_never_oversell(app, shop, make_product, receive):
    beans = make_product()
    receive(shop, [(beans, 7)])
    site_id, _, volunteer_id = _ids(shop)
    sku = beans.sku

    def take_two(i: int) -> None:
        issue(
            db.session.get_one(Site, site_id),
            sku,
            2,
            actor=db.session.get_one(User, volunteer_id),
            visit_id=i,
        )

    outcomes = _race(app, take_two)
    assert outcomes == Counter({"ok": 3, "insufficient_stock": THREADS - 3}), outcomes
    db.session.remove()
    assert db.session.scalar(select(StockBatch.quantity)) == 1
    assert ledger_discrepancies() == []


def test_parallel_issues_and_waste_across_batches_keep_the_ledger(app, shop, make_product, receive):
    milk = make_product(category="chilled")
    receive(
        shop,
        [
            (milk, 5, {"use_by": shop.days(1)}),
            (milk, 6, {"use_by": shop.days(2)}),
            (milk, 4, {"use_by": shop.days(3)}),
        ],
    )
    site_id, manager_id, volunteer_id = _ids(shop)
    sku = milk.sku

    def issue_or_waste(i: int) -> None:
        site = db.session.get_one(Site, site_id)
        if i % 3 == 0:
            waste(site, sku, 3, "damaged", actor=db.session.get_one(User, manager_id))
        else:
            issue(site, sku, 2, actor=db.session.get_one(User, volunteer_id), visit_id=i)

    outcomes = _race(app, issue_or_waste)
    assert set(outcomes) <= {"ok", "insufficient_stock"}, outcomes
    db.session.remove()
    remaining = db.session.scalar(select(func.sum(StockBatch.quantity)))
    taken = -db.session.scalar(
        select(func.sum(StockMovement.quantity)).where(StockMovement.kind.in_(["issued", "wasted"]))
    )
    assert remaining >= 0
    assert taken + remaining == 15
    assert db.session.scalar(select(func.min(StockBatch.quantity))) >= 0
    assert remaining < 3  # what could be taken was taken: no request lost to a race
    assert ledger_discrepancies() == []


def test_parallel_deliveries_of_a_new_product_share_one_batch_and_one_donor(
    app, shop, make_product
):
    from supermarket.stock.models import Donor
    from supermarket.stock.services.receiving import DonationRequest, receive_donation

    beans = make_product()
    site_id, _, volunteer_id = _ids(shop)
    sku, best_before = beans.sku, shop.days(100)

    def deliver(i: int) -> None:
        receive_donation(
            db.session.get_one(Site, site_id),
            DonationRequest.from_dict(
                {
                    "donor": {"name": "St Mary's Church", "kind": "community"},
                    "lines": [{"sku": sku, "quantity": 2, "best_before": best_before}],
                }
            ),
            actor=db.session.get_one(User, volunteer_id),
        )

    outcomes = _race(app, deliver, count=6)
    assert outcomes == Counter({"ok": 6}), outcomes
    db.session.remove()
    assert db.session.scalars(select(StockBatch.quantity)).all() == [12]
    assert db.session.scalar(select(func.count()).select_from(Donor)) == 1
    assert ledger_discrepancies() == []


def test_a_transfer_is_received_once_and_a_stocktake_approved_once(
    app, make_shop, make_product, receive
):
    from supermarket.stock.services.stocktake import (
        approve_stocktake,
        record_counts,
        start_stocktake,
    )
    from supermarket.stock.services.transfers import (
        TransferReceipt,
        TransferRequest,
        receive_transfer,
        send_transfer,
    )

    basildon, canvey = make_shop(code="basildon"), make_shop(code="canvey")
    beans = make_product()
    receive(basildon, [(beans, 10)])
    transfer = send_transfer(
        basildon.site,
        TransferRequest.from_dict(
            {"to_site": "canvey", "lines": [{"sku": beans.sku, "quantity": 4}]}
        ),
        actor=basildon.manager,
    )
    take = start_stocktake(basildon.site, category=None, actor=basildon.manager)
    record_counts(basildon.site, take.id, {take.lines[0].id: 5}, actor=basildon.manager)
    db.session.commit()
    ids = (
        transfer.id,
        take.id,
        canvey.site.id,
        canvey.manager.id,
        basildon.site.id,
        basildon.manager.id,
    )

    def both(i: int) -> None:
        transfer_id, take_id, canvey_id, canvey_manager, basildon_id, basildon_manager = ids
        if i % 2:
            receive_transfer(
                db.session.get_one(Site, canvey_id),
                transfer_id,
                TransferReceipt(),
                actor=db.session.get_one(User, canvey_manager),
            )
        else:
            approve_stocktake(
                db.session.get_one(Site, basildon_id),
                take_id,
                actor=db.session.get_one(User, basildon_manager),
            )

    outcomes = _race(app, both, count=8)
    assert outcomes["ok"] == 2, outcomes
    assert set(outcomes) <= {"ok", "transfer_not_in_transit", "stocktake_closed"}, outcomes
    db.session.remove()
    kinds = Counter(db.session.scalars(select(StockMovement.kind)).all())
    assert kinds["transferred_in"] == 1
    assert kinds["adjusted"] == 1
    assert ledger_discrepancies() == []
