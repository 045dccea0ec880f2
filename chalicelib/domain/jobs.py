"""Background jobs: the status machine and progress arithmetic (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.enums import JobStatus
from chalicelib.domain.errors import Conflict

TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.FAILED}),
    # running -> running: a redelivered message restarts a job whose worker died.
    JobStatus.RUNNING: frozenset({JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED}),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
}
TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})
MAX_ATTEMPTS = 3


def check_transition(current: JobStatus, target: JobStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise Conflict(f"作业状态不能从 {current.label} 变为 {target.label}", code="invalid_job_transition")


def deadline(heartbeat: datetime, timeout_s: int) -> datetime:
    """When a job that has shown no sign of life is considered dead."""
    return heartbeat + timedelta(seconds=timeout_s)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int | None

    @property
    def percent(self) -> float | None:
        if not self.total:
            return None
        return round(min(self.done, self.total) * 100.0 / self.total, 1)
