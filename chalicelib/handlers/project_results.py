"""Project results (结果公布): the center imports (a job) and publishes the winning products of a project;
results are queried by the center always, by others during the publication window (docs/projects.md)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import ANY_ORG_ACCOUNT
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.handlers.projects import CENTER
from chalicelib.lazy import lazy, lazy_classes

UploadRequest, UploadTicket = lazy_classes("chalicelib.schemas.identity", "UploadRequest UploadTicket")
ImportTemplate, JobView = lazy_classes("chalicelib.schemas.jobs", "ImportTemplate JobView")
(ResultImportRequest, ResultPage, ResultQuery, ResultsPublished) = lazy_classes(
    "chalicelib.schemas.project_results",
    "ResultImportRequest ResultPage ResultQuery ResultsPublished")

service = lazy("chalicelib.services.project_results")

bp = Blueprint(__name__)
TAGS = ("projects",)


@endpoint(bp, "/result-imports/template", access=CENTER, tags=TAGS, response=ImportTemplate,
          summary="The project results import template (XLSX, base64)")
def template(ctx: RequestContext):
    return service.template()


@endpoint(bp, "/result-imports/uploads", "POST", access=CENTER, tags=TAGS, body=UploadRequest,
          response=UploadTicket, status=201, summary="A presigned POST to upload a results file (CSV/XLSX)")
def upload(ctx: RequestContext):
    return service.upload_ticket(ctx.principal, ctx.body.filename)


@endpoint(bp, "/projects/{project_id}/result-imports", "POST", access=CENTER, tags=TAGS, body=ResultImportRequest,
          response=JobView, status=202, idempotent=True, errors=(404, 409),
          summary="Import the project's results from an uploaded file (a job; replaces unpublished results)")
def start_import(ctx: RequestContext, project_id: str):
    return service.start_import(ctx.principal, project_id, ctx.body.upload_key)


@endpoint(bp, "/projects/{project_id}/results/publish", "POST", access=CENTER, tags=TAGS,
          response=ResultsPublished, errors=(404, 409),
          summary="Publish the imported results (before the publication window ends)")
def publish(ctx: RequestContext, project_id: str):
    return service.publish(ctx.principal, project_id)


@endpoint(bp, "/projects/{project_id}/results", access=ANY_ORG_ACCOUNT, tags=TAGS, query=ResultQuery,
          response=ResultPage, errors=(404, 409),
          summary="The project's results by bid group and rank (the center: always; holders of 结果查询: during "
                  "the publication window; afterwards an enterprise its own rows)")
def list_results(ctx: RequestContext, project_id: str):
    return service.list_results(ctx.principal, project_id, ctx.query)
