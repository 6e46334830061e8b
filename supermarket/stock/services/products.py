"""The programme-wide product catalogue: one sku and at most one barcode per product."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import Select, or_, select

from supermarket.auth import audit
from supermarket.auth.models import User
from supermarket.errors import Conflict, InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.inputs import text_problem
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings
from supermarket.stock.barcodes import normalise_barcode
from supermarket.stock.models import Category, Product
from supermarket.stock.services.catalogue import ensure_catalogue_editor, find_product

SKU_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
BAND_RE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
CRATE_PREFIX = "CRATE-"
EDITABLE = (
    "sku",
    "name",
    "category",
    "band",
    "unit_weight_g",
    "reference_price_pence",
    "barcode",
    "active",
    "min_level",
)


@dataclass(frozen=True)
class NewProduct:
    """A product to add, as ProductIn's post_load builds it: typed, not yet held to the
    catalogue's rules (create_product checks those, with the form's messages)."""

    sku: str
    name: str
    category: str
    unit_weight_g: int
    band: str = "blue"
    reference_price_pence: int = 0
    barcode: str | None = None
    active: bool = True
    min_level: int | None = None

    def values(self) -> dict[str, Any]:
        """Every field by name."""
        return asdict(self)


@dataclass(frozen=True)
class ProductChanges:
    """A change to a product, as ProductIn(partial=True) loads it: only the fields named in
    `sent` change (a barcode or minimum sent as None is cleared)."""

    sent: frozenset[str]
    sku: str = ""
    name: str = ""
    category: str = ""
    band: str = ""
    unit_weight_g: int = 1
    reference_price_pence: int = 0
    barcode: str | None = None
    active: bool = True
    min_level: int | None = None

    @classmethod
    def sending(cls, **values: Any) -> ProductChanges:
        """The changes with these fields sent."""
        return cls(sent=frozenset(values), **values)

    def values(self) -> dict[str, Any]:
        """The fields sent, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in self.sent}


def crate_sku(category: str) -> str:
    return CRATE_PREFIX + category.upper().replace("_", "-")


def site_bands() -> list[str]:
    """The allowance bands a product may be in: those the sites' settings name (a band is
    counted at check-in by the site's limit for it), and the programme's default ones."""
    names = {band.name for band in SiteSettings().bands}
    for settings in db.session.scalars(select(Site.settings)):
        names.update(band.name for band in settings.bands)
    return sorted(names)


def _or_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def product_problems(data: Mapping[str, Any], *, keep_band: str | None = None) -> dict[str, str]:
    """Every rule a catalogue entry must meet, by field (types are the schema's job; a CSV
    row's cells come here as read, so a number may still be text). A band must be one the
    sites use, unless it is `keep_band` (the product's own, kept)."""
    problems: dict[str, str] = {
        name: problem
        for name, value in data.items()
        if isinstance(value, str) and (problem := text_problem(value)) is not None
    }
    if "sku" in data:
        sku = str(data["sku"]).strip().upper()
        if not SKU_RE.match(sku):
            problems["sku"] = "Use 2 to 20 letters, digits or hyphens."
        elif sku.startswith(CRATE_PREFIX):
            problems["sku"] = "CRATE- codes are kept for weigh-in by category."
    if "name" in data and not 1 <= len(str(data["name"]).strip()) <= 120:
        problems["name"] = "Enter a name of 1 to 120 characters."
    if "category" in data and data["category"] not in Category.__members__.values():
        problems["category"] = "Choose a category."
    if "band" in data and not BAND_RE.match(str(data["band"])):
        problems["band"] = "Use the band's name, e.g. red, blue or free."
    elif (
        "band" in data and data["band"] != keep_band and data["band"] not in (bands := site_bands())
    ):
        problems["band"] = (
            f"No site has a {data['band']} band: choose {_or_list(bands)}, "
            "or add the band in a site's settings first."
        )
    weight = data.get("unit_weight_g", 1)
    if not isinstance(weight, int) or not 1 <= weight <= 100_000:
        problems["unit_weight_g"] = "Give the weight of one item in grams (1 to 100,000)."
    price = data.get("reference_price_pence", 0)
    if not isinstance(price, int) or not 0 <= price <= 100_000:
        problems["reference_price_pence"] = "Give a price from £0.00 to £1,000.00."
    minimum = data.get("min_level")
    if minimum is not None and (not isinstance(minimum, int) or not 0 <= minimum <= 1_000_000):
        problems["min_level"] = "Give a minimum of 0 or more, or leave it empty."
    if data.get("barcode") and normalise_barcode(str(data["barcode"])) is None:
        problems["barcode"] = "Not a valid EAN-13, UPC-A or EAN-8 barcode (check the digits)."
    return problems


