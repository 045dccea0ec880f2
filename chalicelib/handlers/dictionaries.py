"""GET /dictionaries/...: regions, units of measure, enums with Chinese labels."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import ANY_ORG_ACCOUNT, PUBLIC
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_class, lazy_classes

(DictionaryList, EnumList, EnumView, ExportRequest, RegionPage, RegionQuery, RegionView, UnitPage, UnitQuery,
 UnitView) = lazy_classes(
    "chalicelib.schemas.dictionaries",
    "DictionaryList EnumList EnumView ExportRequest RegionPage RegionQuery RegionView UnitPage UnitQuery UnitView")
JobView = lazy_class("chalicelib.schemas.jobs", "JobView")

service = lazy("chalicelib.services.dictionaries")

bp = Blueprint(__name__)
TAGS = ("dictionaries",)


@endpoint(bp, "/dictionaries", access=PUBLIC, summary="List the reference dictionaries", tags=TAGS, response=DictionaryList)
def list_dictionaries(ctx: RequestContext):
    return service.catalog()


@endpoint(bp, "/dictionaries/regions", access=PUBLIC, summary="Provinces, or the cities of one province", tags=TAGS,
          query=RegionQuery, response=RegionPage)
def list_regions(ctx: RequestContext):
    return service.list_regions(ctx.query.parent, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/dictionaries/regions/{code}", access=PUBLIC, summary="One region by its code", tags=TAGS,
          response=RegionView, errors=(400, 404))
def get_region(ctx: RequestContext, code: str):
    return service.get_region(code)


@endpoint(bp, "/dictionaries/units", access=PUBLIC, summary="Units of measure", tags=TAGS, query=UnitQuery, response=UnitPage)
def list_units(ctx: RequestContext):
    return service.list_units(ctx.query.category, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/dictionaries/units/{code}", access=PUBLIC, summary="One unit of measure", tags=TAGS, response=UnitView,
          errors=(404,))
def get_unit(ctx: RequestContext, code: str):
    return service.get_unit(code)


@endpoint(bp, "/dictionaries/enums", access=PUBLIC, summary="Every status and kind with its Chinese label", tags=TAGS,
          response=EnumList)
def list_enums(ctx: RequestContext):
    return service.enums()


@endpoint(bp, "/dictionaries/enums/{name}", access=PUBLIC, summary="One enum with its Chinese labels", tags=TAGS,
          response=EnumView, errors=(404,))
def get_enum(ctx: RequestContext, name: str):
    return service.enum(name)


@endpoint(bp, "/dictionaries/exports", "POST", access=ANY_ORG_ACCOUNT, summary="Export a dictionary to XLSX (a job)",
          tags=TAGS, body=ExportRequest, response=JobView, status=202, idempotent=True, errors=(409,))
def export_dictionary(ctx: RequestContext):
    owner = f"account#{ctx.principal.account_id}"
    return service.request_export(ctx.body.dictionary, owner=owner, actor=owner)
