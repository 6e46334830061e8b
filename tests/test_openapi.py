"""The OpenAPI description covers every API route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any


def test_every_api_route_is_in_the_openapi_document(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "openapi.openapi_json":
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", f"{{{name}}}").replace(f"<int:{name}>", f"{{{name}}}")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_documented_operations_describe_errors_with_the_envelope(client):
    spec = client.get("/api/v1/openapi.json").json
    assert "Error" in spec["components"]["schemas"]
    me = spec["paths"]["/api/v1/me"]["get"]
    ref = me["responses"]["401"]["$ref"].rsplit("/", 1)[-1]
    unauthenticated = spec["components"]["responses"][ref]
    assert unauthenticated["content"]["application/json"]["schema"]["$ref"].endswith("Error")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


# --- the document says what the API does ------------------------------------------------

TYPED = ("type", "$ref", "oneOf", "anyOf", "allOf")


def _untyped(node: dict[str, Any], where: str) -> Iterator[str]:
    """Every schema under node (properties, items, map values, alternatives) with no type."""
    if not any(key in node for key in TYPED):
        yield where
    for name, sub in node.get("properties", {}).items():
        yield from _untyped(sub, f"{where}.{name}")
    for key, suffix in (("items", "[]"), ("additionalProperties", "{}")):
        if isinstance(node.get(key), dict):
            yield from _untyped(node[key], where + suffix)
    for key in ("oneOf", "anyOf", "allOf"):
        for i, sub in enumerate(node.get(key, [])):
            yield from _untyped(sub, f"{where}|{key}[{i}]")


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield path, method.upper(), op


def test_every_field_of_every_schema_and_parameter_has_a_type(client):
    spec = client.get("/api/v1/openapi.json").json
    untyped = [
        where
        for name, schema in spec["components"]["schemas"].items()
        for where in _untyped(schema, name)
    ]
    for path, method, op in _operations(spec):
        for parameter in op.get("parameters", []):
            untyped += _untyped(parameter["schema"], f"{method} {path} {parameter['name']}")
    assert untyped == []


def test_every_operation_lists_each_status_it_can_answer(client):
    spec = client.get("/api/v1/openapi.json").json
    missing = []
    for path, method, op in _operations(spec):
        expected = {"400"}
        takes_input = "{" in path or "requestBody" in op or method != "GET"
        if takes_input or any(p["in"] == "query" for p in op.get("parameters", [])):
            expected.add("422")
        if op["security"]:
            expected |= {"401", "403"}
        if "{" in path:
            expected |= {"404", "405"}
        if method != "GET":
            expected.add("409")
        if "requestBody" in op:
            expected |= {"413", "415"}
        if not any(status.startswith("2") for status in op["responses"]):
            missing.append(f"{method} {path}: no success status")
        missing += [f"{method} {path}: {s}" for s in sorted(expected - set(op["responses"]))]
    assert missing == []


def test_error_statuses_answer_the_envelope(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, method, op in _operations(spec):
        for status, response in op["responses"].items():
            if int(status) >= 400:
                if "$ref" in response:
                    response = spec["components"]["responses"][response["$ref"].split("/")[-1]]
                content = response["content"]
                assert content["application/json"]["schema"]["$ref"].endswith("/Error"), (
                    method,
                    path,
                    status,
                )


def test_path_parameters_state_the_formats_the_api_accepts(client):
    spec = client.get("/api/v1/openapi.json").json
    parameters = {
        (path, p["name"]): p["schema"]
        for path, _, op in _operations(spec)
        for p in op.get("parameters", [])
        if p["in"] == "path"
    }
    number = parameters[("/api/v1/sites/{code}/members/{number}", "number")]
    assert (number["minLength"], number["maxLength"]) == (8, 9)  # ABCDEFGH or ABCD-EFGH
    assert re.fullmatch(number["pattern"], "ABCD-EFGH")
    assert not re.fullmatch(number["pattern"], "ABCD-EFG")
    visit = parameters[("/api/v1/sites/{code}/visits/{visit_id}/void", "visit_id")]
    assert visit == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    kinds = parameters[("/api/v1/sites/{code}/members/{number}/consents/{kind}", "kind")]
    assert set(kinds["enum"]) == {"privacy_notice", "survey", "contact"}


def test_every_list_states_its_limit_of_1_to_200(client):
    spec = client.get("/api/v1/openapi.json").json
    limits = {
        f"{method} {path}": p["schema"]
        for path, method, op in _operations(spec)
        for p in op.get("parameters", [])
        if p["in"] == "query" and p["name"] == "limit"
    }
    assert len(limits) >= 8
    for where, schema in limits.items():
        assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", 1, 200), where


def test_the_member_search_declares_the_hint_it_sends(client, make_user, token_for):
    spec = client.get("/api/v1/openapi.json").json
    listed = spec["components"]["schemas"]["MemberListOut"]
    assert listed["additionalProperties"] is False
    user = make_user("volunteer")
    response = client.get(
        f"/api/v1/sites/{user.sites[0].code}/members?q=ABCD-EFGH", headers=token_for(user)
    )
    assert response.status_code == 200
    assert response.json["hint"]
    assert set(response.json) <= set(listed["properties"])


def test_the_example_bodies_are_valid_input(client):
    spec = client.get("/api/v1/openapi.json").json
    examples = 0
    for path, method, op in _operations(spec):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        assert "example" in body, f"{method} {path}"
        schema = body["schema"]
        name = schema["$ref"].rsplit("/", 1)[-1] if "$ref" in schema else None
        if name == "CompleteSiteSettings":
            from supermarket.sites.settings import CompleteSiteSettingsSchema as loader
        elif name == "SiteSettingsChanges":
            from supermarket.sites.settings import SiteSettingsSchema as loader  # merged
        else:
            loader = _input_schema(name)
        loader().load(body["example"], partial=name == "ProductPatch")
        examples += 1
    assert examples >= 20


def _input_schema(name: str | None) -> Any:
    import importlib

    for module in ("members", "visits", "stock", "surveys", "sites", "offline", "support"):
        schemas = importlib.import_module(f"supermarket.{module}.schemas")
        if hasattr(schemas, str(name)):
            return getattr(schemas, str(name))
    raise AssertionError(f"No input schema {name}")


def test_a_method_an_api_route_does_not_have_answers_405_with_allow(
    app, client, make_user, token_for
):
    headers = token_for(make_user("site_manager"))
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            methods.setdefault(rule.rule, set()).update(rule.methods or ())
    checked = 0
    for path, allowed in methods.items():
        method = next(m for m in ("DELETE", "PATCH", "PUT", "POST", "GET") if m not in allowed)
        url = re.sub(r"<int:\w+>", "1", re.sub(r"<(\w+)>", "x1", path))
        response = client.open(url, method=method, headers=headers, json={})
        assert response.status_code == 405, (method, path)
        # Another route's pattern may match the same URL: Allow names both routes' methods.
        routed = set(app.url_map.bind("localhost").allowed_methods(url))
        assert allowed <= routed
        assert set(response.headers["Allow"].split(", ")) == routed, path
        assert response.json["error"]["code"] == "method_not_allowed"
        checked += 1
    assert checked >= 50


def test_dates_leave_as_iso_8601_and_timestamps_with_their_offset(app):
    from flask import json

    with app.app_context():
        text = json.dumps(
            {
                "day": date(2027, 5, 18),
                "aware": datetime(2026, 11, 18, 10, 30, tzinfo=UTC),
                "naive": datetime(2026, 11, 18, 10, 30),
            }
        )
    assert json.loads(text) == {
        "day": "2027-05-18",
        "aware": "2026-11-18T10:30:00+00:00",
        "naive": "2026-11-18T10:30:00+00:00",
    }
