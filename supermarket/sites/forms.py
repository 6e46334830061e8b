"""Turn the settings form's flat fields into the settings schema's input, and back."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from werkzeug.datastructures import MultiDict

from supermarket.forms import MONEY, Path, Shown, form_errors, pence, whole
from supermarket.sites.settings import (
    ELIGIBILITY_ROUTES,
    MAX_BANDS,
    MAX_SCHOOL_HOLIDAYS,
    MAX_TIERS,
    MAX_VISIT_TYPES,
    PROGRAMME_VISIT_TYPES,
    WEEKLY_SHOP,
    SiteSettings,
)

# Rows shown for bands and tiers: at least these, and one spare below the stored ones while
# the list is under its bound.
BAND_ROWS = 5
TIER_ROWS = 4
HOLIDAY_ROWS = 3
INT_FIELDS = (
    "visits_per_week",
    "membership_term_months",
    "review_interval_months",
    "grace_days",
    "retention_months",
    "use_by_alert_days",
)
MONEY_FIELDS = ("fee_pence", "joining_fee_pence")


def row_count(stored: int, posted: int, blank: int, most: int) -> int:
    """How many rows of a list to show: every stored or posted one, a spare, at least `blank`."""
    return max(blank, posted, stored, min(stored + 1, most))


def posted_rows(form: MultiDict[str, str], prefix: str) -> list[int]:
    """The row numbers of a list the form sent (band_0_name, band_3_name, ...), in order."""
    pattern = re.compile(rf"{prefix}_(\d{{1,4}})_name")
    return sorted({int(m.group(1)) for key in form if (m := pattern.fullmatch(key))})


def catchment_from_form(raw: str) -> list[str]:
    """Districts and sectors as typed, by commas or spaces: "CM20, CM19 4" or "CM20 CM19 4".

    A lone digit is the sector of the district before it, as a sector is written "CM19 4".
    """
    entries: list[str] = []
    for token in raw.replace(",", " ").split():
        if len(token) == 1 and token.isdigit() and entries and " " not in entries[-1]:
            entries[-1] = f"{entries[-1]} {token}"
        else:
            entries.append(token)
    return entries


def settings_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """Every setting from the page's fields. A field left empty stays empty (and is refused
    beside it), so it never quietly falls back to the programme default."""
    data: dict[str, Any] = {}
    for name in INT_FIELDS:
        value = whole(form.get(name, ""))
        data[name] = "" if value is None else value
    for name in MONEY_FIELDS:
        value = pence(form.get(name, ""))
        data[name] = "" if value is None else value
    data["visit_window"] = form.get("visit_window", "iso_week")
    cap = whole(form.get("member_cap", ""))
    data["member_cap"] = cap
    data["eligibility_routes"] = [r for r in form.getlist("eligibility_routes") if r]
    data["catchment"] = catchment_from_form(form.get("catchment", ""))
    data["allow_other_site_members"] = form.get("allow_other_site_members") == "on"
    data["overrides_managers_only"] = form.get("overrides_managers_only") == "on"
    data["joining_fee_at_renewal"] = form.get("joining_fee_at_renewal") == "on"
    data["offline_registration"] = form.get("offline_registration") == "on"
    data["date_of_birth_optional"] = form.get("date_of_birth_optional") == "on"
    data["opening_hours"] = form.get("opening_hours", "").strip()
    bands = []
    for i in posted_rows(form, "band"):
        name = form.get(f"band_{i}_name", "").strip().lower()
        if not name:
            continue
        limit_raw = form.get(f"band_{i}_limit", "").strip()
        bands.append(
            {
                "name": name,
                "limit": None if limit_raw == "" else whole(limit_raw),
                "average_value_pence": pence(form.get(f"band_{i}_value", "")) or 0,
            }
        )
    data["bands"] = bands
    tiers = []
    for i in posted_rows(form, "tier"):
        name = form.get(f"tier_{i}_name", "").strip()
        if not name:
            continue
        limits = {}
        for pair in form.get(f"tier_{i}_limits", "").replace(",", " ").split():
            band, _, count = pair.partition("=")
            limits[band.strip().lower()] = whole(count)
        tiers.append(
            {
                "name": name,
                "min_people": whole(form.get(f"tier_{i}_min_people", "")),
                "fee_pence": pence(form.get(f"tier_{i}_fee", "")),
                "band_limits": limits,
            }
        )
    data["tiers"] = tiers
    data["visit_types"] = visit_types_from_form(form)
    data.update(payment_settings_from_form(form))
    data["school_holidays"] = [
        {
            "name": form.get(f"holiday_{i}_name", "").strip(),
            "start": form.get(f"holiday_{i}_start", "").strip(),
            "end": form.get(f"holiday_{i}_end", "").strip(),
        }
        for i in _holiday_rows(form)
    ]
    return data


def payment_settings_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The membership fee and the points scheme from their boxes. A page without them (an
    older form still open) leaves them out, and they keep their value."""
    data: dict[str, Any] = {}
    if "membership_fee_pence" in form:
        fee = pence(form.get("membership_fee_pence", ""))
        data["membership_fee_pence"] = "" if fee is None else fee
        data["membership_fee_period"] = form.get("membership_fee_period", "annual")
    if "points_credit" not in form:
        return data
    points: dict[str, Any] = {}
    for name in ("credit", "item_cost", "carry_over_cap"):
        value = whole(form.get(f"points_{name}", ""))
        points[name] = "" if value is None else value
    points["band_costs"] = {
        band.strip().lower(): "" if (count := whole(number)) is None else count
        for band, _, number in (
            pair.partition("=")
            for pair in form.get("points_band_costs", "").replace(",", " ").split()
        )
    }
    # Tier names may have spaces ("Large family"): the pairs are split by commas or lines,
    # and a name typed in another case is the tier's own.
    tiers = {
        form.get(f"tier_{i}_name", "").strip().lower(): form.get(f"tier_{i}_name", "").strip()
        for i in posted_rows(form, "tier")
    }
    credits: dict[str, Any] = {}
    for pair in re.split(r"[,;\n]", form.get("points_credit_by_tier", "")):
        if not pair.strip():
            continue
        name, _, number = pair.partition("=")
        name = " ".join(name.split())
        count = whole(number)
        credits[tiers.get(name.lower(), name)] = "" if count is None else count
    points["credit_by_tier"] = credits
    data["points"] = points
    return data


