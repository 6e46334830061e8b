"""`supermarket stock import-products` and `supermarket stock check-ledger`."""

from __future__ import annotations

from sqlalchemy import select, update

from supermarket.extensions import db
from supermarket.stock.models import Product, StockBatch


def test_import_products_all_or_nothing_then_good_rows(app, tmp_path, make_user):
    admin = make_user("admin")
    path = tmp_path / "products.csv"
    path.write_text(
        "sku,name,category,unit_weight_g,reference_price\n"
        "PASTA-500,Fusilli 500g,ambient,500,0.75\n"
        "BAD,Nope,sweets,1,1\n",
        encoding="utf-8",
    )
    cli = app.test_cli_runner()
    refused = cli.invoke(args=["stock", "import-products", str(path), "--email", admin.email])
    assert refused.exit_code != 0
    assert "line 3" in refused.output
    assert db.session.scalar(select(Product)) is None
    done = cli.invoke(
        args=["stock", "import-products", str(path), "--email", admin.email, "--good-rows"]
    )
    assert done.exit_code == 0, done.output
    assert "1 new" in done.output
    assert db.session.scalar(select(Product.sku)) == "PASTA-500"


def test_import_needs_an_editor(app, tmp_path, make_user):
    path = tmp_path / "p.csv"
    path.write_text("sku,name,category,unit_weight_g\nAB,One,ambient,1\n", encoding="utf-8")
    volunteer = make_user("volunteer")
    result = app.test_cli_runner().invoke(
        args=["stock", "import-products", str(path), "--email", volunteer.email]
    )
    assert result.exit_code != 0
    assert "catalogue" in result.output


def test_check_ledger_says_when_a_level_disagrees(app, shop, make_product, receive):
    beans = make_product()
    receive(shop, [(beans, 5)])
    cli = app.test_cli_runner()
    ok = cli.invoke(args=["stock", "check-ledger"])
    assert ok.exit_code == 0
    assert "adds up" in ok.output
    db.session.execute(update(StockBatch).values(quantity=7))
    bad = cli.invoke(args=["stock", "check-ledger"])
    assert bad.exit_code != 0
    assert "level 7, ledger says 5" in bad.output
