from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class DependencyCheck(BaseModel):
    name: Literal["dynamodb", "s3", "stepfunctions", "sqs"]
    ok: bool
    latency_ms: float
    detail: str | None = None


class HealthReport(BaseModel):
    status: Literal["ok", "degraded"]
    stage: str
    checked_at: str
    failed: list[str]
    checks: list[DependencyCheck]
