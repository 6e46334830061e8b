"""The OpenAPI 3 description of /api/v1, generated from the routes and their schemas.

Every field is typed (a `Computed` output field is documented as the field it writes), every
operation lists each status it can answer, with the error envelope for 4xx, and each path
parameter states the format the code accepts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields

from supermarket.auth.web import public
from supermarket.members.models import ConsentKind
from supermarket.reporting.tables import BUILDERS
from supermarket.serialise import Computed
from supermarket.sites.settings import SiteSettings

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "The fields at fault, each with its messages.",
                },
                "details": {
                    "type": "object",
                    "description": "What a refusal needs to explain itself (some codes only).",
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}
_PARAM = re.compile(r"<(?:([a-z]+):)?([a-z_]+)>")
# Database ids are 32-bit on PostgreSQL; a larger one names nothing.
MAX_ID = 2**31 - 1

_CROCKFORD = "0-9A-HJKMNP-TV-Za-hjkmnp-tv-z"
MEMBERSHIP_NUMBER = {
    "type": "string",
    "minLength": 8,
    "maxLength": 9,
    "pattern": f"^[{_CROCKFORD}IiLlOo]{{4}}-?[{_CROCKFORD}IiLlOo]{{4}}$",
    "description": "The membership number: 8 Crockford base-32 characters, the last a check "
    "character (ABCD-EFGH as printed, or ABCDEFGH; any case; O, I and L read as 0, 1, 1).",
    "example": "ABCD-EFGH",
}
SITE_CODE = {
    "type": "string",
    "minLength": 2,
    "maxLength": 20,
    "pattern": "^[A-Za-z][A-Za-z0-9-]{1,19}$",
    "description": "A site's code: 2 to 20 letters, digits or hyphens, starting with a letter.",
    "example": "harlow",
}
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "code": SITE_CODE,
    "number": MEMBERSHIP_NUMBER,
    "sku": {
        "type": "string",
        "minLength": 1,
        "maxLength": 20,
        "description": "A product's sku.",
    },
    "kind": {"type": "string", "enum": [k.value for k in ConsentKind]},
    "name": {"type": "string", "enum": list(BUILDERS)},
}
# Idempotency-Key headers, by endpoint, as the services check them (a UUID fits both).
IDEMPOTENCY_KEYS = {
    "visits_api.check_in": r"^[A-Za-z0-9._:\-]{8,100}$",
    "anonymous_visits_api.record": r"^[A-Za-z0-9._:\-]{8,100}$",
    "members_api.register": r"^[A-Za-z0-9._:\-]{8,100}$",
    "surveys_api.record": r"^[A-Za-z0-9_-]{16,64}$",
}
# /products/<code> names a product, not a site.
PRODUCT_CODE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 20,
    "description": "A product's sku or barcode.",
}
# Status -> (the component's name, what it means here); each answers the error envelope.
# A request body that works, for each input schema: shown in the document, sent by the
# contract tests (with the numbers and skus swapped for ones that exist), and loaded through
# its schema by a test so that it stays valid.
BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    "DeviceIn": {"name": "Front desk"},
    "CheckInIn": {
        "membership_number": "ABCD-EFGH",
        "basket": {"red": 1, "blue": 4},
        "payment": {"method": "cash"},
    },
    "MemberIn": {
        "first_name": "Tasha",
        "last_name": "Okafor",
        "date_of_birth": "1988-04-12",
        "postcode": "CM20 1AB",
        "phone": "07700 900123",
        "email": None,
        "household": {"adults": 2, "children_0_4": 1, "children_5_11": 0, "children_12_17": 0},
        "eligibility": {"route": "self_declared"},
        "dietary": ["halal"],
        "consents": {"privacy_notice_given": True, "survey": True, "contact": False},
    },
    "MemberUpdateIn": {"phone": "07700 900456", "postcode": "CM20 2AB"},
    "ProxyIn": {"name": "Jo Bloggs", "relationship": "neighbour"},
    "DoorNoteIn": {"note": "Speak to the manager", "sensitive": False},
    "RenewIn": {},  # a site that takes its joining fee again: {"joining_fee": {"method": "card"}}
    "ReasonIn": {"reason": "Abusive to a volunteer"},
    "OptionalReasonIn": {"reason": "Moved away"},
    "ConsentChangeIn": {"method": "in_person"},
    "EmptyIn": {},
    "SurveyIn": {
        "kind": "baseline",
        "mode": "self",
        "answers": {"HH2": "never", "HH3": "never", "HH4": "never"},
    },
    "VoidIn": {"reason": "Checked in the wrong member"},
    "PaymentIn": {"method": "cash", "amount_pence": 1200},  # a membership fee (issue 16)
    "AnonymousVisitIn": {"visit_type": "emergency_parcel", "adults": 1, "children_5_11": 2},
    "ReviewIn": {"action": "void", "note": "Already shopped at Harlow this week"},
    "RegistrationReviewIn": {"action": "keep", "note": "Mother and daughter: two households"},
    "ProductIn": {
        "sku": "BEANS-415",
        "name": "Baked beans 415 g",
        "category": "ambient",
        "band": "blue",
        "unit_weight_g": 415,
        "reference_price_pence": 95,
        "barcode": "5000157024671",
    },
    "ProductPatch": {"reference_price_pence": 99, "min_level": 24},
    "DonationIn": {
        "donor": {"name": "Harlow Tesco", "kind": "retailer"},
        "note": "Saturday collection",
        "lines": [
            {"sku": "BEANS-415", "quantity": 24, "best_before": "2027-06-30"},
            {"category": "fresh_produce", "weight_g": 12500},
        ],
    },
    "WasteIn": {"sku": "BEANS-415", "quantity": 2, "reason": "damaged", "note": "Dented"},
    "GiveOutIn": {"sku": "BEANS-415", "quantity": 3},
    "WasteExpiredIn": {"reason": "past_use_by"},
    "MinimumIn": {"min_level": 12},
    "TransferIn": {
        "to_site": "basildon",
        "note": "Surplus beans",
        "lines": [{"sku": "BEANS-415", "quantity": 6}],
    },
    "TransferReceiveIn": {"lines": [], "note": "Arrived in full"},
    "StocktakeIn": {"category": "ambient", "note": "Monthly count"},
    "CountsIn": {"counts": [{"id": 1, "counted": 23}]},
    "FoundLineIn": {"sku": "BEANS-415", "counted": 4, "best_before": "2027-06-30"},
    "TemperatureIn": {"unit_name": "Fridge 1", "unit_kind": "fridge", "celsius": 4.5},
    "SiteIn": {
        "code": "epping",
        "name": "Epping Community Supermarket",
        "postcode": "CM16 4BL",
        "settings": {"visits_per_week": 1},
    },
    "SiteSettingsChanges": {"visits_per_week": 2, "fee_pence": 300},
    "ServiceIn": {
        "name": "Harlow Citizens Advice",
        "provider": "Citizens Advice Essex",
        "category": "benefits_advice",
        "phone": "0344 477 0808",
        "walk_in": "Tuesdays 10am to noon",
    },
    "ServiceChangesIn": {"walk_in": "Thursdays 1pm to 3pm", "active": True},
    "ReferralIn": {"service_id": 1, "kind": "signpost"},
    "OutcomeIn": {"status": "engaged"},
    "DismissIn": {"reason": "not_now"},
    "AgencyIn": {
        "name": "Citizens Advice Harlow",
        "kind": "citizens_advice",
        "phone": "0344 477 0808",
        "sites": ["harlow"],
    },
    "AgencyChangesIn": {"phone": "01279 000 000", "active": True},
    "InboundIn": {
        "first_name": "Amira",
        "last_name": "Haddad",
        "postcode": "CM20 1AB",
        "household": {"adults": 1, "children_5_11": 2},
        "consent_given": True,
        "reason": "Universal Credit delayed; rent arrears",
        "urgency": "urgent",
    },
    "AcceptIn": {
        "registration": {
            "date_of_birth": "1990-04-12",
            "consents": {"privacy_notice_given": True},
        }
    },
    "DeclineIn": {"reason": "Outside our area: try Epping Community Larder."},
    # A full replacement names every setting: the programme's defaults, with two changed.
    "CompleteSiteSettings": json.loads(
        json.dumps({**SiteSettings().to_dict(), "visits_per_week": 2, "fee_pence": 300})
    ),
}

ERROR_RESPONSES = {
    400: ("BadRequest", "Malformed request: not JSON, a bad cursor or limit, or no CSRF token"),
    401: ("Unauthenticated", "Not signed in, or no valid API token"),
    403: ("Forbidden", "The caller's role may not do this"),
    404: ("NotFound", "Not found, or not at a site the caller works at"),
    405: ("MethodNotAllowed", "A path parameter holding '/' names another route; see Allow"),
    409: ("Conflict", "Refused by a rule or by the current state: error.code says which"),
    413: ("TooLarge", "The body is too large"),
    415: ("NotJSON", "The body is not JSON (send Content-Type: application/json)"),
    422: ("InvalidInput", "Invalid input: error.fields names each field at fault"),
}


def _computed(self: Any, field: fields.Field[Any], ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """A Computed field is documented as the field it writes; a Dict given a `schema` in its
    metadata as that schema."""
    if isinstance(field, Computed):
        described: dict[str, Any] = self.field2property(field.as_field)
        if "$ref" in described and ret:  # 3.0 ignores the siblings of a $ref
            return {"allOf": [described]}
        return described
    schema = field.metadata.get("schema")
    if isinstance(field, fields.Dict) and isinstance(schema, type) and issubclass(schema, Schema):
        ret.pop("additionalProperties", None)
        ret.pop("type", None)
        return {"allOf": [self.resolve_nested_schema(schema)]}
    return {}


def _schema_name(schema: type[Schema] | Schema) -> str:
    """The component name apispec gives a schema: its class name less a "Schema" suffix."""
    name = schema.__name__ if isinstance(schema, type) else type(schema).__name__
    return name.removesuffix("Schema")


def _path_parameter(rule: str, converter: str | None, name: str) -> dict[str, Any]:
    if converter == "int":
        schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    elif name == "code" and rule.startswith("/api/v1/products/"):
        schema = PRODUCT_CODE
    else:
        schema = PATH_PARAMETERS.get(name, {"type": "string"})
    return {"name": name, "in": "path", "required": True, "schema": dict(schema)}


def _idempotency_key(endpoint: str) -> dict[str, Any]:
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Send a new UUID with each request and the same one on a retry: a retry "
        "answers with the first result and records nothing again.",
        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEYS[endpoint]},
    }


def _statuses(method: str, *, public_op: bool, params: bool, query: bool, body: bool) -> list[int]:
    """The statuses any operation of this shape can answer besides its own."""
    statuses = [400]
    if not public_op:
        statuses += [401, 403]
    if params:
        statuses += [404, 405]
    if method != "GET":
        statuses.append(409)
    if body:
        statuses += [413, 415]
    if body or query or params or method != "GET":
        statuses.append(422)
    return statuses


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _response(status: int, schema: type[Schema] | Schema | str) -> dict[str, Any]:
    if not isinstance(schema, str):
        return {"description": "OK", "content": {"application/json": {"schema": schema}}}
    if status >= 400:
        return _error(schema)
    if "/" in schema:  # a media type: a PDF or CSV file
        return {
            "description": f"A {schema} file",
            "content": {schema: {"schema": {"type": "string", "format": "binary"}}},
        }
    return {"description": schema}


def build_spec() -> dict[str, Any]:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Community supermarket API",
        version="1",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={
            "description": "JSON in and out. Authenticate with `Authorization: Bearer <token>` "
            "(see `supermarket tokens create`). Lists answer {items, next}; dates YYYY-MM-DD; "
            "timestamps ISO 8601 with their UTC offset; money in integer pence (*_pence); "
            "weights in grams (*_g). Errors answer {error: {code, message, fields}}."
        },
    )
    assert plugin.converter is not None
    plugin.converter.add_attribute_function(_computed)  # type: ignore[no-untyped-call]
    spec.components.schema("Error", ERROR_SCHEMA)
    for name, description in ERROR_RESPONSES.values():
        spec.components.response(name, _error(description))
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        view = current_app.view_functions[rule.endpoint]
        doc = getattr(view, "_openapi", None)
        if doc is None:
            continue
        path = _PARAM.sub(r"{\2}", rule.rule)
        params = [
            _path_parameter(rule.rule, conv, name) for conv, name in _PARAM.findall(rule.rule)
        ]
        public_op = getattr(view, "_public", False)
        operations = {
            method.lower(): _operation(rule.endpoint, method, doc, params, public_op=public_op)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        }
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(
    endpoint: str,
    method: str,
    doc: dict[str, Any],
    params: list[dict[str, Any]],
    *,
    public_op: bool,
) -> dict[str, Any]:
    """One operation of a path: its summary, parameters, body (with its example) and every
    answer it may give, the errors included."""
    op: dict[str, Any] = {
        "summary": doc["summary"],
        "operationId": f"{endpoint}.{method.lower()}",
        "security": [] if public_op else [{"bearer": []}],
        "responses": {},
    }
    if doc["tag"]:
        op["tags"] = [doc["tag"]]
    if params:
        op["parameters"] = list(params)
    if doc["query"] is not None:
        op.setdefault("parameters", []).append({"in": "query", "schema": doc["query"]})
    if endpoint in IDEMPOTENCY_KEYS:
        op.setdefault("parameters", []).append(_idempotency_key(endpoint))
    if doc["body"] is not None:
        content: dict[str, Any] = {"schema": doc["body"]}
        if _schema_name(doc["body"]) in BODY_EXAMPLES:
            content["example"] = BODY_EXAMPLES[_schema_name(doc["body"])]
        op["requestBody"] = {
            "required": doc.get("body_required", True),
            "content": {"application/json": content},
        }
    for status, schema in sorted(doc["responses"].items()):
        op["responses"][str(status)] = _response(status, schema)
    for status in _statuses(
        method,
        public_op=public_op,
        params=bool(params),
        query=doc["query"] is not None,
        body=doc["body"] is not None,
    ):
        name = ERROR_RESPONSES[status][0]
        op["responses"].setdefault(str(status), {"$ref": f"#/components/responses/{name}"})
    return op


@bp.get("/openapi.json")
@public
def openapi_json() -> ResponseReturnValue:
    return build_spec()
