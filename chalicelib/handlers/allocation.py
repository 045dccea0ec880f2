"""/allocation-tasks/...: volume-based procurement allocation (分量; docs/allocation.md)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import business
from chalicelib.domain.enums import ActorKind, Permission
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_classes
from chalicelib.schemas.common import PageQuery

(AgreementExportRequest, AgreementPage, AgreementQuery, DecisionResults, Decisions, DemandImportRequest,
 LevelListQuery, LevelPage, LevelView, ProgressView, SheetListQuery, SheetPage, SheetSave, SheetSubmit, SheetView,
 TaskCreate, TaskDetail, TaskPage) = lazy_classes(
    "chalicelib.schemas.allocation",
    "AgreementExportRequest AgreementPage AgreementQuery DecisionResults Decisions DemandImportRequest "
    "LevelListQuery LevelPage LevelView ProgressView SheetListQuery SheetPage SheetSave SheetSubmit SheetView "
    "TaskCreate TaskDetail TaskPage")
UploadRequest, UploadTicket = lazy_classes("chalicelib.schemas.identity", "UploadRequest UploadTicket")
ImportTemplate, JobView = lazy_classes("chalicelib.schemas.jobs", "ImportTemplate JobView")

tasks = lazy("chalicelib.services.allocation.tasks")
demand = lazy("chalicelib.services.allocation.demand")
sheets = lazy("chalicelib.services.allocation.sheets")
chain = lazy("chalicelib.services.allocation.chain")
agreements = lazy("chalicelib.services.allocation.agreements")
progress = lazy("chalicelib.services.allocation.progress")

bp = Blueprint(__name__)
TAGS = ("allocation",)
OFFICE = business(Permission.PROJECT_MANAGE, actors=frozenset({ActorKind.ALLIANCE_OFFICE}))
INSTITUTION = business(Permission.ALLOCATION_FILL, actors=frozenset({ActorKind.MEDICAL_INSTITUTION}))
CITY = business(Permission.ALLOCATION_REVIEW, actors=frozenset({ActorKind.CITY_BUREAU}))
PROVINCE = business(Permission.ALLOCATION_REVIEW, actors=frozenset({ActorKind.PROVINCE_BUREAU}))
ALLIANCE = business(Permission.ALLOCATION_REVIEW, actors=frozenset({ActorKind.ALLIANCE_OFFICE}))
REVIEWERS = business(Permission.ALLOCATION_REVIEW, actors=frozenset({
    ActorKind.CITY_BUREAU, ActorKind.PROVINCE_BUREAU, ActorKind.ALLIANCE_OFFICE}))
PARTIES = business(None, actors=frozenset({ActorKind.ALLIANCE_OFFICE, ActorKind.PROVINCE_BUREAU,
                                           ActorKind.CITY_BUREAU, ActorKind.MEDICAL_INSTITUTION,
                                           ActorKind.ENTERPRISE}))  # enterprises: to find their agreements
AGREEMENTS = business(Permission.AGREEMENT_QUERY)
T = "/allocation-tasks/{task_id}"


# -- the alliance office's tasks ---------------------------------------------------

@endpoint(bp, "/allocation-tasks", "POST", access=OFFICE, tags=TAGS, body=TaskCreate, response=TaskDetail, status=201,
          idempotent=True, summary="Create an allocation task (分量项目): bid groups with winners, rule, deadlines")
def create_task(ctx: RequestContext):
    return tasks.create(ctx.principal, ctx.body)


@endpoint(bp, "/allocation-tasks", access=PARTIES, tags=TAGS, query=PageQuery, response=TaskPage,
          summary="Allocation tasks, newest first, with the caller's own status per level")
def list_tasks(ctx: RequestContext):
    return tasks.list_tasks(ctx.principal, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/allocation-demand-template", access=OFFICE, tags=TAGS, response=ImportTemplate,
          summary="The demand import template (XLSX, base64)")
def demand_template(ctx: RequestContext):
    return demand.template()


@endpoint(bp, "/allocation-demand-uploads", "POST", access=OFFICE, tags=TAGS, body=UploadRequest,
          response=UploadTicket, status=201, summary="A presigned POST to upload a demand file (CSV/XLSX)")
def demand_upload(ctx: RequestContext):
    return demand.upload_ticket(ctx.principal, ctx.body.filename)


@endpoint(bp, T, access=PARTIES, tags=TAGS, response=TaskDetail, errors=(404,),
          summary="An allocation task with its bid groups and the caller's status")
def task_detail(ctx: RequestContext, task_id: str):
    return tasks.detail(ctx.principal, task_id)


@endpoint(bp, f"{T}/demand-imports", "POST", access=OFFICE, tags=TAGS, body=DemandImportRequest, response=JobView,
          status=202, idempotent=True, errors=(404, 409),
          summary="Import each institution's demand per bid group (a job; all or nothing, error workbook)")
def demand_import(ctx: RequestContext, task_id: str):
    return demand.start_import(ctx.principal, task_id, ctx.body.upload_key)


@endpoint(bp, f"{T}/publish", "POST", access=OFFICE, tags=TAGS, response=TaskDetail, errors=(404, 409),
          summary="Publish the task: institutions may fill from now until the fill deadline")
def publish(ctx: RequestContext, task_id: str):
    return tasks.publish(ctx.principal, task_id)


# -- the institution --------------------------------------------------------------------

@endpoint(bp, f"{T}/my-sheet", access=INSTITUTION, tags=TAGS, response=SheetView, errors=(404,),
          summary="The institution's sheet: per bid group the winners, rank, price, base and remaining")
def my_sheet(ctx: RequestContext, task_id: str):
    return sheets.get(ctx.principal, task_id)


@endpoint(bp, f"{T}/my-sheet", "PUT", access=INSTITUTION, tags=TAGS, body=SheetSave, response=SheetView,
          errors=(404, 409), summary="Save the own allocation of the remaining quantity as a draft (version check)")
def save_sheet(ctx: RequestContext, task_id: str):
    return sheets.save(ctx.principal, task_id, ctx.body)


@endpoint(bp, f"{T}/my-sheet/submit", "POST", access=INSTITUTION, tags=TAGS, body=SheetSubmit, response=SheetView,
          errors=(404, 409), summary="Submit the sheet to the city bureau (before the fill deadline)")
def submit_sheet(ctx: RequestContext, task_id: str):
    return sheets.submit(ctx.principal, task_id, ctx.body.version)


# -- the city bureau ------------------------------------------------------------------------

@endpoint(bp, f"{T}/city/sheets", access=CITY, tags=TAGS, query=SheetListQuery, response=SheetPage, errors=(404,),
          summary="中选结果分量信息审核(市医保): the city's institutions with totals and status")
def city_sheets(ctx: RequestContext, task_id: str):
    q = ctx.query
    return chain.city_sheets(ctx.principal, task_id, q.status, q.limit, q.cursor)


@endpoint(bp, f"{T}/sheets/{{inst_id}}", access=REVIEWERS, tags=TAGS, response=SheetView, errors=(404,),
          summary="查看详情: an institution's sheet (its city, province, the alliance office)")
def sheet_detail(ctx: RequestContext, task_id: str, inst_id: str):
    return chain.sheet_detail(ctx.principal, task_id, inst_id)


@endpoint(bp, f"{T}/levels/{{unit}}", access=REVIEWERS, tags=TAGS, response=LevelView, errors=(404,),
          summary="A city's or a province's submission (itself and the levels above)")
def level_detail(ctx: RequestContext, task_id: str, unit: str):
    return chain.level_detail(ctx.principal, task_id, unit)


@endpoint(bp, f"{T}/progress", access=REVIEWERS, tags=TAGS, response=ProgressView, errors=(404,),
          summary="Progress dashboard: institutions by sheet status per unit of the caller's level")
def task_progress(ctx: RequestContext, task_id: str):
    return progress.progress(ctx.principal, task_id)


# -- the province bureau --------------------------------------------------------------------

@endpoint(bp, f"{T}/province/cities", access=PROVINCE, tags=TAGS, query=LevelListQuery, response=LevelPage,
          errors=(404,), summary="The province's cities with aggregated totals and status")
def province_cities(ctx: RequestContext, task_id: str):
    q = ctx.query
    return chain.province_cities(ctx.principal, task_id, q.status, q.limit, q.cursor)


@endpoint(bp, f"{T}/province/cities/{{city}}/sheets", access=PROVINCE, tags=TAGS, query=SheetListQuery,
          response=SheetPage, errors=(404,), summary="Drill down: one of the province's cities' institutions")
def province_city_sheets(ctx: RequestContext, task_id: str, city: str):
    q = ctx.query
    return chain.province_sheets(ctx.principal, task_id, city, q.status, q.limit, q.cursor)


# -- the alliance office's review --------------------------------------------------------------

@endpoint(bp, f"{T}/alliance/provinces", access=ALLIANCE, tags=TAGS, query=LevelListQuery, response=LevelPage,
          errors=(404,), summary="Provinces' submissions with totals and status")
def alliance_provinces(ctx: RequestContext, task_id: str):
    q = ctx.query
    return chain.alliance_provinces(ctx.principal, task_id, q.status, q.limit, q.cursor)


@endpoint(bp, f"{T}/alliance/provinces/{{province}}/sheets", access=ALLIANCE, tags=TAGS, query=SheetListQuery,
          response=SheetPage, errors=(404,), summary="Drill down: one province's institutions, by city")
def alliance_province_sheets(ctx: RequestContext, task_id: str, province: str):
    q = ctx.query
    return chain.alliance_sheets(ctx.principal, task_id, province, q.status, q.limit, q.cursor)


@endpoint(bp, f"{T}/finalise", "POST", access=ALLIANCE, tags=TAGS, response=TaskDetail, errors=(404, 409),
          summary="Finalise the task (every province that submitted is approved): agreements become final")
def finalise(ctx: RequestContext, task_id: str):
    return chain.finalise(ctx.principal, task_id)


# -- each review level's decisions, submission and withdrawal ---------------------------------

def _level_routes(level: str, access, *, returns_to: str, submits_to: str | None) -> None:
    """``/{level}/decisions`` (batch approve, or return one level down with a reason) and, for the
    levels that hand on upwards, ``/{level}/submit`` and ``/{level}/withdraw``; ``chain.<LEVEL>``
    is read at call time (the services are imported lazily)."""

    def decide(ctx: RequestContext, task_id: str):
        b = ctx.body
        return chain.decide(getattr(chain, level.upper()), ctx.principal, task_id, b.units, b.decision, b.reason)

    def submit(ctx: RequestContext, task_id: str):
        return chain.submit(getattr(chain, level.upper()), ctx.principal, task_id)

    def withdraw(ctx: RequestContext, task_id: str):
        return chain.withdraw(getattr(chain, level.upper()), ctx.principal, task_id)

    routes = [(decide, "decisions", {"body": Decisions, "response": DecisionResults},
               f"Batch approve, or return to {returns_to} with a reason")]
    if submits_to:
        routes += [(submit, "submit", {"response": LevelView},
                    f"Submit to {submits_to} (every unit that submitted to this level is approved)"),
                   (withdraw, "withdraw", {"response": LevelView},
                    f"Withdraw the submission while {submits_to} has not acted")]
    for view, action, shapes, summary in routes:
        view.__name__ = view.__qualname__ = f"{level}_{'decide' if action == 'decisions' else action}"
        endpoint(bp, f"{T}/{level}/{action}", "POST", access=access, tags=TAGS, errors=(404, 409),
                 summary=summary, **shapes)(view)


_level_routes("city", CITY, returns_to="the institution", submits_to="the province")
_level_routes("province", PROVINCE, returns_to="the city", submits_to="the alliance office")
_level_routes("alliance", ALLIANCE, returns_to="the province", submits_to=None)


# -- agreements ----------------------------------------------------------------------------------

@endpoint(bp, f"{T}/agreements", access=AGREEMENTS, tags=TAGS, query=AgreementQuery, response=AgreementPage,
          errors=(404,), summary="中选企业协议量明细: agreement volumes the caller may see, filterable")
def list_agreements(ctx: RequestContext, task_id: str):
    return agreements.list_agreements(ctx.principal, task_id, ctx.query)


@endpoint(bp, f"{T}/agreement-exports", "POST", access=AGREEMENTS, tags=TAGS, body=AgreementExportRequest,
          response=JobView, status=202, idempotent=True, errors=(404,),
          summary="Export the agreement volumes to Excel (a job; the result is a presigned link)")
def export_agreements(ctx: RequestContext, task_id: str):
    return agreements.request_export(ctx.principal, task_id, ctx.body.model_dump())
