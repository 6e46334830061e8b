"""Turn the tablet forms' flat fields into the member schemas' input, and errors back."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema
from werkzeug.datastructures import MultiDict

from supermarket.forms import MONEY, Path, Shown, form_errors, pence, whole
from supermarket.inputs import whole_number
from supermarket.members.names import MAX_NAME_LENGTH
from supermarket.members.schemas import CONTACT_FIELDS

HOUSEHOLD = ("adults", "children_0_4", "children_5_11", "children_12_17")
# Error keys that differ from the form's input names.
_ERROR_NAMES = {"route": "route", "_schema": "_form"}


def date_from_parts(day: str, month: str, year: str) -> str:
    """Day, month and year boxes as YYYY-MM-DD ("" if all are empty)."""
    day, month, year = day.strip(), month.strip(), year.strip()
    if not (day or month or year):
        return ""
    numbers = [whole_number(part) for part in (day, month, year)]
    if any(n is None or n < 0 for n in numbers) or len(year) != 4:
        return "invalid"
    return f"{year}-{numbers[1]:02d}-{numbers[0]:02d}"


def registration_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": form.get("first_name", ""),
        "last_name": form.get("last_name", ""),
        "date_of_birth": date_from_parts(
            form.get("dob_day", ""), form.get("dob_month", ""), form.get("dob_year", "")
        ),
        "postcode": form.get("postcode", ""),
        "phone": form.get("phone", ""),
        "email": form.get("email", ""),
        "household": {name: whole(form.get(name), empty=0) for name in HOUSEHOLD},
        "eligibility": _eligibility(form),
        "dietary": [d for d in form.getlist("dietary") if d],
        "dietary_notes": form.get("dietary_notes", ""),
        "consents": {
            "privacy_notice_given": form.get("privacy_notice_given") == "on",
            "survey": form.get("survey") == "on",
            "contact": form.get("contact") == "on",
        },
    }
    if not data["date_of_birth"]:
        del data["date_of_birth"]
        # Without a date of birth, the age band (where the site allows it).
        if form.get("age_band"):
            data["age_band"] = form.get("age_band")
    if not data["postcode"].strip():
        del data["postcode"]  # the service says whether the route needs one
    if form.get("care_of", "").strip():
        data["care_of"] = form.get("care_of", "")
    return data


def fee_from_form(form: MultiDict[str, str]) -> dict[str, Any] | None:
    """The joining fee's boxes (method, Paid (£), reason) as the schema's `joining_fee`; None
    when no method was chosen (the service then names the fee as missing). A waived fee takes
    nothing, so the Paid box, filled in with the fee, is not sent with it."""
    method = form.get("joining_fee_method", "").strip()
    if not method:
        return None
    fee: dict[str, Any] = {"method": method, "reason": form.get("joining_fee_reason", "")}
    if method != "waived":
        fee["paid_pence"] = pence(form.get("joining_fee_paid"))
    return fee


def _eligibility(form: MultiDict[str, str]) -> dict[str, Any]:
    route = form.get("route", "")
    eligibility: dict[str, Any] = {"route": route}
    # Only the details of the chosen route are sent; the others may hold leftovers.
    if route == "referral":
        eligibility["referral_agency"] = form.get("referral_agency", "")
        eligibility["referral_reference"] = form.get("referral_reference", "")
    if route == "benefits":
        eligibility["benefit"] = form.get("benefit", "")
    return eligibility


def update_from_form(
    form: MultiDict[str, str], *, manager: bool, unknown: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The edit form: contact details for everyone; the rest for site managers. `unknown`:
    the member's postcode or date_of_birth never given (no fixed abode, no date of birth),
    left out while their boxes stay empty."""
    data: dict[str, Any] = {name: form.get(name, "") for name in sorted(CONTACT_FIELDS)}
    if "postcode" in unknown and not data["postcode"].strip():
        del data["postcode"]
    if not manager:
        return data
    data.update(
        first_name=form.get("first_name", ""),
        last_name=form.get("last_name", ""),
        date_of_birth=date_from_parts(
            form.get("dob_day", ""), form.get("dob_month", ""), form.get("dob_year", "")
        )
        or "invalid",
        household={name: whole(form.get(name), empty=0) for name in HOUSEHOLD},
        eligibility=_eligibility(form),
        dietary=[d for d in form.getlist("dietary") if d],
        dietary_notes=form.get("dietary_notes", ""),
        notes=form.get("notes", ""),
    )
    recorded = form.get("pregnancy_recorded") == "yes"
    data.update(
        pregnancy_recorded=recorded, pregnancy_consent=form.get("pregnancy_consent") == "yes"
    )
    if recorded:
        data["pregnancy_due_on"] = form.get("pregnancy_due_on", "").strip() or None
    boxes = "".join(form.get(f"dob_{part}", "").strip() for part in ("day", "month", "year"))
    if "date_of_birth" in unknown and not boxes:
        del data["date_of_birth"]
    return data


