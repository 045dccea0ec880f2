"""Login, organisation choice, the per-request principal, password change, logout."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DeleteError, PutError

from chalicelib import clock
from chalicelib.domain.access import PERMISSIONS_BY_ACTOR, Principal
from chalicelib.domain.enums import AccountKind, AccountStatus, ActorKind, OrgStatus, Permission, ProcurementStatus, UnitRole
from chalicelib.domain.errors import Forbidden, Unauthenticated, ValidationFailed
from chalicelib.domain.identity import rules, validators as v
from chalicelib.schemas.identity import (
    LoginRequest, MeView, OrgChoice, PasswordChange, PendingActionView, SessionView,
)
from chalicelib.security import passwords, tokens
from chalicelib.services.identity import challenges
from chalicelib.services.identity.common import entry, iso
from chalicelib.store import identity as store
from chalicelib.store.identity import AccountItem, FailureItem, OrgItem
from chalicelib.store.uow import UnitOfWork

BAD_CREDENTIALS = Unauthenticated("账号或密码错误", code="invalid_credentials")
REVOKED = Unauthenticated("登录已失效，请重新登录", code="session_revoked")


# -- resolving a login -------------------------------------------------------

def _resolve(kind: str, key: str) -> AccountItem | None:
    if kind == "credit_code":
        org_id = store.claim_owner(store.credit_pk(key))
        org = store.get_org(org_id) if org_id else None
        return store.get_account(org.unit_account_id) if org else None
    owner = store.claim_owner(store.login_pk("mobile" if kind == "mobile" else "name", key))
    return store.get_account(owner) if owner else None


def _failures(key: str) -> tuple[FailureItem | None, rules.FailureState | None]:
    item = store.get_failures(key)
    if item is None:
        return None, None
    locked = datetime.fromisoformat(item.locked_until) if item.locked_until else None
    return item, rules.FailureState(int(item.failures), locked)


def _record_failure(key: str, item: FailureItem | None, state: rules.FailureState | None, now: datetime) -> None:
    after = rules.after_failure(state, now)
    new = FailureItem(pk=f"loginfail#{key}", sk="counter", failures=after.failures,
                      locked_until=after.locked_until.isoformat() if after.locked_until else None,
                      expires_at=now + rules.LOCK_DURATION * 4)
    condition = FailureItem.pk.does_not_exist() if item is None else (FailureItem.failures == item.failures)
    try:
        new.save(condition=condition)
    except PutError:
        pass  # a concurrent failure was counted first; ours is not lost from the user's point of view


def login(req: LoginRequest) -> SessionView:
    challenges.verify_captcha(req.captcha_id, req.captcha_answer)
    kind, key = rules.classify_login(req.login)
    now = clock.now()
    account = _resolve(kind, key)
    fail_key = f"account#{account.account_id}" if account else f"id#{kind}#{key}"
    item, state = _failures(fail_key)
    rules.ensure_not_locked(state, now)
    if not passwords.verify_password(account.password_hash if account else None, req.password):
        _record_failure(fail_key, item, state, now)
        raise BAD_CREDENTIALS
    if item is not None:
        try:
            item.delete()
        except DeleteError:
            pass
    if account.status == AccountStatus.DISABLED.value:
        raise Forbidden("账号已停用，请联系单位管理员", code="account_disabled")
    if account.status != AccountStatus.ACTIVE.value:
        raise BAD_CREDENTIALS
    if passwords.needs_rehash(account.password_hash):
        account.update(actions=[AccountItem.password_hash.set(passwords.hash_password(req.password))])
    return build_session(account, now)


def _org_choices(account: AccountItem) -> list[tuple[OrgItem, bool]]:
    members = [m for m in store.memberships_of(account.account_id) if m.status == "bound"]
    if not members:
        return []
    orgs = {o.org_id: o for o in OrgItem.batch_get([(store.org_pk(m.org_id), "org") for m in members])}
    return [(orgs[m.org_id], bool(m.procurement_authorized)) for m in members
            if m.org_id in orgs and orgs[m.org_id].status == OrgStatus.ACTIVE.value]


def build_session(account: AccountItem, now: datetime, org_id: str | None = None) -> SessionView:
    kind = AccountKind(account.kind)
    choices: list[tuple[OrgItem, bool]] = []
    org = None
    if kind is AccountKind.OPERATOR:
        choices = _org_choices(account)
        if not choices:
            raise Forbidden("经办人未绑定任何单位，请联系单位管理员", code="no_organisation")
        if org_id is not None:
            org = next((o for o, _ in choices if o.org_id == org_id), None)
            if org is None:
                raise Forbidden("经办人不属于该单位", code="not_a_member")
        elif len(choices) == 1:
            org = choices[0][0]
    else:
        org = store.get_org(account.org_id)
        if org is None or org.status != OrgStatus.ACTIVE.value:
            raise Forbidden("单位账号已注销", code="organisation_closed")
    if account.must_change_password:
        scope = "password_change"
    else:
        scope = "org" if org is not None else "select_org"
    token, expires = tokens.issue(account.account_id, org.org_id if org else None, scope,
                                  int(account.token_version or 0), now)
    return SessionView(
        token=token, scope=scope, expires_at=iso(expires), account_id=account.account_id, account_kind=kind.value,
        org_id=org.org_id if org else None,
        organisations=[OrgChoice(org_id=o.org_id, name=o.name, kind=o.kind, kind_label=ActorKind(o.kind).label,
                                 procurement_authorized=authorized) for o, authorized in choices],
        pending_actions=_pending(account, org, now))


def _pending(account: AccountItem, org: OrgItem | None, now: datetime) -> list[PendingActionView]:
    from chalicelib.services.identity import pending

    return [PendingActionView(code=a.value, label=a.label) for a in pending.actions_for(account, org, now)]


def select_org(principal: Principal, org_id: str) -> SessionView:
    account = store.get_account(principal.account_id)
    return build_session(account, clock.now(), org_id=org_id)


def refresh(principal: Principal) -> SessionView:
    return build_session(store.get_account(principal.account_id), clock.now(), org_id=principal.org_id)


def logout(principal: Principal) -> None:
    account = store.get_account(principal.account_id)
    account.update(actions=[AccountItem.token_version.add(1), AccountItem.updated_at.set(iso(clock.now()))])


# -- the principal of a request ----------------------------------------------

def load_principal(token: str) -> Principal:
    """Verify the token and read the caller's current state (consistent reads)."""
    now = clock.now()
    claims = tokens.verify(token, now)
    account = store.get_account(claims.account_id)
    if account is None or account.status != AccountStatus.ACTIVE.value or \
            int(account.token_version or 0) != claims.token_version:
        raise REVOKED
    kind = AccountKind(account.kind)
    base = dict(account_id=account.account_id, account_kind=kind, login=account.login)
    if claims.scope != "org":
        return Principal(org_id=claims.org_id, scope=claims.scope, **base)
    org = store.get_org(claims.org_id)
    if org is None or org.status != OrgStatus.ACTIVE.value:
        raise REVOKED
    authorized, role_ids = False, set()
    if kind is AccountKind.OPERATOR:
        member = store.get_member(org.org_id, account.account_id)
        if member is None or member.status != "bound":
            raise REVOKED
        authorized, role_ids = bool(member.procurement_authorized), set(member.role_ids or ())
    elif account.org_id != org.org_id:
        raise REVOKED
    elif kind is AccountKind.SUB_ACCOUNT:
        role_ids = set(account.role_ids or ())
    actor = ActorKind(org.kind)
    granted = {Permission(p) for r in store.roles_by_id(org.org_id, role_ids) for p in (r.permissions or ())}
    return Principal(
        org_id=org.org_id, org_kind=actor, org_region=org.region_code,
        certified_role=UnitRole(org.certified_role) if org.certified_role else None,
        procurement_status=ProcurementStatus(org.procurement_status), procurement_authorized=authorized,
        permissions=frozenset(granted & PERMISSIONS_BY_ACTOR[actor]),
        scope="password_change" if account.must_change_password else "org", **base)


