"""A subject's audit entries as an API page (newest first): records, listed products (对码), projects."""
from __future__ import annotations

from chalicelib.schemas.records import HistoryEntry, HistoryPage
from chalicelib.store import audit


def page(subject: str, limit: int, cursor: str | None) -> HistoryPage:
    found = audit.history(subject, limit=limit, cursor=cursor, newest_first=True)
    return HistoryPage(items=[HistoryEntry(at=e["at"], action=e["action"], actor=e["actor"],
                                           from_status=e["from_status"], to_status=e["to_status"],
                                           reason=e["reason"], diff=e["diff"]) for e in found.items],
                       next_cursor=found.next_cursor)
