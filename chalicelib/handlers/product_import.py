"""Bulk entry of products 产品 by Excel import (SPEC §3.3): the template, an
upload ticket, and the import job (its report lists the bad rows)."""
from __future__ import annotations

from chalice import Blueprint
from pydantic import Field

from chalicelib.domain.access import business
from chalicelib.domain.enums import ActorKind, Permission
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_classes
from chalicelib.schemas.common import Strict

UploadRequest, UploadTicket = lazy_classes("chalicelib.schemas.identity", "UploadRequest UploadTicket")
ImportTemplate, JobView = lazy_classes("chalicelib.schemas.jobs", "ImportTemplate JobView")

service = lazy("chalicelib.services.records.product_import")
registries = lazy("chalicelib.services.identity.registries")

bp = Blueprint(__name__)
TAGS = ("qualifications",)
MAINTAINER = business(Permission.QUALIFICATION_MAINTAIN, actors=frozenset({ActorKind.ENTERPRISE}))


class ProductImportRequest(Strict):
    upload_key: str = Field(max_length=300, description="from POST /product-imports/uploads (a .csv or .xlsx file)")


@endpoint(bp, "/records/product/import-template", access=MAINTAINER, tags=TAGS, response=ImportTemplate,
          summary="The product import template (XLSX, base64): headers, a sample row, the unit dictionary")
def template(ctx: RequestContext):
    return service.template()


@endpoint(bp, "/product-imports/uploads", "POST", access=MAINTAINER, tags=TAGS, body=UploadRequest,
          response=UploadTicket, status=201, summary="A presigned POST to upload a product import file (CSV/XLSX)")
def upload(ctx: RequestContext):
    return registries.upload_ticket(ctx.principal, ctx.body.filename)


@endpoint(bp, "/product-imports", "POST", access=MAINTAINER, tags=TAGS, body=ProductImportRequest,
          response=JobView, status=202, idempotent=True, errors=(400,),
          summary="Import products from an uploaded file (a job; good rows become drafts, bad rows a report)")
def start(ctx: RequestContext):
    return service.start_import(ctx.principal, ctx.body.upload_key)
