"""GET /jobs/{job_id}: status, progress and the result link of a job."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import ANY_ORG_ACCOUNT
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_class

JobView = lazy_class("chalicelib.schemas.jobs", "JobView")

service = lazy("chalicelib.services.jobs")

bp = Blueprint(__name__)


@endpoint(bp, "/jobs/{job_id}", access=ANY_ORG_ACCOUNT, summary="A job's status, progress and result link", tags=("jobs",),
          response=JobView, errors=(404,))
def get_job(ctx: RequestContext, job_id: str):
    return service.get(job_id, owner=f"account#{ctx.principal.account_id}")
