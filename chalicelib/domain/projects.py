"""Procurement projects (采购项目): windows, status, the next due instant.

A project's status is a *function* of its two windows, whether the platform
center has published it, and the clock:

    draft        until the center publishes it
    published    published, declaration window not yet open      now < declaration_start
    declaring    declaration window open                         declaration_start <= now < declaration_end
    closed       declaration over, results not yet public        declaration_end <= now < publication_start
    publicising  publication window open                         publication_start <= now < publication_end
    finished     publication window over                         publication_end <= now

Starts are inclusive, ends exclusive. The stored status is only a cache that
the scheduled function (``advance_project_windows``) moves forward at each
``next_due`` instant; request-time checks (``check_declarable``) always use
this function, never the stored status.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.domain.access import business
from chalicelib.domain.enums import ActorKind, Permission, ProjectStatus
from chalicelib.domain.errors import Collector, Conflict, ValidationFailed

# The platform center (平台中心): an authorised operator (or a sub-account) of the platform holding 项目管理.
# Routes declare it; the services use it to decide who sees drafts and unpublished results.
CENTER = business(Permission.PROJECT_MANAGE, actors=frozenset({ActorKind.PLATFORM}))

ORDER: tuple[ProjectStatus, ...] = (
    ProjectStatus.DRAFT, ProjectStatus.PUBLISHED, ProjectStatus.DECLARING, ProjectStatus.CLOSED,
    ProjectStatus.PUBLICISING, ProjectStatus.FINISHED,
)
WINDOW_FIELDS = ("declaration_start", "declaration_end", "publication_start", "publication_end")


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed.on(name, "须为带时区的时间（ISO 8601，含时区偏移）")
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Windows:
    """The declaration window (申报时间) and the publication window (结果公示时间), aware UTC instants."""

    declaration_start: datetime
    declaration_end: datetime
    publication_start: datetime
    publication_end: datetime

    @classmethod
    def of(cls, declaration_start: datetime, declaration_end: datetime, publication_start: datetime,
           publication_end: datetime) -> "Windows":
        """Validated windows: every field checked, every failure reported at once (400)."""
        c = Collector()
        values = {}
        for name, value in zip(WINDOW_FIELDS, (declaration_start, declaration_end, publication_start,
                                                publication_end)):
            values[name] = c.run(lambda v=value, n=name: _aware(v, n))
        c.raise_if_any()
        w = cls(**values)
        if w.declaration_end <= w.declaration_start:
            c.add(ValidationFailed.on("declaration_end", "申报截止时间须晚于申报开始时间", code="invalid_window"))
        if w.publication_end <= w.publication_start:
            c.add(ValidationFailed.on("publication_end", "公示截止时间须晚于公示开始时间", code="invalid_window"))
        if w.publication_start < w.declaration_end:
            c.add(ValidationFailed.on("publication_start", "结果公示不得早于申报截止（两个时间段不得重叠）",
                                      code="invalid_window"))
        c.raise_if_any()
        return w

    @property
    def boundaries(self) -> tuple[datetime, ...]:
        return (self.declaration_start, self.declaration_end, self.publication_start, self.publication_end)


def status_at(windows: Windows, published: bool, now: datetime) -> ProjectStatus:
    """The status the windows say at ``now``."""
    if not published:
        return ProjectStatus.DRAFT
    if now < windows.declaration_start:
        return ProjectStatus.PUBLISHED
    if now < windows.declaration_end:
        return ProjectStatus.DECLARING
    if now < windows.publication_start:
        return ProjectStatus.CLOSED
    if now < windows.publication_end:
        return ProjectStatus.PUBLICISING
    return ProjectStatus.FINISHED


def next_due(windows: Windows, published: bool, now: datetime) -> datetime | None:
    """When the status will change next after ``now`` (None: a draft or a finished project)."""
    if not published:
        return None
    return next((b for b in windows.boundaries if b > now), None)


def path(current: ProjectStatus, target: ProjectStatus) -> list[tuple[ProjectStatus, ProjectStatus]]:
    """Each transition from ``current`` to ``target``, in order (a late run catches up step by step)."""
    i, j = ORDER.index(current), ORDER.index(target)
    if j < i:
        raise Conflict(f"项目状态不能从{current.label}回到{target.label}", code="project_status_backwards")
    return [(ORDER[k], ORDER[k + 1]) for k in range(i, j)]


def entered_at(windows: Windows, status: ProjectStatus) -> datetime | None:
    """The instant the windows move a published project into ``status`` (None: draft/published)."""
    return {ProjectStatus.DECLARING: windows.declaration_start, ProjectStatus.CLOSED: windows.declaration_end,
            ProjectStatus.PUBLICISING: windows.publication_start,
            ProjectStatus.FINISHED: windows.publication_end}.get(status)


def check_declarable(windows: Windows, published: bool, now: datetime) -> None:
    """Refuse a declaration write outside the declaration window (409), whatever the stored status says."""
    if not published or now < windows.declaration_start:
        raise Conflict("申报尚未开始", code="declaration_window_not_open")
    if now >= windows.declaration_end:
        raise Conflict("申报已截止", code="declaration_window_closed")


def check_publishable(windows: Windows, published: bool, now: datetime) -> None:
    """A draft may be published while its declaration window has not ended."""
    if published:
        raise Conflict("项目已发布", code="project_not_draft")
    if now >= windows.declaration_end:
        raise Conflict("申报截止时间已过，请先修改申报时间", code="declaration_window_passed")
