"""Where one feature plugs into another, named by dotted path and imported on
first use (so wiring costs nothing at cold start and no feature imports the
one that extends it).

    for check in extensions.load("procurement_entry_checks"):
        check(org)
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any, Callable

POINTS: dict[str, tuple[str, ...]] = {
    # (org_id) -> bool: has the enterprise basic info been submitted? (role certification)
    "enterprise_basic_info": ("chalicelib.services.records.hooks:has_enterprise_basic_info",),
    # (account, org | None, now) -> [PendingAction]: actions shown after login
    "pending_actions": ("chalicelib.services.identity.pending:identity_actions",
                        "chalicelib.services.records.hooks:self_distribution_actions"),
    # (org) -> None, raising what is missing: before entering the procurement subsystem
    "procurement_entry_checks": ("chalicelib.services.records.hooks:require_self_distribution",),
    # (principal, file_id) -> bool: may this reviewer download the file?
    "file_reviewer_access": ("chalicelib.services.records.engine:file_referenced_for_review",),
}


@lru_cache(maxsize=None)
def load(point: str) -> tuple[Callable[..., Any], ...]:
    found = []
    for path in POINTS[point]:
        module, _, name = path.partition(":")
        found.append(getattr(importlib.import_module(module), name))
    return tuple(found)
