"""The append-only audit log (table ``audit``).

Entries are only ever put with ``attribute_not_exists``; nothing updates or
deletes them, and the Lambda's IAM policy grants no UpdateItem/DeleteItem on
the table. ``put_in(transaction, entry)`` lets a service write its state
change and the entry atomically.
"""
from __future__ import annotations

import json

from pynamodb.transactions import TransactWrite

from chalicelib.domain.audit import AuditEntry
from chalicelib.logs import current_request_id
from chalicelib.store.paging import Page, query_page
from chalicelib.store.tables import AuditTable


def _record(entry: AuditEntry) -> AuditTable:
    return AuditTable(
        subject=entry.subject,
        entry_id=entry.entry_id,
        actor=entry.actor,
        actor_org=entry.actor_org,
        action=entry.action,
        at=entry.at.isoformat(),
        from_status=entry.from_status,
        to_status=entry.to_status,
        reason=entry.reason,
        diff=json.dumps(entry.diff, ensure_ascii=False) if entry.diff else None,
        request_id=entry.request_id or current_request_id(),
    )


def append(entry: AuditEntry) -> None:
    _record(entry).save(condition=AuditTable.subject.does_not_exist())


def put_in(transaction: TransactWrite, entry: AuditEntry) -> None:
    transaction.save(_record(entry), condition=AuditTable.subject.does_not_exist())


def to_dict(record: AuditTable) -> dict:
    return {
        "subject": record.subject,
        "entry_id": record.entry_id,
        "actor": record.actor,
        "actor_org": record.actor_org,
        "action": record.action,
        "at": record.at,
        "from_status": record.from_status,
        "to_status": record.to_status,
        "reason": record.reason,
        "diff": json.loads(record.diff) if record.diff else [],
        "request_id": record.request_id,
    }


def history(subject: str, *, limit: int, cursor: str | None, newest_first: bool = True) -> Page[dict]:
    page = query_page(
        AuditTable.query, scope=f"audit:{subject}", key_names=("subject", "entry_id"),
        limit=limit, cursor=cursor, hash_key=subject, scan_index_forward=not newest_first,
    )
    return Page([to_dict(r) for r in page.items], page.next_cursor)


def by_actor(actor: str, *, limit: int, cursor: str | None) -> Page[dict]:
    page = query_page(
        AuditTable.by_actor.query, scope=f"audit-actor:{actor}",
        key_names=("subject", "entry_id", "actor"),
        limit=limit, cursor=cursor, hash_key=actor, scan_index_forward=False,
    )
    return Page([to_dict(r) for r in page.items], page.next_cursor)
