"""JSON endpoints for the product catalogue."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.api_routes import EDITORS, ApiRoutes, page
from supermarket.auth.web import ALL_ROLES, actor
from supermarket.http import json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, query_args, saved
from supermarket.stock.models import Product
from supermarket.stock.services import products

api = ApiRoutes(bp, tag="products")


@api.get("/products", ALL_ROLES, query=s.ProductQuery, ok=s.ProductListOut)
def list_products() -> ResponseReturnValue:
    """Search the catalogue: a scanned barcode or sku finds that product, else name words."""
    args = query_args(s.ProductQuery())
    stmt = products.products_query(q=args.get("q", ""), category=args.get("category"))
    return page(stmt, Product.id, s.ProductOut, args.get("cursor"))


@api.post("/products", EDITORS, body=s.ProductIn, created=s.ProductOut)
def create_product() -> ResponseReturnValue:
    """Add a product (site managers, administrators)."""
    product = products.create_product(s.ProductIn().load(json_body()), actor=actor())
    return saved(s.ProductOut(), product, 201)


@api.get("/products/<code>", ALL_ROLES, ok=s.ProductOut)
def get_product(code: str) -> ResponseReturnValue:
    """A product by sku or barcode."""
    return s.ProductOut().dump(products.lookup_product(code))


@api.patch("/products/<code>", EDITORS, body=s.ProductPatch(partial=True), ok=s.ProductOut)
def update_product(code: str) -> ResponseReturnValue:
    """Change some of a product's fields."""
    changes = s.ProductPatch(partial=True).load(json_body())
    product = products.update_product(products.lookup_product(code), changes, actor=actor())
    return saved(s.ProductOut(), product)