def me(principal: Principal) -> MeView:
    account = store.get_account(principal.account_id)
    org = store.get_org(principal.org_id) if principal.org_id else None
    now = clock.now()
    return MeView(
        account_id=account.account_id, account_kind=account.kind, login=account.login, name=account.name,
        org_id=org.org_id if org else None, org_name=org.name if org else None, org_kind=org.kind if org else None,
        certified_role=org.certified_role if org else None,
        procurement_status=org.procurement_status if org else None,
        procurement_authorized=principal.procurement_authorized,
        permissions=sorted(p.value for p in principal.permissions), pending_actions=_pending(account, org, now))


# -- passwords ---------------------------------------------------------------

def set_password_actions(new_hash: str, now: datetime, *, must_change: bool) -> list:
    """Changing a password ends every session (token version +1)."""
    return [AccountItem.password_hash.set(new_hash), AccountItem.must_change_password.set(must_change),
            AccountItem.password_changed_at.set(iso(now)), AccountItem.token_version.add(1),
            AccountItem.updated_at.set(iso(now))]


def change_password(principal: Principal, req: PasswordChange) -> SessionView:
    account = store.get_account(principal.account_id)
    if not passwords.verify_password(account.password_hash, req.old_password):
        raise ValidationFailed.on("old_password", "原密码错误", code="wrong_password")
    new = v.password(req.new_password, "new_password", identifiers=(account.login, account.mobile or ""))
    if passwords.verify_password(account.password_hash, new):
        raise ValidationFailed.on("new_password", "新密码不能与原密码相同", code="password_reused")
    now = clock.now()
    uow = UnitOfWork()
    uow.update(account, set_password_actions(passwords.hash_password(new), now, must_change=False))
    uow.audit(entry(f"account#{account.account_id}", "password_changed", actor=f"account#{account.account_id}",
                    actor_org=principal.org_id, at=now))
    uow.commit()
    return build_session(store.get_account(account.account_id), now,
                         org_id=principal.org_id if principal.account_kind is AccountKind.OPERATOR else None)
