"""Turn the stock pages' flat form fields into the services' input, and errors back."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from werkzeug.datastructures import MultiDict

from supermarket.inputs import INT_MAX, parse_decimal, whole_number
from supermarket.stock.models import Category

MAX_LINES = 200


def whole(raw: str | None) -> int | str | None:
    """A whole number typed in a form, None if empty, the raw text if not a number (the
    service then reports the field)."""
    raw = (raw or "").strip().replace(",", "")
    if raw == "":
        return None
    value = whole_number(raw)
    return raw if value is None else value


def scaled(raw: str | None, factor: int) -> int | str | None:
    """A decimal typed in a form times factor: pounds to pence (100), kilograms to grams (1000)."""
    raw = (raw or "").strip().lstrip("£").replace(",", "")
    if raw.lower().endswith("kg"):
        raw = raw[:-2].strip()
    if raw == "":
        return None
    try:
        value = parse_decimal(raw, minimum=-INT_MAX // factor, maximum=INT_MAX // factor)
    except ValueError:
        return raw
    return int((value * factor).to_integral_value(ROUND_HALF_UP))


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
    donor_id = whole(form.get("donor_id"))
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
            quantity = whole(form.get(f"{prefix}-quantity"))
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


def item_lines(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """sku and quantity rows (transfers), blank rows left out."""
    lines = []
    for i in range(MAX_LINES):
        if f"line-{i}-sku" not in form:
            break
        sku = form.get(f"line-{i}-sku", "").strip()
        quantity = whole(form.get(f"line-{i}-quantity"))
        if sku or quantity is not None:
            lines.append({"sku": sku, "quantity": quantity})
    return lines


def line_errors(fields: dict[str, Any], prefixes: list[str] | None = None) -> dict[str, str]:
    """Nested error fields ({"lines": {0: {"sku": ...}}}) as the form's flat names
    ("line-3-sku" when prefixes maps line 0 to row 3), one message each."""
    out: dict[str, str] = {}

    def walk(value: Any, name: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{name}.{key}" if name else str(key))
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for inner in value:
                walk(inner, name)
        else:
            out.setdefault(name, value[0] if isinstance(value, list) and value else str(value))

    walk(fields, "")
    flat: dict[str, str] = {}
    for name, message in out.items():
        parts = name.split(".")
        if parts[0] == "lines" and len(parts) >= 3 and parts[1].isdigit():
            index = int(parts[1])
            prefix = prefixes[index] if prefixes and index < len(prefixes) else f"line-{index}"
            flat[f"{prefix}-{parts[2]}"] = message
        elif parts[0] == "donor" and len(parts) == 2:
            flat[f"donor_{parts[1]}"] = message
        else:
            flat[parts[0]] = message
    return flat
