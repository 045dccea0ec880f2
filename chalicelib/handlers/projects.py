"""/projects: procurement projects run by the platform center (采购项目);
/announcements: the published ones, readable without login (公告通知)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import ANY_ORG_ACCOUNT, ENTERPRISE_ROLES, PUBLIC, business
from chalicelib.domain.enums import ActorKind, Permission
from chalicelib.domain.projects import CENTER
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_class, lazy_classes
from chalicelib.schemas.common import PageQuery

(AnnouncementPage, AnnouncementView, AttachmentCreate, CatalogEntryPage, CatalogEntryPut, CatalogEntryQuery,
 CatalogEntryView, CatalogImportRequest, CenterDeclarationPage, CenterDeclarationQuery, DeclarationBatch,
 DeclarationBatchResult, DeclarationCreate, DeclarationPage, DeclarationView, ProjectCreate, ProjectExportRequest,
 ProjectPage, ProjectPatch, ProjectQuery, ProjectView) = lazy_classes(
    "chalicelib.schemas.projects",
    "AnnouncementPage AnnouncementView AttachmentCreate CatalogEntryPage CatalogEntryPut CatalogEntryQuery "
    "CatalogEntryView CatalogImportRequest CenterDeclarationPage CenterDeclarationQuery DeclarationBatch "
    "DeclarationBatchResult DeclarationCreate DeclarationPage DeclarationView ProjectCreate ProjectExportRequest "
    "ProjectPage ProjectPatch ProjectQuery ProjectView")
Done, UploadRequest, UploadTicket = lazy_classes("chalicelib.schemas.identity", "Done UploadRequest UploadTicket")
ImportTemplate, JobView = lazy_classes("chalicelib.schemas.jobs", "ImportTemplate JobView")
HistoryPage = lazy_class("chalicelib.schemas.records", "HistoryPage")

service = lazy("chalicelib.services.projects")
catalog_import = lazy("chalicelib.services.project_catalog")
attachments = lazy("chalicelib.services.project_attachments")
exports = lazy("chalicelib.services.project_exports")
registries = lazy("chalicelib.services.identity.registries")

bp = Blueprint(__name__)
TAGS = ("projects",)
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


@endpoint(bp, "/projects/{project_id}/catalog", access=ANY_ORG_ACCOUNT, tags=TAGS, query=CatalogEntryQuery,
          response=CatalogEntryPage, errors=(404,),
          summary="The project catalog, by code or one bid group (the center: any project; others: published ones)")
def list_catalog(ctx: RequestContext, project_id: str):
    return service.list_catalog(ctx.principal, project_id, ctx.query)


@endpoint(bp, "/projects/{project_id}/declarations", "POST", access=DECLARER, tags=TAGS, body=DeclarationCreate,
          response=DeclarationView, status=201, idempotent=True, errors=(404, 409),
          summary="Declare a product (in the project catalog and approved in the own library) while the window is open")
def declare(ctx: RequestContext, project_id: str):
    return service.declare(ctx.principal, project_id, ctx.body)


@endpoint(bp, "/projects/{project_id}/declarations/batch", "POST", access=DECLARER, tags=TAGS, body=DeclarationBatch,
          response=DeclarationBatchResult, idempotent=True, errors=(404, 409),
          summary="Declare several picked products at once (选择耗材目录 → 确定); each outcome reported")
def declare_many(ctx: RequestContext, project_id: str):
    return service.declare_many(ctx.principal, project_id, ctx.body)


@endpoint(bp, "/projects/{project_id}/declarations", access=DECLARER, tags=TAGS, query=PageQuery,
          response=DeclarationPage, errors=(404,), summary="The enterprise's own declarations in a project")
def list_declarations(ctx: RequestContext, project_id: str):
    return service.list_declarations(ctx.principal, project_id, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/projects/{project_id}/declarations/{code27}", "DELETE", access=DECLARER, tags=TAGS, response=Done,
          errors=(400, 404, 409), summary="Delete a declaration, only while the declaration window is open")
def withdraw(ctx: RequestContext, project_id: str, code27: str):
    return service.withdraw(ctx.principal, project_id, code27)


# -- project catalog import, catalog entry removal, attachments ---------------------------

@endpoint(bp, "/projects/catalog-import-template", access=CENTER, tags=TAGS, response=ImportTemplate,
          summary="The project catalog import template (XLSX, base64): headers EN + 中文, a sample row, notes")
def catalog_import_template(ctx: RequestContext):
    return catalog_import.template()


@endpoint(bp, "/projects/catalog-imports/uploads", "POST", access=CENTER, tags=TAGS, body=UploadRequest,
          response=UploadTicket, status=201, summary="A presigned POST to upload a project catalog file (CSV/XLSX)")
def catalog_import_upload(ctx: RequestContext):
    return registries.upload_ticket(ctx.principal, ctx.body.filename)


@endpoint(bp, "/projects/{project_id}/catalog-imports", "POST", access=CENTER, tags=TAGS, body=CatalogImportRequest,
          response=JobView, status=202, idempotent=True, errors=(404, 409),
          summary="Import the project catalog from an uploaded file (a job; bad rows come back in a report)")
def start_catalog_import(ctx: RequestContext, project_id: str):
    return catalog_import.start_import(ctx.principal, project_id, ctx.body.upload_key)


@endpoint(bp, "/projects/{project_id}/catalog/{code27}", "DELETE", access=CENTER, tags=TAGS, response=Done,
          errors=(400, 404, 409),
          summary="Remove a product from the project catalog (before the declaration end; if nobody declared it)")
def delete_catalog_entry(ctx: RequestContext, project_id: str, code27: str):
    return catalog_import.delete_entry(ctx.principal, project_id, code27)


@endpoint(bp, "/projects/{project_id}/attachments", "POST", access=CENTER, tags=TAGS, body=AttachmentCreate,
          response=ProjectView, status=201, errors=(404, 409),
          summary="Attach a verified PDF of the center to a draft project (at most 10)")
def attach(ctx: RequestContext, project_id: str):
    return attachments.attach(ctx.principal, project_id, ctx.body)


@endpoint(bp, "/projects/{project_id}/attachments/{file_id}", "DELETE", access=CENTER, tags=TAGS,
          response=ProjectView, errors=(404, 409), summary="Remove an attachment from a draft project")
def detach(ctx: RequestContext, project_id: str, file_id: str):
    return attachments.detach(ctx.principal, project_id, file_id)


@endpoint(bp, "/announcements/{project_id}", access=PUBLIC, tags=TAGS, response=AnnouncementView, errors=(404,),
          summary="One published project's announcement with download links for its attachments; no login needed")
def get_announcement(ctx: RequestContext, project_id: str):
    return attachments.get_announcement(project_id)


# -- the center's view of the declarations, exports ---------------------------------------

@endpoint(bp, "/projects/{project_id}/declarations/all", access=CENTER, tags=TAGS, query=CenterDeclarationQuery,
          response=CenterDeclarationPage, errors=(404,),
          summary="Every enterprise's declarations in a project (or one enterprise's: org_id), with names")
def list_all_declarations(ctx: RequestContext, project_id: str):
    return exports.list_declarations(project_id, ctx.query)


@endpoint(bp, "/projects/{project_id}/exports", "POST", access=CENTER, tags=TAGS, body=ProjectExportRequest,
          response=JobView, status=202, idempotent=True, errors=(404, 409),
          summary="Export the project's declarations (申报明细) or results (中选结果) as XLSX (a job)")
def export(ctx: RequestContext, project_id: str):
    return exports.request_export(ctx.principal, project_id, ctx.body.what)


@endpoint(bp, "/projects/{project_id}/history", access=CENTER, tags=TAGS, query=PageQuery, response=HistoryPage,
          errors=(404,), summary="The project's audit log, newest first (transitions, catalog, declarations, results)")
def project_history(ctx: RequestContext, project_id: str):
    return service.history(project_id, ctx.query.limit, ctx.query.cursor)