def cleaned_product(data: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields as stored: the sku upper-cased, the name's spaces tidied and the
    barcode in its normal form (None when empty)."""
    out = {k: v for k, v in data.items() if k in EDITABLE}
    if "sku" in out:
        out["sku"] = str(out["sku"]).strip().upper()
    if "name" in out:
        out["name"] = " ".join(str(out["name"]).split())
    if "barcode" in out:
        out["barcode"] = normalise_barcode(str(out["barcode"])) if out["barcode"] else None
    return out


def product_conflicts(data: dict[str, Any], product: Product | None) -> dict[str, str]:
    """The sku or barcode another product than `product` already has, by field."""
    problems = {}
    own_id = product.id if product is not None else -1
    if "sku" in data and db.session.scalar(
        select(Product.id).where(Product.sku == data["sku"], Product.id != own_id)
    ):
        problems["sku"] = "Another product has this code."
    if data.get("barcode") and db.session.scalar(
        select(Product.id).where(Product.barcode == data["barcode"], Product.id != own_id)
    ):
        problems["barcode"] = "Another product has this barcode."
    return problems


def _checked(
    data: dict[str, Any], product: Product | None, *, keep_band: str | None = None
) -> dict[str, Any]:
    """The fields cleaned as stored, once they pass the rules (`keep_band`: the band the
    product already has, allowed though no site uses it any more) and no other product than
    `product` has the sku or barcode; refused otherwise."""
    problems = product_problems(data, keep_band=keep_band)
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    cleaned = cleaned_product(data)
    conflicts = product_conflicts(cleaned, product)
    if conflicts:
        raise Conflict("That code or barcode is taken.", code="product_exists", fields=conflicts)
    return cleaned


def create_product(new: NewProduct, *, actor: User) -> Product:
    """Add a product to the catalogue (site managers and administrators)."""
    ensure_catalogue_editor(actor)
    data = _checked(new.values(), None)
    product = Product(**data, name_key=data["name"].lower())
    db.session.add(product)
    db.session.flush()
    audit.record_on("product.created", "product", product.sku, actor)
    return product


def update_product(product: Product, sent: ProductChanges, *, actor: User) -> Product:
    """Change catalogue fields; the stock already held keeps its ledger."""
    ensure_catalogue_editor(actor)
    changes = sent.values()
    if product.weight_only:
        changes = {k: v for k, v in changes.items() if k in ("name", "reference_price_pence")}
    changes = _checked(changes, product, keep_band=product.band)
    for name, value in changes.items():
        setattr(product, name, value)
    product.name_key = product.name.lower()
    db.session.flush()
    audit.record_on("product.updated", "product", product.sku, actor, fields=sorted(changes))
    return product


def get_product(sku: str) -> Product:
    product = db.session.scalar(select(Product).where(Product.sku == sku.strip().upper()))
    if product is None:
        raise NotFound("No such product.", code="unknown_product")
    return product


def lookup_product(code: str) -> Product:
    """A product by sku or scanned barcode, for the visits feature and the scan box."""
    product = find_product(code)
    if product is None:
        raise NotFound("No product has that code or barcode.", code="unknown_product")
    return product


def products_query(
    *,
    q: str = "",
    category: str | None = None,
    active: bool | None = True,
    include_crates: bool = False,
) -> Select[Product]:
    """Search the catalogue: a scanned barcode or a sku finds that product, else name words."""
    stmt = select(Product)
    q = q.strip()
    if q:
        barcode = normalise_barcode(q)
        exact = [Product.sku == q.upper()]
        if barcode is not None:
            exact.append(Product.barcode == barcode)
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*exact, Product.name_key.like(like, escape="\\")))
    if category:
        stmt = stmt.where(Product.category == category)
    if active is not None:
        stmt = stmt.where(Product.active.is_(active))
    if not include_crates:
        stmt = stmt.where(Product.weight_only.is_(False))
    return stmt


def list_products(**filters: Any) -> list[Product]:
    return list(
        db.session.scalars(products_query(**filters).order_by(Product.category, Product.name_key))
    )


def crate_product(category: str) -> Product:
    """The weight-only product that stands for crates of a category, created when first used."""
    sku = crate_sku(category)
    product = db.session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        name = f"{Category(category).label} (weighed crate)"
        product = Product(
            sku=sku,
            name=name,
            name_key=name.lower(),
            category=category,
            band="free",
            unit_weight_g=1,
            reference_price_pence=0,
            weight_only=True,
            active=True,
        )
        db.session.add(product)
        db.session.flush()
    return product
