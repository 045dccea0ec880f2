"""What the gateway refuses before our code runs (no token, a token the
authorizer denies, an unknown path) carries our error body, as the deployed
Gateway Responses (chalicelib/api/gateway.py) do; the test client's gateway
answers so through ops/local_gateway.py, as chalice local does."""
from __future__ import annotations

import pytest

from tests.api.conftest import body

CASES = [
    ("no Authorization header", "GET", "/me", {}, 401, "unauthenticated"),
    ("a bearer without a token", "GET", "/me", {"Authorization": "Bearer "}, 403, "invalid_token"),
    ("a token we did not sign", "GET", "/me", {"Authorization": "Bearer not.a.jwt"}, 403, "invalid_token"),
    ("no token on a body route", "POST", "/files", {"Content-Type": "application/json"}, 401, "unauthenticated"),
    ("an unknown path", "GET", "/no-such-route", {}, 404, "route_not_found"),
]


@pytest.mark.parametrize("what,method,path,headers,status,code", CASES, ids=[c[0] for c in CASES])
def test_gateway_refusal_is_our_error_body(client, what, method, path, headers, status, code):
    response = client.http.request(method, path, headers=headers, body=b"{}" if method == "POST" else b"")
    assert response.status_code == status, f"{what}: expected {status}, got {response.status_code} {response.body}"
    error = body(response).get("error")
    assert error and set(error) >= {"code", "message", "details", "request_id"}, f"{what}: {response.body}"
    assert error["code"] == code, f"{what}: expected {code}, got {error}"
    assert error["request_id"] and error["request_id"] == response.headers.get("X-Request-Id"), (what, error)


def test_local_refusals_match_the_deployed_templates():
    """Both are built from one table: the local body is the template with the request id filled in."""
    import json

    from chalice.local import ForbiddenError, NotAuthorizedError

    from chalicelib.api.gateway import BY_TYPE
    from ops.local_gateway import response_for

    for error, kind in ((NotAuthorizedError({"x-amzn-RequestId": "r-1", "x-amzn-ErrorType": "UnauthorizedException"}),
                         "UNAUTHORIZED"),
                        (ForbiddenError({"x-amzn-RequestId": "r-1", "x-amzn-ErrorType": "AccessDeniedException"}),
                         "ACCESS_DENIED")):
        local = response_for(error)
        template = BY_TYPE[kind].template().replace("$context.requestId", "r-1")
        assert json.loads(local["body"]) == json.loads(template), kind
        assert local["statusCode"] == BY_TYPE[kind].status
