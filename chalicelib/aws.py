"""Lazily created boto3 clients, one per service per process, and what their failures mean.

Nothing here runs at import time (boto3 alone costs ~150 ms to import), so the
Lambda pays for a client only when a request needs it. boto3 honours
``AWS_ENDPOINT_URL``, which is how the local stack points at moto.

Timeouts and retries are chosen so that a request answers within API Gateway's
29 s (``REQUEST_BUDGET_S``) rather than being retried past it: at most
``MAX_ATTEMPTS`` attempts of ``CONNECT_TIMEOUT_S + READ_TIMEOUT_S`` each, plus
botocore's standard-mode back-off between them (under ``MAX_BACKOFF_S`` in all).
The PynamoDB models and transactions use the same figures (``store/tables.py``).
"""
from __future__ import annotations

import threading
from typing import Any

from chalicelib.domain.errors import DependencyUnavailable

REQUEST_BUDGET_S = 29.0
CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 5
MAX_ATTEMPTS = 3
MAX_BACKOFF_S = 1 + 2  # botocore standard mode: random(0, 2 ** (attempt - 1)) s before attempts 2 and 3

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            from chalicelib.config import get_settings

            cfg = Config(
                signature_version="s3v4" if service == "s3" else None,
                retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
                connect_timeout=CONNECT_TIMEOUT_S,
                read_timeout=READ_TIMEOUT_S,
            )
            _clients[service] = boto3.client(service, region_name=get_settings().region, config=cfg)
        return _clients[service]


def reset_clients() -> None:
    """Drop cached clients (tests switch between moto modes)."""
    with _lock:
        _clients.clear()


# What each dependency is called in a 503, by botocore service name.
DEPENDENCIES: dict[str, tuple[str, str]] = {
    "dynamodb": ("store", "数据存储"),
    "stepfunctions": ("workflow", "流程服务"),
    "s3": ("files", "文件存储"),
    "sns": ("notifications", "消息通知服务"),
    "sqs": ("queue", "任务队列"),
    "secretsmanager": ("secrets", "密钥服务"),
}
THROTTLED_RETRY_AFTER_S = 2
UNAVAILABLE_RETRY_AFTER_S = 5


def _raising_service(exc: BaseException) -> str | None:
    """The botocore client whose call raised ``exc``, read from the traceback: one place
    knows every client, whoever made it (boto3 here, PynamoDB's own)."""
    from botocore.client import BaseClient

    tb = exc.__traceback__
    while tb is not None:
        caller = tb.tb_frame.f_locals.get("self")
        if isinstance(caller, BaseClient):
            return caller.meta.service_model.service_name
        tb = tb.tb_next
    return None


def unavailable(exc: BaseException) -> DependencyUnavailable | None:
    """The 503 for a dependency that did not answer (timeout, connection), answered 5xx or
    throttled; for Step Functions, S3, SNS, SQS and Secrets Manager also any other error no
    caller handled. None when ``exc`` is no such failure (a bug stays a 500)."""
    from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError
    from botocore.retries.standard import RetryContext, ThrottledRetryableChecker, TransientRetryableChecker
    from pynamodb.exceptions import PynamoDBException

    cause, service = exc, None
    if isinstance(exc, PynamoDBException):
        cause, service = exc.cause, "dynamodb"
    if not isinstance(cause, (ClientError, BotoCoreError)):
        return None
    # PynamoDB re-raises botocore's error as its own VerboseClientError, whose response lacks the
    # HTTP status: read botocore's original (its __cause__), or a DynamoDB 500 would stay a 500.
    while isinstance(cause.__cause__, (ClientError, BotoCoreError)):
        cause = cause.__cause__
    service = service or _raising_service(cause)
    if service not in DEPENDENCIES:
        return None
    name, label = DEPENDENCIES[service]
    if isinstance(cause, ClientError):
        context = RetryContext(attempt_number=1, parsed_response=cause.response)
        status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if ThrottledRetryableChecker().is_retryable(context):
            return DependencyUnavailable(f"{label}繁忙，请稍后重试", code=f"{name}_throttled",
                                         retry_after_s=THROTTLED_RETRY_AFTER_S)
        if not (status >= 500 or TransientRetryableChecker().is_retryable(context) or service != "dynamodb"):
            return None  # DynamoDB refusing a request is the app's bug, not an outage
    elif not isinstance(cause, (ConnectionError, HTTPClientError)):
        return None  # parameter validation, credentials: configuration or code, not an outage
    return DependencyUnavailable(f"{label}暂未应答，操作可能未完成，请稍后刷新确认后重试", code=f"{name}_unavailable",
                                 retry_after_s=UNAVAILABLE_RETRY_AFTER_S)


def raise_if_unavailable(exc: BaseException) -> None:
    """Re-raise ``exc`` as the dependency's 503 when it is an outage (``unavailable``); callers that
    read a refused condition as a domain answer call this first, so an outage is never taken for one."""
    found = unavailable(exc)
    if found is not None:
        raise found from exc
