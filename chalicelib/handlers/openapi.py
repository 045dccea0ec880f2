"""GET /openapi.json: the API description, generated from the routes."""
from __future__ import annotations

from functools import lru_cache

from chalice import Blueprint

from chalicelib.domain.access import PUBLIC
from chalicelib.handlers._http import RequestContext, endpoint

bp = Blueprint(__name__)
API_VERSION = "0.1.0"


@lru_cache(maxsize=1)
def _document(routes_key: int) -> dict:
    from chalicelib.api import openapi

    return openapi.build(bp.current_app.routes, API_VERSION)


@endpoint(bp, "/openapi.json", access=PUBLIC, summary="This API's OpenAPI 3.1 document", tags=("operations",))
def get_openapi(ctx: RequestContext):
    return _document(len(bp.current_app.routes))
