"""The one place where HTTP meets the application.

``endpoint`` registers a view on a blueprint and wraps it so that every route
behaves the same way (SPEC §4):
- the request id is bound to the logs and echoed as ``X-Request-Id``;
- the JSON body and the query string are parsed into pydantic models, with
  field-level 400s;
- create/submit routes honour ``Idempotency-Key``;
- domain exceptions map to HTTP statuses here and nowhere else;
- anything unexpected is a 500 with a correlation id and no stack trace.
It also records each route's metadata for the OpenAPI document.
"""
from __future__ import annotations

import functools
import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from chalice import Blueprint, Response
from pydantic import BaseModel

from chalicelib import aws, clock
from chalicelib.domain import access as access_rules
from chalicelib.domain import idempotency as idem_rules
from chalicelib.domain.errors import (
    Conflict, DependencyFailed, DomainError, FieldError, Forbidden, NotFound, RateLimited,
    Unauthenticated, ValidationFailed,
)
from chalicelib.handlers._auth import bearer, token_authorizer
from chalicelib.lazy import LazyClass, resolve
from chalicelib.logs import get_logger, request_context
from chalicelib.schemas.validation import parse_model

log = get_logger("http")

STATUS_OF: dict[type[DomainError], int] = {
    ValidationFailed: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    DependencyFailed: 503,
}
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class EndpointDoc:
    """What the OpenAPI document says about one route."""

    path: str
    method: str
    summary: str
    tags: tuple[str, ...]
    body_ref: type[BaseModel] | LazyClass | None
    query_ref: type[BaseModel] | LazyClass | None
    response_ref: type[BaseModel] | LazyClass | None
    status: int
    idempotent: bool
    errors: tuple[int, ...]
    access: access_rules.Access
    content_type: str = "application/json"

    # The models themselves, imported on first use where a handler names them lazily (chalicelib.lazy).
    @property
    def body(self) -> type[BaseModel] | None:
        return resolve(self.body_ref)

    @property
    def query(self) -> type[BaseModel] | None:
        return resolve(self.query_ref)

    @property
    def response(self) -> type[BaseModel] | None:
        return resolve(self.response_ref)


ENDPOINTS: dict[tuple[str, str], EndpointDoc] = {}


@dataclass
class RequestContext:
    """What a view gets: the raw request, the parsed inputs, the request id."""

    request: Any
    request_id: str
    body: Any = None
    query: Any = None
    principal: access_rules.Principal | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return (self.request.headers or {}).get(name.lower())


@dataclass(frozen=True)
class Reply:
    """A view result with a status other than the route's default."""

    body: Any
    status: int
    headers: dict[str, str] = field(default_factory=dict)


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


def error_body(code: str, message: str, request_id: str, details: list[FieldError] = ()) -> dict:
    return {"error": {
        "code": code, "message": message,
        "details": [{"field": d.field, "message": d.message} for d in details],
        "request_id": request_id,
    }}


def _json_response(body: Any, status: int, request_id: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", "X-Request-Id": request_id, **(headers or {})},
    )


def domain_error_response(error: DomainError, request_id: str) -> Response:
    retry_after = getattr(error, "retry_after_s", None)  # RateLimited, DependencyUnavailable
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return _json_response(error_body(error.code, error.message, request_id, error.details),
                          status_for(error), request_id, headers)


MAX_JSON_DEPTH = 32  # no request model nests deeper than a few levels
INT64 = (-(2 ** 63), 2 ** 63 - 1)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity, -Infinity: Python's json accepts them


def _parse_int(digits: str) -> int:
    # a 20+ digit literal is out of range whatever it says: skip converting it (4,300+ digits raise)
    return int(digits) if len(digits) <= 20 else INT64[1] + 1


