"""No input is a 500: every field of every load schema, every id in a path, every cursor, every
JSON body and every query string is held to the rules in supermarket.inputs, and answers a 4xx
with the error envelope (API) or a plain page (HTML) — on SQLite and PostgreSQL alike.

The tests walk the code rather than list cases: the schemas found in the package, the rules in
the app's url_map and their documented bodies, so a new field or route is covered the day it
is added.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import func, select

import supermarket
from supermarket.extensions import db
from supermarket.http import MAX_JSON_DEPTH, encode_cursor
from supermarket.inputs import INT_MAX
from supermarket.members import services as members
from supermarket.members.schemas import MemberIn
from supermarket.support.agency_models import ReferralAgency
from tests.conftest import csrf_token

TOO_BIG = [2**31, 2**63, 10**30]
NUL = "a\x00b"
# A text field may refuse NUL for its own reason (a choice, a pattern), never accept it.
NUMBERS = ["NaN", "Infinity", "-Infinity", "1e28", "-1.8e308", "1e400"]


# --- every load schema's fields -------------------------------------------------------------


def _load_schemas() -> list[type[Schema]]:
    """Every schema the package defines for input: by the house's naming, all but ...Out."""
    for info in pkgutil.walk_packages(supermarket.__path__, "supermarket."):
        importlib.import_module(info.name)
    found: dict[str, type[Schema]] = {}
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("supermarket.") and not cls.__name__.endswith(
            ("Out", "Answer")
        ):
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


LOAD_SCHEMAS = _load_schemas()
# Values checked by their service against a fixed list (survey answers), never stored as
# typed; JSON bodies are held to the text rules before any schema (see the API tests).
RAW_ALLOWED = {"SurveyIn.answers.k"}


