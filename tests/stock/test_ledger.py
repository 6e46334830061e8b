"""Issuing first-expiring first, never past use-by; waste; returns; levels and alerts."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from supermarket.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from supermarket.extensions import db
from supermarket.stock.models import StockBatch, StockMovement
from supermarket.stock.services import issue, lookup_product, products_by_sku, return_issued
from supermarket.stock.services.ledger import ledger_discrepancies, waste, waste_expired
from supermarket.stock.services.levels import (
    alerts,
    set_site_minimum,
    stock_item,
    stock_levels,
)


def _batches(product):
    return {
        (b.expires_on, b.date_kind): b.quantity
        for b in db.session.scalars(select(StockBatch).where(StockBatch.product_id == product.id))
    }


def test_issue_takes_the_earliest_expiring_batch_first(shop, make_product, receive, ledger_sound):
    yoghurt = make_product(category="chilled")
    receive(
        shop,
        [
            (yoghurt, 5, {"use_by": shop.days(6)}),
            (yoghurt, 3, {"use_by": shop.days(2)}),
            (yoghurt, 4, {"best_before": shop.days(4)}),
        ],
    )
    moved = issue(shop.site, yoghurt.sku, 6, actor=shop.volunteer, visit_id=77)
    db.session.commit()
    assert [(m.batch.expires_on, -m.quantity) for m in moved] == [
        (shop.days(2), 3),
        (shop.days(4), 3),
    ]
    assert all(m.kind == "issued" and m.visit_id == 77 for m in moved)
    assert _batches(yoghurt) == {
        (shop.days(2), "use_by"): 0,
        (shop.days(4), "best_before"): 1,
        (shop.days(6), "use_by"): 5,
    }
    ledger_sound()


def test_issue_never_takes_a_batch_past_its_use_by(shop, make_product, receive):
    milk = make_product(category="chilled")
    receive(shop, [(milk, 4, {"use_by": shop.today})], at=shop.at(-2))
    later = shop.at(1)
    with pytest.raises(RuleViolation) as caught:
        issue(shop.site, milk.sku, 1, actor=shop.volunteer, at=later)
    assert caught.value.code == "insufficient_stock"
    # on its use-by day itself it may still go out
    assert len(issue(shop.site, milk.sku, 1, actor=shop.volunteer)) == 1


def test_past_best_before_may_still_be_issued(shop, make_product, receive):
    cereal = make_product()
    receive(shop, [(cereal, 2, {"best_before": shop.days(-10)})])
    assert -issue(shop.site, cereal.sku, 2, actor=shop.volunteer)[0].quantity == 2


def test_a_shortfall_changes_nothing_even_if_the_caller_carries_on(
    shop, make_product, receive, ledger_sound
):
    beans = make_product()
    receive(
        shop,
        [(beans, 2, {"best_before": shop.days(30)}), (beans, 1, {"best_before": shop.days(60)})],
    )
    with pytest.raises(RuleViolation) as caught:
        issue(shop.site, beans.sku, 4, actor=shop.volunteer)
    assert caught.value.details == {"sku": beans.sku, "requested": 4, "available": 3}
    db.session.commit()  # the visits feature may catch the error and commit the rest
    assert sum(_batches(beans).values()) == 3
    assert db.session.scalar(select(StockMovement.id).where(StockMovement.kind == "issued")) is None
    ledger_sound()


def test_issue_refuses_unknown_products_bad_quantities_and_other_sites(
    make_shop, make_product, receive
):
    harlow, basildon = make_shop(), make_shop()
    beans = make_product()
    receive(harlow, [(beans, 5)])
    with pytest.raises(InvalidInput):
        issue(harlow.site, "NO-SUCH", 1, actor=harlow.volunteer)
    with pytest.raises(InvalidInput):
        issue(harlow.site, beans.sku, 0, actor=harlow.volunteer)
    with pytest.raises(NotFound):
        issue(harlow.site, beans.sku, 1, actor=basildon.volunteer)


def test_returning_a_voided_visit_puts_stock_back_once(shop, make_product, receive, ledger_sound):
    beans = make_product()
    receive(
        shop,
        [(beans, 3, {"best_before": shop.days(10)}), (beans, 3, {"best_before": shop.days(20)})],
    )
    issue(shop.site, beans.sku, 4, actor=shop.volunteer, visit_id=9)
    issue(shop.site, beans.sku, 1, actor=shop.volunteer, visit_id=10)
    back = return_issued(9, actor=shop.manager)
    db.session.commit()
    assert sorted(m.quantity for m in back) == [1, 3]
    assert all(m.kind == "returned" and m.visit_id == 9 for m in back)
    assert return_issued(9, actor=shop.manager) == []
    assert sum(_batches(beans).values()) == 5
    ledger_sound()


def test_products_are_found_by_sku_or_barcode_with_band_and_price(make_product):
    beans = make_product(
        sku="BEANS-415", band="red", reference_price_pence=135, barcode="5000157024671"
    )
    assert lookup_product("beans-415") is beans
    assert lookup_product("5000157024671") is beans
    found = products_by_sku(["beans-415", "missing"])
    assert list(found) == ["BEANS-415"]
    assert (found["BEANS-415"].band, found["BEANS-415"].reference_price_pence) == ("red", 135)
    with pytest.raises(NotFound):
        lookup_product("5000157024672")


def test_waste_takes_earliest_first_with_its_reason(shop, make_product, receive, ledger_sound):
    bread = make_product(category="bakery")
    receive(
        shop, [(bread, 3, {"best_before": shop.days(1)}), (bread, 5, {"best_before": shop.days(3)})]
    )
    moved = waste(shop.site, bread.sku, 4, "damaged", actor=shop.manager, note="dropped")
    db.session.commit()
    assert [(-m.quantity, m.reason, m.note) for m in moved] == [
        (3, "damaged", "dropped"),
        (1, "damaged", "dropped"),
    ]
    assert all(m.weight_g < 0 for m in moved)
    ledger_sound()


def test_waste_can_name_one_batch_and_never_more_than_it_holds(shop, make_product, receive):
    bread = make_product(category="bakery")
    receive(
        shop, [(bread, 3, {"best_before": shop.days(1)}), (bread, 5, {"best_before": shop.days(3)})]
    )
    later = db.session.scalar(select(StockBatch).where(StockBatch.expires_on == shop.days(3)))
    waste(shop.site, bread.sku, 2, "other", actor=shop.manager, batch_id=later.id)
    assert _batches(bread)[(shop.days(3), "best_before")] == 3
    with pytest.raises(RuleViolation):
        waste(shop.site, bread.sku, 4, "other", actor=shop.manager, batch_id=later.id)


def test_waste_for_past_use_by_only_takes_expired_batches(shop, make_product, receive):
    milk = make_product(category="chilled")
    receive(shop, [(milk, 2, {"use_by": shop.today})], at=shop.at(-3))
    receive(shop, [(milk, 5, {"use_by": shop.days(5)})])
    tomorrow = shop.at(1)
    with pytest.raises(RuleViolation):
        waste(shop.site, milk.sku, 3, "past_use_by", actor=shop.manager, at=tomorrow)
    assert len(waste(shop.site, milk.sku, 2, "past_use_by", actor=shop.manager, at=tomorrow)) == 1


def test_waste_needs_a_manager_and_a_known_reason(shop, make_product, receive):
    beans = make_product()
    receive(shop, [(beans, 5)])
    with pytest.raises(PermissionDenied):
        waste(shop.site, beans.sku, 1, "damaged", actor=shop.volunteer)
    with pytest.raises(InvalidInput):
        waste(shop.site, beans.sku, 1, "eaten", actor=shop.manager)


def test_one_action_wastes_everything_past_use_by(shop, make_product, receive, ledger_sound):
    """The Tuesday scene: yoghurts with use-by yesterday go in one tap, tomorrow's stay."""
    yoghurt = make_product(category="chilled", unit_weight_g=125)
    ham = make_product(category="chilled")
    two_days_ago = shop.at(-2)
    receive(
        shop,
        [(yoghurt, 3, {"use_by": shop.days(-1)}), (ham, 2, {"use_by": shop.days(-1)})],
        at=two_days_ago,
        received_on=shop.days(-2),
    )
    receive(shop, [(yoghurt, 12, {"use_by": shop.days(1)})])
    moved = waste_expired(shop.site, actor=shop.manager)
    db.session.commit()
    assert sorted(-m.quantity for m in moved) == [2, 3]
    assert {m.reason for m in moved} == {"past_use_by"}
    assert alerts(shop.site, actor=shop.manager).past_use_by == []
    assert sum(_batches(yoghurt).values()) == 12
    assert waste_expired(shop.site, actor=shop.manager) == []
    ledger_sound()


