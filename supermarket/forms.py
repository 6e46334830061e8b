"""The web-form adapter every HTML view shares: typed text in, one message per field out.

- `whole` and `scaled` / `pence` turn what a person typed into the numbers a schema or a
  service takes. Text that is not a number is passed on as it is, so the schema (or the
  service) refuses it beside its own field with its own message.
- `form_errors` turns a marshmallow ValidationError, or a domain error a view catches, into
  {form field: message} for the template, after undoing whatever the attempt wrote. Each
  field shows its first message; a domain error's own message shows as the form's message
  when it names no field.
- `plain` is the one place a validation message becomes words a person understands: a
  schema's wording ("Must be greater than or equal to 1 and less than or equal to 100000.",
  "Not a valid integer.", "Must be one of: ...") is said again for the field as the form shows
  it (`Shown`: its name in a sentence, its unit and scale), so a pence field shown in pounds
  says "Enter the cost from £0.00 to £100,000.00" and a line of a multi-line form is named
  ("Line 2: enter a quantity from 1 to 100,000").

A view's form handling is then one short try/except:

    try:
        thing = service.do(site, Schema().load(from_form(request.form)), actor=actor())
    except (ValidationError, DomainError) as exc:
        errors = form_errors(exc)
    else:
        ...
    return form_page("thing.html", errors, form=request.form)  # 422 when it shows errors
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import flash, redirect, render_template
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.wrappers import Response

from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.inputs import INT_MAX, parse_decimal, whole_number

# Where a message sits: the keys of marshmallow's nested messages (or a domain error's
# fields), e.g. ("lines", 0, "sku"); () for a message about the whole input.
Path = tuple[str | int, ...]
FORM = "_"


def whole(raw: str | None, *, empty: int | None = None, commas: bool = False) -> int | str | None:
    """A whole number typed in a box; `empty` when left empty; the text itself when it is not
    a number the database can hold. With `commas`, "1,200" is 1200."""
    text = _minus((raw or "").strip())
    if commas:
        text = text.replace(",", "")
    if text == "":
        return empty
    value = whole_number(text)
    return text if value is None else value


def scaled(
    raw: str | None, factor: int, *, exact: bool = False, commas: bool = False
) -> int | str | None:
    """A decimal typed in a box ("3.50", "£3.50") times factor, as a whole number: pounds to
    pence (100), kilograms to grams (1000), rounded half up, or refused (the text itself)
    when `exact` and a fraction of the unit is left. None when empty."""
    text = _minus((raw or "").strip().lstrip("£").strip())
    if commas:
        text = text.replace(",", "")
    if text == "":
        return None
    try:
        value = parse_decimal(text, minimum=-INT_MAX // factor, maximum=INT_MAX // factor)
    except ValueError:
        return text
    value *= factor
    if exact and value != value.to_integral_value():
        return text
    return int(value.to_integral_value(ROUND_HALF_UP))


def _minus(text: str) -> str:
    """Text with a typographic minus or dash (as phones and word processors type it) as "-"."""
    return text.replace("\u2212", "-").replace("\u2013", "-")


def pence(raw: str | None, *, exact: bool = False, commas: bool = False) -> int | str | None:
    """Pounds typed as "3.50" or "£3.50", in pence (see `scaled`)."""
    return scaled(raw, 100, exact=exact, commas=commas)


def messages_of(error: Exception) -> Any:
    """The nested messages of a ValidationError, or a domain error's fields."""
    if isinstance(error, ValidationError):
        return error.messages
    return error.fields if isinstance(error, DomainError) else {}


