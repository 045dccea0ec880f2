"""A fault injector for the app's AWS calls (issue 13 item 4), in front of moto.

``Injector`` wraps moto's botocore hook (``BotocoreStubber``, the ``before-send`` handler every
client has under ``mock_aws``, PynamoDB's included). It numbers the calls one request makes on
the test's thread — a *step* is the n-th call of one operation of one service, its retries
being the same step (botocore's ``amz-sdk-invocation-id`` header) — and answers the chosen step
with a fault, on every attempt (a lasting outage) or on the first only (botocore retries it).
Calls moto makes on its own threads (a Step Functions execution writing its task token) are
left alone. botocore's back-off sleeps are skipped.

Faults: the service's throttling answer, a 500, and a read timeout after moto applied the call
(the answer is lost: the worst case for "never a half-written state").
"""
from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from typing import Callable, Iterator
from unittest import mock

import botocore.endpoint
import botocore.exceptions
from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

THROTTLE_CODES = {"dynamodb": "ProvisionedThroughputExceededException", "sfn": "ThrottlingException",
                  "sqs": "RequestThrottled", "sns": "Throttling", "s3": "SlowDown"}
XML_SERVICES = {"s3", "sns"}


@dataclass(frozen=True)
class Step:
    service: str  # botocore's event name for the service: dynamodb, sfn, s3, sns, sqs
    operation: str
    occurrence: int  # 1: the first call of this operation in the request

    def __str__(self) -> str:
        return f"{self.service}.{self.operation}#{self.occurrence}"


def _xml_error(code: str) -> bytes:
    return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected</Message></Error>"
            f"</ErrorResponse>").encode()


def throttled(service: str, request) -> AWSResponse:
    code = THROTTLE_CODES[service]
    if service == "s3":
        return AWSResponse(request.url, 503, {}, MockRawResponse(
            f"<Error><Code>{code}</Code><Message>Please reduce your request rate.</Message></Error>".encode()))
    if service in XML_SERVICES:
        return AWSResponse(request.url, 400, {}, MockRawResponse(_xml_error(code)))
    return AWSResponse(request.url, 400, {"x-amzn-RequestId": "injected"}, MockRawResponse(json.dumps(
        {"__type": f"com.amazonaws#{code}", "message": "Rate of requests exceeds the allowed throughput."}).encode()))


def server_error(service: str, request) -> AWSResponse:
    if service in XML_SERVICES:
        return AWSResponse(request.url, 500, {}, MockRawResponse(
            b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"))
    return AWSResponse(request.url, 500, {"x-amzn-RequestId": "injected"}, MockRawResponse(json.dumps(
        {"__type": "com.amazonaws#InternalServerError", "message": "injected"}).encode()))


def timeout_after_applying(service: str, request, apply: Callable[[], object]):
    apply()
    raise botocore.exceptions.ReadTimeoutError(endpoint_url=request.url)


@dataclass(frozen=True)
class Fault:
    name: str  # throttled | server_error | timeout_after_applying
    attempts: int | None = None  # how many attempts of the step fail; None: every one

    def __str__(self) -> str:
        return self.name + ("" if self.attempts is None else f"×{self.attempts}")


FAULTS = (Fault("throttled"), Fault("server_error"), Fault("timeout_after_applying"), Fault("server_error", 1))
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "DescribeExecution", "HeadObject", "GetObject",
                   "ReceiveMessage", "GetQueueAttributes"})


def faults_for(step: Step, index: int) -> tuple[Fault, ...]:
    """The faults a step gets, to keep the matrix cheap: every write its answer lost after applying and
    one failed attempt (retried), a write to Step Functions, SQS, S3 or SNS also a lasting throttling;
    the first read of each operation a lasting outage, throttling or a
    500 in turn (a read changes nothing: what matters is that it is a clean 503, and the later reads
    of the same operation go through the same code)."""
    if step.operation in READS:
        return (FAULTS[index % 2],) if step.occurrence == 1 else ()
    if step.service != "dynamodb":  # after the commit (the outboxes' side): also a lasting outage
        return (Fault("timeout_after_applying"), Fault("server_error", 1), Fault("throttled"))
    return (Fault("timeout_after_applying"), Fault("server_error", 1))


class Injector:
    def __init__(self) -> None:
        self.calls: list[Step] = []
        self.hits = 0
        self._steps: dict[str, Step] = {}
        self._plan: tuple[Step, Fault] | None = None
        self._thread: int | None = None

    @contextlib.contextmanager
    def active(self, step: Step | None = None, fault: Fault | None = None) -> Iterator["Injector"]:
        """Number the calls made on this thread inside the block; fail ``step`` with ``fault``."""
        self.calls, self.hits, self._steps = [], 0, {}
        self._plan = (step, fault) if step is not None else None
        self._thread = threading.get_ident()
        stock = BotocoreStubber.__call__
        injector = self

        def call(stubber, event_name, request, **kwargs):
            if threading.get_ident() != injector._thread or not event_name.startswith("before-send."):
                return stock(stubber, event_name, request, **kwargs)
            _, service, operation = event_name.split(".", 2)
            invocation = request.headers.get("amz-sdk-invocation-id")
            invocation = invocation.decode() if isinstance(invocation, bytes) else invocation
            attempt = _attempt(request.headers.get("amz-sdk-request"))
            key = invocation or f"{len(injector.calls)}"
            if key not in injector._steps:
                n = sum(1 for s in injector.calls if (s.service, s.operation) == (service, operation)) + 1
                injector._steps[key] = Step(service, operation, n)
                injector.calls.append(injector._steps[key])
            plan = injector._plan
            if plan is not None and injector._steps[key] == plan[0] and (plan[1].attempts is None
                                                                        or attempt <= plan[1].attempts):
                injector.hits += 1
                name = plan[1].name
                if name == "timeout_after_applying":
                    return timeout_after_applying(service, request,
                                                  lambda: stock(stubber, event_name, request, **kwargs))
                return (throttled if name == "throttled" else server_error)(service, request)
            return stock(stubber, event_name, request, **kwargs)

        with mock.patch.object(BotocoreStubber, "__call__", call), \
                mock.patch.object(botocore.endpoint, "time", mock.Mock(sleep=lambda s: None)):
            yield self


@contextlib.contextmanager
def paused(injector: "Injector") -> Iterator[None]:
    """Calls made inside are neither numbered nor failed (what AWS itself does: Lambda's SQS poller)."""
    thread, injector._thread = injector._thread, None
    try:
        yield
    finally:
        injector._thread = thread


def _attempt(header) -> int:
    if header is None:
        return 1
    text = header.decode() if isinstance(header, bytes) else header
    for part in text.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "attempt":
            return int(value)
    return 1