def test_alerts_show_use_by_soon_past_best_before_past_use_by_and_below_minimum(
    shop, make_product, receive
):
    yoghurt = make_product(category="chilled", name="Yoghurt")
    soup = make_product(name="Soup", min_level=10)
    make_product(name="Tea", min_level=5)
    pasta = make_product(name="Pasta")
    receive(
        shop,
        [(yoghurt, 3, {"use_by": shop.days(-1)})],
        at=shop.at(-2),
        received_on=shop.days(-2),
    )
    receive(
        shop,
        [
            (yoghurt, 12, {"use_by": shop.days(1)}),
            (soup, 4),
            (pasta, 6, {"best_before": shop.days(-3)}),
            (yoghurt, 5, {"use_by": shop.days(9)}),
        ],
    )
    found = alerts(shop.site, actor=shop.volunteer)
    assert [(b.product.name, b.quantity) for b in found.past_use_by] == [("Yoghurt", 3)]
    assert [(b.product.name, b.quantity) for b in found.use_by_soon] == [("Yoghurt", 12)]
    assert [(b.product.name, b.quantity) for b in found.past_best_before] == [("Pasta", 6)]
    assert sorted((lv.product.name, lv.quantity) for lv in found.below_minimum) == [
        ("Soup", 4),
        ("Tea", 0),
    ]
    assert found.count == 5


