"""Rules of idempotency keys (``Idempotency-Key`` header on create/submit).

A key is scoped to the caller and the operation; the first request with a key
records a fingerprint of its payload. A retry with the same payload replays
the first response; the same key with a different payload is a 409.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from chalicelib.domain.errors import ValidationFailed

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-:.]{8,128}$")
# How long a completed response is replayed; an in-flight claim expires sooner
# so a crashed request does not block its retries forever.
RETENTION_S = 24 * 3600
IN_FLIGHT_TTL_S = 60


def validate_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):  # fullmatch: `$` alone lets a trailing newline by
        raise ValidationFailed.on(
            "Idempotency-Key", "须为 8 到 128 位的字母、数字或 _-:. 字符", code="invalid_idempotency_key"
        )
    return key


def fingerprint(payload: Any) -> str:
    """A stable hash of the request payload (key order does not matter)."""
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def record_key(scope: str, operation: str, key: str) -> str:
    return f"{scope}|{operation}|{key}"
