"""The check-in and cash-up forms for browsers without JavaScript: form fields in, the same
dictionaries the API's schemas load out, so both front doors share one validation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict

from supermarket.inputs import INT_MAX, parse_decimal, whole_number

OTHER_REASON = "other"


def whole(raw: str | None) -> int | str:
    """A count typed in a box: empty is 0; anything else is left for the schema to refuse."""
    raw = (raw or "").strip()
    if raw == "":
        return 0
    value = whole_number(raw)
    return raw if value is None else value


def pence(raw: str | None) -> int | str | None:
    """Pounds typed as "3.50" or "£3.50" in pence; None when empty; text the schema refuses."""
    raw = (raw or "").strip().lstrip("£").strip()
    if raw == "":
        return None
    try:
        value = parse_decimal(raw, minimum=-INT_MAX // 100, maximum=INT_MAX // 100)
    except ValueError:
        return raw
    if value != value.quantize(Decimal("0.01")):
        return raw
    return int(value * 100)


def override_reason(form: MultiDict[str, str]) -> str:
    chosen = form.get("override_reason", "").strip()
    if chosen == OTHER_REASON:
        return form.get("override_other", "").strip()
    return chosen


def checkin_from_form(form: MultiDict[str, str], bands: list[str]) -> dict[str, Any]:
    """A check-in body (for CheckInIn) from the panel's form."""
    basket = {band: whole(form.get(f"band_{band}")) for band in bands}
    method = form.get("payment_method", "cash")
    payment: dict[str, Any] = {"method": method, "reason": form.get("payment_reason", "")}
    if method != "waived":
        payment["amount_pence"] = pence(form.get("amount"))
    return {
        "membership_number": form.get("membership_number", ""),
        "basket": {band: count for band, count in basket.items() if count != 0},
        "payment": payment,
        "override_reason": override_reason(form),
    }


def flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """Nested marshmallow or service field errors as {"payment.reason": "Give a reason."}."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list):
        texts = [m for m in messages if isinstance(m, str)]
        if texts:
            out[prefix or "_"] = " ".join(texts)
        for item in messages:
            if not isinstance(item, str):
                out.update(flatten(item, prefix))
    else:
        out[prefix or "_"] = str(messages)
    return out
