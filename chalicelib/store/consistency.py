"""The consistency checker's readings (a batch job: never called by a request).

Queries only, no Scan: every reading follows a key or an index the features already keep
(projects by status, each project's partition, the reviewer queues, the outboxes' pending
indexes, allocation tasks and their sheets, cities and provinces). So the checker needs no
permission the functions do not already have, and its cost grows with what is checked, not
with the whole table. Key strings are built and taken apart here; the service gets domain values.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterator

from chalicelib.domain.consistency import Level, Pending, ProjectCounts, Waiting
from chalicelib.domain.enums import (
    AllocationLevelStatus, AllocationStatus, ProjectStatus, RecordKind, ReviewStatus,
)
from chalicelib.store import allocation as alloc
from chalicelib.store import projects, records
from chalicelib.store.project_events import PENDING as PENDING_EVENTS, ProjectEventItem
from chalicelib.store.projects import CatalogEntryItem, DeclarationCountItem, DeclarationItem, ProjectItem

REVIEW_MACHINE = "review_chain"
ALLOCATION_MACHINE = "allocation_review"


def _instant(value: str | None) -> datetime | None:
    return projects.parse_instant(value) if value else None


# -- projects: declarations and their counters -------------------------------------------

def project_ids() -> Iterator[str]:
    """Every project, draft or not (one Query of the center's list per status)."""
    for status in ProjectStatus:
        for item in ProjectItem.gsi1.query(projects.status_pk(status.value), attributes_to_get=["project_id"]):
            yield item.project_id


def project_counts(project_id: str) -> ProjectCounts:
    """The project's declarations, its enterprises' count items and its catalog entries' counters
    (three Queries of the project's partition, each by key prefix)."""
    pk = projects.project_pk(project_id)
    declarations = tuple((d.org_id, d.code27) for d in DeclarationItem.query(
        pk, DeclarationItem.sk.startswith("decl#"), consistent_read=True))
    org_counts = {c.sk.removeprefix("count#"): int(c.declarations or 0) for c in DeclarationCountItem.query(
        pk, DeclarationCountItem.sk.startswith("count#"), consistent_read=True)}
    entry_counts = {e.code27: int(e.declarations or 0) for e in CatalogEntryItem.query(
        pk, CatalogEntryItem.sk.startswith("catalog#"), consistent_read=True)}
    return ProjectCounts(project_id, declarations, org_counts, entry_counts)


# -- outboxes ------------------------------------------------------------------------------

def pending_signals() -> list[tuple[Pending, str | None]]:
    """Every undelivered signal to Step Functions (records' and allocation's), with the execution
    name a start signal starts (None for a decision)."""
    out = []
    for s in records.SignalItem.gsi1.query(records.PENDING_SIGNALS):
        what = f"start {s.execution_name}" if s.signal == "start" else f"{s.signal} {s.outcome or ''}".strip()
        out.append((Pending(s.pk, _instant(s.created_at), f"{s.machine or REVIEW_MACHINE} {what}",
                            int(s.attempts or 0)), s.execution_name if s.signal == "start" else None))
    return out


def pending_project_events() -> list[Pending]:
    return [Pending(f"project#{e.project_id}", _instant(e.created_at), f"{e.topic} {e.event_id}",
                    int(e.attempts or 0))
            for e in ProjectEventItem.gsi1.query(PENDING_EVENTS)]


# -- the review chain: revisions in the reviewer queues ------------------------------------

def review_queue() -> tuple[list[Waiting], list[tuple[str, int | None, str | None, int, str]]]:
    """Every revision waiting on a reviewer (the queues, one Query each) as a ``Waiting`` on its
    execution, and (record, head's rev, head's status, rev, rev's status) to compare with its head."""
    revisions = []
    for kind in RecordKind:
        for status in (ReviewStatus.PENDING_FIRST, ReviewStatus.PENDING_FINAL):
            revisions += list(records.RevisionItem.gsi2.query(f"queue#{kind.value}#{status.value}"))
    heads: dict[str, records.HeadItem] = {}
    ids = [r.record_id for r in revisions]
    for start in range(0, len(ids), 100):
        heads.update(records.get_heads(ids[start:start + 100]))
    waiting, pairs = [], []
    for rev in revisions:
        head = heads.get(rev.record_id)
        pairs.append((rev.record_id, int(head.current_rev) if head else None, head.current_status if head else None,
                      int(rev.revision), rev.status))
        if rev.execution_name:
            waiting.append(Waiting(f"rec#{rev.record_id}/rev#{int(rev.revision)}", REVIEW_MACHINE,
                                   rev.execution_name, _instant(rev.submitted_at)))
    return waiting, pairs


# -- allocation: counters by status and the units waiting on a review step --------------------

def allocation_task_ids() -> Iterator[str]:
    for task in alloc.TaskItem.gsi1.query(alloc.TASKS, attributes_to_get=["task_id"]):
        yield task.task_id


def allocation_levels(task_id: str) -> tuple[list[Level], list[Waiting]]:
    """A task's three levels of counters (cities over sheets, provinces over cities, the task over
    provinces) and its units waiting on a review step: sheets pending at the city, cities and
    provinces submitted above. One Query for the sheets, one for the provinces, one per province."""
    task = alloc.get_task(task_id)
    sheets = list(alloc.iter_task_sheets(task_id))
    provinces = list(alloc.ProvinceItem.gsi1.query(alloc.alliance_list_pk(task_id)))
    cities = [c for p in provinces for c in alloc.CityItem.gsi1.query(alloc.province_list_pk(task_id, p.province))]
    sheet_statuses = [s.value for s in AllocationStatus]
    level_statuses = [s.value for s in AllocationLevelStatus]
    levels = [Level(f"city#{task_id}#{c.city}", alloc.counts(c, sheet_statuses),
                    tuple(s.status for s in sheets if s.city == c.city)) for c in cities]
    levels += [Level(f"prov#{task_id}#{p.province}", alloc.counts(p, level_statuses),
                     tuple(c.status for c in cities if c.province == p.province)) for p in provinces]
    if task is not None:
        levels.append(Level(f"task#{task_id}", alloc.counts(task, level_statuses),
                            tuple(p.status for p in provinces)))
    waiting = []

    def wait(unit_pk: str, submissions, since) -> None:
        waiting.append(Waiting(unit_pk, ALLOCATION_MACHINE, alloc.execution_name(unit_pk, int(submissions or 0)),
                               _instant(since)))

    for s in sheets:
        if s.status == AllocationStatus.PENDING_CITY.value:
            wait(alloc.sheet_pk(task_id, s.inst_id), s.submissions, s.submitted_at)
    for c in cities:
        if c.status == AllocationLevelStatus.SUBMITTED.value:
            wait(alloc.city_pk(task_id, c.city), c.submissions, c.submitted_at)
    for p in provinces:
        if p.status == AllocationLevelStatus.SUBMITTED.value:
            wait(alloc.province_pk(task_id, p.province), p.submissions, p.submitted_at)
    return levels, waiting
