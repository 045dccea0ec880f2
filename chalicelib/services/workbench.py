"""The enterprise workbench (我的工作台, Qinghai §8.2): the projects it can take part in with its
declaration counts, and the products it may declare into one (选择耗材目录: the project catalog entries
that are approved in its own product library)."""
from __future__ import annotations

from chalicelib import clock
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ProjectStatus
from chalicelib.schemas.projects import (
    CandidatePage, CandidateView, WorkbenchPage, WorkbenchProject, WorkbenchQuery,
)
from chalicelib.services import projects
from chalicelib.store import projects as store
from chalicelib.store import records

# Catalog entries read per DynamoDB page while collecting candidates (and per BatchGetItem of heads: <= 100).
CANDIDATE_BATCH = 100


def workbench(principal: Principal, query: WorkbenchQuery) -> WorkbenchPage:
    """Published projects, newest first (by default without those whose publication has ended), each with the
    caller's declaration count — one Query and one BatchGetItem a page."""
    now = clock.now()
    page = store.list_open_announcements(now, limit=query.limit, cursor=query.cursor,
                                         include_finished=query.include_finished)
    counts = store.declaration_counts([i.project_id for i in page.items], principal.org_id)
    items = []
    for item in page.items:
        view = projects.announcement_view(item, now)
        items.append(WorkbenchProject(project=view, declaration_count=counts[item.project_id],
                                      can_declare=view.status == ProjectStatus.DECLARING.value))
    return WorkbenchPage(items=items, next_cursor=page.next_cursor)


def candidates(principal: Principal, project_id: str, limit: int, cursor: str | None) -> CandidatePage:
    """The project catalog entries approved in the caller's own library, in code order, each marked whether
    it is declared already. Reads the catalog in batches until one more than ``limit`` is found (or it ends),
    so a cursor is returned only when another candidate exists; it resumes after the last entry returned."""
    project = projects.published_or_404(project_id)
    org_id = principal.org_id
    found: list[tuple[object, CandidateView]] = []
    for chunk in store.catalog_batches(project.project_id, batch=CANDIDATE_BATCH, cursor=cursor):
        heads = records.get_heads([projects.product_record_id(org_id, e.code27) for e in chunk])
        for entry in chunk:
            record_id = projects.product_record_id(org_id, entry.code27)
            if not projects.is_approved_own(heads.get(record_id), org_id):
                continue
            found.append((entry, CandidateView(code27=entry.code27, bid_group=entry.bid_group,
                                               specification=entry.specification, model=entry.model,
                                               record_id=record_id, declared=False)))
            if len(found) > limit:
                return CandidatePage(items=_mark_declared(project_id, org_id, [v for _, v in found[:limit]]),
                                     next_cursor=store.catalog_cursor(project_id, found[limit - 1][0]))
    return CandidatePage(items=_mark_declared(project_id, org_id, [v for _, v in found]), next_cursor=None)


def _mark_declared(project_id: str, org_id: str, found: list[CandidateView]) -> list[CandidateView]:
    declared = store.declared_codes(project_id, org_id, [c.code27 for c in found])
    return [c.model_copy(update={"declared": c.code27 in declared}) for c in found]
