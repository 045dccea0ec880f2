"""Qualification records, their revisions, Step Functions task tokens and the
signal outbox (table ``main``; keys in docs/review-chain.md)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.store.paging import Page, query_page
from chalicelib.store.tables import MainTable, transact_write

GSI1_KEY = ("pk", "sk", "gsi1pk", "gsi1sk")
GSI2_KEY = ("pk", "sk", "gsi2pk", "gsi2sk")
PENDING_SIGNALS = "signals#pending"


def rec_pk(record_id: str) -> str:
    return f"rec#{record_id}"


def rev_sk(revision: int) -> str:
    return f"rev#{revision:04d}"


class HeadItem(MainTable):
    record_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    org_id = UnicodeAttribute()
    title = UnicodeAttribute()
    current_rev = NumberAttribute()
    current_status = UnicodeAttribute()
    effective_rev = NumberAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class RevisionItem(MainTable):
    record_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    org_id = UnicodeAttribute()
    revision = NumberAttribute()
    status = UnicodeAttribute()
    data = UnicodeAttribute()  # JSON object
    file_ids = UnicodeSetAttribute(null=True)
    submissions = NumberAttribute(default=0)
    submitted_at = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    first_approved_by = UnicodeAttribute(null=True)  # the account that approved this submission's first level
    execution_name = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @property
    def data_dict(self) -> dict[str, Any]:
        return json.loads(self.data)


class TaskItem(MainTable):
    """Written by the state machine (``putItem.waitForTaskToken``)."""

    token = UnicodeAttribute()
    execution = UnicodeAttribute(null=True)


class FileRefItem(MainTable):
    """``fileref#<file>`` / ``rec#<record>``: a record references a file."""

    record_id = UnicodeAttribute()


class SignalItem(MainTable):
    """An outbox entry: something Step Functions must be told after a commit.

    ``machine`` names the state machine (default ``review_chain``) and ``token_pk``/``token_sk``
    the item its execution writes the task token to (default: the record's ``task#<rev>#<level>``),
    so any feature's review steps share this outbox and its reconciler (docs/allocation.md)."""

    record_id = UnicodeAttribute()
    revision = NumberAttribute()
    signal = UnicodeAttribute()  # start | decision
    level = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    payload = UnicodeAttribute(null=True)  # JSON: execution input for "start"
    execution_name = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    machine = UnicodeAttribute(null=True)
    token_pk = UnicodeAttribute(null=True)
    token_sk = UnicodeAttribute(null=True)


def _get(model, pk: str, sk: str):
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def get_head(record_id: str) -> HeadItem | None:
    return _get(HeadItem, rec_pk(record_id), "head")


def get_heads(record_ids: list[str]) -> dict[str, HeadItem]:
    """Several record heads by id in one BatchGetItem (at most 100 ids); absent records are left out."""
    keys = [(rec_pk(r), "head") for r in dict.fromkeys(record_ids)]
    return {h.record_id: h for h in HeadItem.batch_get(keys)} if keys else {}


def get_revision(record_id: str, revision: int) -> RevisionItem | None:
    return _get(RevisionItem, rec_pk(record_id), rev_sk(revision))


def get_task(record_id: str, revision: int, level: str) -> TaskItem | None:
    return _get(TaskItem, rec_pk(record_id), f"task#{revision}#{level}")


def get_token(pk: str, sk: str) -> TaskItem | None:
    """A task token item at an explicit key (review steps other than the records')."""
    return _get(TaskItem, pk, sk)


def revisions(record_id: str) -> list[RevisionItem]:
    return list(RevisionItem.query(rec_pk(record_id), RevisionItem.sk.startswith("rev#")))


def heads_for(org_id: str, kind: str, tab: str, *, limit: int, cursor: str | None,
              keyword: str | None = None) -> Page[HeadItem]:
    """One Query a page; ``keyword`` filters on the title (a code, a number, a name)
    server-side, so a filtered page may hold fewer than ``limit`` records."""
    pk = f"recs#{org_id}#{kind}#{tab}"
    extra = {"filter_condition": HeadItem.title.contains(keyword)} if keyword else {}
    return query_page(HeadItem.gsi1.query, scope=f"{pk}#{keyword or ''}", key_names=GSI1_KEY, limit=limit,
                      cursor=cursor, hash_key=pk, scan_index_forward=False, **extra)


def queue(kind: str, status: str, *, limit: int, cursor: str | None) -> Page[RevisionItem]:
    pk = f"queue#{kind}#{status}"
    return query_page(RevisionItem.gsi2.query, scope=pk, key_names=GSI2_KEY, limit=limit, cursor=cursor,
                      hash_key=pk)


def queue_count(kind: str, status: str) -> int:
    return RevisionItem.count(f"queue#{kind}#{status}", index_name="gsi2")


def pending_signals(older_than: datetime, limit: int = 100) -> list[SignalItem]:
    return list(SignalItem.gsi1.query(PENDING_SIGNALS, SignalItem.gsi1sk < older_than.isoformat(), limit=limit))


def consume(task: TaskItem, signal: SignalItem) -> None:
    """A delivered decision: its task token and its signal go together, in one transaction. Deleted one
    after the other, a token deleted with its answer lost left the signal waiting for a token that
    would never come again (the reconciler takes a missing token for "not reached yet")."""
    with transact_write() as tx:
        tx.delete(TaskItem(pk=task.pk, sk=task.sk))
        tx.delete(SignalItem(pk=signal.pk, sk=signal.sk))
