"""Idempotency claims (table ``idempotency``).

``claim`` writes the key conditionally: the first request wins and runs; a
retry of a completed request gets the stored response back; a retry while
the first is still running, or a reuse of the key with another payload, is a
409. Only successful (2xx) responses are kept; a failed request releases its
claim so the client can retry it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError

from chalicelib.domain import idempotency as rules
from chalicelib.domain.errors import Conflict
from chalicelib.store.tables import IdempotencyTable


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str
    headers: dict[str, str]


CLAIM_ATTEMPTS = 3


def _is_condition_failure(exc: PutError) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def claim(record_key: str, fingerprint: str, now: datetime) -> StoredResponse | None:
    """Claim ``record_key``; ``None`` means go ahead, a response means replay it."""
    item = IdempotencyTable(
        key=record_key, fingerprint=fingerprint, state="in_flight",
        expires_at=now + timedelta(seconds=rules.IN_FLIGHT_TTL_S),
    )
    for _ in range(CLAIM_ATTEMPTS):
        try:
            item.save(condition=IdempotencyTable.key.does_not_exist()
                      | (IdempotencyTable.expires_at < now))
            return None
        except PutError as exc:
            if not _is_condition_failure(exc):
                raise
        try:
            existing = IdempotencyTable.get(record_key, consistent_read=True)
        except IdempotencyTable.DoesNotExist:
            # The request holding the key failed and released it between our write and our read
            # (found by the fuzz: a 500 when two requests with one key overlapped): claim again.
            continue
        return _replay(existing, fingerprint)
    raise Conflict("相同幂等键的请求正在处理中，请稍后重试", code="request_in_progress")


def _replay(existing: IdempotencyTable, fingerprint: str) -> StoredResponse:
    if existing.fingerprint != fingerprint:
        raise Conflict("该幂等键已用于另一个不同的请求", code="idempotency_key_reused")
    if existing.state != "completed":
        raise Conflict("相同幂等键的请求正在处理中，请稍后重试", code="request_in_progress")
    return StoredResponse(int(existing.status_code), existing.body or "", json.loads(existing.headers or "{}"))


def complete(record_key: str, fingerprint: str, response: StoredResponse, now: datetime) -> None:
    IdempotencyTable(
        key=record_key,
        fingerprint=fingerprint,
        state="completed",
        status_code=response.status_code,
        body=response.body,
        headers=json.dumps(response.headers),
        expires_at=now + timedelta(seconds=rules.RETENTION_S),
    ).save(condition=IdempotencyTable.state == "in_flight")


def release(record_key: str) -> None:
    IdempotencyTable(key=record_key).delete(condition=IdempotencyTable.state == "in_flight")
