"""Web-layer helpers shared by every blueprint: API docs metadata, JSON input, pagination, and
the input rules every request is held to before a view sees it (see supermarket.inputs)."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import math
from collections.abc import Callable
from typing import IO, Any, TypeVar, cast

from flask import Flask, Request, Response, current_app, request
from marshmallow import Schema, ValidationError
from sqlalchemy import Select
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.routing import IntegerConverter, Map
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from supermarket.extensions import db
from supermarket.inputs import INT_MAX, MAX_PAGE_SIZE, PAGE_SIZE, fits_int, text_problem

F = TypeVar("F", bound=Callable[..., Any])

# The bodies werkzeug parses into request.form (any other is not a form).
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# No body the API takes nests deeper than a few levels (a site's settings: 4).
MAX_JSON_DEPTH = 32


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


# --- input rules for every request -----------------------------------------------------------


class UnstorableText(BadRequest):
    """Text in a form, query string, header or cookie that no field may hold (a NUL)."""

    show_description = True  # the 400 page says what was wrong


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id the database can hold, else the route does not
    match (404) — 2**63 never reaches a query."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int = INT_MAX):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


class _CappedStream(LimitedStream):
    """A streamed (chunked) body read up to the size limit: reading it whole refuses with 413
    when more follows, where werkzeug would stop at the limit and hand on a cut body."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__(stream, limit, is_max=True)
        self._source = stream

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._source.read(1):
            raise RequestEntityTooLarge()
        return data


class CheckedRequest(Request):
    """The app's request: a streamed body over MAX_CONTENT_LENGTH is a 413, like a long one."""

    @cached_property
    def stream(self) -> IO[bytes]:
        limit = self.max_content_length
        if (
            limit is not None
            and self.content_length is None
            and "wsgi.input_terminated" in self.environ
            and not self.shallow
        ):
            return cast(IO[bytes], _CappedStream(self.environ["wsgi.input"], limit))
        return get_input_stream(self.environ, max_content_length=limit)


def register_input_rules(app: Flask) -> None:
    """Hold every request to the input rules; call before any blueprint is registered (the
    id converter applies to the routes added after it)."""
    app.request_class = CheckedRequest
    app.url_map.converters["int"] = IdConverter
    # First of the request hooks: no loader, check or audit reads the request before it.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unstorable_text)


def refuse_unstorable_text() -> None:
    """No NUL in the path, the query string, a form field, a header or a cookie (JSON bodies
    are held to the same rule by json_body): a 422 naming the field of a query or form for
    the API, else a 400 (pages: a plain page saying why)."""
    if "\x00" in request.path:
        raise NotFound()
    api = request.path.startswith("/api/")
    checked: list[tuple[str, Any]] = [("query", request.args)]
    if request.mimetype in FORM_TYPES:
        checked.append(("form", request.form))
    elif request.environ.get("CONTENT_TYPE"):
        # Only these two are parsed into a form (werkzeug's FormDataParser): a JSON body is
        # left to json_body. Its stream is still opened here, so an oversized body is a 413
        # before anything else, as when the (empty) form was read.
        request.stream  # noqa: B018
    for where, values in checked:
        for name, value in values.items(multi=True):
            problem = text_problem(name) or text_problem(value)
            if problem is None:
                continue
            if api:
                raise ValidationError({name: [problem]})
            raise UnstorableText(
                f"A {'form field' if where == 'form' else 'search or address'} held a "
                "character that is not allowed (NUL). Go back and type it again."
            )
    if any("\x00" in value for value in request.environ.values() if isinstance(value, str)):
        # Rare: only then are the headers (the environ's HTTP_* and CONTENT_* keys) named.
        for name, value in request.headers.items():
            if "\x00" in value:
                raise UnstorableText(
                    f"The {name} header holds a character that is not allowed (NUL)."
                )
    for name, value in request.cookies.items(multi=True):  # "a\000b" in quotes unescapes
        if text_problem(name) or text_problem(value):
            raise UnstorableText("A cookie holds a character that is not allowed (NUL).")


# --- JSON bodies -----------------------------------------------------------------------------


class _NotANumber:
    """Where the body held NaN, Infinity or a number too large for a float: reported by
    _problems against its field, as JSON has no such numbers."""

    def __init__(self, text: str) -> None:
        self.text = text[:40]


def _finite_float(text: str) -> float | _NotANumber:
    value = float(text)
    return value if math.isfinite(value) else _NotANumber(text)


def _problems(data: Any) -> dict[Any, Any]:
    """Marshmallow-shaped errors ({"lines": {0: {"sku": [...]}}}) for every string, key or
    number the database cannot hold; BadRequest if the body nests deeper than MAX_JSON_DEPTH."""
    errors: dict[Any, Any] = {}
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_JSON_DEPTH:
            raise BadRequest(f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, dict):
            for key, inner in value.items():
                problem = text_problem(key)
                if problem:
                    _put(errors, (*path, key), problem)
                stack.append((inner, (*path, key)))
        elif isinstance(value, list):
            stack.extend((inner, (*path, i)) for i, inner in enumerate(value))
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem:
                _put(errors, path, problem)
        elif isinstance(value, _NotANumber):
            _put(errors, path, f"{value.text} is not a number this field can hold.")
    return errors


def _put(errors: dict[Any, Any], path: tuple[Any, ...], message: str) -> None:
    for key in path[:-1]:
        inner = errors.setdefault(key, {})
        if not isinstance(inner, dict):
            return
        errors = inner
    errors.setdefault(path[-1], [message])


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400/422 the error handler turns into the envelope.

    A body nested deeper than MAX_JSON_DEPTH is refused (400); NaN, Infinity, a number too
    large for a float and text the database cannot hold are a 422 naming the field."""
    if not request.is_json:
        raise UnsupportedMediaType("Send JSON with Content-Type: application/json.")
    try:
        data = json.loads(
            request.get_data(as_text=True) or "null",
            parse_constant=_NotANumber,
            parse_float=_finite_float,
        )
    except RecursionError as exc:
        raise BadRequest(f"The body nests deeper than {MAX_JSON_DEPTH} levels.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    errors = _problems(data)
    if errors:
        raise ValidationError(errors)
    return data


# --- pages of lists --------------------------------------------------------------------------


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise BadRequest("The cursor is not valid.") from exc
    return value


def page_limit() -> int:
    raw = request.args.get("limit", "")
    if not raw:
        return PAGE_SIZE
    digits = raw.isascii() and raw.isdigit() and len(raw) <= 3
    if not digits or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}.")
    return int(raw)


def keyset_page(
    stmt: Select[Any], id_column: Any, *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """One page of a list ordered by id, and the cursor for the next (None at the end)."""
    after = decode_cursor(cursor)
    if after is not None:
        if not fits_int(after):
            raise BadRequest("The cursor is not valid.")
        stmt = stmt.where(id_column > after)
    rows = list(db.session.scalars(stmt.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].id) if more and rows else None
    return rows, next_cursor


# Answers smaller than this are sent as they are: gzip's own overhead is not worth it.
GZIP_FROM_BYTES = 1024


def json_gzipped(data: Any) -> Response:
    """A JSON answer, gzip-compressed when the client accepts it and it is big enough: for
    large answers to tablets on guest Wi-Fi or a phone's hotspot (the offline roster). Only
    for answers that reflect nothing the caller sent, so compression reveals no secret."""
    response = current_app.response_class(current_app.json.dumps(data), mimetype="application/json")
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if len(body) >= GZIP_FROM_BYTES and request.accept_encodings["gzip"]:
        response.set_data(gzip.compress(body, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
    return response
