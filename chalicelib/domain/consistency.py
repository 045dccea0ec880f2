"""What the consistency checker calls a disagreement (pure rules; the readings are the store's).

The checker (``services/consistency.py``) reads the records, counters, outboxes and
executions into the plain values below and these functions compare them. Every
finding names its kind, the subject it is about and what disagrees, so a person can
repair it (docs/reliability.md "Consistency checker").
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

# finding kinds (stable names: they are the metric's dimension values and the report's keys)
DECLARATION_COUNT = "declaration_count_mismatch"  # an enterprise's count item vs its declarations
CATALOG_ENTRY_COUNT = "catalog_entry_count_mismatch"  # a catalog entry's counter vs the declarations of it
DECLARATION_WITHOUT_ENTRY = "declaration_without_catalog_entry"
ALLOCATION_COUNTER = "allocation_counter_mismatch"  # a level's n_<status> vs the units below it
STALE_SIGNAL = "stale_review_signal"  # an outbox signal to Step Functions not sent after N
STALE_EVENT = "stale_project_event"  # a project event not published to SNS after N
HEAD_MISMATCH = "record_head_mismatch"  # a record's head disagrees with its revision under review
EXECUTION_ENDED = "execution_ended"  # waiting on a review whose execution is no longer running
EXECUTION_MISSING = "execution_missing"  # waiting on a review that has no execution and no signal to start one
KINDS = (DECLARATION_COUNT, CATALOG_ENTRY_COUNT, DECLARATION_WITHOUT_ENTRY, ALLOCATION_COUNTER, STALE_SIGNAL,
         STALE_EVENT, HEAD_MISMATCH, EXECUTION_ENDED, EXECUTION_MISSING)
RUNNING = "RUNNING"


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    detail: str


@dataclass(frozen=True)
class ProjectCounts:
    """One project's declarations and the two counters kept with them."""

    project_id: str
    declarations: tuple[tuple[str, str], ...]  # (org_id, code27)
    org_counts: Mapping[str, int]  # org_id -> count item's ``declarations``
    entry_counts: Mapping[str, int]  # code27 -> catalog entry's ``declarations`` (absent counter = 0)


@dataclass(frozen=True)
class Pending:
    """An outbox entry not yet delivered."""

    subject: str
    created_at: datetime
    what: str  # "start <execution>", "decision approve", "project_status_changed" ...
    attempts: int = 0


@dataclass(frozen=True)
class Waiting:
    """A unit waiting on a review step: it needs its execution running."""

    subject: str
    machine: str
    execution_name: str
    since: datetime | None


@dataclass(frozen=True)
class Level:
    """A level's counters of the units below it by status, and the statuses the units below have."""

    subject: str
    counters: Mapping[str, int]  # every status the level counts -> its n_<status>
    below: tuple[str, ...]  # the status of each unit below


def project_findings(project: ProjectCounts) -> list[Finding]:
    found: list[Finding] = []
    by_org = Counter(org for org, _ in project.declarations)
    by_code = Counter(code for _, code in project.declarations)
    for org in sorted(set(by_org) | set(project.org_counts)):
        kept, real = int(project.org_counts.get(org, 0)), by_org.get(org, 0)
        if kept != real:
            found.append(Finding(DECLARATION_COUNT, f"project#{project.project_id}/org#{org}",
                                 f"the count item says {kept}, the enterprise has {real} declarations"))
    for code in sorted(set(by_code) | set(project.entry_counts)):
        real = by_code.get(code, 0)
        if code not in project.entry_counts:
            found.append(Finding(DECLARATION_WITHOUT_ENTRY, f"project#{project.project_id}/catalog#{code}",
                                 f"{real} declarations of a product not in the project catalog"))
            continue
        kept = int(project.entry_counts[code])
        if kept != real:
            found.append(Finding(CATALOG_ENTRY_COUNT, f"project#{project.project_id}/catalog#{code}",
                                 f"the entry's counter says {kept}, {real} enterprises declared it"))
    return found


def stale_findings(kind: str, pending: Iterable[Pending], older_than: datetime) -> list[Finding]:
    return [Finding(kind, p.subject, f"{p.what}: pending since {p.created_at.isoformat()}, {p.attempts} attempts")
            for p in pending if p.created_at < older_than]


def level_findings(levels: Iterable[Level]) -> list[Finding]:
    found = []
    for level in levels:
        statuses = tuple(level.counters)
        real = Counter(level.below)
        wrong = {s: (int(level.counters.get(s, 0)), real.get(s, 0)) for s in statuses
                 if int(level.counters.get(s, 0)) != real.get(s, 0)}
        unknown = set(real) - set(statuses)
        if wrong or unknown:
            shown = ", ".join(f"{s}: counter {kept}, units {n}" for s, (kept, n) in sorted(wrong.items()))
            if unknown:
                shown += (", " if shown else "") + f"units in unknown statuses {sorted(unknown)}"
            found.append(Finding(ALLOCATION_COUNTER, level.subject, shown))
    return found


def execution_findings(waiting: Iterable[Waiting], statuses: Mapping[tuple[str, str], str | None],
                       signalled: set[str], settled_before: datetime) -> list[Finding]:
    """``statuses``: (machine, execution name) -> the execution's status, None when there is none;
    ``signalled``: execution names a pending start signal will (re)start. Units that started
    waiting after ``settled_before`` are left for the next run (their signal may be in flight)."""
    found = []
    for unit in waiting:
        if unit.since is not None and unit.since >= settled_before:
            continue
        status = statuses.get((unit.machine, unit.execution_name))
        if status == RUNNING:
            continue
        if status is None:
            if unit.execution_name not in signalled:
                found.append(Finding(EXECUTION_MISSING, unit.subject,
                                     f"waits on {unit.machine} execution {unit.execution_name}, which does not exist "
                                     "and no signal will start it"))
        else:
            found.append(Finding(EXECUTION_ENDED, unit.subject,
                                 f"waits on {unit.machine} execution {unit.execution_name}, which is {status}"))
    return found


def head_findings(pairs: Iterable[tuple[str, int | None, str | None, int, str]]) -> list[Finding]:
    """(record id, head's current_rev, head's current_status, revision, revision's status) for each
    revision in a reviewer queue; the head must point at it and say the same status."""
    found = []
    for record_id, head_rev, head_status, revision, status in pairs:
        if head_rev is None:
            found.append(Finding(HEAD_MISMATCH, f"rec#{record_id}", f"revision {revision} is {status} but the "
                                                                    "record has no head"))
        elif (head_rev, head_status) != (revision, status):
            found.append(Finding(HEAD_MISMATCH, f"rec#{record_id}",
                                 f"revision {revision} is {status} but the head says revision {head_rev} "
                                 f"is {head_status}"))
    return found


def totals(findings: Iterable[Finding]) -> dict[str, int]:
    counted = Counter(f.kind for f in findings)
    return {kind: counted.get(kind, 0) for kind in KINDS}
