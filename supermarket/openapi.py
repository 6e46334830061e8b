"""The OpenAPI 3 description of /api/v1, generated from the routes and their schemas."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue

from supermarket.auth.web import public

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object"},
            },
            "required": ["code", "message"],
        }
    },
}
_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def build_spec() -> dict[str, Any]:
    spec = APISpec(
        title="Community supermarket API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "JSON in and out. Authenticate with `Authorization: Bearer <token>` "
            "(see `supermarket tokens create`). Lists answer {items, next}; dates YYYY-MM-DD; "
            "money in integer pence (*_pence); weights in grams (*_g). Errors answer "
            "{error: {code, message, fields}}."
        },
    )
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        view = current_app.view_functions[rule.endpoint]
        doc = getattr(view, "_openapi", None)
        if doc is None:
            continue
        path = _PARAM.sub(r"{\1}", rule.rule)
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PARAM.findall(rule.rule)
        ]
        operations: dict[str, Any] = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {
                "summary": doc["summary"],
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "security": [] if getattr(view, "_public", False) else [{"bearer": []}],
                "responses": {},
            }
            if doc["tag"]:
                op["tags"] = [doc["tag"]]
            if params:
                op["parameters"] = list(params)
            if doc["query"] is not None:
                op.setdefault("parameters", []).append({"in": "query", "schema": doc["query"]})
            if doc["body"] is not None:
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": doc["body"]}},
                }
            for status, schema in doc["responses"].items():
                if isinstance(schema, str):
                    op["responses"][str(status)] = {"description": schema}
                else:
                    op["responses"][str(status)] = {
                        "description": "OK",
                        "content": {"application/json": {"schema": schema}},
                    }
            for status, text in (
                (401, "Not signed in"),
                (403, "Role not allowed"),
                (422, "Invalid input"),
            ):
                op["responses"].setdefault(
                    str(status),
                    {
                        "description": text,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
            operations[method.lower()] = op
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
@public
def openapi_json() -> ResponseReturnValue:
    return build_spec()
