"""Web-layer helpers shared by every blueprint: API docs metadata, JSON input, pagination."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from marshmallow import Schema, fields, validate
from sqlalchemy import Select
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from supermarket.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def api_doc(
    summary: str,
    *,
    body: type[Schema] | Schema | None = None,
    body_required: bool = True,
    query: type[Schema] | Schema | None = None,
    responses: dict[int, type[Schema] | Schema | str] | None = None,
    tag: str | None = None,
) -> Callable[[F], F]:
    """Describe an API endpoint for the OpenAPI document (a test requires one per route)."""

    def decorate(fn: F) -> F:
        fn._openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "body": body,
            "body_required": body_required,
            "query": query,
            "responses": responses or {200: "OK"},
            "tag": tag,
        }
        return fn

    return decorate


def limit_field() -> fields.Integer:
    """The `limit` query parameter of a list, as page_limit() enforces it."""
    return fields.Integer(
        load_default=PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, 1 to {MAX_PAGE_SIZE}"},
    )


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400 the error handler turns into the envelope."""
    if not request.is_json:
        raise UnsupportedMediaType("Send JSON with Content-Type: application/json.")
    try:
        data = json.loads(request.get_data(as_text=True) or "null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error) as exc:
        raise BadRequest("The cursor is not valid.") from exc


def page_limit() -> int:
    raw = request.args.get("limit", "")
    if not raw:
        return PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}.")
    return int(raw)


def keyset_page(
    stmt: Select[Any], id_column: Any, *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """One page of a list ordered by id, and the cursor for the next (None at the end)."""
    after = decode_cursor(cursor)
    if after is not None:
        if not isinstance(after, int):
            raise BadRequest("The cursor is not valid.")
        stmt = stmt.where(id_column > after)
    rows = list(db.session.scalars(stmt.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].id) if more and rows else None
    return rows, next_cursor
