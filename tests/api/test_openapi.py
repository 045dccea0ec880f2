from __future__ import annotations

from openapi_spec_validator import validate

from tests.api.conftest import body


def test_every_route_is_in_the_openapi_document(api):
    import app
    from chalicelib.handlers._http import ENDPOINTS

    document = body(api.get("/openapi.json"))
    validate(document)
    missing, undocumented = [], []
    for path, methods in app.app.routes.items():
        for method in methods:
            if method == "OPTIONS":
                continue
            if method.lower() not in document["paths"].get(path, {}):
                missing.append(f"{method} {path}")
            if (path, method) not in ENDPOINTS:
                undocumented.append(f"{method} {path} (registered without chalicelib.handlers._http.endpoint)")
    assert not missing, f"routes missing from /openapi.json: {missing}"
    assert not undocumented, undocumented
    documented = {(p, m.upper()) for p, ops in document["paths"].items() for m in ops}
    assert documented == {(p, m) for p, ms in app.app.routes.items() for m in ms if m != "OPTIONS"}


def test_models_and_enums_are_described(api):
    document = body(api.get("/openapi.json"))
    schemas = document["components"]["schemas"]
    assert {"HealthReport", "JobView", "RegionPage", "ErrorResponse", "ExportRequest"} <= set(schemas)
    assert "pending_first=待初审" in schemas["Enum_review_status"]["description"]
    export = document["paths"]["/dictionaries/exports"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in export["parameters"])
    assert export["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("ExportRequest")
    regions = document["paths"]["/dictionaries/regions"]["get"]
    assert {p["name"] for p in regions["parameters"]} == {"limit", "cursor", "parent"}


def test_refusals_a_route_can_give_are_documented(api):
    """Found by the fuzz (tests/fuzzing.py): a malformed Idempotency-Key is a 400 on routes without
    a body or query, and a malformed code27 in the path of a DELETE is a 400."""
    document = body(api.get("/openapi.json"))
    idempotent = [f"{m.upper()} {p}" for p, ops in document["paths"].items() for m, op in ops.items()
                  if any(x["name"] == "Idempotency-Key" for x in op["parameters"]) and "400" not in op["responses"]]
    assert not idempotent, f"idempotent routes that do not document the 400 of a bad key: {idempotent}"
    for path in ("/projects/{project_id}/declarations/{code27}", "/projects/{project_id}/catalog/{code27}"):
        delete = document["paths"][path]["delete"]
        assert "400" in delete["responses"], f"DELETE {path}: {sorted(delete['responses'])}"
