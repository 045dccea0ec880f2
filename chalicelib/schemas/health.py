from typing import Literal

from chalicelib.schemas.common import Model


class DependencyCheck(Model):
    name: Literal["dynamodb", "s3", "stepfunctions", "sqs"]
    ok: bool
    latency_ms: float
    detail: str | None = None


class HealthReport(Model):
    status: Literal["ok", "degraded"]
    stage: str
    checked_at: str
    failed: list[str]
    checks: list[DependencyCheck]
