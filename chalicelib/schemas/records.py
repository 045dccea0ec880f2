"""Qualification records and reviews: request and response models."""

from typing import Any, Literal

from pydantic import Field

from chalicelib.domain.enums import RecordKind
from chalicelib.schemas.common import Model, Strict


class RecordInput(Strict):
    """The record's fields; their shape depends on the kind (see the kind's schema)."""

    data: dict[str, Any]


class RecordView(Model):
    record_id: str
    kind: str
    kind_label: str
    org_id: str
    title: str
    status: str
    status_label: str
    tab: str
    current_revision: int
    effective_revision: int | None
    data: dict[str, Any]
    file_ids: list[str]
    submitted_at: str | None
    reason: str | None
    updated_at: str


class RecordPage(Model):
    items: list[RecordView]
    next_cursor: str | None = None


class RecordListQuery(Strict):
    tab: Literal["draft", "pending", "approved", "rejected"] = "draft"
    keyword: str | None = Field(None, min_length=1, max_length=50,
                                description="part of the title: a certificate number, a code, a name")
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)


class RevisionView(Model):
    revision: int
    status: str
    status_label: str
    data: dict[str, Any]
    file_ids: list[str]
    submitted_at: str | None
    decided_at: str | None
    reason: str | None


class RecordDetail(Model):
    record: RecordView
    revisions: list[RevisionView]
    effective: RevisionView | None


class HistoryEntry(Model):
    at: str
    action: str
    actor: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    diff: list[dict[str, Any]]


class HistoryPage(Model):
    items: list[HistoryEntry]
    next_cursor: str | None = None


class QueueQuery(Strict):
    kind: RecordKind
    level: Literal["first", "final"] = "first"
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)


class QueueItem(Model):
    record_id: str
    revision: int
    kind: str
    kind_label: str
    org_id: str
    title: str
    status: str
    submitted_at: str | None


class QueuePage(Model):
    items: list[QueueItem]
    next_cursor: str | None = None


class QueueCount(Model):
    kind: str
    kind_label: str
    pending_first: int
    pending_final: int


class QueueCounts(Model):
    items: list[QueueCount]


class DecisionInput(Strict):
    revision: int = Field(ge=1)
    level: Literal["first", "final"] = Field(description="the level the reviewer decides: a repeated click "
                                                        "cannot decide the next level too")
    decision: Literal["approve", "reject"]
    reason: str | None = Field(None, max_length=500)


class BatchDecisionItem(DecisionInput):
    record_id: str = Field(max_length=100)


class BatchDecisionInput(Strict):
    items: list[BatchDecisionItem] = Field(min_length=1, max_length=100)


class BatchResult(Model):
    record_id: str
    revision: int
    ok: bool
    status: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class BatchResults(Model):
    items: list[BatchResult]
    succeeded: int
    failed: int
