"""How the API writes values: ISO 8601 dates everywhere, and computed fields that keep a type.

Flask's default JSON provider writes a `date` as an HTTP date ("Tue, 06 Oct 2026 00:00:00
GMT"); the API promises `YYYY-MM-DD`. The provider below writes dates as `YYYY-MM-DD` and
timestamps as ISO 8601 with their UTC offset, whatever code returned them. Output schemas
still dump through typed fields (`Computed` for a value worked out by a function), so that
the OpenAPI document can say what each field is.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema, fields
from marshmallow.utils import get_value


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, with dates as YYYY-MM-DD and timestamps as ISO 8601 with offset."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            # Stored timestamps are UTC (models.UTCDateTime); a naive one can only be UTC too.
            return (o if o.tzinfo is not None else o.replace(tzinfo=UTC)).isoformat()
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class Computed(fields.Field[Any]):
    """A read-only value worked out from the object by `get`, written as `as_field` writes it.

    `Computed(lambda p: p.limit.next_visit_from, fields.Date(allow_none=True))` sends the date
    as YYYY-MM-DD, and the OpenAPI document types the field as `as_field` (openapi.py). Use a
    dotted `attribute=` on a plain field where the value is simply read ("member.first_name").
    """

    _CHECK_ATTRIBUTE = False

    def __init__(
        self, get: Callable[[Any], Any], as_field: fields.Field[Any], **kwargs: Any
    ) -> None:
        super().__init__(dump_only=True, **kwargs)
        self.get = get
        self.as_field = as_field

    def _bind_to_schema(self, field_name: str, parent: Schema | fields.Field[Any]) -> None:
        super()._bind_to_schema(field_name, parent)
        self.as_field = copy.deepcopy(self.as_field)
        self.as_field._bind_to_schema(field_name, self)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        result = self.get(obj)
        if result is None:
            return None
        return self.as_field._serialize(result, attr, obj, **kwargs)


class ObjectOut(Schema):
    """An output schema of objects: a plain attribute is read off an object with `getattr`,
    where marshmallow's accessor takes two calls more for each field (the hot answers: a
    check-in's). Anything with items (a dict, a row) or a dotted path goes the way marshmallow
    reads it, items first."""

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if "." in attr or hasattr(obj, "__getitem__"):
            return get_value(obj, attr, default)
        return getattr(obj, attr, default)


class PageOut(Schema):
    """A page of results: each page's schema declares its `items`; `next` is the cursor of the
    page after it, null on the last."""

    next = fields.String(allow_none=True)
