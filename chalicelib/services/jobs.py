"""Background jobs: submit, run (from the queue), report progress, reap.

A job kind maps to a function ``fn(ctx: JobContext) -> JobOutput`` named in
``HANDLERS`` and imported only when a job of that kind runs.
"""
from __future__ import annotations

import importlib
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from chalicelib import clock, files
from chalicelib.domain import jobs as rules
from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.enums import JobKind, JobStatus
from chalicelib.domain.errors import Conflict, DomainError, NotFound
from chalicelib.jobs import queue
from chalicelib.logs import get_logger
from chalicelib.resources import JOB_HEARTBEAT_TIMEOUT_S
from chalicelib.schemas.jobs import JobView
from chalicelib.store import jobs as store

log = get_logger("jobs")
HANDLERS: dict[JobKind, str] = {
    JobKind.DICTIONARY_EXPORT: "chalicelib.services.dictionaries:export_job",
    JobKind.REGISTRY_IMPORT: "chalicelib.services.identity.registries:import_job",
    JobKind.CATALOG_IMPORT: "chalicelib.services.catalog:import_job",
    JobKind.PRODUCT_IMPORT: "chalicelib.services.records.product_import:import_job",
    JobKind.PROJECT_RESULTS_IMPORT: "chalicelib.services.project_results:import_job",
    JobKind.PROJECT_CATALOG_IMPORT: "chalicelib.services.project_catalog:import_job",
    JobKind.PROJECT_EXPORT: "chalicelib.services.project_exports:export_job",
    JobKind.ALLOCATION_DEMAND_IMPORT: "chalicelib.services.allocation.demand:import_job",
    JobKind.ALLOCATION_AGREEMENT_EXPORT: "chalicelib.services.allocation.agreements:export_job",
}
SYSTEM_ACTOR = "system:jobs"
PROGRESS_EVERY_S = 1.0


@dataclass(frozen=True)
class JobOutput:
    filename: str
    content_type: str
    data: bytes


class JobContext:
    """What a job function sees: its parameters and a progress reporter."""

    def __init__(self, item: store.JobItem):
        self._item = item
        self.params: dict[str, Any] = item.params_dict
        self._last_report = 0.0

    def progress(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Record progress; throttled to one write a second unless ``force``."""
        if not force and time.monotonic() - self._last_report < PROGRESS_EVERY_S:
            return
        now = clock.now()
        store.report_progress(self._item, done, total, now, rules.deadline(now, JOB_HEARTBEAT_TIMEOUT_S))
        self._last_report = time.monotonic()


def _entry(job_id: str, action: str, actor: str, before: JobStatus | None, after: JobStatus,
           reason: str | None = None) -> AuditEntry:
    return AuditEntry(subject=f"job#{job_id}", action=action, actor=actor, at=clock.now(),
                      from_status=before.value if before else None, to_status=after.value, reason=reason)


def view(item: store.JobItem) -> JobView:
    status = JobStatus(item.status)
    progress = rules.Progress(int(item.progress_done or 0), int(item.progress_total) if item.progress_total else None)
    return JobView(
        job_id=item.job_id, kind=item.kind, status=status.value, status_label=status.label,
        params=item.params_dict, created_at=item.created_at, updated_at=item.updated_at,
        attempts=int(item.attempts or 0), progress_done=progress.done, progress_total=progress.total,
        progress_percent=progress.percent, error=item.error,
        result_url=files.presigned_get(item.result_key) if item.result_key else None,
        result_filename=item.result_filename,
    )


def submit(kind: JobKind, params: dict[str, Any], *, owner: str, actor: str) -> JobView:
    job_id = uuid.uuid4().hex
    now = clock.now()
    item = store.create(job_id, kind.value, owner, params, now,
                        rules.deadline(now, JOB_HEARTBEAT_TIMEOUT_S),
                        _entry(job_id, "job_submitted", actor, None, JobStatus.QUEUED))
    try:
        queue.send("jobs", {"job_id": job_id})
    except Exception:
        # Not left queued with no message to run it (until the reaper, 15 minutes on): failed at once,
        # the caller gets the queue's 503 and submits again. (A message sent with its answer lost finds
        # the job failed and does nothing.)
        try:
            _finish(item, JobStatus.FAILED, error="任务队列暂不可用，作业未能启动，请重试")
        except Exception as exc:  # noqa: BLE001 (the reaper fails it later; the 503 below stands)
            log.warning("job not marked failed", extra={"job_id": job_id, "error": repr(exc)})
        raise
    return view(item)


def get(job_id: str, *, owner: str) -> JobView:
    item = store.get(job_id)
    if item is None or item.owner != owner:
        raise NotFound("作业不存在", code="job_not_found")
    return view(item)


def _handler(kind: str) -> Callable[[JobContext], JobOutput]:
    module, _, name = HANDLERS[JobKind(kind)].partition(":")
    return getattr(importlib.import_module(module), name)


def run(job_id: str) -> None:
    """Run one job (called by the queue consumer). Safe to call again for the same job."""
    item = store.get(job_id)
    if item is None:
        log.warning("job message for unknown job", extra={"job_id": job_id})
        return
    current = JobStatus(item.status)
    if current in rules.TERMINAL:
        return
    if int(item.attempts or 0) >= rules.MAX_ATTEMPTS:
        _finish(item, JobStatus.FAILED, error="作业多次中断，已放弃")
        return
    now = clock.now()
    try:
        rules.check_transition(current, JobStatus.RUNNING)
        store.transition(item, JobStatus.RUNNING, now, _entry(job_id, "job_started", SYSTEM_ACTOR, current,
                                                              JobStatus.RUNNING),
                         deadline=rules.deadline(now, JOB_HEARTBEAT_TIMEOUT_S))
    except Conflict:
        log.info("job taken by another worker", extra={"job_id": job_id})
        return
    ctx = JobContext(item)
    try:
        output = _handler(item.kind)(ctx)
    except DomainError as exc:
        _finish(item, JobStatus.FAILED, error=exc.message)
        return
    except Exception:
        log.exception("job failed", extra={"job_id": job_id, "kind": item.kind})
        _finish(item, JobStatus.FAILED, error="作业执行出错，请重试或联系平台")
        return
    key = f"jobs/{job_id}/{output.filename}"
    files.put_bytes(key, output.data, output.content_type,
                    disposition=f"attachment; filename*=UTF-8''{_quote(output.filename)}")
    _finish(item, JobStatus.SUCCEEDED, result_key=key, result_filename=output.filename)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _finish(item: store.JobItem, target: JobStatus, **fields: Any) -> None:
    current = JobStatus(item.status)
    rules.check_transition(current, target)
    action = "job_succeeded" if target is JobStatus.SUCCEEDED else "job_failed"
    store.transition(item, target, clock.now(),
                     _entry(item.job_id, action, SYSTEM_ACTOR, current, target, fields.get("error")), **fields)


def reap_stale() -> int:
    """Fail jobs whose worker has shown no sign of life before the deadline.

    Called by the scheduled function; idempotent (a job already finished or
    touched since is left alone by the conditional write)."""
    reaped = 0
    for item in store.overdue(clock.now()):
        try:
            _finish(item, JobStatus.FAILED, error="作业超时未完成")
            reaped += 1
        except Conflict:
            continue
    return reaped
