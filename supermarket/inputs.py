"""What any input may hold, decided once for every way in (JSON, forms, query strings, paths,
cursors, CSV files): the field types every load schema is built from, and the number parser
the forms share.

- A whole number fits a signed 32-bit integer, the narrowest integer column the app stores
  on either database (PostgreSQL's INTEGER; SQLite's are 64-bit). Ids, counts, money and
  cursors alike: a number past it is refused as input, never an overflow in the database.
- A number with a fraction is finite (no NaN, no infinity) and within its field's bounds.
- Text holds no NUL, which PostgreSQL can neither store nor compare, and no lone surrogate,
  which neither database can encode.
"""

from __future__ import annotations

import decimal
import re
from typing import Any

from marshmallow import ValidationError, fields, validate

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

# A list's page: `limit` items, 50 unless asked, never more than 200.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

_WHOLE = re.compile(r"[+-]?[0-9]{1,10}")

NUL_MESSAGE = "Remove the NUL character (\\u0000): text cannot hold it."
SURROGATE_MESSAGE = "Remove the invalid characters (an unpaired surrogate)."


def fits_int(value: object) -> bool:
    """Whether value is a whole number (not a boolean) that the database can hold."""
    return type(value) is int and INT_MIN <= value <= INT_MAX


def text_problem(text: str) -> str | None:
    """Why text cannot be stored or searched for, or None when it can."""
    if "\x00" in text:
        return NUL_MESSAGE
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE_MESSAGE
    return None


def whole_number(text: str) -> int | None:
    """A whole number as typed in a form or a CSV cell ("12", "-3"), or None when the text is
    not one the database can hold ("²", "1e3", "99999999999")."""
    text = text.strip()
    if not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else None


def parse_decimal(
    raw: object, *, minimum: decimal.Decimal | int, maximum: decimal.Decimal | int
) -> decimal.Decimal:
    """A finite number from minimum to maximum, from a JSON number or typed text; ValueError
    (with a message for the user) for anything else: NaN, infinity, 1e28, "", words."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, decimal.Decimal)):
        raise ValueError("Enter a number.")
    try:
        number = decimal.Decimal(str(raw).strip())
    except decimal.InvalidOperation:
        raise ValueError("Enter a number.") from None
    if not number.is_finite() or not minimum <= number <= maximum:
        raise ValueError(f"Enter a number from {minimum} to {maximum}.")
    return number


class _StorableText:
    """Refuses text the database cannot hold (see the module's rules)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)  # type: ignore[misc]
        problem = text_problem(text)
        if problem:
            raise ValidationError(problem)
        return text


class Str(_StorableText, fields.String):
    """Text for a load schema: a string without NUL or lone surrogates."""


class Email(_StorableText, fields.Email):
    """An email address for a load schema, held to the same rules as Str."""


class Int(fields.Integer):
    """A whole number for a load schema, within a signed 32-bit integer whatever else its
    validators allow (pass strict=True where it must arrive as a JSON number)."""

    # marshmallow merges these with its own per class (hence a plain class attribute).
    default_error_messages = {  # noqa: RUF012
        "out_of_bounds": f"Use a whole number from {INT_MIN:,} to {INT_MAX:,}.",
    }

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if not INT_MIN <= number <= INT_MAX:
            raise self.make_error("out_of_bounds")
        return number


class Id(Int):
    """The id of a row (a donor, a batch, a line): a positive whole number, as a JSON number."""

    default_error_messages = {"out_of_bounds": "Not a valid id."}  # noqa: RUF012

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if number < 1:
            raise self.make_error("out_of_bounds")
        return number


class Decimal(fields.Decimal):
    """A finite number from minimum to maximum (a JSON number or a numeric string)."""

    def __init__(
        self,
        *,
        minimum: decimal.Decimal | int,
        maximum: decimal.Decimal | int,
        places: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(places=places, allow_nan=False, **kwargs)
        self.minimum = decimal.Decimal(minimum)
        self.maximum = decimal.Decimal(maximum)

    def _validated(self, value: Any) -> decimal.Decimal:
        try:
            number = parse_decimal(value, minimum=self.minimum, maximum=self.maximum)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if self.places is not None:
            number = number.quantize(self.places, rounding=self.rounding)
        return number


def limit_field() -> Int:
    """The `limit` query parameter of a list, as `http.page_limit()` enforces it."""
    return Int(
        load_default=PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, 1 to {MAX_PAGE_SIZE}"},
    )
