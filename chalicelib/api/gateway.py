"""What API Gateway itself answers, in our error shape (SPEC §4).

Some requests never reach the function: the authorizer refuses a missing
token (UNAUTHORIZED, 401) or one we did not sign (ACCESS_DENIED, 403), an
unknown path is MISSING_AUTHENTICATION_TOKEN, throttling, oversized bodies,
timeouts. API Gateway answers those with its own bodies (``{"message":
"Unauthorized"}``, ``{"Message": "User is not authorized…"}``) unless the API
declares Gateway Responses. This table is the one definition of those
answers: ``infra/stack.py`` deploys it as ``AWS::ApiGateway::GatewayResponse``
resources and ``ops/local_gateway.py`` gives the same bodies under
``chalice local`` and the test client. Imported by infra and ops only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

REQUEST_ID = "$context.requestId"  # API Gateway fills it in the response template


@dataclass(frozen=True)
class GatewayRefusal:
    response_type: str  # API Gateway's GatewayResponseType
    status: int
    code: str
    message: str

    def body(self, request_id: str) -> dict:
        error = {"code": self.code, "message": self.message, "details": [], "request_id": request_id}
        if self.status >= 500:  # as our own 5xx: the id to quote to the platform
            error["correlation_id"] = request_id
        return {"error": error}

    def template(self) -> str:
        """The ``application/json`` response template (VTL: no ``$`` or ``#`` in messages)."""
        if "$" in self.message or "#" in self.message:
            raise ValueError(f"a gateway message may not contain $ or #: {self.message}")
        return json.dumps(self.body(REQUEST_ID), ensure_ascii=False, separators=(",", ":"))


REFUSALS: tuple[GatewayRefusal, ...] = (
    GatewayRefusal("UNAUTHORIZED", 401, "unauthenticated", "请先登录"),
    GatewayRefusal("ACCESS_DENIED", 403, "invalid_token", "登录凭证无效，请重新登录"),
    GatewayRefusal("MISSING_AUTHENTICATION_TOKEN", 404, "route_not_found", "请求的路径不存在"),
    GatewayRefusal("AUTHORIZER_FAILURE", 500, "internal_error", "服务器内部错误，请凭关联编号联系平台"),
    GatewayRefusal("AUTHORIZER_CONFIGURATION_ERROR", 500, "internal_error", "服务器内部错误，请凭关联编号联系平台"),
    GatewayRefusal("THROTTLED", 429, "rate_limited", "操作过于频繁，请稍后再试"),
    GatewayRefusal("QUOTA_EXCEEDED", 429, "rate_limited", "操作过于频繁，请稍后再试"),
    GatewayRefusal("REQUEST_TOO_LARGE", 413, "body_too_large", "请求体过大"),
    GatewayRefusal("INTEGRATION_TIMEOUT", 504, "dependency_timeout", "服务响应超时，请稍后重试"),
    GatewayRefusal("DEFAULT_4XX", 400, "request_refused", "请求无法处理"),
    GatewayRefusal("DEFAULT_5XX", 502, "gateway_error", "网关暂时无法处理请求，请稍后重试"),
)
BY_TYPE = {r.response_type: r for r in REFUSALS}
# DEFAULT_4XX/5XX keep the status API Gateway chose; the others set theirs.
KEEP_STATUS = frozenset({"DEFAULT_4XX", "DEFAULT_5XX"})
HEADERS = {"Content-Type": "application/json; charset=utf-8"}
