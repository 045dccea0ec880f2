"""/workbench: the enterprise workbench (我的工作台): the projects it can take part in with its declaration
counts, and the products it may declare into a project (选择耗材目录)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.handlers.projects import DECLARER
from chalicelib.lazy import lazy, lazy_classes
from chalicelib.schemas.common import PageQuery

(CandidatePage, WorkbenchPage, WorkbenchQuery) = lazy_classes(
    "chalicelib.schemas.projects",
    "CandidatePage WorkbenchPage WorkbenchQuery")

service = lazy("chalicelib.services.workbench")

bp = Blueprint(__name__)
TAGS = ("projects",)


@endpoint(bp, "/workbench/projects", access=DECLARER, tags=TAGS, query=WorkbenchQuery, response=WorkbenchPage,
          summary="我的工作台: published projects (newest first) with the enterprise's declaration counts")
def workbench(ctx: RequestContext):
    return service.workbench(ctx.principal, ctx.query)


@endpoint(bp, "/workbench/projects/{project_id}/candidates", access=DECLARER, tags=TAGS, query=PageQuery,
          response=CandidatePage, errors=(404,),
          summary="选择耗材目录: the project-catalog products approved in the enterprise's own library")
def candidates(ctx: RequestContext, project_id: str):
    return service.candidates(ctx.principal, project_id, ctx.query.limit, ctx.query.cursor)
