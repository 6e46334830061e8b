"""The catalogue: codes and barcodes unique, barcodes check-digit verified, CSV import."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from supermarket.errors import Conflict, InvalidInput, PermissionDenied
from supermarket.extensions import db
from supermarket.stock.barcodes import check_digit, normalise_barcode
from supermarket.stock.models import Product
from supermarket.stock.services.product_import import import_products_text
from supermarket.stock.services.products import (
    NewProduct,
    ProductChanges,
    create_product,
    list_products,
    update_product,
)

GOOD = {
    "sku": "beans-415",
    "name": "Baked beans 415g",
    "category": "ambient",
    "band": "blue",
    "unit_weight_g": 415,
    "reference_price_pence": 135,
    "barcode": "5000157024671",
}


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("5000157024671", "5000157024671"),  # EAN-13
        ("036000291452", "0036000291452"),  # UPC-A is kept in its EAN-13 form
        ("0036000291452", "0036000291452"),
        ("96385074", "96385074"),  # EAN-8
        (" 5000157 024671 ", "5000157024671"),
    ],
)
def test_valid_barcodes_are_normalised(raw, stored):
    assert normalise_barcode(raw) == stored


@pytest.mark.parametrize(
    "raw",
    ["5000157024672", "036000291453", "12345", "", "abcdefghijklm", "５０００１５７０２４６７１"],
)
def test_invalid_barcodes_are_refused(raw):
    assert normalise_barcode(raw) is None


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_any_body_with_its_check_digit_is_valid_and_any_other_digit_is_not(body):
    good = body + str(check_digit(body))
    assert normalise_barcode(good) == good
    bad = body + str((check_digit(body) + 1) % 10)
    assert normalise_barcode(bad) is None


def test_managers_and_admins_add_products_volunteers_do_not(make_user):
    manager, admin = make_user("site_manager"), make_user("admin")
    product = create_product(NewProduct(**GOOD), actor=manager)
    assert (product.sku, product.barcode, product.name_key) == (
        "BEANS-415",
        "5000157024671",
        "baked beans 415g",
    )
    create_product(NewProduct(**{**GOOD, "sku": "BEANS-2", "barcode": None}), actor=admin)
    for role in ("volunteer", "programme_lead"):
        with pytest.raises(PermissionDenied):
            create_product(
                NewProduct(**{**GOOD, "sku": "X1", "barcode": None}), actor=make_user(role)
            )


def test_codes_and_barcodes_are_unique(make_user):
    manager = make_user("site_manager")
    create_product(NewProduct(**GOOD), actor=manager)
    with pytest.raises(Conflict) as caught:
        create_product(NewProduct(**{**GOOD, "barcode": None}), actor=manager)
    assert "sku" in caught.value.fields
    with pytest.raises(Conflict) as caught:
        create_product(
            NewProduct(**{**GOOD, "sku": "OTHER", "barcode": "5000157024671"}), actor=manager
        )
    assert "barcode" in caught.value.fields


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"barcode": "5000157024672"}, "barcode"),
        ({"sku": "no spaces"}, "sku"),
        ({"sku": "CRATE-AMBIENT"}, "sku"),
        ({"category": "sweets"}, "category"),
        ({"band": "Red Band"}, "band"),
        ({"unit_weight_g": 0}, "unit_weight_g"),
        ({"reference_price_pence": -1}, "reference_price_pence"),
        ({"name": "  "}, "name"),
        ({"min_level": -2}, "min_level"),
    ],
)
def test_bad_product_fields_are_refused(make_user, changes, field):
    with pytest.raises(InvalidInput) as caught:
        create_product(NewProduct(**{**GOOD, **changes}), actor=make_user("admin"))
    assert field in caught.value.fields


def test_updating_keeps_the_barcode_unique_and_the_name_key(make_user, make_product):
    admin = make_user("admin")
    make_product(barcode="5000157024671")
    other = make_product(name="Soup")
    with pytest.raises(Conflict):
        update_product(other, ProductChanges.sending(barcode="5000157024671"), actor=admin)
    update_product(other, ProductChanges.sending(name="Tomato soup", active=False), actor=admin)
    assert (other.name_key, other.active) == ("tomato soup", False)


def test_search_finds_by_scanned_barcode_sku_or_name_words(make_product):
    beans = make_product(name="Heinz baked beans", barcode="5000157024671", sku="BEANS-415")
    make_product(name="Soup 50% off_")
    assert list_products(q="5000157024671") == [beans]
    assert list_products(q="beans-415") == [beans]
    assert list_products(q="BAKED") == [beans]
    assert [p.name for p in list_products(q="50%")] == ["Soup 50% off_"]
    assert list_products(q="' OR 1=1--") == []
    assert list_products(q="_") != list_products()


CSV = """sku,name,category,unit_weight_g,band,reference_price,barcode,min_level
PASTA-500,Fusilli 500g,ambient,500,blue,0.75,,10
MILK-1L,Semi-skimmed milk 1 pint,chilled,568,blue,£0.65,5000128104517,
BAD ROW,Nope,ambient,100,blue,1.00,,
NAPPY-4,Nappies size 4,baby,900,red,4.50,12345,
"""


def test_csv_import_reports_every_bad_row_with_its_line_and_imports_nothing(make_user):
    result = import_products_text(CSV, actor=make_user("admin"))
    assert not result.imported
    assert [line for line, _ in result.errors] == [4, 5]
    assert "sku" in result.errors[0][1]
    assert "barcode" in result.errors[1][1]
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def test_csv_import_can_take_the_good_rows_and_updates_by_sku(make_user, make_product):
    make_product(sku="PASTA-500", name="Old pasta name")
    result = import_products_text(CSV, actor=make_user("admin"), good_rows_only=True)
    assert (result.imported, result.created, result.updated) == (True, 1, 1)
    pasta = db.session.scalar(select(Product).where(Product.sku == "PASTA-500"))
    assert (pasta.name, pasta.reference_price_pence, pasta.min_level) == ("Fusilli 500g", 75, 10)
    milk = db.session.scalar(select(Product).where(Product.sku == "MILK-1L"))
    assert (milk.category, milk.barcode, milk.reference_price_pence) == (
        "chilled",
        "5000128104517",
        65,
    )


def test_csv_import_needs_the_key_columns_and_catches_duplicates(make_user):
    admin = make_user("admin")
    missing = import_products_text("sku,name\nA1,Thing\n", actor=admin)
    assert missing.errors == [(1, "Missing column(s): category, unit_weight_g.")]
    twice = import_products_text(
        "sku,name,category,unit_weight_g\nAB,One,ambient,1\nab,Two,ambient,1\n", actor=admin
    )
    assert twice.errors == [(3, "sku AB is also on line 2.")]
    columns = import_products_text(
        "sku,name,category,unit_weight_g,Name\nAB,One,ambient,1,Two\n", actor=admin
    )
    assert columns.errors == [(1, "Column(s) given twice: name.")]
    assert not columns.imported
