"""Pending actions shown after login. Features add theirs at the
``pending_actions`` extension point (``chalicelib/extensions.py``): each gets
(account, organisation or None, now) and returns actions."""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain.enums import AccountKind, ActorKind, PendingAction, ProcurementStatus, UnitRole
from chalicelib.domain.identity import rules


def identity_actions(account, org, now: datetime) -> list[PendingAction]:
    from chalicelib.store import identity as store

    operator_authorized = authorizations = None
    if org is not None and account.kind == AccountKind.OPERATOR.value:  # +1 GetItem
        member = store.get_member(org.org_id, account.account_id)
        operator_authorized = bool(member and member.procurement_authorized)
    elif org is not None and account.kind == AccountKind.UNIT.value:  # +1 Query
        authorizations = tuple(store.operator_authorizations(org.org_id))
    facts = rules.LoginFacts(
        operator_authorized=operator_authorized, operator_authorizations=authorizations,
        must_change_password=bool(account.must_change_password),
        password_changed_at=datetime.fromisoformat(account.password_changed_at),
        org_kind=ActorKind(org.kind) if org else None,
        certified_role=UnitRole(org.certified_role) if org and org.certified_role else None,
        procurement_status=ProcurementStatus(org.procurement_status) if org else ProcurementStatus.NOT_ENTERED)
    return rules.pending_actions(facts, now)


def actions_for(account, org, now: datetime) -> list[PendingAction]:
    from chalicelib import extensions

    return [action for check in extensions.load("pending_actions") for action in check(account, org, now)]
