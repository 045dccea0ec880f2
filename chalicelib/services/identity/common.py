"""Helpers shared by the identity use cases."""
from __future__ import annotations

import uuid
from datetime import datetime

from chalicelib import clock
from chalicelib.domain.access import Principal
from chalicelib.domain.audit import AuditEntry, json_patch
from chalicelib.domain.enums import AccountStatus, OrgStatus
from chalicelib.domain.errors import NotFound
from chalicelib.store import identity as store

SYSTEM = "system"


def new_id() -> str:
    return uuid.uuid4().hex


def iso(at: datetime) -> str:
    return at.isoformat()


def entry(subject: str, action: str, *, actor: str, actor_org: str | None = None, before: dict | None = None,
          after: dict | None = None, from_status: str | None = None, to_status: str | None = None,
          reason: str | None = None, at: datetime | None = None) -> AuditEntry:
    return AuditEntry(subject=subject, action=action, actor=actor, actor_org=actor_org, at=at or clock.now(),
                      from_status=from_status, to_status=to_status, reason=reason,
                      diff=json_patch(before or {}, after or {}) if (before or after) else [])


def by(principal: Principal) -> dict:
    return {"actor": f"account#{principal.account_id}", "actor_org": principal.org_id}


def org_or_404(org_id: str) -> store.OrgItem:
    org = store.get_org(org_id)
    if org is None:
        raise NotFound("单位不存在", code="organisation_not_found")
    return org


def active_org(org_id: str) -> store.OrgItem:
    org = org_or_404(org_id)
    if org.status != OrgStatus.ACTIVE.value:
        raise NotFound("单位不存在或已注销", code="organisation_not_found")
    return org


def account_or_404(account_id: str) -> store.AccountItem:
    account = store.get_account(account_id)
    if account is None or account.status == AccountStatus.CLOSED.value:
        raise NotFound("账号不存在", code="account_not_found")
    return account