_TOO_LONG = f"Names must be {MAX_NAME_LENGTH} characters or fewer."


def _name(noun: str) -> Shown:
    return Shown(noun, said={_TOO_LONG: f"Use up to {MAX_NAME_LENGTH} characters for {noun}."})


def _children(ages: str) -> Shown:
    noun = f"a number of children aged {ages}"
    return Shown(noun, said={"Enter 0 to 20.": f"Enter {noun} from 0 to 20."})


# The member forms' fields as the tablet shows them, for their messages.
MEMBER_SHOWN: dict[str, Shown] = {
    "first_name": _name("the first name"),
    "last_name": _name("the surname"),
    "adults": Shown(
        "a number of adults",
        said={"Enter 1 to 20 adults.": "Enter a number of adults from 1 to 20."},
    ),
    "children_0_4": _children("0–4"),
    "children_5_11": _children("5–11"),
    "children_12_17": _children("12–17"),
    "route": Shown("how the household is eligible", choice=True),
    "dietary": Shown("dietary needs from the list", choice=True),
    "referral_agency": Shown("the referring agency"),
    "referral_reference": Shown("their reference"),
    "benefit": Shown("the benefit"),
    "dietary_notes": Shown("the allergies and other needs"),
    "notes": Shown("the notes"),
    "pregnancy_due_on": Shown("the due date"),
    "email": Shown("an email address"),
    "joining_fee_method": Shown("how the joining fee was settled", choice=True),
    "joining_fee_paid": Shown(
        "the amount paid",
        **MONEY,
        said={"Not a valid integer.": "Enter the amount in pounds, for example 3.50."},
    ),
    "joining_fee_reason": Shown("the reason for waiving the fee"),
}


def member_form_errors(error: Exception, schema: Schema | None = None) -> dict[str, str]:
    """{"household": {"adults": ["..."]}} -> {"adults": "..."}: one message per form field,
    worded for the tablet (with the bounds `schema` gives a number); a refusal without fields
    is the form's message."""
    return form_errors(
        error,
        field=_form_field,
        friendly=_friendly,
        summary="_form",
        shown=MEMBER_SHOWN,
        schema=schema,
    )


def _form_field(path: Path) -> str:
    """The input a message sits by: its innermost field (list positions do not count); the
    joining fee's own boxes by their names."""
    names = [str(key) for key in path if not isinstance(key, int)]
    if names[:1] == ["joining_fee"]:
        return _FEE_BOXES.get(names[-1], "joining_fee")
    name = _ERROR_NAMES.get(names[-1], names[-1]) if names else "_form"
    return "dob" if name in ("dob_day", "date_of_birth") else name


_FEE_BOXES = {
    "method": "joining_fee_method",
    "paid_pence": "joining_fee_paid",
    "reason": "joining_fee_reason",
}

# What a missing or empty field is called in its error message.
_NEEDED = {
    "first_name": "Enter the first name.",
    "last_name": "Enter the surname.",
    "dob": "Enter the date of birth.",
    "postcode": "Enter the postcode.",
    "adults": "Enter how many adults live in the household.",
    "route": "Choose how the household is eligible.",
}


def _friendly(name: str, message: str) -> str:
    if name == "dob" and message == "Not a valid date.":
        return "Enter a real date of birth, for example 12 4 1988."
    if message in ("Missing data for required field.", "Enter a name.", "Field may not be null."):
        return _NEEDED.get(name, "This is needed.")
    return message
