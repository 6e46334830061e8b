"""The programme-wide product catalogue: one sku and at most one barcode per product."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP
from typing import Any

from sqlalchemy import Select, or_, select

from supermarket.auth import audit
from supermarket.auth.models import User
from supermarket.errors import Conflict, InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.inputs import INT_MAX, parse_decimal, text_problem, whole_number
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


def crate_sku(category: str) -> str:
    return CRATE_PREFIX + category.upper().replace("_", "-")


def _problems(data: dict[str, Any]) -> dict[str, str]:
    """Every rule a catalogue entry must meet, by field (types are the schema's job)."""
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


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k in EDITABLE}
    if "sku" in out:
        out["sku"] = str(out["sku"]).strip().upper()
    if "name" in out:
        out["name"] = " ".join(str(out["name"]).split())
    if "barcode" in out:
        out["barcode"] = normalise_barcode(str(out["barcode"])) if out["barcode"] else None
    return out


def _conflicts(data: dict[str, Any], product: Product | None) -> dict[str, str]:
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


def create_product(data: dict[str, Any], *, actor: User) -> Product:
    """Add a product to the catalogue (site managers and administrators)."""
    ensure_catalogue_editor(actor)
    problems = _problems(data)
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    data = _clean(data)
    conflicts = _conflicts(data, None)
    if conflicts:
        raise Conflict("That code or barcode is taken.", code="product_exists", fields=conflicts)
    product = Product(**data, name_key=data["name"].lower())
    db.session.add(product)
    db.session.flush()
    audit.record("product.created", actor=actor, object_type="product", object_id=product.sku)
    return product


def update_product(product: Product, changes: dict[str, Any], *, actor: User) -> Product:
    """Change catalogue fields; the stock already held keeps its ledger."""
    ensure_catalogue_editor(actor)
    if product.weight_only:
        changes = {k: v for k, v in changes.items() if k in ("name", "reference_price_pence")}
    problems = _problems(changes)
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    changes = _clean(changes)
    conflicts = _conflicts(changes, product)
    if conflicts:
        raise Conflict("That code or barcode is taken.", code="product_exists", fields=conflicts)
    for name, value in changes.items():
        setattr(product, name, value)
    product.name_key = product.name.lower()
    db.session.flush()
    audit.record(
        "product.updated",
        actor=actor,
        object_type="product",
        object_id=product.sku,
        details={"fields": sorted(changes)},
    )
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


# --- CSV import ----------------------------------------------------------------------------

REQUIRED_COLUMNS = ("sku", "name", "category", "unit_weight_g")
OPTIONAL_COLUMNS = (
    "band",
    "reference_price_pence",
    "reference_price",
    "barcode",
    "active",
    "min_level",
)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    imported: bool = True


def _int_cell(value: str) -> int | str:
    value = value.strip().replace(",", "")
    number = whole_number(value)
    return value if number is None else number


def _price_cell(value: str) -> int | str:
    value = value.strip().lstrip("£")
    try:
        pounds = parse_decimal(value, minimum=-INT_MAX // 100, maximum=INT_MAX // 100)
    except ValueError:
        return value
    return int((pounds * 100).to_integral_value(ROUND_HALF_UP))


def _row_data(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sku": row.get("sku", ""),
        "name": row.get("name", ""),
        "category": row.get("category", "").strip().lower().replace(" ", "_"),
        "unit_weight_g": _int_cell(row.get("unit_weight_g", "")),
    }
    if (row.get("band") or "").strip():
        data["band"] = row["band"].strip().lower()
    if (row.get("reference_price_pence") or "").strip():
        data["reference_price_pence"] = _int_cell(row["reference_price_pence"])
    elif (row.get("reference_price") or "").strip():
        data["reference_price_pence"] = _price_cell(row["reference_price"])
    if "barcode" in row:  # an empty cell clears the barcode; a missing column keeps it
        data["barcode"] = (row.get("barcode") or "").strip() or None
    if (row.get("active") or "").strip():
        data["active"] = row["active"].strip().lower() in ("1", "yes", "true", "y")
    if (row.get("min_level") or "").strip():
        data["min_level"] = _int_cell(row["min_level"])
    return data


def import_products(
    lines: Iterable[str], *, actor: User, good_rows_only: bool = False
) -> ImportResult:
    """Add or update products from CSV (header row first). Every bad row is reported with its
    line number; with good_rows_only the good rows are imported, otherwise none unless all are.
    """
    ensure_catalogue_editor(actor)
    result = ImportResult()
    reader = csv.DictReader(lines)
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    twice = sorted({c for c in columns if c and columns.count(c) > 1})
    if missing or twice:
        if missing:
            result.errors.append((1, f"Missing column(s): {', '.join(missing)}."))
        if twice:  # csv.DictReader would silently take the last one's values
            result.errors.append((1, f"Column(s) given twice: {', '.join(twice)}."))
        result.imported = False
        return result
    reader.fieldnames = columns
    seen_sku: dict[str, int] = {}
    seen_barcode: dict[str, int] = {}
    good: list[tuple[int, dict[str, Any]]] = []
    for row in reader:
        line = reader.line_num
        data = _row_data({k: (v or "") for k, v in row.items() if isinstance(k, str)})
        problems = _problems(data)
        if problems:
            result.errors.append((line, "; ".join(f"{k}: {v}" for k, v in problems.items())))
            continue
        data = _clean(data)
        if data["sku"] in seen_sku:
            result.errors.append(
                (line, f"sku {data['sku']} is also on line {seen_sku[data['sku']]}.")
            )
            continue
        seen_sku[data["sku"]] = line
        if data.get("barcode"):
            if data["barcode"] in seen_barcode:
                result.errors.append(
                    (line, f"barcode is also on line {seen_barcode[data['barcode']]}.")
                )
                continue
            seen_barcode[data["barcode"]] = line
        existing = db.session.scalar(select(Product).where(Product.sku == data["sku"]))
        conflicts = _conflicts(data, existing)
        conflicts.pop("sku", None)
        if conflicts:
            result.errors.append((line, "; ".join(f"{k}: {v}" for k, v in conflicts.items())))
            continue
        good.append((line, data))
    if result.errors and not good_rows_only:
        result.imported = False
        return result
    for _line, data in good:
        existing = db.session.scalar(select(Product).where(Product.sku == data["sku"]))
        if existing is None:
            db.session.add(Product(**data, name_key=data["name"].lower()))
            result.created += 1
        else:
            for name, value in data.items():
                setattr(existing, name, value)
            existing.name_key = existing.name.lower()
            result.updated += 1
    db.session.flush()
    audit.record(
        "product.imported",
        actor=actor,
        object_type="product",
        details={
            "created": result.created,
            "updated": result.updated,
            "rejected": len(result.errors),
        },
    )
    return result


def import_products_text(text: str, *, actor: User, good_rows_only: bool = False) -> ImportResult:
    return import_products(
        io.StringIO(text.lstrip("\ufeff")), actor=actor, good_rows_only=good_rows_only
    )
