"""Authorities: platform administration, city-bureau supervision, reviews of
registrations into the procurement subsystem."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import Access, business
from chalicelib.domain.enums import AccountKind, ActorKind, Permission
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_class, lazy_classes

UploadRequest, UploadTicket = lazy_classes("chalicelib.schemas.identity", "UploadRequest UploadTicket")
(Decision, IssuedPassword, OrgPage, OrgQuery, ProcRegPage, ProcRegQuery, ProcRegView, Provisioned, ProvisionRequest,
 RegistryImportRequest) = lazy_classes(
    "chalicelib.schemas.organisation",
    "Decision IssuedPassword OrgPage OrgQuery ProcRegPage ProcRegQuery ProcRegView Provisioned ProvisionRequest "
    "RegistryImportRequest")
JobView = lazy_class("chalicelib.schemas.jobs", "JobView")

procurement_entry = lazy("chalicelib.services.identity.procurement_entry")
registries = lazy("chalicelib.services.identity.registries")
supervision = lazy("chalicelib.services.identity.supervision")

bp = Blueprint(__name__)

PLATFORM_ADMIN = Access(account_kinds=frozenset({AccountKind.UNIT}), actors=frozenset({ActorKind.PLATFORM}),
                        description="the platform's unit account")
CITY_SUPERVISOR = business(Permission.INSTITUTION_SUPERVISION, actors=frozenset({ActorKind.CITY_BUREAU}))
SUPERVISOR = business(Permission.INSTITUTION_SUPERVISION,
                      actors=frozenset({ActorKind.CITY_BUREAU, ActorKind.PROVINCE_BUREAU}))
REVIEWER = business(Permission.REGISTRATION_REVIEW, actors=frozenset({ActorKind.PLATFORM, ActorKind.CITY_BUREAU}))


@endpoint(bp, "/admin/organisations", "POST", access=PLATFORM_ADMIN, tags=("admin",), body=ProvisionRequest,
          response=Provisioned, status=201, idempotent=True, errors=(409,),
          summary="Provision an authority organisation (province/city bureau, alliance office, platform)")
def provision_authority(ctx: RequestContext):
    return supervision.provision_authority(ctx.principal, ctx.body)


@endpoint(bp, "/admin/organisations", access=PLATFORM_ADMIN, tags=("admin",), query=OrgQuery, response=OrgPage,
          summary="Organisations of one kind, newest first")
def list_organisations(ctx: RequestContext):
    return supervision.list_organisations(ctx.query.kind or ActorKind.ENTERPRISE, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/admin/uploads", "POST", access=PLATFORM_ADMIN, tags=("admin",), body=UploadRequest,
          response=UploadTicket, status=201, summary="A presigned POST to upload a CSV/XLSX file for import")
def upload(ctx: RequestContext):
    return registries.upload_ticket(ctx.principal, ctx.body.filename)


@endpoint(bp, "/admin/registry-imports", "POST", access=PLATFORM_ADMIN, tags=("admin",),
          body=RegistryImportRequest, response=JobView, status=202, idempotent=True,
          summary="Import the national code registry or the legacy registry (a job with an error report)")
def import_registry(ctx: RequestContext):
    return registries.start_import(ctx.principal, ctx.body)


@endpoint(bp, "/supervision/institutions", access=SUPERVISOR, tags=("supervision",), query=OrgQuery,
          response=OrgPage, summary="Institutions of a supervised city (filter by kind and name prefix)")
def institutions(ctx: RequestContext):
    q = ctx.query
    return supervision.supervised_institutions(ctx.principal, q.kind, q.region_code, q.name_prefix, q.limit,
                                               q.cursor)


@endpoint(bp, "/supervision/institutions", "POST", access=CITY_SUPERVISOR, tags=("supervision",),
          body=ProvisionRequest, response=Provisioned, status=201, idempotent=True, errors=(409,),
          summary="Provision an institution or pharmacy of the city (issued password)")
def provision_institution(ctx: RequestContext):
    return supervision.provision_institution(ctx.principal, ctx.body)


@endpoint(bp, "/supervision/institutions/{org_id}/password-reset", "POST", access=CITY_SUPERVISOR,
          tags=("supervision",), response=IssuedPassword, errors=(404,),
          summary="Reset the password of an institution of the city (Liaoning §3.2.1)")
def reset_institution(ctx: RequestContext, org_id: str):
    return supervision.reset_institution_password(ctx.principal, org_id)


@endpoint(bp, "/reviews/procurement-registrations", access=REVIEWER, tags=("reviews",), query=ProcRegQuery,
          response=ProcRegPage, summary="Registrations awaiting (or past) the caller's review")
def review_queue(ctx: RequestContext):
    q = ctx.query
    return procurement_entry.queue(ctx.principal, q.status, q.limit, q.cursor)


@endpoint(bp, "/reviews/procurement-registrations/{org_id}/decision", "POST", access=REVIEWER,
          tags=("reviews",), body=Decision, response=ProcRegView, errors=(404, 409),
          summary="Approve, or reject with a reason")
def decide(ctx: RequestContext, org_id: str):
    return procurement_entry.decide(ctx.principal, org_id, ctx.body)
