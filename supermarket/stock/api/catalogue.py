"""JSON endpoints for the product catalogue."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.auth.web import ALL_ROLES, actor, roles
from supermarket.http import api_doc, json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import EDITORS, bp, page, query_args, saved
from supermarket.stock.models import (
    Product,
)
from supermarket.stock.services import products


@bp.get("/products")
@roles(*ALL_ROLES)
@api_doc(
    "Search the catalogue: a scanned barcode or sku finds that product, else name words.",
    query=s.ProductQuery,
    responses={200: s.ProductListOut},
    tag="products",
)
def list_products() -> ResponseReturnValue:
    args = query_args(s.ProductQuery())
    stmt = products.products_query(q=args.get("q", ""), category=args.get("category"))
    return page(stmt, Product.id, s.ProductOut, args.get("cursor"))


@bp.post("/products")
@roles(*EDITORS)
@api_doc(
    "Add a product (site managers, administrators).",
    body=s.ProductIn,
    responses={201: s.ProductOut},
    tag="products",
)
def create_product() -> ResponseReturnValue:
    product = products.create_product(s.ProductIn().load(json_body()), actor=actor())
    return saved(s.ProductOut(), product, 201)


@bp.get("/products/<code>")
@roles(*ALL_ROLES)
@api_doc("A product by sku or barcode.", responses={200: s.ProductOut}, tag="products")
def get_product(code: str) -> ResponseReturnValue:
    return s.ProductOut().dump(products.lookup_product(code))


@bp.patch("/products/<code>")
@roles(*EDITORS)
@api_doc(
    "Change some of a product's fields.",
    body=s.ProductPatch(partial=True),
    responses={200: s.ProductOut},
    tag="products",
)
def update_product(code: str) -> ResponseReturnValue:
    changes = s.ProductPatch(partial=True).load(json_body())
    product = products.update_product(products.lookup_product(code), changes, actor=actor())
    return saved(s.ProductOut(), product)
