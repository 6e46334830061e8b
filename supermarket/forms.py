"""The web-form adapter every HTML view shares: typed text in, one message per field out.

- `whole` and `scaled` / `pence` turn what a person typed into the numbers a schema or a
  service takes. Text that is not a number is passed on as it is, so the schema (or the
  service) refuses it beside its own field with its own message.
- `form_errors` turns a marshmallow ValidationError, or a domain error a view catches, into
  {form field: message} for the template, after undoing whatever the attempt wrote. Each
  field shows its first message; a domain error's own message shows as the form's message
  when it names no field.

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

from collections.abc import Callable, Iterator, Mapping
from decimal import ROUND_HALF_UP
from typing import Any

from flask import flash, redirect, render_template
from marshmallow import ValidationError
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
    text = (raw or "").strip()
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
    text = (raw or "").strip().lstrip("£").strip()
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
) -> dict[str, str]:
    """A failed form's errors by field name, after undoing whatever the attempt wrote.

    `field` names the form field of each message's path; `friendly` rewords a message for
    its field. A domain error's own message is added under `summary` (None: never) when no
    field has one, and with `refusal_summary` also when the error is a refusal rather than an
    input problem (any status but 422), whatever its fields say.
    """
    db.session.rollback()
    errors: dict[str, str] = {}
    for path, message in leaves(messages_of(error)):
        name = field(path)
        if name not in errors:
            errors[name] = friendly(name, message) if friendly else message
    refused = isinstance(error, DomainError) and (
        not errors or (refusal_summary and error.status != 422)
    )
    if summary is not None and refused:
        errors[summary] = str(error)
    return errors


def form_page(template: str, errors: Mapping[str, str], **context: Any) -> tuple[str, int]:
    """A form's page with its errors (if any) beside their fields: 422 when it shows any."""
    return render_template(template, errors=errors, **context), 422 if errors else 200


def commit_and_redirect(message: str, location: str) -> Response:
    """A form's change done: commit it (the one commit of the request), say so on the next
    page, and go there (303, so reloading it does not post the form again)."""
    db.session.commit()
    flash(message, "info")
    return redirect(location, 303)
