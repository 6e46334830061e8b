"""Turn the stock pages' flat form fields into the services' input, and errors back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema
from werkzeug.datastructures import MultiDict

from supermarket.forms import KILOGRAMS, MONEY, Path, Shown, form_errors, whole
from supermarket.forms import scaled as _scaled
from supermarket.stock.models import Category
from supermarket.stock.services.temperatures import PLAUSIBLE

MAX_LINES = 200


def scaled(raw: str | None, factor: int) -> int | str | None:
    """A decimal typed in a form times factor: pounds to pence (100), kilograms to grams
    (1000); "1,200" and "3 kg" as a person types them."""
    text = (raw or "").strip()
    if text.lower().endswith("kg"):
        text = text[:-2]
    return _scaled(text, factor, commas=True)


def day(raw: str | None) -> str | None:
    """A date field as typed (the schema parses YYYY-MM-DD), None if empty."""
    return (raw or "").strip() or None


def _dated(out: dict[str, Any], kind: str, raw_date: str | None) -> None:
    value = day(raw_date)
    if value is None:
        return
    out["use_by" if kind == "use_by" else "best_before"] = value


def donation_from_form(form: MultiDict[str, str], mode: str) -> tuple[dict[str, Any], list[str]]:
    """The donation as the service takes it, and each line's form prefix (for its errors)."""
    donor: dict[str, Any]
    donor_id = whole(form.get("donor_id"), commas=True)
    if isinstance(donor_id, int):
        donor = {"id": donor_id}
    else:
        donor = {
            k: form.get(f"donor_{k}", "").strip()
            for k in ("name", "kind")
            if form.get(f"donor_{k}", "").strip()
        }
    data: dict[str, Any] = {"donor": donor, "note": form.get("note", "").strip(), "lines": []}
    if day(form.get("received_on")):
        data["received_on"] = day(form.get("received_on"))
    prefixes: list[str] = []
    if mode == "weigh":
        for category in Category:
            prefix = f"crate-{category.value}"
            grams = scaled(form.get(f"{prefix}-kg"), 1000)
            if grams is None:
                continue
            line: dict[str, Any] = {"category": category.value, "weight_g": grams}
            _dated(line, form.get(f"{prefix}-date_kind", ""), form.get(f"{prefix}-date"))
            data["lines"].append(line)
            prefixes.append(prefix)
    else:
        for i in range(MAX_LINES):
            prefix = f"line-{i}"
            if f"{prefix}-sku" not in form:
                break
            sku = form.get(f"{prefix}-sku", "").strip()
            quantity = whole(form.get(f"{prefix}-quantity"), commas=True)
            if not sku and quantity is None:
                continue
            line = {"sku": sku, "quantity": quantity}
            _dated(line, form.get(f"{prefix}-date_kind", ""), form.get(f"{prefix}-date"))
            weight = scaled(form.get(f"{prefix}-weight_kg"), 1000)
            if weight is not None:
                line["weight_g"] = weight
            cost = scaled(form.get(f"{prefix}-cost"), 100)
            if cost is not None:
                line["cost_pence"] = cost
            data["lines"].append(line)
            prefixes.append(prefix)
    return data, prefixes


