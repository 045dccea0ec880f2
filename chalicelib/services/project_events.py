"""Project status notifications (SNS), delivered through an outbox.

Every transition puts an outbox entry in the *same* transaction as the
status change (``record``); right after the commit the project's pending
entries are published in order and deleted (``deliver_project``); whatever is
left — SNS failed, the Lambda died between commit and publish — is published
by the next run of the schedule (``sweep``: one Query, oldest first). A
message can therefore be sent twice, never lost: subscribers dedupe on
``event_id``."""
from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta
from typing import Callable

from chalicelib import topics
from chalicelib.domain import project_events as events
from chalicelib.domain.enums import ProjectStatus
from chalicelib.logs import get_logger
from chalicelib.store import project_events as store
from chalicelib.store.project_events import ProjectEventItem
from chalicelib.store.uow import UnitOfWork

log = get_logger("projects.events")
TOPIC = "project_events"
# Leftovers younger than this are left to the request that wrote them (it publishes right after its commit).
GRACE = timedelta(seconds=30)


def record(uow: UnitOfWork, project_id: str, kind: str, name: str, steps: list[tuple[ProjectStatus, ProjectStatus]],
           applied_at: datetime, due_of: Callable[[ProjectStatus], datetime | None]) -> None:
    """One outbox entry per transition, in the caller's transaction (``due_of(to)``: when it was due;
    the applied instant when nothing made it due, e.g. the center publishing)."""
    for index, (before, after) in enumerate(steps):
        message = events.status_changed(project_id, kind, name, before, after, due_of(after) or applied_at,
                                        applied_at)
        uow.put(store.event_item(TOPIC, message, json.dumps(message, ensure_ascii=False), applied_at, index))


def _publish(item: ProjectEventItem) -> bool:
    """Publish one entry and delete it; False (entry kept, attempts counted) when SNS refused."""
    try:
        topics.publish(item.topic, item.message, events.attributes(json.loads(item.message)))
    except Exception as exc:  # kept for the next run of the schedule
        log.warning("project event not published", extra={"event_id": item.event_id, "error": repr(exc)})
        with contextlib.suppress(Exception):  # already published and deleted by another run: nothing to count
            item.update(actions=[ProjectEventItem.attempts.add(1)], condition=ProjectEventItem.pk.exists())
        return False
    item.delete()
    return True


def deliver_project(project_id: str) -> int:
    """Publish the project's pending events in the order they happened; stops at the first failure
    (so a later transition never overtakes an earlier one). Returns how many were published."""
    sent = 0
    for item in store.pending_of(project_id):
        if not _publish(item):
            break
        sent += 1
    return sent


def sweep(now: datetime) -> int:
    """Publish every leftover older than ``GRACE``, oldest first; a project whose event fails is skipped
    for the rest of the run. Returns how many were published."""
    sent, blocked = 0, set()
    for item in store.pending(now - GRACE):
        if item.project_id in blocked:
            continue
        if _publish(item):
            sent += 1
        else:
            blocked.add(item.project_id)
    return sent
