"""Transfers between sites and stocktakes: every change a movement, the ledger always sound."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supermarket.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from supermarket.extensions import db
from supermarket.stock.models import StockBatch, StockMovement
from supermarket.stock.services import issue
from supermarket.stock.services.levels import stock_levels
from supermarket.stock.services.stocktake import (
    add_found_line,
    approve_stocktake,
    cancel_stocktake,
    record_counts,
    start_stocktake,
)
from supermarket.stock.services.transfers import (
    TransferReceipt,
    TransferRequest,
    cancel_transfer,
    get_transfer,
    receive_transfer,
    send_transfer,
)


def _held(shop, product) -> int:
    return sum(
        lv.quantity
        for lv in stock_levels(shop.site, actor=shop.manager)
        if lv.product.id == product.id
    )


@pytest.fixture
def pair(make_shop, make_user):
    basildon, canvey = make_shop(code="basildon"), make_shop(code="canvey")
    return basildon, canvey


def test_a_transfer_leaves_the_sender_then_arrives_with_its_dates_and_source(
    pair, make_product, receive, ledger_sound
):
    basildon, canvey = pair
    tins = make_product(name="Chopped tomatoes")
    receive(
        basildon,
        [
            (tins, 30, {"best_before": basildon.days(200)}),
            (tins, 20, {"best_before": basildon.days(100)}),
        ],
        kind="retailer",
    )
    transfer = send_transfer(
        basildon.site,
        TransferRequest.from_dict(
            {
                "to_site": "canvey",
                "note": "Canvey is short",
                "lines": [{"sku": tins.sku, "quantity": 40}],
            }
        ),
        actor=basildon.manager,
    )
    db.session.commit()
    assert transfer.status == "in_transit"
    assert sorted(ln.quantity_sent for ln in transfer.lines) == [20, 20]
    assert _held(basildon, tins) == 10
    assert _held(canvey, tins) == 0
    receive_transfer(canvey.site, transfer.id, TransferReceipt(), actor=canvey.manager)
    db.session.commit()
    assert transfer.status == "received"
    assert _held(canvey, tins) == 40
    arrived = db.session.scalars(
        select(StockBatch)
        .where(StockBatch.site_id == canvey.site.id)
        .order_by(StockBatch.expires_on)
    ).all()
    assert [(b.expires_on, b.source, b.quantity) for b in arrived] == [
        (basildon.days(100), "retailer", 20),
        (basildon.days(200), "retailer", 20),
    ]
    kinds = db.session.scalars(
        select(StockMovement.kind).where(StockMovement.transfer_id == transfer.id)
    ).all()
    assert sorted(kinds) == ["transferred_in"] * 2 + ["transferred_out"] * 2
    ledger_sound()


def test_a_short_delivery_records_the_difference(pair, make_product, receive, ledger_sound):
    basildon, canvey = pair
    tins = make_product()
    receive(basildon, [(tins, 40)])
    transfer = send_transfer(
        basildon.site,
        TransferRequest.from_dict(
            {"to_site": "canvey", "lines": [{"sku": tins.sku, "quantity": 40}]}
        ),
        actor=basildon.manager,
    )
    line = transfer.lines[0]
    receive_transfer(
        canvey.site,
        transfer.id,
        TransferReceipt.from_dict(
            {"lines": [{"id": line.id, "quantity_received": 37}], "note": "3 dented, binned"}
        ),
        actor=canvey.manager,
    )
    assert (transfer.status, line.quantity_received, line.quantity_short) == (
        "short_received",
        37,
        3,
    )
    assert _held(canvey, tins) == 37
    with pytest.raises(RuleViolation):
        receive_transfer(canvey.site, transfer.id, TransferReceipt(), actor=canvey.manager)
    ledger_sound()


def test_a_transfer_cannot_arrive_over_or_at_the_wrong_site(pair, make_shop, make_product, receive):
    basildon, canvey = pair
    harlow = make_shop(code="harlow")
    tins = make_product()
    receive(basildon, [(tins, 5)])
    transfer = send_transfer(
        basildon.site,
        TransferRequest.from_dict(
            {"to_site": "canvey", "lines": [{"sku": tins.sku, "quantity": 5}]}
        ),
        actor=basildon.manager,
    )
    with pytest.raises(InvalidInput):
        receive_transfer(
            canvey.site,
            transfer.id,
            TransferReceipt.from_dict(
                {"lines": [{"id": transfer.lines[0].id, "quantity_received": 6}]}
            ),
            actor=canvey.manager,
        )
    with pytest.raises(NotFound):
        receive_transfer(basildon.site, transfer.id, TransferReceipt(), actor=basildon.manager)
    with pytest.raises(NotFound):
        get_transfer(harlow.site, transfer.id, actor=harlow.manager)
    with pytest.raises(NotFound):
        get_transfer(canvey.site, transfer.id, actor=harlow.manager)


def test_sending_refuses_too_much_expired_stock_and_bad_destinations(
    pair, make_product, receive, ledger_sound
):
    basildon, _ = pair
    milk = make_product(category="chilled")
    receive(basildon, [(milk, 4, {"use_by": basildon.today})], at=basildon.at(-3))
    tomorrow = basildon.at(1)
    with pytest.raises(RuleViolation):
        send_transfer(
            basildon.site,
            TransferRequest.from_dict(
                {"to_site": "canvey", "lines": [{"sku": milk.sku, "quantity": 1}]}
            ),
            actor=basildon.manager,
            at=tomorrow,
        )
    for to_site in ("basildon", "nowhere"):
        with pytest.raises(InvalidInput) as caught:
            send_transfer(
                basildon.site,
                TransferRequest.from_dict(
                    {"to_site": to_site, "lines": [{"sku": milk.sku, "quantity": 1}]}
                ),
                actor=basildon.manager,
            )
        assert "to_site" in caught.value.fields
    with pytest.raises(PermissionDenied):
        send_transfer(
            basildon.site,
            TransferRequest.from_dict(
                {"to_site": "canvey", "lines": [{"sku": milk.sku, "quantity": 1}]}
            ),
            actor=basildon.volunteer,
        )
    db.session.commit()
    assert _held(basildon, milk) == 4
    ledger_sound()


def test_cancelling_a_transfer_in_transit_puts_the_stock_back(
    pair, make_product, receive, ledger_sound
):
    basildon, canvey = pair
    tins = make_product()
    receive(basildon, [(tins, 10)])
    transfer = send_transfer(
        basildon.site,
        TransferRequest.from_dict(
            {"to_site": "canvey", "lines": [{"sku": tins.sku, "quantity": 6}]}
        ),
        actor=basildon.manager,
    )
    with pytest.raises(NotFound):
        cancel_transfer(canvey.site, transfer.id, actor=canvey.manager)
    cancel_transfer(basildon.site, transfer.id, actor=basildon.manager)
    assert transfer.status == "cancelled"
    assert _held(basildon, tins) == 10
    with pytest.raises(RuleViolation):
        receive_transfer(canvey.site, transfer.id, TransferReceipt(), actor=canvey.manager)
    ledger_sound()


def test_a_stocktake_turns_differences_into_adjustments(shop, make_product, receive, ledger_sound):
    beans = make_product(name="Beans")
    soup = make_product(name="Soup")
    milk = make_product(name="Milk", category="chilled")
    receive(
        shop,
        [
            (beans, 10),
            (soup, 5),
            (milk, 4, {"use_by": shop.days(3)}),
            {"category": "ambient", "weight_g": 12_000},
        ],
    )
    take = start_stocktake(shop.site, category="ambient", actor=shop.manager)
    db.session.commit()
    lines = {ln.batch.product.name: ln for ln in take.lines}
    assert sorted(lines) == ["Ambient (weighed crate)", "Beans", "Soup"]
    assert lines["Beans"].expected_quantity == 10
    record_counts(
        shop.site, take.id, {lines["Beans"].id: 8, lines["Soup"].id: 5}, actor=shop.manager
    )
    with pytest.raises(RuleViolation) as caught:
        approve_stocktake(shop.site, take.id, actor=shop.manager)
    assert caught.value.code == "stocktake_incomplete"
    record_counts(
        shop.site, take.id, {lines["Ambient (weighed crate)"].id: 11_500}, actor=shop.manager
    )
    found = add_found_line(
        shop.site, take.id, sku=soup.sku, counted=2, best_before=shop.days(50), actor=shop.manager
    )
    assert found.expected_quantity == 0
    approve_stocktake(shop.site, take.id, actor=shop.manager)
    db.session.commit()
    adjustments = sorted(
        db.session.scalars(
            select(StockMovement.quantity).where(
                StockMovement.kind == "adjusted", StockMovement.stocktake_id == take.id
            )
        ).all()
    )
    assert adjustments == [-500, -2, 2]
    assert _held(shop, beans) == 8
    assert _held(shop, soup) == 7
    assert _held(shop, milk) == 4
    with pytest.raises(RuleViolation):
        record_counts(shop.site, take.id, {lines["Beans"].id: 1}, actor=shop.manager)
    ledger_sound()


def test_stock_that_moved_during_the_count_keeps_its_movements(
    shop, make_product, receive, ledger_sound
):
    beans = make_product()
    receive(shop, [(beans, 10)])
    take = start_stocktake(shop.site, category=None, actor=shop.manager)
    issue(shop.site, beans.sku, 7, actor=shop.volunteer)  # a session ran meanwhile
    record_counts(shop.site, take.id, {take.lines[0].id: 6}, actor=shop.manager)  # 4 missing
    approve_stocktake(shop.site, take.id, actor=shop.manager)
    assert _held(shop, beans) == 0  # 3 left after the session, 4 short: never below zero
    ledger_sound()


def test_only_one_open_stocktake_per_category_and_cancelling_changes_nothing(
    shop, make_product, receive
):
    beans = make_product()
    receive(shop, [(beans, 3)])
    take = start_stocktake(shop.site, category="ambient", actor=shop.manager)
    start_stocktake(shop.site, category="chilled", actor=shop.manager)
    with pytest.raises(Conflict):
        start_stocktake(shop.site, category=None, actor=shop.manager)
    with pytest.raises(Conflict):
        start_stocktake(shop.site, category="ambient", actor=shop.manager)
    cancel_stocktake(shop.site, take.id, actor=shop.manager)
    assert take.status == "cancelled"
    assert _held(shop, beans) == 3
    with pytest.raises(PermissionDenied):
        start_stocktake(shop.site, category="baby", actor=shop.volunteer)


def test_counts_must_be_whole_numbers_for_the_stocktakes_own_lines(
    make_shop, make_product, receive
):
    a, b = make_shop(), make_shop()
    beans = make_product()
    receive(a, [(beans, 3)])
    receive(b, [(beans, 3)])
    take_a = start_stocktake(a.site, category=None, actor=a.manager)
    take_b = start_stocktake(b.site, category=None, actor=b.manager)
    with pytest.raises(InvalidInput):
        record_counts(a.site, take_a.id, {take_a.lines[0].id: -1}, actor=a.manager)
    with pytest.raises(InvalidInput):
        record_counts(a.site, take_a.id, {take_b.lines[0].id: 1}, actor=a.manager)
    with pytest.raises(NotFound):
        record_counts(a.site, take_b.id, {take_b.lines[0].id: 1}, actor=a.manager)


def test_levels_equal_the_ledger_after_every_kind_of_movement(
    pair, make_product, receive, ledger_sound
):
    """received, issued, returned, wasted, transferred out and in, adjusted: after each one
    every batch's level is the sum of its movements."""
    from supermarket.stock.services import return_issued
    from supermarket.stock.services.ledger import waste

    basildon, canvey = pair
    beans = make_product()
    sent = {}

    def send():
        sent["transfer"] = send_transfer(
            basildon.site,
            TransferRequest.from_dict(
                {"to_site": "canvey", "lines": [{"sku": beans.sku, "quantity": 6}]}
            ),
            actor=basildon.manager,
        )

    steps = [
        lambda: receive(basildon, [(beans, 20)]),
        lambda: issue(basildon.site, beans.sku, 5, actor=basildon.volunteer, visit_id=31),
        lambda: return_issued(31, actor=basildon.manager),
        lambda: waste(basildon.site, beans.sku, 2, "damaged", actor=basildon.manager),
        send,
        lambda: receive_transfer(
            canvey.site, sent["transfer"].id, TransferReceipt(), actor=canvey.manager
        ),
        lambda: approve_stocktake(basildon.site, _counted(basildon, 10), actor=basildon.manager),
    ]
    kinds = []
    for step in steps:
        step()
        db.session.commit()
        ledger_sound()
        kinds.append(
            db.session.scalar(select(StockMovement.kind).order_by(StockMovement.id.desc()))
        )
    assert kinds == [
        "received",
        "issued",
        "returned",
        "wasted",
        "transferred_out",
        "transferred_in",
        "adjusted",
    ]


def _counted(shop, counted: int) -> int:
    take = start_stocktake(shop.site, category=None, actor=shop.manager)
    record_counts(shop.site, take.id, {take.lines[0].id: counted}, actor=shop.manager)
    return take.id
