"""Adding and updating catalogue products from a CSV file: every row held to the catalogue's
rules (products.product_problems), all rows or, if asked, only the good ones."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP
from typing import Any

from sqlalchemy import select

from supermarket.auth import audit
from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.inputs import INT_MAX, parse_decimal, whole_number
from supermarket.stock.models import Product
from supermarket.stock.services.catalogue import ensure_catalogue_editor
from supermarket.stock.services.products import (
    cleaned_product,
    product_conflicts,
    product_problems,
)

REQUIRED_COLUMNS = ("sku", "name", "category", "unit_weight_g")


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


def _headerproduct_problems(columns: list[str]) -> list[tuple[int, str]]:
    """The header row's problems: a required column missing, or a column given twice."""
    errors: list[tuple[int, str]] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        errors.append((1, f"Missing column(s): {', '.join(missing)}."))
    twice = sorted({c for c in columns if c and columns.count(c) > 1})
    if twice:  # csv.DictReader would silently take the last one's values
        errors.append((1, f"Column(s) given twice: {', '.join(twice)}."))
    return errors


@dataclass
class _Rows:
    """The rows checked so far: the good ones, and where each sku and barcode was first seen."""

    good: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    sku_lines: dict[str, int] = field(default_factory=dict)
    barcode_lines: dict[str, int] = field(default_factory=dict)

    def check(self, line: int, row: dict[str, str]) -> str | None:
        """What is wrong with a row (None: it is kept among the good ones)."""
        data = _row_data(row)
        problems = product_problems(data)
        if problems:
            return "; ".join(f"{k}: {v}" for k, v in problems.items())
        data = cleaned_product(data)
        if data["sku"] in self.sku_lines:
            return f"sku {data['sku']} is also on line {self.sku_lines[data['sku']]}."
        self.sku_lines[data["sku"]] = line
        if data.get("barcode"):
            if data["barcode"] in self.barcode_lines:
                return f"barcode is also on line {self.barcode_lines[data['barcode']]}."
            self.barcode_lines[data["barcode"]] = line
        existing = db.session.scalar(select(Product).where(Product.sku == data["sku"]))
        conflicts = product_conflicts(data, existing)
        conflicts.pop("sku", None)
        if conflicts:
            return "; ".join(f"{k}: {v}" for k, v in conflicts.items())
        self.good.append((line, data))
        return None


def _save_rows(rows: list[tuple[int, dict[str, Any]]], result: ImportResult) -> None:
    """Add each good row's product, or update the one with its sku."""
    for _line, data in rows:
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
    result.errors = _headerproduct_problems(columns)
    if result.errors:
        result.imported = False
        return result
    reader.fieldnames = columns
    rows = _Rows()
    for row in reader:
        line = reader.line_num
        problem = rows.check(line, {k: (v or "") for k, v in row.items() if isinstance(k, str)})
        if problem is not None:
            result.errors.append((line, problem))
    if result.errors and not good_rows_only:
        result.imported = False
        return result
    _save_rows(rows.good, result)
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
