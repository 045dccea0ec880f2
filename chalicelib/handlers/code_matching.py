"""/code-matching: an enterprise maps its listed products (挂网产品: its rows in published project results) to
national base product records (产品对码). The national catalog itself is searched with the public /catalog routes."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import ENTERPRISE_ROLES, business
from chalicelib.domain.enums import ActorKind, Permission
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_class, lazy_classes
from chalicelib.schemas.common import PageQuery

(CandidateList, ListingPage, ListingQuery, ListingView, MatchDelete, MatchPut) = lazy_classes(
    "chalicelib.schemas.project_results",
    "CandidateList ListingPage ListingQuery ListingView MatchDelete MatchPut")
HistoryPage = lazy_class("chalicelib.schemas.records", "HistoryPage")

service = lazy("chalicelib.services.code_matching")

bp = Blueprint(__name__)
TAGS = ("code-matching",)
# An enterprise in the procurement subsystem, certified in an enterprise role, acting through an authorised
# operator or a sub-account holding 产品对码 (the declarer's rules, another permission).
MATCHER = business(Permission.CODE_MATCHING, actors=frozenset({ActorKind.ENTERPRISE}), roles=ENTERPRISE_ROLES,
                   entered=True)


@endpoint(bp, "/code-matching/listings", access=MATCHER, tags=TAGS, query=ListingQuery, response=ListingPage,
          summary="The enterprise's listed products (its rows in published results) with their mapping")
def list_listings(ctx: RequestContext):
    return service.list_listings(ctx.principal, ctx.query)


@endpoint(bp, "/code-matching/listings/{listing_id}", "PUT", access=MATCHER, tags=TAGS, body=MatchPut,
          response=ListingView, errors=(404, 409),
          summary="Map a listed product to a national product (code27); a change needs a reason")
def set_match(ctx: RequestContext, listing_id: str):
    return service.set_match(ctx.principal, listing_id, ctx.body)


@endpoint(bp, "/code-matching/listings/{listing_id}/match", "DELETE", access=MATCHER, tags=TAGS, body=MatchDelete,
          response=ListingView, errors=(404, 409), summary="Remove a listed product's mapping (with a reason)")
def remove_match(ctx: RequestContext, listing_id: str):
    return service.remove_match(ctx.principal, listing_id, ctx.body)


@endpoint(bp, "/code-matching/listings/{listing_id}/history", access=MATCHER, tags=TAGS, query=PageQuery,
          response=HistoryPage, errors=(404,), summary="A listed product's mapping history, newest first")
def history(ctx: RequestContext, listing_id: str):
    return service.history(ctx.principal, listing_id, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/code-matching/listings/{listing_id}/candidates", access=MATCHER, tags=TAGS, response=CandidateList,
          errors=(404,), summary="The national products under the listed product's registration certificate")
def candidates(ctx: RequestContext, listing_id: str):
    return service.candidates(ctx.principal, listing_id)
