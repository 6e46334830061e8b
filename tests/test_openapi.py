"""The OpenAPI description covers every API route."""

from __future__ import annotations


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
    assert me["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("Error")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