def leaves(messages: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Each message with where it sits, in order: {"lines": {0: {"sku": ["..."]}}} gives
    (("lines", 0, "sku"), "...")."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from leaves(value, (*path, key))
    elif isinstance(messages, list):
        for item in messages:
            yield from leaves(item, path)
    else:
        yield path, str(messages)


def top_field(path: Path) -> str:
    """The form field of a message: the top-level field it sits under."""
    return str(path[0]) if path else FORM


def dotted_field(path: Path) -> str:
    """The form field of a message by its full path: "payment.reason", "basket.fruit"."""
    return ".".join(str(key) for key in path) or FORM


def form_errors(
    error: Exception,
    *,
    field: Callable[[Path], str] = top_field,
    friendly: Callable[[str, str], str] | None = None,
    summary: str | None = FORM,
    refusal_summary: bool = False,
    shown: Mapping[str, Shown] | None = None,
    schema: Schema | None = None,
    line: Callable[[Path], str | None] | None = None,
) -> dict[str, str]:
    """A failed form's errors by field name, after undoing whatever the attempt wrote.

    `field` names the form field of each message's path; `friendly` rewords a message for
    its field. Every message is then said plainly (`plain`) for the field as `shown`
    describes it (by its path without line numbers, "lines.quantity", or its form name),
    with the bounds `schema` gives it; `line` names the line of a multi-line form a path is
    on ("Line 2"), which starts the message. A domain error's own message is added under
    `summary` (None: never) when no field has one, and with `refusal_summary` also when the
    error is a refusal rather than an input problem (any status but 422): beside the one
    field it names, instead of that field's shorter message, so one problem says one thing.
    """
    db.session.rollback()
    errors: dict[str, str] = {}
    for path, message in leaves(messages_of(error)):
        name = field(path)
        if name in errors:
            continue
        text = friendly(name, message) if friendly else message
        described = _shown_for(shown or {}, path, name)
        text = plain(text, described, bounds=_bounds(schema, path))
        where = line(path) if line else None
        errors[name] = f"{where}: {_lower_first(text)}" if where else text
    refused = isinstance(error, DomainError) and (
        not errors or (refusal_summary and error.status != 422)
    )
    if summary is not None and refused:
        if len(errors) == 1 and refusal_summary and errors.keys() != {summary}:
            only = next(iter(errors))
            errors[only] = str(error)
        else:
            errors[summary] = str(error)
    return errors


# --- saying a validation error plainly -------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """How a form shows a field, for its messages: `noun` names it in a sentence ("a
    quantity", "the weight"); `unit` is what the box is in ("£" for money, "kg", "°C",
    "characters"), `scale` how many stored units make one shown (100 pence a pound, 1,000
    grams a kilogram) and `places` the decimals it shows. `low`/`high` are its bounds in
    stored units when no schema gives them; `choice` makes every problem "Choose ...";
    `said` rewords a message the schema or service words its own way."""

    noun: str
    unit: str = ""
    scale: int = 1
    places: int = 0
    low: int | Decimal | None = None
    high: int | Decimal | None = None
    choice: bool = False
    example: str = ""
    said: Mapping[str, str] = field(default_factory=dict)

    def amount(self, stored: int | Decimal | float) -> str:
        """A stored value as the box shows it: 150000 pence "£1,500.00", 10000000 g
        "10,000 kg"."""
        value = Decimal(str(stored)) / self.scale
        number = f"{value:,.{self.places}f}"
        if self.unit == "£":
            return f"£{number}" if value >= 0 else f"-£{number[1:]}"
        if self.unit in ("", "characters"):
            return number
        return f"{number} {self.unit}"


MONEY: dict[str, Any] = {"unit": "£", "scale": 100, "places": 2}
KILOGRAMS: dict[str, Any] = {"unit": "kg", "scale": 1000}
# A field no form describes: said as "a number", "an option", "this".
_ANY = Shown("a value")

_NUMBER = r"(-?[0-9][0-9,]*(?:\.[0-9]+)?)"
_RANGE = re.compile(
    rf"Must be greater than or equal to {_NUMBER} and less than or equal to {_NUMBER}\."
)
_AT_LEAST = re.compile(rf"Must be greater than or equal to {_NUMBER}\.")
_AT_MOST = re.compile(rf"Must be less than or equal to {_NUMBER}\.")
_ENTER_FROM = re.compile(rf"(?:Enter a number|Use a whole number) from {_NUMBER} to {_NUMBER}\.")
_BETWEEN = re.compile(r"Length must be between ([0-9]+) and ([0-9]+)\.")
_LONGER = re.compile(r"Longer than maximum length ([0-9]+)\.")
_SHORTER = re.compile(r"Shorter than minimum length ([0-9]+)\.")
_NOT_NUMBER = {
    "Not a valid integer.",
    "Not a valid number.",
    "Not a valid decimal.",
    "Enter a number.",
    "Enter a whole number.",
}
_MISSING = {"Missing data for required field.", "Field may not be null.", "Field may not be blank."}
_NOT_CHOICE = ("Must be one of:", "Must be equal to", "Not a valid id.", "Not a valid choice.")
_NOT_DATE = {"Not a valid date.", "Not a valid datetime.", "Not a valid time."}
_NOT_TEXT = {"Not a valid string.", "Invalid input type.", "Not a valid list.", "Invalid value."}
# The schema phrases no page may show (the tests hold every form to it).
SCHEMA_PHRASES = (
    "Must be",
    "Not a valid",
    "Length must be",
    "greater than or equal",
    "less than or equal",
    "Field may not be null",
    "Missing data",
    "Shorter than minimum",
    "Longer than maximum",
    "Unknown field",
    "Invalid input type",
)


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def plain(
    message: str,
    shown: Shown | None = None,
    *,
    bounds: tuple[Any, Any] | None = None,
) -> str:
    """A validation message in words a person understands, for the field as `shown` (see
    `Shown`); `bounds` (stored units) are what the schema allows, said when a number was
    not one. A message in no schema's wording (a service's own) is kept as it is."""
    d = shown or _ANY
    if message in d.said:
        return d.said[message]
    low, high = d.low, d.high
    if bounds is not None and low is None and high is None:
        low, high = bounds
    if d.choice and (
        message in _MISSING or message.startswith(_NOT_CHOICE) or _is_schema_wording(message)
    ):
        return f"Choose {d.noun}."
    noun = d.noun if shown else "a value"
    if message in _MISSING:
        return f"Enter {noun}."
    if message.startswith(_NOT_CHOICE):
        return f"Choose {d.noun if shown else 'one of the options'}."
    if message in _NOT_DATE:
        if shown is None:
            return "Enter a real date, for example 20/11/2026."
        return f"Enter {d.noun} as a real date, for example 20/11/2026."
    if m := (_RANGE.fullmatch(message) or _ENTER_FROM.fullmatch(message)):
        return _between(d, shown, _number(m.group(1)), _number(m.group(2)))
    if m := _AT_LEAST.fullmatch(message):
        return _between(d, shown, _number(m.group(1)), None)
    if m := _AT_MOST.fullmatch(message):
        return _between(d, shown, None, _number(m.group(1)))
    if message in _NOT_NUMBER or message.startswith("Use a whole number from"):
        if low is not None or high is not None:
            return _between(d, shown, low, high)
        if shown is None:
            return "Enter a number."
        example = f", for example {d.example}" if d.example else ""
        unit = f" in {d.unit}" if d.unit and d.unit != "characters" else ""
        return f"Enter {d.noun}{unit} as a number{example}."
    if m := _BETWEEN.fullmatch(message):
        least, most = int(m.group(1)), int(m.group(2))
        if shown is None:
            return f"Use {least:,} to {most:,} characters."
        if least <= 1:
            return f"Enter {noun}, up to {most:,} characters."
        return f"Enter {noun} of {least:,} to {most:,} characters."
    if m := _LONGER.fullmatch(message):
        most = int(m.group(1))
        return (
            f"Use up to {most:,} characters for {noun}."
            if shown
            else (f"Use up to {most:,} characters.")
        )
    if m := _SHORTER.fullmatch(message):
        least = int(m.group(1))
        return (
            f"Enter {noun} of at least {least:,} characters."
            if shown
            else (f"Use at least {least:,} characters.")
        )
    if message == "Not a valid email address.":
        return "Enter an email address, for example name@example.org."
    if message == "Not a valid boolean.":
        return "Tick the box, or leave it empty."
    if message == "Unknown field.":
        return "This is not part of the form: leave it out."
    if message in _NOT_TEXT or _is_schema_wording(message):
        return f"Check {noun}: enter it again." if shown else "Check this and enter it again."
    return message


_SCHEMA_WORDING = re.compile(
    r"(Not a valid [a-zA-Z .-]+|Must be .*|Length must be .*|Unknown field|Invalid input type)\.?"
)


def _is_schema_wording(message: str) -> bool:
    """Whether a message is in a schema's own words (a service's may borrow a phrase)."""
    return bool(_SCHEMA_WORDING.fullmatch(message))


def _between(d: Shown, shown: Shown | None, low: Any, high: Any) -> str:
    """ "Enter a quantity from 1 to 100,000." in the field's units."""
    noun = d.noun if shown else "a number"
    fine = Decimal(1).scaleb(-d.places)  # the smallest step the box shows
    if low is not None and high is not None:
        if d.scale > 1 and 0 < Decimal(low) / d.scale < fine:
            return f"Enter {noun} above {d.amount(0)}, up to {d.amount(high)}."
        return f"Enter {noun} from {d.amount(low)} to {d.amount(high)}."
    if low is not None:
        return f"Enter {noun} of {d.amount(low)} or more."
    if high is not None:
        return f"Enter {noun} up to {d.amount(high)}."
    return f"Enter {noun}."


