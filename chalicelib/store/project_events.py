"""The project-events outbox, and (local/test stages) what the topic's tap received.

- outbox entry: ``pk = project#<id>``, ``sk = event#<applied instant>#<nn>`` (the project's events in the
  order they happened), written in the transaction of the transition and deleted once published;
  ``gsi1``: ``projects#events#pending`` / ``<applied instant>#<id>#<nn>``: the leftovers, oldest first,
  for the schedule's sweep (one Query).
- tapped message (dev only): ``pk = dev#topic#<logical>``, ``sk = <drained instant>#<nnnn>``, TTL 1 day.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.store.paging import Page, query_page
from chalicelib.store.projects import key_instant, project_pk
from chalicelib.store.tables import MainTable

PENDING = "projects#events#pending"
TAP_TTL = timedelta(days=1)


class ProjectEventItem(MainTable):
    project_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    topic = UnicodeAttribute()
    message = UnicodeAttribute()  # the JSON body, as it is published
    created_at = UnicodeAttribute()
    attempts = NumberAttribute(default=0)


def event_item(topic: str, message: dict, body: str, applied_at: datetime, index: int) -> ProjectEventItem:
    project_id, at = message["project_id"], key_instant(applied_at)
    return ProjectEventItem(
        pk=project_pk(project_id), sk=f"event#{at}#{index:02d}", project_id=project_id,
        event_id=message["event_id"], topic=topic, message=body, created_at=at, attempts=0,
        gsi1pk=PENDING, gsi1sk=f"{at}#{project_id}#{index:02d}")


def pending_of(project_id: str) -> list[ProjectEventItem]:
    """One project's unpublished events, in the order they happened."""
    return list(ProjectEventItem.query(project_pk(project_id), ProjectEventItem.sk.startswith("event#"),
                                       consistent_read=True))


def pending(older_than: datetime, limit: int = 100) -> list[ProjectEventItem]:
    """Every unpublished event applied before ``older_than``, oldest first (one Query on gsi1)."""
    return list(ProjectEventItem.gsi1.query(PENDING, ProjectEventItem.gsi1sk < key_instant(older_than),
                                            limit=limit))


# -- the tap (local/test stages only) -------------------------------------------------

class TappedItem(MainTable):
    topic = UnicodeAttribute()
    message_id = UnicodeAttribute()
    body = UnicodeAttribute()
    attributes = UnicodeAttribute()  # JSON object: name -> string value
    received_at = UnicodeAttribute()


def tap_pk(topic: str) -> str:
    return f"dev#topic#{topic}"


def save_tapped(topic: str, messages: list[dict], now: datetime) -> None:
    """Messages drained from the tap queue, in the order received."""
    at = key_instant(now)
    with TappedItem.batch_write() as batch:
        for n, m in enumerate(messages):
            batch.save(TappedItem(pk=tap_pk(topic), sk=f"{at}#{n:04d}", topic=topic, message_id=m["message_id"],
                                  body=m["body"], attributes=m["attributes"], received_at=at,
                                  expires_at=now + TAP_TTL))


def list_tapped(topic: str, *, limit: int, cursor: str | None) -> Page[TappedItem]:
    pk = tap_pk(topic)
    return query_page(TappedItem.query, scope=pk, key_names=("pk", "sk"), limit=limit, cursor=cursor, hash_key=pk,
                      scan_index_forward=False)
