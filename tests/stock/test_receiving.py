"""Receiving deliveries: lines become batches and "received" movements, or nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supermarket.errors import InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.stock.models import Donation, Donor, StockBatch, StockMovement
from supermarket.stock.services.receiving import DonationRequest, receive_donation


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_receiving_creates_batches_movements_and_totals(shop, make_product, receive, ledger_sound):
    beans = make_product(unit_weight_g=415)
    yoghurt = make_product(category="chilled", unit_weight_g=125)
    donation = receive(
        shop,
        [(beans, 24, {"best_before": shop.days(400)}), (yoghurt, 12, {"use_by": shop.days(3)})],
    )
    assert donation.total_quantity == 36
    assert donation.total_weight_g == 24 * 415 + 12 * 125
    batches = db.session.scalars(select(StockBatch).order_by(StockBatch.id)).all()
    assert [(b.product_id, b.quantity, b.date_kind) for b in batches] == [
        (beans.id, 24, "best_before"),
        (yoghurt.id, 12, "use_by"),
    ]
    movements = db.session.scalars(select(StockMovement)).all()
    assert {m.kind for m in movements} == {"received"}
    assert all(m.source == "fareshare" and m.donation_id == donation.id for m in movements)
    assert {m.category for m in movements} == {"ambient", "chilled"}
    assert all(m.local_date == shop.today for m in movements)
    ledger_sound()


def test_same_product_date_and_source_merge_into_one_batch(
    shop, make_product, receive, ledger_sound
):
    milk = make_product(category="chilled")
    receive(shop, [(milk, 6, {"use_by": shop.days(5)})])
    receive(shop, [(milk, 4, {"use_by": shop.days(5)})])
    receive(shop, [(milk, 2, {"use_by": shop.days(6)})])
    receive(shop, [(milk, 1, {"use_by": shop.days(5)})], kind="retailer", donor="Tesco Harlow")
    quantities = sorted(db.session.scalars(select(StockBatch.quantity)).all())
    assert quantities == [1, 2, 10]
    ledger_sound()


def test_weight_defaults_to_quantity_times_unit_weight_and_can_be_given(
    shop, make_product, receive
):
    rice = make_product(unit_weight_g=1000)
    donation = receive(shop, [(rice, 3), (rice, 2, {"weight_g": 2500})])
    assert [line.weight_g for line in donation.lines] == [3000, 2500]
    assert donation.total_weight_g == 5500


def test_weigh_in_by_category_counts_kilograms_not_items(shop, receive, ledger_sound):
    donation = receive(
        shop,
        [{"category": "chilled", "weight_g": 38_000}, {"category": "ambient", "weight_g": 61_000}],
    )
    assert donation.total_quantity == 0
    assert donation.total_weight_g == 99_000
    skus = sorted(line.product.sku for line in donation.lines)
    assert skus == ["CRATE-AMBIENT", "CRATE-CHILLED"]
    assert all(line.product.weight_only and line.product.unit == "g" for line in donation.lines)
    grams = db.session.scalars(select(StockBatch.quantity).order_by(StockBatch.quantity)).all()
    assert grams == [38_000, 61_000]
    ledger_sound()


def test_donors_are_found_again_by_name_and_kind(shop, make_product, receive):
    beans = make_product()
    receive(shop, [(beans, 1)], donor="St Mary's Church", kind="community")
    receive(shop, [(beans, 1)], donor="  st mary's   church ", kind="community")
    assert _count(Donor) == 1


def test_purchases_record_their_cost(shop, make_product, receive):
    pasta = make_product()
    donation = receive(
        shop, [(pasta, 10, {"cost_pence": 450})], kind="purchase", donor="Cash and carry"
    )
    assert donation.total_cost_pence == 450


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"sku": "NOPE", "quantity": 1}, "sku"),
        ({"quantity": 1}, "sku"),
        ({"sku": "{sku}", "quantity": 0}, "quantity"),
        ({"sku": "{sku}", "quantity": -3}, "quantity"),
        ({"sku": "{sku}", "quantity": 1, "use_by": "{yesterday}"}, "use_by"),
        ({"sku": "{sku}", "quantity": 1, "use_by": "{today}", "best_before": "{today}"}, "use_by"),
        ({"sku": "{sku}", "quantity": 1, "best_before": "{far}"}, "best_before"),
        ({"sku": "{sku}", "quantity": 1, "cost_pence": 100}, "cost_pence"),
        ({"sku": "{sku}", "quantity": 1, "weight_g": 0}, "weight_g"),
        ({"category": "chilled"}, "weight_g"),
        ({"category": "chilled", "weight_g": 100, "quantity": 2}, "quantity"),
    ],
)
def test_a_bad_line_stores_nothing_and_names_the_field(shop, make_product, receive, line, field):
    good = make_product()
    before = (_count(Donation), _count(StockMovement), _count(StockBatch), _count(Donor))
    values = {
        "{sku}": good.sku,
        "{yesterday}": shop.days(-1),
        "{today}": shop.today,
        "{far}": shop.days(365 * 9),
    }
    bad = {k: values.get(v, v) if isinstance(v, str) else v for k, v in line.items()}
    with pytest.raises(InvalidInput) as caught:
        receive_donation(
            shop.site,
            DonationRequest.from_dict(
                {
                    "donor": {"name": "Tesco", "kind": "retailer"},
                    "lines": [{"sku": good.sku, "quantity": 2}, bad],
                }
            ),
            actor=shop.manager,
        )
    db.session.rollback()
    assert field in caught.value.fields["lines"][1]
    assert 0 not in caught.value.fields["lines"]
    assert (_count(Donation), _count(StockMovement), _count(StockBatch), _count(Donor)) == before


def test_a_delivery_cannot_arrive_in_the_future(shop, make_product):
    beans = make_product()
    with pytest.raises(InvalidInput) as caught:
        receive_donation(
            shop.site,
            DonationRequest.from_dict(
                {
                    "donor": {"name": "A", "kind": "public"},
                    "received_on": shop.days(1),
                    "lines": [{"sku": beans.sku, "quantity": 1}],
                }
            ),
            actor=shop.volunteer,
        )
    assert "received_on" in caught.value.fields


def test_a_use_by_today_is_still_accepted(shop, make_product, receive):
    yoghurt = make_product(category="chilled")
    donation = receive(shop, [(yoghurt, 4, {"use_by": shop.today})])
    assert donation.total_quantity == 4


def test_inactive_products_cannot_be_received(shop, make_product):
    old = make_product(active=False)
    with pytest.raises(InvalidInput):
        receive_donation(
            shop.site,
            DonationRequest.from_dict(
                {
                    "donor": {"name": "A", "kind": "public"},
                    "lines": [{"sku": old.sku, "quantity": 1}],
                }
            ),
            actor=shop.manager,
        )


def test_volunteers_receive_but_not_at_another_site(make_shop, make_product, receive):
    harlow, basildon = make_shop(), make_shop()
    beans = make_product()
    receive(harlow, [(beans, 2)], actor=harlow.volunteer)
    with pytest.raises(NotFound):
        receive(basildon, [(beans, 2)], actor=harlow.volunteer)


def test_a_donor_of_another_site_cannot_be_named_by_id(make_shop, make_product, receive):
    harlow, basildon = make_shop(), make_shop()
    beans = make_product()
    donation = receive(basildon, [(beans, 2)])
    with pytest.raises(InvalidInput) as caught:
        receive_donation(
            harlow.site,
            DonationRequest.from_dict(
                {"donor": {"id": donation.donor_id}, "lines": [{"sku": beans.sku, "quantity": 1}]}
            ),
            actor=harlow.manager,
        )
    assert "id" in caught.value.fields["donor"]