def item_lines(form: MultiDict[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    """sku and quantity rows (transfers), blank rows left out, and each line's form prefix
    (for its errors). Weighed crates (CRATE-...) are typed in kilograms, kept as grams."""
    lines, prefixes = [], []
    for i in range(MAX_LINES):
        prefix = f"line-{i}"
        if f"{prefix}-sku" not in form:
            break
        sku = form.get(f"{prefix}-sku", "").strip()
        raw = form.get(f"{prefix}-quantity")
        weighed = sku.upper().startswith("CRATE-")
        quantity = scaled(raw, 1000) if weighed else whole(raw, commas=True)
        if sku or quantity is not None:
            lines.append({"sku": sku, "quantity": quantity})
            prefixes.append(prefix)
    return lines, prefixes


def line_errors(
    error: Exception, lines: list[dict[str, Any]], prefixes: list[str]
) -> dict[str, str]:
    """A multi-line stock form's errors (transfers), each line's named; a refusal for want of
    stock beside the quantity of the line that asked for too much."""
    errors = form_errors_from(error, prefixes)
    details = getattr(error, "details", {}) or {}
    if getattr(error, "code", "") == "insufficient_stock" and "sku" in details:
        errors.pop("quantity", None)
        errors.pop("_", None)
        for index, line in enumerate(lines):
            if str(line["sku"]).upper() == details["sku"]:
                where = _line_name(prefixes)(("lines", index)) or f"Line {index + 1}"
                text = str(error)
                errors[f"{prefixes[index]}-quantity"] = f"{where}: {text[:1].lower()}{text[1:]}"
                break
        else:
            errors["_"] = str(error)
    return errors


# The delivery form's fields as the page shows them (weights in kg, costs in pounds).
_PACK_DATE = Shown("the date on the pack")
DELIVERY_SHOWN: dict[str, Shown] = {
    "donor.id": Shown("a donor", choice=True),
    "donor.name": Shown("the new donor's name"),
    "donor.kind": Shown("the kind of donor", choice=True),
    "received_on": Shown("the date it was received"),
    "note": Shown("the note"),
    "lines": Shown(
        "the lines",
        said={"Add from 1 to 500 lines.": "Add at least one line (up to 500)."},
    ),
    "lines.sku": Shown("a product", choice=True),
    "lines.category": Shown("a category", choice=True),
    "lines.quantity": Shown("a quantity", said={"Give the quantity.": "Enter how many."}),
    "lines.weight_g": Shown("the weight", **KILOGRAMS),
    "lines.cost_pence": Shown("the cost", **MONEY),
    "lines.use_by": _PACK_DATE,
    "lines.best_before": _PACK_DATE,
}


# The product form's fields as the page shows them (the price in pounds).
PRODUCT_SHOWN: dict[str, Shown] = {
    "sku": Shown("a code"),
    "name": Shown("the name"),
    "category": Shown("a category", choice=True),
    "band": Shown("an allowance band"),
    "unit_weight_g": Shown("the weight of one", unit="g"),
    "reference_price_pence": Shown("the shop price", **MONEY),
    "barcode": Shown(
        "the barcode",
        said={
            "Not a valid EAN-13, UPC-A or EAN-8 barcode (check the digits).": (
                "Enter the 8, 12 or 13 digits of an EAN or UPC barcode (check the digits)."
            )
        },
    ),
    "min_level": Shown("a minimum level"),
}


def temperature_errors(error: Exception, form: MultiDict[str, str]) -> dict[str, str]:
    """The temperature form's errors, a reading's saying whether it was not a number or
    not a plausible reading, and a name's its limit."""
    errors = form_errors_from(error)
    if "celsius" in errors:
        errors["celsius"] = _reading_problem(form.get("celsius", ""))
    if "unit_name" in errors and len(" ".join(form.get("unit_name", "").split())) > 60:
        errors["unit_name"] = "Use up to 60 characters for the fridge's or freezer's name."
    return errors


def _reading_problem(raw: str) -> str:
    text = raw.strip().replace("\u2212", "-").replace("°C", "").replace("°", "").strip()
    if not text:
        return "Enter the reading in °C, e.g. 4.5 (or -18 for a freezer)."
    try:
        number = float(text)
    except ValueError:
        return "Enter a temperature in °C as a number, e.g. 4.5 (or -18 for a freezer)."
    if number != number or number in (float("inf"), float("-inf")):
        return "Enter a temperature in °C as a number, e.g. 4.5 (or -18 for a freezer)."
    low, high = PLAUSIBLE[0] // 10, PLAUSIBLE[1] // 10
    return (
        f"Enter a temperature between {low} and {high} °C: a fridge or freezer reads in that range."
    )


def form_errors_from(
    error: Exception,
    prefixes: list[str] | None = None,
    *,
    shown: Mapping[str, Shown] | None = None,
    schema: Schema | None = None,
) -> dict[str, str]:
    """A failed stock form's errors by input name ("line-3-sku" when prefixes maps line 0 to
    row 3, "donor_name"), in plain words for the fields as `shown`, each line's named ("Line
    4: ...", "Chilled: ..."), after undoing whatever the attempt wrote; a refusal's own
    message as well, unless it is only bad input."""
    return form_errors(
        error,
        field=_input_name(prefixes),
        refusal_summary=True,
        shown=shown,
        schema=schema,
        line=_line_name(prefixes),
    )


def _line_name(prefixes: list[str] | None) -> Callable[[Path], str | None]:
    """The line a message is on, as the page shows it: "Line 4" for row line-3, the category
    ("Chilled") for a weigh-in's crate row."""

    def name(path: Path) -> str | None:
        if len(path) < 2 or path[0] != "lines" or not isinstance(path[1], int):
            return None
        index = path[1]
        prefix = prefixes[index] if prefixes and index < len(prefixes) else f"line-{index}"
        kind, _, rest = prefix.partition("-")
        if kind == "crate" and rest in Category.__members__.values():
            return Category(rest).label
        number = whole(rest)
        return f"Line {number + 1}" if isinstance(number, int) else None

    return name


def _input_name(prefixes: list[str] | None) -> Callable[[Path], str]:
    def name(path: Path) -> str:
        parts = [str(key) for key in path]
        if not parts:
            return "_"
        if parts[0] == "lines" and len(parts) >= 3 and parts[1].isdigit():
            index = int(parts[1])
            prefix = prefixes[index] if prefixes and index < len(prefixes) else f"line-{index}"
            return f"{prefix}-{parts[2]}"
        if parts[0] == "donor" and len(parts) == 2:
            return f"donor_{parts[1]}"
        return parts[0]

    return name
