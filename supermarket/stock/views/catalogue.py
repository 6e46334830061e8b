"""The product catalogue: everyone signed in searches it; managers and admins change it."""

from __future__ import annotations

import io
from typing import Any

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from supermarket.auth.models import Role
from supermarket.auth.web import ALL_ROLES, roles
from supermarket.auth.web import actor as current_actor
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_page, plain, whole
from supermarket.stock.forms import PRODUCT_SHOWN, form_errors_from, scaled
from supermarket.stock.models import Category, Product
from supermarket.stock.schemas import ProductIn
from supermarket.stock.services import product_import, products
from supermarket.stock.views import bp

EDITORS = (Role.SITE_MANAGER, Role.ADMIN)


def _errors(exc: Exception, schema: ProductIn) -> dict[str, str]:
    errors = form_errors_from(exc, shown=PRODUCT_SHOWN, schema=schema)
    if "reference_price_pence" in errors:
        errors["price"] = errors.pop("reference_price_pence")
    return errors


def _product_form(form: MultiDict[str, str]) -> dict[str, Any]:
    data = {
        "sku": form.get("sku", "").strip(),
        "name": form.get("name", "").strip(),
        "category": form.get("category", ""),
        "unit_weight_g": whole(form.get("unit_weight_g"), commas=True),
        "reference_price_pence": scaled(form.get("price"), 100) or 0,
        "barcode": form.get("barcode", "").strip() or None,
        "active": form.get("active") == "on",
        "min_level": whole(form.get("min_level"), commas=True),
    }
    if form.get("band", "").strip():
        data["band"] = form.get("band", "").strip().lower()
    return data


@bp.get("/products")
@roles(*ALL_ROLES)
def products_list() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()[:60]
    category = request.args.get("category", "")
    category = category if category in Category.__members__.values() else ""
    show = request.args.get("show", "active")
    stmt = products.products_query(
        q=q, category=category or None, active=None if show == "all" else True
    )
    page = db.paginate(
        stmt.order_by(Product.category, Product.name_key), per_page=50, error_out=False
    )
    if q and page.total == 1 and page.items[0].barcode and q.isdigit():
        flash(f"Found {page.items[0].name}.", "info")
    return render_template(
        "stock/products.html",
        page=page,
        q=q,
        category=category,
        show=show,
        can_edit=current_actor().role in EDITORS,
    )


@bp.route("/products/new", methods=["GET", "POST"])
@roles(*EDITORS)
def product_new() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    if request.method == "POST":
        schema = ProductIn()
        try:
            product = products.create_product(
                schema.load(_product_form(request.form)), actor=current_actor()
            )
        except (DomainError, ValidationError) as exc:
            errors = _errors(exc, schema)
        else:
            return commit_and_redirect(
                f"{product.name} added to the catalogue.",
                url_for("stock.products_list", q=product.sku),
            )
    return _product_page(None, errors)


@bp.route("/products/<sku>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def product_edit(sku: str) -> ResponseReturnValue:
    product = products.get_product(sku)
    errors: dict[str, str] = {}
    if request.method == "POST":
        schema = ProductIn(partial=True)
        try:
            changes = schema.load(_product_form(request.form))
            products.update_product(product, changes, actor=current_actor())
        except (DomainError, ValidationError) as exc:
            errors = _errors(exc, schema)
            product = products.get_product(sku)
        else:
            return commit_and_redirect(
                f"{product.name} saved.", url_for("stock.products_list", q=product.sku)
            )
    return _product_page(product, errors)


def _product_page(product: Product | None, errors: dict[str, str]) -> ResponseReturnValue:
    """The product form (a new product when `product` is None), with what was typed and
    its errors (422 when there are any)."""
    return form_page(
        "stock/product_form.html",
        errors,
        product=product,
        form=request.form,
        bands=products.site_bands(),
    )


@bp.route("/products/import", methods=["GET", "POST"])
@roles(*EDITORS)
def products_import() -> ResponseReturnValue:
    result = None
    error = ""
    errors: dict[str, str] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = "Choose a CSV file."
        else:
            stream = io.TextIOWrapper(upload.stream, encoding="utf-8-sig", newline="")
            try:
                result = product_import.import_products(
                    stream,
                    actor=current_actor(),
                    good_rows_only=request.form.get("mode") == "good_rows",
                )
            except UnicodeDecodeError:
                db.session.rollback()
                error = "The file is not UTF-8 text: save it from your spreadsheet as CSV UTF-8."
            else:
                db.session.commit()
    if error:
        errors["file"] = error
    return render_template(
        "stock/products_import.html",
        result=result,
        errors=errors,
        form=request.form,
        plain=plain,
    ), (422 if errors or (result and not result.imported) else 200)
