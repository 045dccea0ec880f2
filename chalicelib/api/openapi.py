"""The OpenAPI 3.1 document, generated from Chalice's route table and the
pydantic models each endpoint declared (``chalicelib/handlers/_http.py``).

Built on first request and cached: it never costs cold-start time.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.domain.enums import ALL_ENUMS
from chalicelib.handlers._http import ENDPOINTS, IDEMPOTENCY_HEADER, EndpointDoc
from chalicelib.schemas.common import ErrorResponse

REF = "#/components/schemas/{model}"
STATUS_TEXT = {400: "Invalid input", 401: "Not logged in", 403: "Not allowed", 404: "Not found",
               409: "Conflict or wrong state", 415: "The body is not JSON", 429: "Too many requests",
               503: "A dependency is unavailable"}


def _models(docs: list[EndpointDoc]) -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {ErrorResponse.__name__: ErrorResponse}
    for d in docs:
        for m in (d.body, d.query, d.response):
            if m is not None:
                seen[m.__name__] = m
    return list(seen.values())


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def _operation(doc: EndpointDoc | None, path: str, method: str) -> dict[str, Any]:
    params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
              for p in re.findall(r"{(\w+)}", path)]
    if doc is None:
        return {"summary": f"{method} {path}", "parameters": params,
                "responses": {"200": {"description": "OK"}}}
    if doc.query is not None:
        params += _query_parameters(doc.query)
    if doc.idempotent:
        params.append({"name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
                       "description": "retries with the same key and payload replay the first response",
                       "schema": {"type": "string", "pattern": "^[A-Za-z0-9_\\-:.]{8,128}$"}})
    success: dict[str, Any] = {"description": "OK"}
    if doc.response is not None:
        success["content"] = {doc.content_type: {"schema": {"$ref": REF.format(model=doc.response.__name__)}}}
    responses: dict[str, Any] = {str(doc.status): success}
    error_ref = {"application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}}}
    for code in doc.errors:
        responses[str(code)] = {"description": STATUS_TEXT.get(code, "Error"), "content": error_ref}
    responses["500"] = {"description": "A bug: the body carries a correlation id", "content": error_ref}
    op: dict[str, Any] = {
        "operationId": f"{method.lower()}_{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_') or 'root'}",
        "summary": doc.summary, "tags": list(doc.tags), "parameters": params, "responses": responses,
    }
    if doc.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=doc.body.__name__)}}}}
    return op


def build(routes: dict[str, dict[str, Any]], version: str) -> dict[str, Any]:
    """``routes`` is Chalice's ``app.routes``: path -> method -> RouteEntry."""
    paths: dict[str, Any] = {}
    for path in sorted(routes):
        for method in sorted(routes[path]):
            if method == "OPTIONS":
                continue
            paths.setdefault(path, {})[method.lower()] = _operation(ENDPOINTS.get((path, method)), path, method)
    docs = [ENDPOINTS[k] for k in ENDPOINTS if k[0] in routes and k[1] in routes[k[0]]]
    _, schemas = models_json_schema([(m, "serialization") for m in _models(docs)], ref_template=REF)
    components = dict(schemas.get("$defs", {}))
    components.update({
        f"Enum_{name}": {"type": "string", "enum": [m.value for m in cls],
                         "description": "; ".join(f"{m.value}={m.label}" for m in cls)}
        for name, cls in ALL_ENUMS.items()
    })
    return {
        "openapi": "3.1.0",
        "info": {"title": "MedProcure API", "version": version,
                 "description": "Drug and medical-consumables procurement platform (药品和医用耗材招采管理子系统)."},
        "paths": paths,
        "components": {"schemas": components},
    }
