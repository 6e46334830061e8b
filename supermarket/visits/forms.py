"""The check-in and cash-up forms for browsers without JavaScript: form fields in, the same
dictionaries the API's schemas load out, so both front doors share one validation."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from supermarket.forms import pence, whole

OTHER_REASON = "other"


def override_reason(form: MultiDict[str, str]) -> str:
    chosen = form.get("override_reason", "").strip()
    if chosen == OTHER_REASON:
        return form.get("override_other", "").strip()
    return chosen


def checkin_from_form(form: MultiDict[str, str], bands: list[str]) -> dict[str, Any]:
    """A check-in body (for CheckInIn) from the panel's form."""
    # A box left empty is none of that band.
    basket = {band: whole(form.get(f"band_{band}"), empty=0) for band in bands}
    method = form.get("payment_method", "cash")
    payment: dict[str, Any] = {"method": method, "reason": form.get("payment_reason", "")}
    if method != "waived":
        payment["amount_pence"] = pence(form.get("amount"), exact=True)
    data = {
        "membership_number": form.get("membership_number", ""),
        "basket": {band: count for band, count in basket.items() if count != 0},
        "payment": payment,
        "override_reason": override_reason(form),
        **({"proxy": whole(form.get("proxy"))} if form.get("proxy") else {}),
    }
    if form.get("visit_type"):
        # Asked only when the site gives more than one type of visit.
        data["visit_type"] = form.get("visit_type", "")
    return data
