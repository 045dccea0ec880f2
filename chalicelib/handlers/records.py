"""/records/{kind}/...: an enterprise's qualification records (资质维护)."""
from __future__ import annotations

from chalice import Blueprint
from pydantic import Field

from chalicelib.domain.access import business
from chalicelib.domain.enums import ActorKind, Permission, RecordKind
from chalicelib.domain.errors import DomainError, NotFound
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_classes
from chalicelib.schemas.common import PageQuery, Strict

(BatchResult, BatchResults, HistoryPage, RecordDetail, RecordInput, RecordListQuery, RecordPage,
 RecordView) = lazy_classes(
    "chalicelib.schemas.records",
    "BatchResult BatchResults HistoryPage RecordDetail RecordInput RecordListQuery RecordPage RecordView")

engine = lazy("chalicelib.services.records.engine")

bp = Blueprint(__name__)
TAGS = ("qualifications",)
MAINTAINER = business(Permission.QUALIFICATION_MAINTAIN, actors=frozenset({ActorKind.ENTERPRISE}))


class BatchSubmit(Strict):
    record_ids: list[str] = Field(min_length=1, max_length=100)


def _kind(value: str) -> RecordKind:
    try:
        return RecordKind(value)
    except ValueError:
        raise NotFound(f"没有 {value} 这类记录", code="kind_not_supported") from None


@endpoint(bp, "/records/{kind}", access=MAINTAINER, tags=TAGS, query=RecordListQuery, response=RecordPage,
          errors=(404,), summary="The organisation's records of a kind, by status tab")
def list_records(ctx: RequestContext, kind: str):
    q = ctx.query
    return engine.list_records(ctx.principal, _kind(kind), q.tab, q.limit, q.cursor, q.keyword)


@endpoint(bp, "/records/{kind}", "POST", access=MAINTAINER, tags=TAGS, body=RecordInput, response=RecordView,
          status=201, idempotent=True, errors=(404, 409), summary="Create a record (a draft)")
def create(ctx: RequestContext, kind: str):
    return engine.create(ctx.principal, _kind(kind), ctx.body.data)


@endpoint(bp, "/records/{kind}/submissions", "POST", access=MAINTAINER, tags=TAGS, body=BatchSubmit,
          response=BatchResults, errors=(404,), summary="Submit several drafts at once (a result for each)")
def submit_many(ctx: RequestContext, kind: str):
    record_kind, results = _kind(kind), []
    for record_id in ctx.body.record_ids:
        try:
            done = engine.submit(ctx.principal, record_kind, record_id)
            results.append(BatchResult(record_id=record_id, revision=done.current_revision, ok=True,
                                       status=done.status))
        except DomainError as exc:
            results.append(BatchResult(record_id=record_id, revision=0, ok=False, error_code=exc.code,
                                       error_message=exc.message))
    ok = sum(r.ok for r in results)
    return BatchResults(items=results, succeeded=ok, failed=len(results) - ok)


@endpoint(bp, "/records/{kind}/{record_id}", access=MAINTAINER, tags=TAGS, response=RecordDetail, errors=(404,),
          summary="A record with its revisions and the effective one")
def get_record(ctx: RequestContext, kind: str, record_id: str):
    return engine.detail(record_id, ctx.principal.org_id, _kind(kind))


@endpoint(bp, "/records/{kind}/{record_id}", "PUT", access=MAINTAINER, tags=TAGS, body=RecordInput,
          response=RecordView, errors=(404, 409), summary="Edit a draft or rejected record")
def edit(ctx: RequestContext, kind: str, record_id: str):
    return engine.edit(ctx.principal, _kind(kind), record_id, ctx.body.data)


@endpoint(bp, "/records/{kind}/{record_id}/submit", "POST", access=MAINTAINER, tags=TAGS, response=RecordView,
          idempotent=True, errors=(404, 409), summary="Submit for review (starts the review chain)")
def submit(ctx: RequestContext, kind: str, record_id: str):
    return engine.submit(ctx.principal, _kind(kind), record_id)


@endpoint(bp, "/records/{kind}/{record_id}/withdraw", "POST", access=MAINTAINER, tags=TAGS, response=RecordView,
          errors=(404, 409), summary="Withdraw while awaiting first review")
def withdraw(ctx: RequestContext, kind: str, record_id: str):
    return engine.withdraw(ctx.principal, _kind(kind), record_id)


@endpoint(bp, "/records/{kind}/{record_id}/change", "POST", access=MAINTAINER, tags=TAGS, response=RecordView,
          errors=(404, 409), summary="Change an approved record (a new revision; the approved one stays effective)")
def change(ctx: RequestContext, kind: str, record_id: str):
    return engine.change(ctx.principal, _kind(kind), record_id)


@endpoint(bp, "/records/{kind}/{record_id}/history", access=MAINTAINER, tags=TAGS, query=PageQuery,
          response=HistoryPage, errors=(404,), summary="The record's change history (变更记录)")
def history(ctx: RequestContext, kind: str, record_id: str):
    engine.detail(record_id, ctx.principal.org_id, _kind(kind))
    return engine.history(record_id, ctx.query.limit, ctx.query.cursor, org_id=ctx.principal.org_id)


