"""GET /jobs/{job_id}: status, progress and the result link of a job."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.schemas.jobs import JobView
from chalicelib.services import jobs as service

bp = Blueprint(__name__)


@endpoint(bp, "/jobs/{job_id}", summary="A job's status, progress and result link", tags=("jobs",),
          response=JobView, errors=(404,))
def get_job(ctx: RequestContext, job_id: str):
    # Until accounts exist (identity issue) jobs are owned by "public" and the
    # random 128-bit id is the capability; the owner check is already in place.
    return service.get(job_id, owner="public")
