"""/reviews/records/...: the platform reviewers' work (资质审核)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import business
from chalicelib.domain.enums import ActorKind, Permission
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.schemas.common import PageQuery
from chalicelib.lazy import lazy, lazy_classes

(BatchDecisionInput, BatchResults, DecisionInput, HistoryPage, QueueCounts, QueuePage, QueueQuery, RecordDetail,
 RecordView) = lazy_classes(
    "chalicelib.schemas.records",
    "BatchDecisionInput BatchResults DecisionInput HistoryPage QueueCounts QueuePage QueueQuery RecordDetail "
    "RecordView")

engine = lazy("chalicelib.services.records.engine")

bp = Blueprint(__name__)
TAGS = ("reviews",)
REVIEWER = business(Permission.QUALIFICATION_REVIEW, actors=frozenset({ActorKind.PLATFORM}))


@endpoint(bp, "/reviews/records", access=REVIEWER, tags=TAGS, query=QueueQuery, response=QueuePage,
          summary="Revisions awaiting review, by kind and level, oldest first")
def queue(ctx: RequestContext):
    q = ctx.query
    return engine.queue(q.kind, q.level, q.limit, q.cursor)


@endpoint(bp, "/reviews/record-counts", access=REVIEWER, tags=TAGS, response=QueueCounts,
          summary="How many revisions await each kind and level")
def counts(ctx: RequestContext):
    return engine.counts()


@endpoint(bp, "/reviews/records/{record_id}", access=REVIEWER, tags=TAGS, response=RecordDetail, errors=(404,),
          summary="A record under review with its revisions and documents")
def detail(ctx: RequestContext, record_id: str):
    return engine.detail(record_id)


@endpoint(bp, "/reviews/records/{record_id}/history", access=REVIEWER, tags=TAGS, query=PageQuery,
          response=HistoryPage, errors=(404,), summary="The record's change history")
def history(ctx: RequestContext, record_id: str):
    return engine.history(record_id, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/reviews/records/{record_id}/decision", "POST", access=REVIEWER, tags=TAGS, body=DecisionInput,
          response=RecordView, errors=(404, 409), summary="Approve, or reject with a reason, at the current level")
def decide(ctx: RequestContext, record_id: str):
    b = ctx.body
    return engine.decide(ctx.principal, record_id, b.revision, b.level, b.decision, b.reason)


@endpoint(bp, "/reviews/decisions", "POST", access=REVIEWER, tags=TAGS, body=BatchDecisionInput,
          response=BatchResults, summary="Decide many at once (a result for each)")
def decide_many(ctx: RequestContext):
    return engine.decide_many(ctx.principal, ctx.body.items)


@endpoint(bp, "/reviews/mine", access=REVIEWER, tags=TAGS, query=PageQuery, response=HistoryPage,
          summary="The caller's own review decisions, newest first")
def mine(ctx: RequestContext):
    return engine.my_decisions(ctx.principal, ctx.query.limit, ctx.query.cursor)
