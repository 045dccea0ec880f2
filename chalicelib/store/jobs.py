"""Job records in the ``main`` table.

- ``pk = job#<id>``, ``sk = job``
- ``gsi1``: ``jobs#owner#<owner>`` / ``<created_at>#<id>``: a caller's jobs, newest first
- ``gsi2``: ``jobs#active`` / ``<deadline>#<id>``: sparse, only while queued or
  running, so the reaper finds dead jobs with one Query (never a Scan)
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.enums import JobStatus
from chalicelib.domain.errors import Conflict
from chalicelib.store import audit
from chalicelib.store.paging import Page, query_page
from chalicelib.store.tables import MainTable, transact_write

ACTIVE = "jobs#active"


class JobItem(MainTable):
    job_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    owner = UnicodeAttribute()
    params = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    progress_done = NumberAttribute(default=0)
    progress_total = NumberAttribute(null=True)
    result_key = UnicodeAttribute(null=True)
    result_filename = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)

    @property
    def params_dict(self) -> dict[str, Any]:
        return json.loads(self.params)


def _pk(job_id: str) -> str:
    return f"job#{job_id}"


def _active_sk(deadline: datetime, job_id: str) -> str:
    return f"{deadline.isoformat()}#{job_id}"


def create(job_id: str, kind: str, owner: str, params: dict[str, Any], now: datetime,
           deadline: datetime, entry: AuditEntry) -> JobItem:
    item = JobItem(
        pk=_pk(job_id), sk="job", job_id=job_id, kind=kind, status=JobStatus.QUEUED.value, owner=owner,
        params=json.dumps(params, ensure_ascii=False, sort_keys=True), created_at=now.isoformat(),
        updated_at=now.isoformat(), gsi1pk=f"jobs#owner#{owner}", gsi1sk=f"{now.isoformat()}#{job_id}",
        gsi2pk=ACTIVE, gsi2sk=_active_sk(deadline, job_id),
    )
    with transact_write() as tx:
        tx.save(item, condition=JobItem.pk.does_not_exist())
        audit.put_in(tx, entry)
    return item


def get(job_id: str) -> JobItem | None:
    try:
        return JobItem.get(_pk(job_id), "job", consistent_read=True)
    except DoesNotExist:
        return None


def transition(item: JobItem, target: JobStatus, now: datetime, entry: AuditEntry | None, *,
               deadline: datetime | None = None, **fields: Any) -> None:
    """Move ``item`` to ``target`` if nobody else moved it first (optimistic: on ``updated_at``)."""
    actions = [JobItem.status.set(target.value), JobItem.updated_at.set(now.isoformat())]
    if target is JobStatus.RUNNING:
        actions.append(JobItem.attempts.add(1))
    if deadline is not None:
        actions.append(JobItem.gsi2sk.set(_active_sk(deadline, item.job_id)))
    else:
        actions += [JobItem.gsi2pk.remove(), JobItem.gsi2sk.remove()]
    actions += [getattr(JobItem, name).set(value) for name, value in fields.items()]
    condition = (JobItem.status == item.status) & (JobItem.updated_at == item.updated_at)
    try:
        if entry is None:
            item.update(actions=actions, condition=condition)
        else:
            with transact_write() as tx:
                tx.update(item, actions=actions, condition=condition)
                audit.put_in(tx, entry)
    except (UpdateError, TransactWriteError) as exc:
        if "ConditionalCheckFailed" in str(getattr(exc, "cause_response_code", "")) or \
                "ConditionalCheckFailed" in str(exc):
            raise Conflict("作业已被其他进程更新", code="job_changed") from None
        raise
    if entry is not None:
        item.refresh(consistent_read=True)


def report_progress(item: JobItem, done: int, total: int | None, now: datetime, deadline: datetime) -> None:
    actions = [JobItem.progress_done.set(done), JobItem.updated_at.set(now.isoformat()),
               JobItem.gsi2sk.set(_active_sk(deadline, item.job_id))]
    if total is not None:
        actions.append(JobItem.progress_total.set(total))
    item.update(actions=actions, condition=JobItem.status == JobStatus.RUNNING.value)


def list_for_owner(owner: str, *, limit: int, cursor: str | None) -> Page[JobItem]:
    pk = f"jobs#owner#{owner}"
    return query_page(JobItem.gsi1.query, scope=pk, key_names=("pk", "sk", "gsi1pk", "gsi1sk"),
                      limit=limit, cursor=cursor, hash_key=pk, scan_index_forward=False)


def overdue(now: datetime, limit: int = 100) -> list[JobItem]:
    """Queued or running jobs whose deadline has passed (one Query on gsi2)."""
    return list(JobItem.gsi2.query(ACTIVE, JobItem.gsi2sk < now.isoformat(), limit=limit))
