"""GET /health: round-trip every dependency and name the ones that failed."""
from __future__ import annotations

import time
import uuid
from typing import Callable

from chalicelib import clock, files, workflows
from chalicelib.config import get_settings
from chalicelib.jobs import queue
from chalicelib.logs import get_logger
from chalicelib.schemas.health import DependencyCheck, HealthReport
from chalicelib.store import probe

log = get_logger("health")
SFN_TIMEOUT_S = 10.0


def _dynamodb(token: str) -> None:
    probe.round_trip(token, clock.now())


def _s3(token: str) -> None:
    key = f"health/{token}"
    files.put_bytes(key, token.encode(), "text/plain")
    try:
        if files.head(key)["ContentLength"] != len(token):
            raise RuntimeError("object size read back differs from what was written")
    finally:
        files.delete(key)


def _stepfunctions(token: str) -> None:
    arn = workflows.start("health", f"health-{token}", {"probe": token})
    described = workflows.wait_for(arn, SFN_TIMEOUT_S)
    if described["status"] != "SUCCEEDED":
        raise RuntimeError(f"execution ended {described['status']}")


def _sqs(token: str) -> None:
    queue.send("health", {"probe": token})
    # The queue is dedicated to probes: any probe message received proves the
    # receive path; concurrent probes may take each other's messages.
    for _ in range(3):
        messages = queue.receive("health", max_messages=10, wait_s=1)
        for message in messages:
            queue.delete("health", message["ReceiptHandle"])
        if messages:
            return
    raise RuntimeError("sent a message but received none")


PROBES: dict[str, Callable[[str], None]] = {
    "dynamodb": _dynamodb, "s3": _s3, "stepfunctions": _stepfunctions, "sqs": _sqs,
}


def check() -> HealthReport:
    checks = []
    for name, probe_fn in PROBES.items():
        token = uuid.uuid4().hex
        started = time.perf_counter()
        try:
            probe_fn(token)
            detail, ok = None, True
        except Exception as exc:  # a health check reports failures, it does not raise them
            log.warning("health probe failed", extra={"dependency": name, "error": repr(exc)})
            detail, ok = f"{type(exc).__name__}: {exc}"[:300], False
        checks.append(DependencyCheck(name=name, ok=ok, detail=detail,
                                      latency_ms=round((time.perf_counter() - started) * 1000, 1)))
    failed = [c.name for c in checks if not c.ok]
    return HealthReport(status="degraded" if failed else "ok", stage=get_settings().stage,
                        checked_at=clock.now().isoformat(), failed=failed, checks=checks)
