"""/projects: procurement projects run by the platform center (采购项目);
/announcements: the published ones, readable without login (公告通知)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import ANY_ORG_ACCOUNT, ENTERPRISE_ROLES, PUBLIC, business
from chalicelib.domain.enums import ActorKind, Permission
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy
from chalicelib.schemas.common import PageQuery
from chalicelib.schemas.projects import (
    AnnouncementPage, CatalogEntryPage, CatalogEntryPut, CatalogEntryView, DeclarationCreate, DeclarationPage,
    DeclarationView, ProjectCreate, ProjectPage, ProjectPatch, ProjectQuery, ProjectView,
)
from chalicelib.schemas.identity import Done

service = lazy("chalicelib.services.projects")

bp = Blueprint(__name__)
TAGS = ("projects",)
# The platform center: an authorised operator (or sub-account) of the platform holding 项目管理.
# (Kept equal to services.projects.CENTER, which the service uses to decide who sees drafts.)
CENTER = business(Permission.PROJECT_MANAGE, actors=frozenset({ActorKind.PLATFORM}))
# An enterprise in the procurement subsystem (its self-distribution gate is passed on entry), certified in an
# enterprise role, acting through an authorised operator or a sub-account holding 产品申报.
DECLARER = business(Permission.DECLARATION, actors=frozenset({ActorKind.ENTERPRISE}), roles=ENTERPRISE_ROLES,
                    entered=True)


@endpoint(bp, "/projects", "POST", access=CENTER, tags=TAGS, body=ProjectCreate, response=ProjectView, status=201,
          idempotent=True, summary="Create a project (a draft) with its declaration and publication windows")
def create_project(ctx: RequestContext):
    return service.create(ctx.principal, ctx.body)


@endpoint(bp, "/projects", access=CENTER, tags=TAGS, query=ProjectQuery, response=ProjectPage,
          summary="The center's projects by (stored) status, newest first")
def list_projects(ctx: RequestContext):
    return service.list_projects(ctx.query)


@endpoint(bp, "/projects/{project_id}", access=ANY_ORG_ACCOUNT, tags=TAGS, response=ProjectView, errors=(404,),
          summary="One project (the center: any; everyone else: published projects only)")
def get_project(ctx: RequestContext, project_id: str):
    return service.get(ctx.principal, project_id)


@endpoint(bp, "/projects/{project_id}", "PATCH", access=CENTER, tags=TAGS, body=ProjectPatch, response=ProjectView,
          errors=(404, 409), summary="Edit a draft project (name, announcement, windows)")
def update_project(ctx: RequestContext, project_id: str):
    return service.update(ctx.principal, project_id, ctx.body)


@endpoint(bp, "/projects/{project_id}/publish", "POST", access=CENTER, tags=TAGS, response=ProjectView,
          errors=(404, 409), summary="Publish a draft project: its announcement appears and its windows apply")
def publish_project(ctx: RequestContext, project_id: str):
    return service.publish(ctx.principal, project_id)


@endpoint(bp, "/announcements", access=PUBLIC, tags=TAGS, query=PageQuery, response=AnnouncementPage,
          summary="Published projects' announcements (公告通知), newest first; no login needed")
def list_announcements(ctx: RequestContext):
    return service.list_announcements(ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/projects/{project_id}/catalog/{code27}", "PUT", access=CENTER, tags=TAGS, body=CatalogEntryPut,
          response=CatalogEntryView, errors=(404, 409),
          summary="Put one national-catalog product in the project catalog (until the declaration window ends)")
def put_catalog_entry(ctx: RequestContext, project_id: str, code27: str):
    return service.put_catalog_entry(ctx.principal, project_id, code27, ctx.body)


@endpoint(bp, "/projects/{project_id}/catalog", access=ANY_ORG_ACCOUNT, tags=TAGS, query=PageQuery,
          response=CatalogEntryPage, errors=(404,),
          summary="The project catalog (the center: any project; everyone else: published projects)")
def list_catalog(ctx: RequestContext, project_id: str):
    return service.list_catalog(ctx.principal, project_id, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/projects/{project_id}/declarations", "POST", access=DECLARER, tags=TAGS, body=DeclarationCreate,
          response=DeclarationView, status=201, idempotent=True, errors=(404, 409),
          summary="Declare a product (in the project catalog and approved in the own library) while the window is open")
def declare(ctx: RequestContext, project_id: str):
    return service.declare(ctx.principal, project_id, ctx.body)


@endpoint(bp, "/projects/{project_id}/declarations", access=DECLARER, tags=TAGS, query=PageQuery,
          response=DeclarationPage, errors=(404,), summary="The enterprise's own declarations in a project")
def list_declarations(ctx: RequestContext, project_id: str):
    return service.list_declarations(ctx.principal, project_id, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/projects/{project_id}/declarations/{code27}", "DELETE", access=DECLARER, tags=TAGS, response=Done,
          errors=(404, 409), summary="Delete a declaration, only while the declaration window is open")
def withdraw(ctx: RequestContext, project_id: str, code27: str):
    return service.withdraw(ctx.principal, project_id, code27)