def _leaves(schema: Schema, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, field) for every leaf of a schema; list items at index 0, dict keys as the
    marker KEY and dict values under the key "k"."""
    for name, field in schema.load_fields.items():
        yield from _field_leaves(field, (*path, field.data_key or name))


KEY = object()


def _field_leaves(field: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(field, fields.Nested):
        yield from _leaves(field.schema, path)
    elif isinstance(field, fields.List):
        yield from _field_leaves(field.inner, (*path, 0))
    elif isinstance(field, fields.Dict):
        if field.key_field is not None:
            yield (*path, KEY), field.key_field
        if field.value_field is not None:
            yield from _field_leaves(field.value_field, (*path, "k"))
    else:
        yield path, field


def _body(path: tuple[Any, ...], value: Any) -> Any:
    """The smallest input that puts value at path."""
    head, rest = path[0], path[1:]
    if head is KEY:
        return {value: 1}
    inner = _body(rest, value) if rest else value
    return [inner] if head == 0 else {head: inner}


def _error_at(messages: Any, path: tuple[Any, ...], value: Any) -> bool:
    """Whether a marshmallow error sits at path (dict keys' errors under "key", values' under
    "value")."""
    node = messages
    for step in path:
        if step is KEY:
            return isinstance(node, dict) and "key" in node.get(value, {})
        if not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return bool(node)


KINDS: dict[str, Any] = {
    "text": fields.String,
    "int": fields.Integer,
    "number": (fields.Float, fields.Decimal),
}
# Dates and date-times are parsed by a strict ISO 8601 pattern (four-digit years), so what
# they take is bounded as the database holds it.
CHECKED = (
    fields.String,
    fields.Integer,
    fields.Float,
    fields.Decimal,
    fields.Boolean,
    fields.Date,
    fields.DateTime,
)


def _cases(kind: str) -> list[Any]:
    cases = []
    for cls in LOAD_SCHEMAS:
        for path, field in _leaves(cls()):
            label = f"{cls.__name__}.{'.'.join(str(p) for p in path if p is not KEY)}"
            if kind == "other":
                if not isinstance(field, CHECKED):
                    cases.append(pytest.param(label, id=label))
            elif isinstance(field, KINDS[kind]):
                cases.append(pytest.param(cls, path, id=label))
    return cases


def test_the_walk_finds_the_load_schemas():
    names = {cls.__name__ for cls in LOAD_SCHEMAS}
    assert {"CheckInIn", "DonationIn", "MemberIn", "TemperatureIn", "SiteSettingsSchema"} <= names
    assert not any(name.endswith("Out") for name in names)


def _load(cls: type[Schema], data: Any) -> Any:
    try:
        cls().load(data, partial=True)
    except ValidationError as error:
        return error.messages
    return {}


@pytest.mark.parametrize(("cls", "path"), _cases("text"))
def test_every_text_field_refuses_nul(cls, path):
    assert _error_at(_load(cls, _body(path, NUL)), path, NUL)


@pytest.mark.parametrize(("cls", "path"), _cases("text"))
def test_every_text_field_refuses_a_lone_surrogate(cls, path):
    assert _error_at(_load(cls, _body(path, "a\ud800")), path, "a\ud800")


@pytest.mark.parametrize(("cls", "path"), _cases("int"))
@pytest.mark.parametrize("big", [2**31, 2**63, -(2**31) - 1, -(2**63)])
def test_every_integer_field_refuses_what_the_database_cannot_hold(cls, path, big):
    assert _error_at(_load(cls, _body(path, big)), path, big)


@pytest.mark.parametrize(("cls", "path"), _cases("number"))
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.8e308, 1e28, *NUMBERS])
def test_every_number_field_refuses_nan_infinity_and_huge_values(cls, path, value):
    assert _error_at(_load(cls, _body(path, value)), path, value)


@pytest.mark.parametrize("label", _cases("other"))
def test_no_load_schema_takes_unchecked_values(label):
    assert label in RAW_ALLOWED


def test_the_number_fields_found_include_the_fridge_reading():
    labels = [p.id for p in _cases("number")]
    assert "TemperatureIn.celsius" in labels


# --- every route, over HTTP -----------------------------------------------------------------

WRITE = {"POST", "PUT", "PATCH", "DELETE"}
_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
# Who calls each route: the first of these its roles allow.
ROLE_ORDER = ("site_manager", "admin", "programme_lead", "volunteer", "referrer")


class World:
    """A site with a member, and a signed-in client and an API token for each role."""

    def __init__(self, app: Flask, make_site, make_user, token_for, login_as) -> None:
        self.app = app
        self.site = make_site(code="lim")
        self.users = {
            role: make_user(
                role, sites=[self.site] if role in ("volunteer", "site_manager") else []
            )
            for role in ROLE_ORDER
        }
        # The referrer's agency refers households to the site.
        agency = db.session.get(ReferralAgency, self.users["referrer"].agency_id)
        agency.sites = [self.site]
        manager = self.users["site_manager"]
        data = MemberIn().load(
            {
                "first_name": "Tasha",
                "last_name": "Okafor",
                "date_of_birth": "1988-04-12",
                "postcode": "CM20 1AB",
                "household": {"adults": 1},
                "eligibility": {"route": "self_declared"},
                "consents": {"privacy_notice_given": True},
            }
        )
        self.member = members.register_member(self.site, data, actor=manager).member
        db.session.commit()
        self.number = self.member.membership_number
        self.tokens = {role: token_for(user) for role, user in self.users.items()}
        self.clients = {role: login_as(user) for role, user in self.users.items()}
        self.csrf = {role: csrf_token(c, "/account") for role, c in self.clients.items()}

    def role_for(self, rule: Any) -> str:
        allowed = {str(getattr(r, "value", r)) for r in getattr(self.view(rule), "_roles", ())}
        return next((r for r in ROLE_ORDER if r in allowed), "admin")

    def view(self, rule: Any) -> Any:
        return self.app.view_functions[rule.endpoint]

    def url(self, rule: Any, *, ints: Any = 1, text_arg: str | None = None) -> str:
        def fill(match: re.Match[str]) -> str:
            converter, name = match.group(1) or "default", match.group(2)
            if converter == "int":
                return str(ints)
            if text_arg is not None:
                return text_arg
            return {"code": self.site.code, "number": self.number, "kind": "survey"}.get(name, "x1")

        return _ARG.sub(fill, rule.rule)

    def call(self, rule: Any, method: str, url: str | None = None, **kwargs: Any) -> Any:
        role = self.role_for(rule)
        url = url or self.url(rule)
        if rule.rule.startswith("/api/"):
            headers = {**self.tokens[role], **kwargs.pop("headers", {})}
            return self.clients[role].open(url, method=method, headers=headers, **kwargs)
        if method in WRITE and "data" in kwargs and isinstance(kwargs["data"], dict):
            kwargs["data"] = {"csrf_token": self.csrf[role], **kwargs["data"]}
        return self.clients[role].open(url, method=method, **kwargs)


@pytest.fixture
def world(app, make_site, make_user, token_for) -> World:
    from tests.conftest import PASSWORD, Client

    def login_as(user):
        app.test_client_class = Client
        client = app.test_client()
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 303
        return client

    return World(app, make_site, make_user, token_for, login_as)


def _rules(app: Flask, *, api: bool | None = None, methods: set[str] | None = None) -> list[Any]:
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or getattr(view, "_public", False):
            continue
        if api is not None and rule.rule.startswith("/api/") != api:
            continue
        if methods and not (rule.methods or set()) & methods:
            continue
        out.append(rule)
    return out


def _methods(rule: Any) -> list[str]:
    return sorted((rule.methods or set()) & ({"GET"} | WRITE))


def _row_count() -> int:
    db.session.expire_all()
    return sum(
        db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
        if table.name != "audit_events"
    )


def _is_envelope(response: Any, status: int | tuple[int, ...]) -> bool:
    statuses = status if isinstance(status, tuple) else (status,)
    body = response.get_json(silent=True) or {}
    return response.status_code in statuses and {"code", "message", "fields"} <= set(
        body.get("error", {})
    )


def test_every_id_in_a_path_past_what_the_database_holds_is_a_404(app, world):
    ruled = [r for r in _rules(app) if "<int:" in r.rule]
    assert len(ruled) >= 20
    failures = []
    for rule in ruled:
        for big in TOO_BIG:
            for method in _methods(rule):
                kwargs = {"json": {}} if rule.rule.startswith("/api/") else {"data": {}}
                response = world.call(rule, method, world.url(rule, ints=big), **kwargs)
                if response.status_code != 404:
                    failures.append((method, rule.rule, big, response.status_code))
    assert failures == []


def test_the_largest_id_the_database_holds_is_looked_up(world):
    response = world.clients["site_manager"].get(
        f"/api/v1/sites/lim/donations/{INT_MAX}", headers=world.tokens["site_manager"]
    )
    assert response.status_code == 404
    assert response.json["error"]["code"] == "donation_not_found"  # the service said so


def _cursor_routes(app: Flask) -> list[Any]:
    routes = []
    for rule in _rules(app, api=True, methods={"GET"}):
        query = getattr(app.view_functions[rule.endpoint], "_openapi", {}).get("query")
        if (
            query is not None
            and "cursor" in (query if isinstance(query, Schema) else query()).fields
        ):
            routes.append(rule)
    return routes


BAD_CURSORS = [
    encode_cursor(2**31),
    encode_cursor(2**63),
    encode_cursor(-(2**63)),
    encode_cursor(1e400),
    encode_cursor("a\x00b"),
    encode_cursor([0, "a\x00", "b", 1]),
    encode_cursor([0, "a\ud800", "b", 1]),
    encode_cursor([0, "a", "b", 2**63]),
    encode_cursor([0, "a", 2**31]),
    "W" * 10 + "%%%",
    encode_cursor("x").replace("I", "\u00e9"),
]


def _deep_cursor() -> str:
    import base64

    raw = ("[" * 100_000 + "]" * 100_000).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_every_cursor_past_what_the_database_holds_is_refused(app, world):
    routes = _cursor_routes(app)
    assert len(routes) >= 8
    failures = []
    for rule in routes:
        for cursor in [*BAD_CURSORS, _deep_cursor()]:
            response = world.call(rule, "GET", world.url(rule), query_string={"cursor": cursor})
            if not _is_envelope(response, (400, 422)):
                failures.append((rule.rule, cursor[:30], response.status_code))
    assert failures == []


def test_the_members_page_refuses_a_bad_cursor_plainly(world):
    client = world.clients["site_manager"]
    for cursor in [*BAD_CURSORS, _deep_cursor()]:
        response = client.get("/members", query_string={"q": "oka", "cursor": cursor})
        assert response.status_code in (303, 400, 422), cursor


def test_every_route_refuses_nul_in_the_query_string(app, world):
    failures = []
    for rule in _rules(app):
        for method in _methods(rule):
            response = world.call(
                rule,
                method,
                world.url(rule) + "?q=a%00b",
                **({"json": {}} if method in WRITE else {}),
            )
            if rule.rule.startswith("/api/"):
                ok = _is_envelope(response, 422) and "q" in response.json["error"]["fields"]
            else:
                ok = response.status_code == 400 and "not allowed" in response.get_data(
                    as_text=True
                )
            if not ok:
                failures.append((method, rule.rule, response.status_code))
    assert failures == []


def test_every_text_segment_of_a_path_refuses_nul(app, world):
    failures = []
    for rule in _rules(app):
        if not re.search(r"<(?!int)", rule.rule):
            continue
        for method in _methods(rule):
            url = world.url(rule, text_arg="a%00b")
            response = world.call(rule, method, url, **({"json": {}} if method in WRITE else {}))
            if response.status_code != 404:
                failures.append((method, rule.rule, response.status_code))
    assert failures == []


def test_a_header_with_nul_is_refused(world):
    response = world.clients["site_manager"].get(
        "/api/v1/me", headers={**world.tokens["site_manager"], "X-Note": "a\x00b"}
    )
    assert _is_envelope(response, 400)


def test_a_cookie_with_nul_is_refused_even_at_sign_in(app):
    # A quoted cookie value unescapes octal: this one reaches the app as "a\x00b".
    response = app.test_client(use_cookies=False).post(
        "/login",
        data={"email": "x@example.org", "password": "x"},
        headers={"Cookie": 'site_code="a\\000b"'},
    )
    assert response.status_code == 400
    assert "cookie" in response.get_data(as_text=True)


def _body_routes(app: Flask) -> list[tuple[Any, str, Schema]]:
    found = []
    for rule in _rules(app, api=True, methods=WRITE):
        body = getattr(app.view_functions[rule.endpoint], "_openapi", {}).get("body")
        if body is None:
            continue
        schema = body if isinstance(body, Schema) else body()
        for method in _methods(rule):
            if method in WRITE:
                found.append((rule, method, schema))
    return found


def _sample(schema: Schema, leaf: Any) -> dict[str, Any]:
    """A body with every leaf of the schema filled by leaf(path, field)."""
    body: dict[str, Any] = {}
    for path, field in _leaves(schema):
        value = leaf(path, field)
        if value is _SKIP:
            continue
        node: Any = body
        for step, following in zip(path, (*path[1:], None), strict=True):
            if following is None:
                if step is KEY:
                    node[value] = 1
                elif isinstance(node, list):
                    node.append(value)
                else:
                    node[step] = value
                break
            if following is KEY:
                node = node.setdefault(step, {})
                continue
            container: Any = [] if following == 0 else {}
            if isinstance(node, list):
                if not node:
                    node.append(container)
                node = node[0]
            else:
                node = node.setdefault(step, container)
    return body


_SKIP = object()


def test_every_json_body_refuses_nul_in_any_text_and_changes_nothing(app, world):
    routes = _body_routes(app)
    assert len(routes) >= 20
    before = _row_count()
    failures = []
    for rule, method, schema in routes:
        body = _sample(
            schema,
            lambda path, field: NUL if isinstance(field, fields.String) else _SKIP,
        )
        if not body:
            continue
        response = world.call(rule, method, json=body)
        if not _is_envelope(response, 422):
            failures.append((method, rule.rule, response.status_code))
    assert failures == []
    assert _row_count() == before


def test_every_json_body_refuses_non_numbers_and_changes_nothing(app, world):
    before = _row_count()
    failures = []
    for rule, method, schema in _body_routes(app):
        numeric = [
            path
            for path, field in _leaves(schema)
            if isinstance(field, (fields.Integer, fields.Float, fields.Decimal)) and KEY not in path
        ]
        for path in numeric:
            for literal in ("NaN", "Infinity", "-Infinity", "1e400", "-1.8e308"):
                body = _sample(schema, lambda p, f, path=path: "@@" if p == path else _SKIP)
                raw = __import__("json").dumps(body).replace('"@@"', literal)
                response = world.call(rule, method, data=raw, content_type="application/json")
                if not _is_envelope(response, 422):
                    failures.append((method, rule.rule, path, literal, response.status_code))
    assert failures == []
    assert _row_count() == before


def test_every_json_body_refuses_deep_nesting(app, world):
    failures = []
    for rule, method, _schema in _body_routes(app):
        for body in (
            '{"a": ' + "[" * 1000 + "]" * 1000 + "}",
            '{"a": ' + '{"a": ' * 990 + "1" + "}" * 990 + "}",
            '{"a": ' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "}",
        ):
            response = world.call(rule, method, data=body, content_type="application/json")
            if not _is_envelope(response, 400):
                failures.append((method, rule.rule, len(body), response.status_code))
    assert failures == []


def test_a_fridge_reading_that_is_no_reading_is_refused_by_api_and_page(world):
    manager = world.clients["site_manager"]
    before = _row_count()
    for literal in ["1e28", "-1.8e308", "NaN", "Infinity", "1e400", '"1e28"', '"NaN"', '"-inf"']:
        raw = '{"unit_name": "Fridge 1", "unit_kind": "fridge", "celsius": ' + literal + "}"
        response = manager.post(
            "/api/v1/sites/lim/temperatures",
            data=raw,
            content_type="application/json",
            headers=world.tokens["site_manager"],
        )
        assert _is_envelope(response, 422), literal
        assert "celsius" in response.json["error"]["fields"], literal
    for typed in ["1e28", "-1.8e308", "NaN", "sNaN", "Infinity", "1e999999999", "4,5", "²"]:
        response = manager.post(
            "/stock/temperatures",
            data={
                "csrf_token": world.csrf["site_manager"],
                "unit_name": "Fridge 1",
                "unit_kind": "fridge",
                "celsius": typed,
            },
        )
        assert response.status_code == 422, typed
        assert "Enter a temperature" in response.get_data(as_text=True), typed
    assert _row_count() == before


# As a server (gunicorn, werkzeug's) passes a chunked body on: no length, the stream ends it.
CHUNKED = {"Transfer-Encoding": "chunked"}


def test_a_streamed_body_over_the_limit_is_a_413_not_a_cut_body(app, world):
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    streamed = {"wsgi.input_terminated": True}
    response = world.clients["admin"].post(
        "/api/v1/sites",
        input_stream=io.BytesIO(big),
        environ_overrides=streamed,
        headers={**world.tokens["admin"], **CHUNKED, "Content-Type": "application/json"},
    )
    assert _is_envelope(response, 413)
    assert response.json["error"]["code"] == "payload_too_large"
    form = b"csrf_token=" + world.csrf["site_manager"].encode() + b"&note=" + big
    response = world.clients["site_manager"].post(
        "/stock/stocktakes",
        input_stream=io.BytesIO(form),
        environ_overrides=streamed,
        headers=CHUNKED,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_a_streamed_body_within_the_limit_is_read_whole(world):
    body = b'{"code": "streamed", "name": "Streamed Site"}'
    response = world.clients["admin"].post(
        "/api/v1/sites",
        input_stream=io.BytesIO(body),
        environ_overrides={"wsgi.input_terminated": True},
        headers={**world.tokens["admin"], **CHUNKED, "Content-Type": "application/json"},
    )
    assert response.status_code == 201


def test_a_catalogue_file_with_numbers_and_text_no_database_holds_is_refused_by_line(world):
    from supermarket.stock.models import Product
    from supermarket.stock.services.product_import import import_products_text

    rows = [
        "sku,name,category,unit_weight_g,reference_price,min_level",
        "OK-1,Fine,ambient,500,0.75,1",
        "PRICE-1,Price,ambient,500,inf,",
        "PRICE-2,Price,ambient,500,1e400,",
        "PRICE-3,Price,ambient,500,NaN,",
        "PRICE-4,Price,ambient,500,1e28,",
        f"WEIGHT-1,Weight,ambient,{2**63},1.00,",
        "WEIGHT-2,Weight,ambient,²,1.00,",
        f"MIN-1,Minimum,ambient,500,1.00,{2**31}",
        "NAME-1,Na\x00me,ambient,500,1.00,",
    ]
    result = import_products_text("\n".join(rows) + "\n", actor=world.users["admin"])
    assert not result.imported
    assert [line for line, _ in result.errors] == list(range(3, 11))
    assert "NUL" in result.errors[-1][1]
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def _query_names() -> set[str]:
    """Every query parameter the app reads: the query schemas' fields and request.args."""
    names = {
        field.data_key or name
        for cls in LOAD_SCHEMAS
        if cls.__name__.endswith("Query")
        for name, field in cls().load_fields.items()
    }
    root = Path(supermarket.__file__).parent
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        names.update(re.findall(r"""args\.get(?:list)?\(\s*["']([a-z_]+)["']""", source))
        names.update(re.findall(r"""parse\(\s*["']([a-z_]+)["']""", source))
    return names


QUERY_PROBES = [
    str(2**63),
    str(2**31),
    "-1",
    "1e28",
    "NaN",
    "²",
    "",
    "99999-12-31",
    "2026-02-30",
    "2026-Q9",
    "x" * 5000,
]


@pytest.mark.slow
def test_every_query_parameter_of_every_get_route_takes_any_value_without_a_500(app, world):
    names = _query_names()
    assert {"q", "cursor", "limit", "period", "from", "to", "date", "status"} <= names
    failures = []
    for rule in _rules(app, methods={"GET"}):
        # An API route with a query schema refuses names it does not know: send its own.
        query = getattr(world.view(rule), "_openapi", {}).get("query")
        if query is not None:
            schema = query if isinstance(query, Schema) else query()
            own = {f.data_key or n for n, f in schema.load_fields.items()} | {"limit"}
        for value in QUERY_PROBES:
            sent = own if query is not None else names
            response = world.call(rule, "GET", query_string=dict.fromkeys(sent, value))
            if response.status_code >= 500:
                failures.append((rule.rule, value[:20], response.status_code))
    assert failures == []
