"""The local API Gateway (``chalice local`` and Chalice's test client) answers
its own refusals as the deployed Gateway Responses do (``chalicelib.api.gateway``),
in our error body instead of API Gateway's ``{"message": "Unauthorized"}``.

``install()`` wraps ``chalice.local.LocalGateway.handle_request``: a refusal
(``LocalGatewayException``: no token, a token the authorizer denied, an
unknown path, a broken authorizer) becomes the response of the matching
Gateway Response. ``python -m ops.local_gateway local …`` is ``chalice``'s
command line with it installed (``ops/local.py`` serves the API that way).

It also makes the local gateway fit for concurrent clients, as API Gateway and
Lambda are (one request per function instance): Chalice keeps the request being
served in ``app.current_request``, one attribute shared by every thread of
``chalice local``'s threaded server (and of threads using the test client), so
a view could read another request's body and headers; ``install()`` makes it
(and ``lambda_context``) per thread. And the local server's listen backlog
(``socketserver``'s default 5) reset connections of 20 simultaneous clients.
And it answers a kept-alive connection at once: the handler writes the headers and the body in two
sends, and with Nagle's algorithm on, the body waited for the client's delayed ACK of the headers
(~40 ms per request on a kept-alive connection, found by the fuzz: 45 ms against 5 ms on a fresh
connection for ``GET /dictionaries/enums``); ``TCP_NODELAY`` on every accepted socket.
Never packaged; idempotent.
"""
from __future__ import annotations

import json
import sys
import threading
from typing import Any

from chalicelib.api.gateway import BY_TYPE, HEADERS, GatewayRefusal

_INSTALLED = "_medprocure_gateway_responses"
LISTEN_BACKLOG = 128
_per_thread = threading.local()


def _thread_local_attribute(name: str) -> property:
    def get(self):
        return getattr(_per_thread, f"{id(self)}.{name}", None)

    def set_(self, value):
        setattr(_per_thread, f"{id(self)}.{name}", value)

    return property(get, set_)


def refusal_for(error: Any) -> GatewayRefusal:
    """The Gateway Response API Gateway would use for chalice's local refusal."""
    from chalice import local

    kind = (error.headers or {}).get("x-amzn-ErrorType", "")
    if isinstance(error, local.NotAuthorizedError):
        return BY_TYPE["UNAUTHORIZED"]
    if isinstance(error, local.InvalidAuthorizerError):
        return BY_TYPE["AUTHORIZER_CONFIGURATION_ERROR"]
    if isinstance(error, local.ForbiddenError) and kind == "AccessDeniedException":
        return BY_TYPE["ACCESS_DENIED"]
    if isinstance(error, local.ForbiddenError):  # no route matched the path
        return BY_TYPE["MISSING_AUTHENTICATION_TOKEN"]
    return BY_TYPE["DEFAULT_5XX"] if error.CODE >= 500 else BY_TYPE["DEFAULT_4XX"]


def response_for(error: Any) -> dict[str, Any]:
    refusal = refusal_for(error)
    request_id = (error.headers or {}).get("x-amzn-RequestId") or ""
    return {
        "statusCode": refusal.status,
        "headers": {**HEADERS, "X-Request-Id": request_id,
                    "x-amzn-ErrorType": (error.headers or {}).get("x-amzn-ErrorType", "")},
        "multiValueHeaders": {},
        "body": json.dumps(refusal.body(request_id), ensure_ascii=False, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def install() -> None:
    from chalice import app as chalice_app
    from chalice import local

    gateway = local.LocalGateway
    if getattr(gateway.handle_request, _INSTALLED, False):
        return
    original = gateway.handle_request

    def handle_request(self, method, path, headers, body):
        try:
            return original(self, method, path, headers, body)
        except local.LocalGatewayException as error:
            return response_for(error)

    setattr(handle_request, _INSTALLED, True)
    gateway.handle_request = handle_request
    for name in ("current_request", "lambda_context"):  # a data descriptor wins over the instance attribute
        setattr(chalice_app.Chalice, name, _thread_local_attribute(name))
    local.ThreadedHTTPServer.request_queue_size = LISTEN_BACKLOG
    local.ChaliceRequestHandler.disable_nagle_algorithm = True  # socketserver sets TCP_NODELAY in setup()


def main() -> int:
    from chalice.cli import main as chalice_main

    install()
    sys.argv[0] = "chalice"
    return chalice_main()


if __name__ == "__main__":
    sys.exit(main())
