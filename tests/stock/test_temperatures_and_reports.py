"""Fridge and freezer checks, and the site's stock report."""

from __future__ import annotations

import pytest

from supermarket.errors import InvalidInput, PermissionDenied
from supermarket.stock.services import issue, return_issued
from supermarket.stock.services.ledger import waste
from supermarket.stock.services.reports import stock_report
from supermarket.stock.services.temperatures import (
    list_temperatures,
    record_temperature,
    to_tenths,
)
from supermarket.stock.services.transfers import (
    TransferReceipt,
    TransferRequest,
    receive_transfer,
    send_transfer,
)


@pytest.mark.parametrize(
    ("kind", "reading", "out"),
    [
        ("fridge", "4.5", False),
        ("fridge", "5", False),
        ("fridge", "5.1", True),
        ("fridge", "6", True),
        ("fridge", "0", False),
        ("fridge", "-0.5", True),
        ("freezer", "-18", False),
        ("freezer", "-22.3", False),
        ("freezer", "-17.9", True),
        ("freezer", "−12", True),
    ],
)
def test_out_of_range_is_decided_by_the_service(shop, kind, reading, out):
    check = record_temperature(
        shop.site,
        unit_name="Unit 1",
        unit_kind=kind,
        celsius=reading,
        action_taken="moved stock" if out else "",
        actor=shop.manager,
    )
    assert check.out_of_range is out


def test_an_out_of_range_reading_needs_the_action_taken(shop):
    """Fridge 2 reads 6 °C: recorded, flagged, with what was done."""
    with pytest.raises(InvalidInput) as caught:
        record_temperature(
            shop.site, unit_name="Fridge 2", unit_kind="fridge", celsius="6", actor=shop.manager
        )
    assert "action_taken" in caught.value.fields
    check = record_temperature(
        shop.site,
        unit_name="Fridge 2",
        unit_kind="fridge",
        celsius=6,
        action_taken="moved stock, engineer called",
        actor=shop.manager,
    )
    assert (check.tenths_c, check.celsius, check.out_of_range) == (60, 6.0, True)
    assert check.local_date == shop.today
    assert list_temperatures(shop.site, actor=shop.manager) == [check]


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"celsius": "warm"}, "celsius"),
        ({"celsius": "NaN"}, "celsius"),
        ({"celsius": "99"}, "celsius"),
        ({"unit_name": " "}, "unit_name"),
        ({"unit_kind": "cupboard"}, "unit_kind"),
    ],
)
def test_bad_readings_are_refused(shop, fields, bad):
    values = {"unit_name": "Fridge 1", "unit_kind": "fridge", "celsius": "3", **fields}
    with pytest.raises(InvalidInput) as caught:
        record_temperature(shop.site, actor=shop.manager, **values)
    assert bad in caught.value.fields


def test_readings_round_to_a_tenth():
    assert (to_tenths("4.55"), to_tenths(-18.04), to_tenths("3 °C")) == (46, -180, 30)


def test_temperature_checks_are_for_managers(shop):
    with pytest.raises(PermissionDenied):
        record_temperature(
            shop.site, unit_name="F", unit_kind="fridge", celsius=3, actor=shop.volunteer
        )


def test_the_report_adds_up_levels_and_flows_by_source_category_and_reason(
    make_shop, make_product, receive
):
    shop, other = make_shop(code="basildon"), make_shop(code="canvey")
    beans = make_product(unit_weight_g=400, reference_price_pence=100)
    yoghurt = make_product(category="chilled", unit_weight_g=125, reference_price_pence=50)
    receive(shop, [(beans, 10), (yoghurt, 8, {"use_by": shop.days(2)})], kind="fareshare")
    receive(shop, [(beans, 5, {"cost_pence": 300})], kind="purchase", donor="Cash and carry")
    receive(
        shop, [{"category": "fresh_produce", "weight_g": 20_000}], kind="retailer", donor="Tesco"
    )
    receive(other, [(beans, 99)])  # another site's stock is not in this report
    issue(shop.site, beans.sku, 4, actor=shop.volunteer, visit_id=1)
    issue(shop.site, beans.sku, 1, actor=shop.volunteer, visit_id=2)
    return_issued(2, actor=shop.manager)
    waste(shop.site, yoghurt.sku, 3, "temperature", actor=shop.manager)
    transfer = send_transfer(
        shop.site,
        TransferRequest.from_dict(
            {"to_site": "canvey", "lines": [{"sku": beans.sku, "quantity": 2}]}
        ),
        actor=shop.manager,
    )
    receive_transfer(other.site, transfer.id, TransferReceipt(), actor=other.manager)
    report = stock_report(shop.site, actor=shop.manager)
    assert (report.held.items, report.held.weight_g) == (9 + 5, 9 * 400 + 5 * 125 + 20_000)
    assert report.held.value_pence == 9 * 100 + 5 * 50
    by_source = {k: (t.items, t.weight_g) for k, t in report.received_by_source.items()}
    assert by_source == {"fareshare": (18, 5000), "purchase": (5, 2000), "retailer": (0, 20_000)}
    assert report.received_by_category["fresh_produce"].weight_g == 20_000
    assert {k: t.items for k, t in report.issued_by_category.items()} == {"ambient": 4}
    assert {k: (t.items, t.weight_g) for k, t in report.wasted_by_reason.items()} == {
        "temperature": (3, 375)
    }
    assert report.flows["transferred_out"].items == -2
    assert report.purchases_cost_pence == 300


def test_the_report_period_is_checked(shop):
    with pytest.raises(InvalidInput):
        stock_report(shop.site, actor=shop.manager, start=shop.today, end=shop.days(-1))
    with pytest.raises(PermissionDenied):
        stock_report(shop.site, actor=shop.volunteer)


def test_backdated_receipts_count_on_the_day_they_arrived(shop, make_product, receive):
    beans = make_product()
    receive(shop, [(beans, 3)], received_on=shop.days(-40), at=shop.at(-1))
    recent = stock_report(shop.site, actor=shop.manager, start=shop.days(-7), end=shop.today)
    assert recent.received_by_source == {}
    older = stock_report(shop.site, actor=shop.manager, start=shop.days(-45), end=shop.today)
    assert older.received_by_source["fareshare"].items == 3