def _too_deep(path: str) -> ValidationFailed:
    return ValidationFailed.on(path or "body", f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层", code="body_too_deep")


def _check_json_values(data: Any) -> None:
    """Walk the parsed body without recursion: nesting deeper than
    ``MAX_JSON_DEPTH``, integers beyond 64 bits and non-finite numbers are
    400s naming the field, before pydantic, logging or DynamoDB see them."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(path)
        if isinstance(value, dict):
            for key in value:
                _check_text(key, path or "body")
            stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}.{i}" if path else str(i), depth + 1) for i, v in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, path or "body")
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
            raise ValidationFailed.on(path or "body", "整数超出 64 位范围", code="number_out_of_range")
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValidationFailed.on(path or "body", "数值超出范围", code="number_out_of_range")


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800"): valid JSON, not text, refused by DynamoDB
        raise ValidationFailed.on(path, "文本含无效的 Unicode 字符", code="invalid_unicode") from None


def _read_json_body(request: Any) -> Any:
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed.on("body", f"请求体不能超过 {MAX_BODY_BYTES} 字节", code="body_too_large")
    if not raw.strip():
        raise ValidationFailed.on("body", "请求体不能为空，须为 JSON 对象")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw  # strict: json.loads(bytes) lets surrogates by
        data = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except RecursionError:  # the C scanner recurses once per level: ~1,000 levels exhaust the stack
        raise _too_deep("") from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.on("body", "请求体不是合法的 JSON", code="malformed_json") from None
    _check_json_values(data)
    if not isinstance(data, dict):
        raise ValidationFailed.on("body", "请求体须为 JSON 对象")
    return data


def _query_params(request: Any) -> dict[str, str]:
    """The query string as one value per name. A name given twice (``?limit=1&limit=2``) is a 400
    naming it: no query field is a list, and taking the last one silently (found by the hand-written
    cases) could make a filter other than the one the caller meant."""
    params = request.query_params or {}
    repeated = [name for name in params if len(params.getlist(name)) > 1] if hasattr(params, "getlist") else []
    if repeated:
        raise ValidationFailed(f"参数不能重复：{', '.join(repeated)}", code="query_parameter_repeated",
                               details=[FieldError(f"query.{name}", "只能出现一次") for name in repeated])
    return dict(params)


FRAMEWORK_ERRORS = {  # Chalice's own refusals, before any view runs: (our code, message)
    "UnsupportedMediaType": ("unsupported_media_type", "请求体须为 JSON，Content-Type 须为 application/json"),
    "MethodNotAllowedError": ("method_not_allowed", "该路径不支持此请求方法"),
    "BadRequest": ("not_acceptable", "请求的 Accept 与响应的内容类型不符"),
    "InternalServerError": ("internal_error", "服务器内部错误，请凭关联编号联系平台"),
}


def framework_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """HTTP middleware (app.py): Chalice answers a wrong Content-Type (415), a
    wrong method (405) and a few others itself with ``{"Code", "Message"}``;
    give those our error body instead."""
    response = get_response(event)
    payload = response.body
    if not (isinstance(payload, dict) and set(payload) == {"Code", "Message"} and response.status_code >= 400):
        return response
    request_id = _request_id(event)
    code, message = FRAMEWORK_ERRORS.get(payload["Code"], ("request_refused", "请求无法处理"))
    body = error_body(code, message, request_id)
    if response.status_code >= 500:
        body["error"]["correlation_id"] = request_id
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    return _json_response(body, response.status_code, request_id, headers)


def _principal(request: Any) -> access_rules.Principal:
    from chalicelib.services.identity.sessions import load_principal

    token = bearer((request.headers or {}).get("authorization"))
    if token is None:
        raise Unauthenticated("请先登录", code="unauthenticated")
    return load_principal(token)


def _request_id(request: Any) -> str:
    context = getattr(request, "context", None) or {}
    return context.get("requestId") or str(uuid.uuid4())


def _render(result: Any, status: int, ctx: RequestContext) -> Response:
    if isinstance(result, Response):
        result.headers.setdefault("X-Request-Id", ctx.request_id)
        return result
    headers = dict(ctx.extra_headers)
    if isinstance(result, Reply):
        status, headers = result.status, {**headers, **result.headers}
        result = result.body
    body = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    return _json_response(body, status, ctx.request_id, headers)


def _run_idempotently(ctx: RequestContext, scope: str, operation: str, call: Callable[[], Response]) -> Response:
    from chalicelib.store import idempotency as store

    key = ctx.header(IDEMPOTENCY_HEADER)
    if key is None:
        return call()
    record = idem_rules.record_key(scope, operation, idem_rules.validate_key(key))
    fp = idem_rules.fingerprint({"body": ctx.body.model_dump(mode="json") if ctx.body else None,
                                 "query": ctx.query.model_dump(mode="json") if ctx.query else None})
    replay = store.claim(record, fp, clock.now())
    if replay is not None:
        return Response(body=replay.body, status_code=replay.status_code,
                        headers={**replay.headers, "X-Request-Id": ctx.request_id, "Idempotent-Replayed": "true"})
    try:
        response = call()
    except BaseException:
        store.release(record)
        raise
    if 200 <= response.status_code < 300:
        body = response.body if isinstance(response.body, str) else json.dumps(response.body, ensure_ascii=False)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "x-request-id"}
        try:
            store.complete(record, fp, store.StoredResponse(response.status_code, body, headers), clock.now())
        except Exception as exc:
            from chalicelib import aws

            if aws.unavailable(exc) is None:
                raise
            # The work is committed: answer it. The key stays in flight until its TTL (a retry meanwhile
            # is a 409 request_in_progress, after it the operation's own conflict), never a 503 that
            # tells the client a committed change may not have happened.
            log.warning("idempotency key not completed", extra={"error": repr(exc)})
    else:
        store.release(record)
    return response


def endpoint(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    access: access_rules.Access,
    summary: str,
    tags: tuple[str, ...] = (),
    body: type[BaseModel] | LazyClass | None = None,
    query: type[BaseModel] | LazyClass | None = None,
    response: type[BaseModel] | LazyClass | None = None,
    status: int = 200,
    idempotent: bool = False,
    errors: tuple[int, ...] = (),
    content_type: str = "application/json",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``view(ctx, **path_params)`` for ``method path`` on ``bp``.

    ``access`` says who may call it (``chalicelib.domain.access``); it is checked
    before the body is parsed, against the caller's state read for this request."""

    # an Idempotency-Key of the wrong form is a 400 even on a route without a body or query
    implied = ({400} if body or query or idempotent else set()) | ({415} if body else set()) \
        | (set() if access.public else {401, 403})

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        doc = ENDPOINTS[(path, method)] = EndpointDoc(
            path, method, summary, tags, body, query, response, status, idempotent,
            tuple(sorted(set(errors) | implied)), access, content_type,
        )

        @functools.wraps(view)
        def wrapped(**path_params: str) -> Response:
            request = bp.current_request
            ctx = RequestContext(request=request, request_id=_request_id(request))
            with request_context(ctx.request_id):
                try:
                    if not access.public:
                        ctx.principal = _principal(request)
                    access_rules.check(access, ctx.principal)
                    if body is not None:
                        ctx.body = parse_model(doc.body, _read_json_body(request))
                    if query is not None:
                        ctx.query = parse_model(doc.query, _query_params(request), prefix="query.")

                    def call() -> Response:
                        return _render(view(ctx, **path_params), status, ctx)

                    if idempotent:
                        scope = f"account#{ctx.principal.account_id}" if ctx.principal else "public"
                        return _run_idempotently(ctx, scope, f"{method} {path}", call)
                    return call()
                except DomainError as error:
                    log.info("request refused", extra={"code": error.code, "path": path})
                    return domain_error_response(error, ctx.request_id)
                except Exception as exc:
                    unavailable = aws.unavailable(exc)  # a dependency slow or failing: 503, never 500
                    if unavailable is not None:
                        log.warning("dependency unavailable", exc_info=True,
                                    extra={"code": unavailable.code, "path": path})
                        return domain_error_response(unavailable, ctx.request_id)
                    log.exception("unhandled error", extra={"path": path, "method": method})
                    return _json_response(
                        {"error": {"code": "internal_error", "message": "服务器内部错误，请凭关联编号联系平台",
                                   "details": [], "request_id": ctx.request_id,
                                   "correlation_id": ctx.request_id}},
                        500, ctx.request_id)

        route_options = {} if access.public else {"authorizer": token_authorizer}
        bp.route(path, methods=[method], **route_options)(wrapped)
        return wrapped

    return decorate
