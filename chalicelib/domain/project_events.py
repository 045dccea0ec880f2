"""The notification sent for each project status transition (pure: no AWS).

One message per transition, published to the ``project_events`` topic:
``event_id`` is ``<project_id>:<from>:<to>`` — a project takes each
transition at most once, so a subscriber that sees an ``event_id`` again
(at-least-once delivery) drops it. Instants are ISO 8601 in +08:00.
The message attributes are what SNS filter policies match on.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.domain.enums import ProjectKind, ProjectStatus
from chalicelib.domain.projects import ORDER

EVENT = "project_status_changed"
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
ATTRIBUTES = ("event", "to_status", "kind")


def event_id(project_id: str, before: ProjectStatus, after: ProjectStatus) -> str:
    return f"{project_id}:{before.value}:{after.value}"


def _instant(name: str, at: datetime) -> str:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not {at!r}")
    return at.astimezone(CHINA).isoformat()


def status_changed(project_id: str, kind: ProjectKind | str, name: str, before: ProjectStatus | str,
                   after: ProjectStatus | str, due_at: datetime, applied_at: datetime) -> dict:
    """The message body of one transition; refuses anything but one step forward (ValueError)."""
    if not project_id or not isinstance(project_id, str) or ":" in project_id:
        raise ValueError(f"bad project id {project_id!r}")
    kind, before, after = ProjectKind(kind), ProjectStatus(before), ProjectStatus(after)
    if ORDER.index(after) != ORDER.index(before) + 1:
        raise ValueError(f"not one transition: {before.value} -> {after.value}")
    return {
        "event": EVENT, "event_id": event_id(project_id, before, after), "project_id": project_id,
        "kind": kind.value, "kind_label": kind.label, "name": name,
        "from_status": before.value, "from_status_label": before.label,
        "to_status": after.value, "to_status_label": after.label,
        "due_at": _instant("due_at", due_at), "applied_at": _instant("applied_at", applied_at),
    }


def attributes(message: dict) -> dict[str, str]:
    """The message attributes (all strings) subscribers filter on: event, to_status, kind."""
    return {name: str(message[name]) for name in ATTRIBUTES}
