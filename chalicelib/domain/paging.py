"""Opaque, tamper-evident page cursors.

A cursor carries DynamoDB's ``LastEvaluatedKey`` for one list. It is signed
with HMAC-SHA256 over the key *and* the list's scope (which query, which
partition), so a cursor cannot be edited, forged, or replayed against another
list: any of those is a 400 ``invalid_cursor``.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import ValidationFailed

MAX_CURSOR_LENGTH = 2048


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CursorCodec:
    key: bytes

    def _mac(self, scope: str, payload: bytes) -> bytes:
        return hmac.new(self.key, scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:16]

    def encode(self, scope: str, last_key: dict[str, Any] | None) -> str | None:
        if not last_key:
            return None
        payload = json.dumps(last_key, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        return f"{_b64(payload)}.{_b64(self._mac(scope, payload))}"

    def decode(self, scope: str, cursor: str | None) -> dict[str, Any] | None:
        if cursor is None or cursor == "":
            return None
        invalid = ValidationFailed.on("cursor", "分页游标无效或已被篡改", code="invalid_cursor")
        if len(cursor) > MAX_CURSOR_LENGTH or cursor.count(".") != 1:
            raise invalid
        body, mac = cursor.split(".")
        try:
            payload, given = _unb64(body), _unb64(mac)
        except (binascii.Error, ValueError):
            raise invalid from None
        if not hmac.compare_digest(given, self._mac(scope, payload)):
            raise invalid
        try:
            key = json.loads(payload)
        except ValueError:
            raise invalid from None
        if not isinstance(key, dict):
            raise invalid
        return key
