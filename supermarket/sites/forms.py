"""Turn the settings form's flat fields into the settings schema's input, and back."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from werkzeug.datastructures import MultiDict

from supermarket.inputs import INT_MAX, parse_decimal
from supermarket.sites.settings import ELIGIBILITY_ROUTES, SiteSettings

BAND_ROWS = 5
TIER_ROWS = 4
INT_FIELDS = (
    "visits_per_week",
    "membership_term_months",
    "review_interval_months",
    "grace_days",
    "retention_months",
    "use_by_alert_days",
)
MONEY_FIELDS = ("fee_pence", "joining_fee_pence")


def _int(raw: str) -> Any:
    raw = raw.strip()
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        return raw  # the schema reports "Not a valid integer."


def pounds_to_pence(raw: str) -> Any:
    raw = raw.strip().lstrip("£")
    if raw == "":
        return None
    try:
        pounds = parse_decimal(raw, minimum=-INT_MAX // 100, maximum=INT_MAX // 100)
    except ValueError:
        return raw  # the schema reports "Not a valid integer."
    return int((pounds * 100).to_integral_value(ROUND_HALF_UP))


def settings_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in INT_FIELDS:
        value = _int(form.get(name, ""))
        if value is not None:
            data[name] = value
    for name in MONEY_FIELDS:
        value = pounds_to_pence(form.get(name, ""))
        if value is not None:
            data[name] = value
    data["visit_window"] = form.get("visit_window", "iso_week")
    cap = _int(form.get("member_cap", ""))
    data["member_cap"] = cap
    data["eligibility_routes"] = [r for r in form.getlist("eligibility_routes") if r]
    data["catchment"] = [
        c.strip() for c in form.get("catchment", "").replace(",", " ").split() if c.strip()
    ]
    data["allow_other_site_members"] = form.get("allow_other_site_members") == "on"
    data["overrides_managers_only"] = form.get("overrides_managers_only") == "on"
    data["opening_hours"] = form.get("opening_hours", "").strip()
    bands = []
    for i in range(BAND_ROWS):
        name = form.get(f"band_{i}_name", "").strip().lower()
        if not name:
            continue
        limit_raw = form.get(f"band_{i}_limit", "").strip()
        bands.append(
            {
                "name": name,
                "limit": None if limit_raw == "" else _int(limit_raw),
                "average_value_pence": pounds_to_pence(form.get(f"band_{i}_value", "")) or 0,
            }
        )
    data["bands"] = bands
    tiers = []
    for i in range(TIER_ROWS):
        name = form.get(f"tier_{i}_name", "").strip()
        if not name:
            continue
        limits = {}
        for pair in form.get(f"tier_{i}_limits", "").replace(",", " ").split():
            band, _, count = pair.partition("=")
            limits[band.strip().lower()] = _int(count)
        tiers.append(
            {
                "name": name,
                "min_people": _int(form.get(f"tier_{i}_min_people", "")),
                "fee_pence": pounds_to_pence(form.get(f"tier_{i}_fee", "")),
                "band_limits": limits,
            }
        )
    data["tiers"] = tiers
    return data


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as one message per top-level field for the form."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = prefix or str(key)
            for k, v in flatten_errors(value, name).items():
                out.setdefault(k, v)
    elif isinstance(messages, list):
        for item in messages:
            for k, v in flatten_errors(item, prefix).items():
                out.setdefault(k, v)
    else:
        out[prefix or "_"] = str(messages)
    return out


__all__ = [
    "BAND_ROWS",
    "ELIGIBILITY_ROUTES",
    "TIER_ROWS",
    "SiteSettings",
    "flatten_errors",
    "settings_from_form",
]