def _holiday_rows(form: MultiDict[str, str]) -> list[int]:
    """The school holiday rows the form sent with anything typed in them."""
    return [
        i
        for i in posted_rows(form, "holiday")
        if any(form.get(f"holiday_{i}_{part}", "").strip() for part in ("name", "start", "end"))
    ]


def _type_rows(form: MultiDict[str, str]) -> list[int]:
    """The visit type rows the form sends on (a key or a label typed, not marked to remove);
    the weekly shop's row is always kept."""
    kept = []
    for i in posted_rows(form, "type"):
        key = form.get(f"type_{i}_key", "").strip()
        if key != WEEKLY_SHOP and form.get(f"type_{i}_remove") == "on":
            continue
        if key or form.get(f"type_{i}_name", "").strip():
            kept.append(i)
    return kept


def programme_additions(form: MultiDict[str, str]) -> list[str]:
    """The programme's default types ticked to add, not already among the rows."""
    present = {form.get(f"type_{i}_key", "").strip() for i in posted_rows(form, "type")}
    chosen = set(form.getlist("add_programme_type"))
    return [t.key for t in PROGRAMME_VISIT_TYPES if t.key in chosen and t.key not in present]


def visit_types_from_form(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """The site's visit types from their rows (the label is the row's `name`), then any of
    the programme's types ticked to add. A limit or fee left empty is the type's default (one;
    the site's fee)."""
    types: list[dict[str, Any]] = []
    for i in _type_rows(form):
        limits = {}
        for pair in form.get(f"type_{i}_limits", "").replace(",", " ").split():
            band, _, count = pair.partition("=")
            limits[band.strip().lower()] = whole(count)
        limit = whole(form.get(f"type_{i}_limit", ""))
        fee = pence(form.get(f"type_{i}_fee", ""))
        label = form.get(f"type_{i}_name", "").strip()
        # A key left empty is made from the name: "Baby bank" is baby_bank.
        key = form.get(f"type_{i}_key", "").strip().lower()
        key = key or re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40]
        if key == WEEKLY_SHOP:
            # Only its name (and its payment model, kept) is the page's: its rules are the
            # site's own settings.
            weekly = asdict(PROGRAMME_VISIT_TYPES[0])
            model = form.get(f"type_{i}_payment_model", "") or weekly["payment_model"]
            types.append({**weekly, "label": label, "payment_model": model})
            continue
        types.append(
            {
                "key": key,
                "label": label,
                "frequency": form.get(f"type_{i}_frequency", "per_week"),
                "limit": 1 if limit is None else limit,
                "band_limits": limits,
                "parcel": form.get(f"type_{i}_parcel", "").strip(),
                "fee_pence": fee,
                "members_only": form.get(f"type_{i}_members_only") == "on",
                "counts_toward_weekly": form.get(f"type_{i}_counts_toward_weekly") == "on",
                "payment_model": form.get(f"type_{i}_payment_model", "flat_fee") or "flat_fee",
            }
        )
    for key in programme_additions(form):
        default = next(t for t in PROGRAMME_VISIT_TYPES if t.key == key)
        types.append(asdict(default))
    return types


def _rows(form: MultiDict[str, str], prefix: str) -> list[int]:
    """The row numbers of a list's rows that settings_from_form sends, in its order."""
    return [i for i in posted_rows(form, prefix) if form.get(f"{prefix}_{i}_name", "").strip()]


