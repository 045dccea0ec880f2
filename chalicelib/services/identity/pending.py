"""Pending actions shown after login. Features add checks to ``CHECKS``:
each gets (account, organisation or None, now) and returns actions."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from chalicelib.domain.enums import ActorKind, PendingAction, ProcurementStatus, UnitRole
from chalicelib.domain.identity import rules


def _identity(account, org, now: datetime) -> list[PendingAction]:
    facts = rules.LoginFacts(
        must_change_password=bool(account.must_change_password),
        password_changed_at=datetime.fromisoformat(account.password_changed_at),
        org_kind=ActorKind(org.kind) if org else None,
        certified_role=UnitRole(org.certified_role) if org and org.certified_role else None,
        procurement_status=ProcurementStatus(org.procurement_status) if org else ProcurementStatus.NOT_ENTERED)
    return rules.pending_actions(facts, now)


CHECKS: list[Callable[..., list[PendingAction]]] = [_identity]


def actions_for(account, org, now: datetime) -> list[PendingAction]:
    return [action for check in CHECKS for action in check(account, org, now)]