def _lower_first(text: str) -> str:
    """ "Enter a quantity" as it reads after "Line 2: "; "CRATE- codes" kept."""
    word = text.split(" ", 1)[0]
    if len(word) > 1 and word[0].isupper() and word[1:].islower():
        return text[0].lower() + text[1:]
    return text


def _shown_for(shown: Mapping[str, Shown], path: Path, name: str) -> Shown | None:
    """A field's description: by its path without line numbers ("lines.quantity"), its form
    name ("line-3-quantity", "price"), or its own name ("quantity")."""
    keys = [str(key) for key in path if not isinstance(key, int)]
    for key in (".".join(keys), name, keys[-1] if keys else FORM):
        if key in shown:
            return shown[key]
    return None


def _bounds(schema: Schema | None, path: Path) -> tuple[Any, Any] | None:
    """The least and most a schema's field allows (its Range), or None."""
    found = _schema_field(schema, path) if schema is not None else None
    for check in getattr(found, "validators", ()):
        if isinstance(check, validate.Range):
            return check.min, check.max
    if getattr(found, "minimum", None) is not None:
        return getattr(found, "minimum", None), getattr(found, "maximum", None)
    return None


def _schema_field(schema: Schema, path: Path) -> fields.Field[Any] | None:
    current: Schema | None = schema
    found: fields.Field[Any] | None = None
    for key in path:
        if isinstance(key, int):
            continue
        if found is not None:
            while isinstance(found, fields.List):
                found = found.inner
            current = found.schema if isinstance(found, fields.Nested) else None
        if current is None:
            return None
        found = current.fields.get(str(key))
        if found is None:
            return None
    while isinstance(found, fields.List):
        found = found.inner
    return found


def form_page(template: str, errors: Mapping[str, str], **context: Any) -> tuple[str, int]:
    """A form's page with its errors (if any) beside their fields: 422 when it shows any."""
    return render_template(template, errors=errors, **context), 422 if errors else 200


def commit_and_redirect(message: str, location: str) -> Response:
    """A form's change done: commit it (the one commit of the request), say so on the next
    page, and go there (303, so reloading it does not post the form again)."""
    db.session.commit()
    flash(message, "info")
    return redirect(location, 303)