# A band's or tier's field as the page names its box.
_ROW_INPUTS = {
    "average_value_pence": "value",
    "fee_pence": "fee",
    "band_limits": "limits",
    "label": "name",
}
_MONTHS = "in months"
SETTINGS_SHOWN: dict[str, Shown] = {
    "visits_per_week": Shown("a number of visits a week"),
    "visit_window": Shown("how the week is counted", choice=True),
    "fee_pence": Shown("a fee per visit", **MONEY),
    "joining_fee_pence": Shown("a joining fee", **MONEY),
    "member_cap": Shown("a largest number of members (or leave it empty)"),
    "membership_term_months": Shown(f"how long membership lasts {_MONTHS}"),
    "review_interval_months": Shown(f"how often to review {_MONTHS}"),
    "grace_days": Shown("a number of days of grace"),
    "retention_months": Shown(f"how long to keep personal data {_MONTHS}"),
    "use_by_alert_days": Shown("a number of days"),
    "opening_hours": Shown("the opening hours"),
    "eligibility_routes": Shown("who can join", choice=True),
    "catchment": Shown("each postcode district or sector"),
    "bands.name": Shown(
        "the band's name",
        said={
            "Use a-z, 0-9, _": (
                "Name the band in lower-case letters, digits or _, starting with a letter "
                "(up to 20)."
            )
        },
    ),
    "bands.limit": Shown("a number of items per visit (or leave it empty)"),
    "bands.average_value_pence": Shown("an average value", **MONEY),
    "tiers.name": Shown("the tier's name"),
    "tiers.min_people": Shown("a household size"),
    "tiers.fee_pence": Shown("a fee", **MONEY),
    "tiers.band_limits": Shown("each band's allowance, as red=4 blue=10"),
    "visit_types.key": Shown(
        "the type's key",
        said={
            "Use a-z, 0-9, _": (
                "Give the type a key in lower-case letters, digits or _, starting with a "
                "letter (up to 40), e.g. baby_bank."
            )
        },
    ),
    "visit_types.label": Shown("the type's name"),
    "visit_types.frequency": Shown("how often it may be given", choice=True),
    "visit_types.limit": Shown("how many times in each period"),
    "visit_types.fee_pence": Shown("a fee (or leave it empty for the site's fee)", **MONEY),
    "visit_types.parcel": Shown("the parcel's description"),
    "visit_types.band_limits": Shown("each band's allowance, as red=1 blue=4"),
    "visit_types.payment_model": Shown("how the visit is paid", choice=True),
    "membership_fee_pence": Shown("a membership fee", **MONEY),
    "membership_fee_period": Shown("how long a membership fee covers", choice=True),
    "points_credit": Shown("the points given at each visit"),
    "points_credit_by_tier": Shown("each tier's points, as Plus=40, Large family=30"),
    "points_item_cost": Shown("the points an item costs"),
    "points_band_costs": Shown("each band's cost in points, as red=3 blue=1"),
    "points_carry_over_cap": Shown("the most points carried over"),
    "school_holidays.name": Shown("the holiday's name"),
    "school_holidays.start": Shown("the first day, as a date"),
    "school_holidays.end": Shown("the last day, as a date"),
}


def settings_errors(
    error: Exception, form: MultiDict[str, str], schema: Any = None
) -> dict[str, str]:
    """The settings page's errors, each beside its box: a band's or a tier's by its row
    ("band_2_limit"), naming the row ("Band 3: ..."), in the page's units (pounds)."""
    rows = {
        "bands": ("band", _rows(form, "band")),
        "tiers": ("tier", _rows(form, "tier")),
        "visit_types": ("type", _type_rows(form)),
        "school_holidays": ("holiday", _holiday_rows(form)),
    }

    def row(path: Path) -> tuple[str, int] | None:
        if len(path) >= 2 and path[0] in rows and isinstance(path[1], int):
            prefix, numbers = rows[str(path[0])]
            if path[1] < len(numbers):
                return prefix, numbers[path[1]]
        return None

    def field(path: Path) -> str:
        if len(path) >= 2 and path[0] == "points":
            return f"points_{path[1]}"
        found = row(path)
        if found is None or len(path) < 3:
            return str(path[0]) if path else "_"
        name = str(path[2])
        return f"{found[0]}_{found[1]}_{_ROW_INPUTS.get(name, name)}"

    def line(path: Path) -> str | None:
        found = row(path)
        return f"{found[0].capitalize()} {found[1] + 1}" if found else None

    return form_errors(error, field=field, shown=SETTINGS_SHOWN, schema=schema, line=line)


__all__ = [
    "BAND_ROWS",
    "ELIGIBILITY_ROUTES",
    "HOLIDAY_ROWS",
    "MAX_BANDS",
    "MAX_SCHOOL_HOLIDAYS",
    "MAX_TIERS",
    "MAX_VISIT_TYPES",
    "TIER_ROWS",
    "SiteSettings",
    "posted_rows",
    "row_count",
    "settings_errors",
    "settings_from_form",
]
