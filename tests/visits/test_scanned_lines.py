"""Scanned products: issued from stock in the check-in's transaction, earliest expiry first
and never past use-by; counted against the allowance and valued at reference prices; put
back when the visit is voided."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from supermarket.errors import InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.stock.models import MovementKind, StockBatch, StockMovement
from supermarket.stock.services.ledger import ledger_discrepancies
from supermarket.visits import services
from supermarket.visits.models import Visit
from supermarket.visits.schemas import CheckInIn
from supermarket.visits.services import site_today


def levels(product) -> dict[date | None, int]:
    rows = db.session.execute(
        select(StockBatch.expires_on, StockBatch.quantity).where(
            StockBatch.product_id == product.id
        )
    ).all()
    return {expires_on: quantity for expires_on, quantity in rows}


def test_scanned_products_are_issued_earliest_expiry_first(desk, stocked):
    today = site_today(desk.site)
    soon, later = today + timedelta(days=2), today + timedelta(days=9)
    beans = stocked(
        desk, "BEANS", [(3, {"best_before": later}), (2, {"best_before": soon})], price=95
    )
    visit = desk.check_in(desk.member(), lines=[{"sku": "beans", "quantity": 3}]).visit
    assert levels(beans) == {soon: 0, later: 2}
    assert [(line.sku, line.quantity, line.reference_price_pence) for line in visit.lines] == [
        ("BEANS", 3, 95)
    ]
    issued = db.session.scalar(
        select(func.sum(StockMovement.quantity)).where(
            StockMovement.visit_id == visit.id, StockMovement.kind == MovementKind.ISSUED
        )
    )
    assert issued == -3
    assert ledger_discrepancies() == []


def test_scanned_and_typed_items_count_together_and_are_valued_differently(desk, stocked):
    stocked(desk, "COFFEE", [(5, {})], band="red", price=400)
    visit = desk.check_in(
        desk.member(), basket={"red": 1, "blue": 2}, lines=[{"sku": "COFFEE", "quantity": 1}]
    ).visit
    assert visit.basket == {"red": 2, "blue": 2}
    assert visit.retail_value_pence == 1 * 250 + 400 + 2 * 120
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(desk.member(), basket={"red": 2}, lines=[{"sku": "COFFEE", "quantity": 1}])
    assert excinfo.value.code == "allowance_exceeded"


def test_stock_past_its_use_by_date_is_never_issued(desk, stocked):
    today = site_today(desk.site)
    milk = stocked(desk, "MILK", [(4, {"use_by": today})])
    # Age the batch past its date, as if it had been received earlier.
    batch = db.session.scalar(select(StockBatch).where(StockBatch.product_id == milk.id))
    batch.expires_on = today - timedelta(days=1)
    batch.batch_key = StockBatch.key_for(batch.date_kind, batch.expires_on, batch.source)
    db.session.commit()
    member = desk.member()
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(member, lines=[{"sku": "MILK", "quantity": 1}])
    assert excinfo.value.code == "insufficient_stock"


def test_not_enough_stock_refuses_the_whole_check_in_and_records_nothing(desk, stocked):
    stocked(desk, "RICE", [(1, {})])
    member = desk.member()
    with pytest.raises(RuleViolation) as excinfo:
        services.check_in(
            desk.site,
            CheckInIn().load(
                {
                    "membership_number": member.membership_number,
                    "lines": [{"sku": "RICE", "quantity": 2}],
                }
            ),
            actor=desk.volunteer,
        )
    db.session.rollback()
    assert excinfo.value.code == "insufficient_stock"
    assert db.session.scalar(select(func.count(Visit.id))) == 0
    assert ledger_discrepancies() == []


def test_an_unknown_product_is_invalid_input_naming_the_line(desk, stocked):
    stocked(desk, "PASTA", [(3, {})])
    with pytest.raises(InvalidInput) as excinfo:
        desk.check_in(
            desk.member(), lines=[{"sku": "PASTA", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]
        )
    assert excinfo.value.fields == {"lines": {"1": {"sku": ["No active product has this code."]}}}


def test_the_same_product_scanned_twice_is_one_line(desk, stocked):
    stocked(desk, "SOUP", [(5, {})])
    visit = desk.check_in(
        desk.member(), lines=[{"sku": "SOUP", "quantity": 1}, {"sku": "soup", "quantity": 2}]
    ).visit
    assert [(line.sku, line.quantity) for line in visit.lines] == [("SOUP", 3)]


def test_voiding_a_visit_puts_its_stock_back(desk, stocked):
    tins = stocked(desk, "TINS", [(5, {})])
    visit = desk.check_in(desk.member(), lines=[{"sku": "TINS", "quantity": 4}]).visit
    assert sum(levels(tins).values()) == 1
    services.void_visit(desk.site, visit.id, "Member changed her mind", actor=desk.manager)
    db.session.commit()
    assert sum(levels(tins).values()) == 5
    assert ledger_discrepancies() == []