def test_use_by_window_is_the_sites_setting(make_shop, make_product, receive):
    shop = make_shop(settings={"use_by_alert_days": 5})
    yoghurt = make_product(category="chilled")
    receive(shop, [(yoghurt, 1, {"use_by": shop.days(5)}), (yoghurt, 1, {"use_by": shop.days(6)})])
    assert [b.use_by for b in alerts(shop.site, actor=shop.manager).use_by_soon] == [shop.days(5)]


def test_levels_sum_batches_with_weight_value_earliest_dates_and_flags(shop, make_product, receive):
    beans = make_product(name="Beans", unit_weight_g=415, reference_price_pence=135)
    milk = make_product(name="Milk", category="chilled", unit_weight_g=1136)
    receive(
        shop,
        [
            (beans, 10, {"best_before": shop.days(100)}),
            (beans, 2, {"best_before": shop.days(-1)}),
            (milk, 2, {"use_by": shop.days(1)}),
            {"category": "frozen", "weight_g": 5000},
        ],
    )
    levels = {lv.product.name: lv for lv in stock_levels(shop.site, actor=shop.volunteer)}
    assert levels["Beans"].quantity == 12
    assert levels["Beans"].weight_g == 12 * 415
    assert levels["Beans"].value_pence == 12 * 135
    assert levels["Beans"].earliest_best_before == shop.days(-1)
    assert levels["Beans"].flags == ["past_best_before"]
    assert levels["Milk"].flags == ["use_by_soon"]
    crate = levels["Frozen (weighed crate)"]
    assert (crate.quantity, crate.weight_g, crate.value_pence, crate.product.unit) == (
        5000,
        5000,
        0,
        "g",
    )
    only_chilled = stock_levels(shop.site, actor=shop.volunteer, category="chilled")
    assert [lv.product.name for lv in only_chilled] == ["Milk"]
    assert [lv.product.name for lv in stock_levels(shop.site, actor=shop.volunteer, q="bea")] == [
        "Beans"
    ]


def test_a_site_minimum_overrides_the_catalogue_and_can_be_cleared(shop, make_product, receive):
    soup = make_product(min_level=10)
    receive(shop, [(soup, 6)])
    set_site_minimum(shop.site, soup.sku, 5, actor=shop.manager)
    assert stock_item(shop.site, soup.sku, actor=shop.manager).min_level == 5
    assert alerts(shop.site, actor=shop.manager).below_minimum == []
    set_site_minimum(shop.site, soup.sku, None, actor=shop.manager)
    assert stock_item(shop.site, soup.sku, actor=shop.manager).min_level == 10
    with pytest.raises(PermissionDenied):
        set_site_minimum(shop.site, soup.sku, 1, actor=shop.volunteer)


def test_the_invariant_check_catches_a_cache_that_drifted(shop, make_product, receive):
    beans = make_product()
    receive(shop, [(beans, 5)])
    assert ledger_discrepancies() == []
    db.session.execute(update(StockBatch).values(quantity=4))
    batch_id = db.session.scalar(select(StockBatch.id))
    assert ledger_discrepancies() == [(batch_id, 4, 5)]


def test_the_database_refuses_a_negative_batch(shop, make_product, receive):
    from sqlalchemy.exc import IntegrityError

    beans = make_product()
    receive(shop, [(beans, 1)])
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(update(StockBatch).values(quantity=-1))


def test_stock_that_left_without_a_scan_is_given_out_first_expiring_first(
    shop, make_product, receive, ledger_sound
):
    from supermarket.stock.services.ledger import give_out

    bread = make_product(category="bakery")
    receive(
        shop,
        [
            {"category": "chilled", "weight_g": 38_000},
            (bread, 5, {"best_before": shop.days(2)}),
            (bread, 5, {"best_before": shop.days(1)}),
        ],
    )
    moved = give_out(shop.site, "CRATE-CHILLED", 30_000, actor=shop.volunteer)
    assert [(m.kind, m.quantity, m.weight_g, m.visit_id) for m in moved] == [
        ("issued", -30_000, -30_000, None)
    ]
    with pytest.raises(RuleViolation) as caught:
        give_out(shop.site, "CRATE-CHILLED", 9_000, actor=shop.volunteer)
    assert "8.0 kg of 9.0 kg" in caught.value.message
    loaves = give_out(shop.site, bread.sku, 6, actor=shop.volunteer)
    assert [(m.batch.expires_on, -m.quantity) for m in loaves] == [
        (shop.days(1), 5),
        (shop.days(2), 1),
    ]
    assert loaves[0].note == "given out without a scan"
    ledger_sound()
