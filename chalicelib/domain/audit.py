"""Audit entries and the field diff that goes with them.

Every state change appends one entry: who, on whose behalf, when, what
happened to which subject, the status before and after, the reason, and the
field diff as an RFC 6902 JSON Patch.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_MISSING = object()


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def json_patch(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """The RFC 6902 operations that turn ``before`` into ``after``.

    Objects are compared key by key (recursively); any other changed value,
    lists included, is replaced whole, which keeps patches readable.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        ops: list[dict[str, Any]] = []
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}/{_escape(str(key))}"
            old, new = before.get(key, _MISSING), after.get(key, _MISSING)
            if old is _MISSING:
                ops.append({"op": "add", "path": sub, "value": new})
            elif new is _MISSING:
                ops.append({"op": "remove", "path": sub})
            else:
                ops.extend(json_patch(old, new, sub))
        return ops
    if before == after and type(before) is type(after):
        return []
    return [{"op": "replace", "path": path, "value": after}]


def new_entry_id(at: datetime) -> str:
    """Sortable by time, unique without coordination."""
    return f"{at.isoformat(timespec='microseconds')}#{secrets.token_hex(6)}"


@dataclass(frozen=True)
class AuditEntry:
    subject: str
    action: str
    actor: str
    at: datetime
    actor_org: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    diff: list[dict[str, Any]] = field(default_factory=list)
    request_id: str | None = None
    entry_id: str = ""

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("audit instants must be timezone-aware")
        if not self.entry_id:
            object.__setattr__(self, "entry_id", new_entry_id(self.at))
