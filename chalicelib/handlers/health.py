"""GET /health."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import PUBLIC
from chalicelib.handlers._http import Reply, RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_class

HealthReport = lazy_class("chalicelib.schemas.health", "HealthReport")

health = lazy("chalicelib.services.health")

bp = Blueprint(__name__)


@endpoint(bp, "/health", access=PUBLIC, summary="Round-trip DynamoDB, S3, Step Functions and SQS",
          tags=("operations",), response=HealthReport, errors=(503,))
def get_health(ctx: RequestContext):
    report = health.check()
    return Reply(report, 503) if report.failed else report
