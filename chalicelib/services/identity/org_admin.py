"""What a unit account does for its organisation (单位管理): operators,
procurement authorization, account roles, sub-accounts, closing the account.
Every addressed account or role must belong to the caller's organisation (404 otherwise)."""
from __future__ import annotations

from chalicelib import clock
from chalicelib.domain.access import PERMISSIONS_BY_ACTOR, Principal
from chalicelib.domain.enums import AccountKind, AccountStatus, OrgStatus, SmsPurpose
from chalicelib.domain.errors import Collector, Conflict, NotFound, ValidationFailed
from chalicelib.domain.identity import validators as v
from chalicelib.schemas.identity import Done
from chalicelib.schemas.organisation import (
    AssignedAccount, AssignedPage, ClosureRequest, IssuedPassword, OperatorAdd, OperatorAdded, OperatorPage,
    OperatorView, RoleInput, RolePage, RolePatch, RoleView, SubAccountCreated, SubAccountInput, SubAccountPage,
    SubAccountPatch, SubAccountView,
)
from chalicelib.security import codes, passwords
from chalicelib.services.identity import challenges
from chalicelib.services.identity.common import by, entry, iso, new_id
from chalicelib.services.identity.registration import bind_operator, claim, new_account
from chalicelib.services.identity.sessions import set_password_actions
from chalicelib.store import identity as store
from chalicelib.store.identity import AccountItem, AssignItem, MemberItem, OrgItem, RoleItem
from chalicelib.store.uow import UnitOfWork

NO_ACCOUNT = NotFound("本单位没有该账号", code="account_not_found")
NO_ROLE = NotFound("本单位没有该角色", code="role_not_found")


# -- operators ---------------------------------------------------------------

def _operator_view(member: MemberItem, account: AccountItem) -> OperatorView:
    return OperatorView(account_id=account.account_id, name=account.name, mobile=account.mobile or account.login,
                        status=member.status, procurement_authorized=bool(member.procurement_authorized),
                        role_ids=sorted(member.role_ids or ()), bound_at=member.bound_at)


def list_operators(p: Principal, limit: int, cursor: str | None) -> OperatorPage:
    page = store.members(p.org_id, limit=limit, cursor=cursor)
    accounts = {a.account_id: a for a in AccountItem.batch_get(
        [(store.account_pk(m.account_id), "account") for m in page.items])} if page.items else {}
    return OperatorPage(items=[_operator_view(m, accounts[m.account_id]) for m in page.items
                               if m.account_id in accounts], next_cursor=page.next_cursor)


def _member(p: Principal, account_id: str) -> tuple[MemberItem, AccountItem]:
    member = store.get_member(p.org_id, account_id)
    account = store.get_account(account_id) if member else None
    if member is None or account is None:
        raise NO_ACCOUNT
    return member, account


def add_operator(p: Principal, req: OperatorAdd) -> OperatorAdded:
    mobile = v.mobile(req.mobile, "mobile")
    now = clock.now()
    existing_id = store.claim_owner(store.login_pk("mobile", mobile))
    uow = UnitOfWork()
    temp = None
    if existing_id:
        if not req.sms_code:
            raise ValidationFailed.on("sms_code", "该手机号已是经办人，绑定需该经办人提供短信验证码", code="sms_code_required")
        challenges.verify_sms_code(mobile, SmsPurpose.BIND_OPERATOR, req.sms_code)
        current = store.get_member(p.org_id, existing_id)
        if current is not None and current.status == "bound":
            raise Conflict("该经办人已绑定本单位", code="operator_already_bound")
        operator_id = existing_id
    else:
        c = Collector()
        today = clock.today_cn()
        name = c.run(lambda: v.person_name(req.name, "name"))
        if req.id_type is None:
            c.add(ValidationFailed.on("id_type", "新经办人须填写证件类型"))
        id_number = c.run(lambda: v.id_number(req.id_type.value if req.id_type else "", req.id_number,
                                              "id_number", today))
        validity = c.run(lambda: v.id_validity(req.id_valid_start, req.id_valid_end, today, "id_valid"))
        c.raise_if_any()
        current = None
        temp = codes.temporary_password()
        operator = new_account(AccountKind.OPERATOR, mobile, passwords.hash_password(temp), now, must_change=True,
                               name=name, mobile=mobile, id_type=req.id_type.value,
                               id_number_digest=codes.digest("id_number", id_number),
                               id_number_masked=v.mask_id_number(id_number), id_valid_from=validity[0].isoformat(),
                               id_valid_to=validity[1].isoformat() if validity[1] else None)
        claim(uow, store.login_pk("mobile", mobile), operator.account_id,
              Conflict("该手机号刚被注册为经办人，请重试", code="operator_exists"))
        uow.put(operator, condition=AccountItem.pk.does_not_exist())
        operator_id = operator.account_id
    member = bind_operator(uow, p.org_id, operator_id, None, now, authorized=False, existing=current, **by(p))
    uow.commit()
    return OperatorAdded(operator=_operator_view(member, store.get_account(operator_id)), temporary_password=temp)


def unbind_operator(p: Principal, account_id: str) -> Done:
    member, _ = _member(p, account_id)
    if member.status != "bound":
        raise Conflict("该经办人已解除绑定", code="operator_not_bound")
    now = clock.now()
    uow = UnitOfWork()
    # Unbinding also takes the operator's roles away, so roles do not stay "in use".
    uow.update(member, [MemberItem.status.set("unbound"), MemberItem.procurement_authorized.set(False),
                        MemberItem.role_ids.remove(), MemberItem.updated_at.set(iso(now))])
    for role_id in member.role_ids or ():
        uow.delete(AssignItem(pk=store.org_pk(p.org_id), sk=f"assign#{role_id}#{account_id}"))
    uow.audit(entry(f"org#{p.org_id}", "operator_unbound", before={"operator": account_id, "status": "bound"},
                    after={"operator": account_id, "status": "unbound"}, at=now, **by(p)))
    uow.commit()
    return Done(message="已解除绑定；经办人登录时将看不到本单位")


def set_authorization(p: Principal, account_id: str, granted: bool) -> OperatorView:
    member, account = _member(p, account_id)
    if member.status != "bound":
        raise Conflict("该经办人已解除绑定", code="operator_not_bound")
    now = clock.now()
    uow = UnitOfWork()
    uow.update(member, [MemberItem.procurement_authorized.set(granted), MemberItem.updated_at.set(iso(now))])
    uow.audit(entry(f"org#{p.org_id}", "procurement_authorization_" + ("granted" if granted else "revoked"),
                    before={"procurement_authorized": bool(member.procurement_authorized)},
                    after={"procurement_authorized": granted}, reason=account_id, at=now, **by(p)))
    uow.commit()
    member.procurement_authorized = granted
    return _operator_view(member, account)


def _issue_password(p: Principal, account: AccountItem, action: str) -> IssuedPassword:
    temp = codes.temporary_password()
    now = clock.now()
    uow = UnitOfWork()
    uow.update(account, set_password_actions(passwords.hash_password(temp), now, must_change=True))
    uow.audit(entry(f"account#{account.account_id}", action, at=now, **by(p)))
    uow.commit()
    return IssuedPassword(account_id=account.account_id, login=account.login, temporary_password=temp)


def reset_operator_password(p: Principal, account_id: str) -> IssuedPassword:
    member, account = _member(p, account_id)
    if member.status != "bound":
        raise Conflict("该经办人已解除绑定", code="operator_not_bound")
    return _issue_password(p, account, "operator_password_reset")


# -- account roles -----------------------------------------------------------

def _role_view(role: RoleItem) -> RoleView:
    return RoleView(role_id=role.role_id, name=role.name, remark=role.remark,
                    permissions=sorted(role.permissions or ()), updated_at=role.updated_at)


def _permissions(p: Principal, requested) -> set[str] | None:
    allowed = PERMISSIONS_BY_ACTOR[p.org_kind]
    outside = [perm.value for perm in requested if perm not in allowed]
    if outside:
        raise ValidationFailed.on("permissions", f"本单位类型不能授予这些权限：{', '.join(outside)}",
                                  code="permission_not_applicable")
    return {perm.value for perm in requested} or None


def list_roles(p: Principal, limit: int, cursor: str | None) -> RolePage:
    page = store.roles(p.org_id, limit=limit, cursor=cursor)
    return RolePage(items=[_role_view(r) for r in page.items], next_cursor=page.next_cursor)


def create_role(p: Principal, req: RoleInput) -> RoleView:
    now = clock.now()
    role_id = new_id()
    role = RoleItem(pk=store.org_pk(p.org_id), sk=f"role#{role_id}", org_id=p.org_id, role_id=role_id,
                    name=req.name, remark=req.remark, permissions=_permissions(p, req.permissions),
                    created_at=iso(now), updated_at=iso(now))
    uow = UnitOfWork()
    uow.put(role, condition=RoleItem.pk.does_not_exist())
    uow.audit(entry(f"org#{p.org_id}", "role_created", after=_role_view(role).model_dump(mode="json"), at=now,
                    **by(p)))
    uow.commit()
    return _role_view(role)


def _role(p: Principal, role_id: str) -> RoleItem:
    role = store.get_role(p.org_id, role_id)
    if role is None:
        raise NO_ROLE
    return role


def update_role(p: Principal, role_id: str, req: RolePatch) -> RoleView:
    role = _role(p, role_id)
    before = _role_view(role).model_dump(mode="json")
    now = clock.now()
    actions = [RoleItem.updated_at.set(iso(now))]
    if req.name is not None:
        actions.append(RoleItem.name.set(req.name))
    if req.remark is not None:
        actions.append(RoleItem.remark.set(req.remark))
    if req.permissions is not None:
        perms = _permissions(p, req.permissions)
        actions.append(RoleItem.permissions.set(perms) if perms else RoleItem.permissions.remove())
    uow = UnitOfWork()
    uow.update(role, actions)
    after = {**before, **{k: val for k, val in req.model_dump(exclude_none=True, mode="json").items()}}
    uow.audit(entry(f"org#{p.org_id}", "role_updated", before=before, after=after, at=now, **by(p)))
    uow.commit()
    return _role_view(_role(p, role_id))


def delete_role(p: Principal, role_id: str) -> Done:
    role = _role(p, role_id)
    if store.assignments(p.org_id, role_id, limit=1, cursor=None).items:
        raise Conflict("该角色仍分配有账号，请先移除后再删除", code="role_in_use")
    uow = UnitOfWork()
    uow.delete(role)
    uow.audit(entry(f"org#{p.org_id}", "role_deleted", before=_role_view(role).model_dump(mode="json"), **by(p)))
    uow.commit()
    return Done(message="角色已删除")


def _assignable(p: Principal, account_id: str) -> tuple[AccountItem, MemberItem | None]:
    account = store.get_account(account_id)
    if account is None:
        raise NO_ACCOUNT
    if account.kind == AccountKind.SUB_ACCOUNT.value and account.org_id == p.org_id:
        return account, None
    member = store.get_member(p.org_id, account_id)
    if account.kind == AccountKind.OPERATOR.value and member is not None and member.status == "bound":
        return account, member
    raise NO_ACCOUNT


def set_assignment(p: Principal, role_id: str, account_id: str, assigned: bool) -> Done:
    _role(p, role_id)
    account, member = _assignable(p, account_id)
    holder = member if member is not None else account
    model = type(holder)
    current = set(holder.role_ids or ())
    if (role_id in current) == assigned:
        return Done(message="无需变更")
    now = clock.now()
    uow = UnitOfWork()
    change = model.role_ids.add({role_id}) if assigned else model.role_ids.delete({role_id})
    uow.update(holder, [change, model.updated_at.set(iso(now))])
    link = AssignItem(pk=store.org_pk(p.org_id), sk=f"assign#{role_id}#{account_id}", org_id=p.org_id,
                      role_id=role_id, account_id=account_id)
    if assigned:
        uow.put(link)
    else:
        uow.delete(link)
    uow.audit(entry(f"org#{p.org_id}", "role_assigned" if assigned else "role_unassigned",
                    after={"role": role_id, "account": account_id}, at=now, **by(p)))
    uow.commit()
    return Done(message="已分配" if assigned else "已移除")


def assigned_accounts(p: Principal, role_id: str, limit: int, cursor: str | None) -> AssignedPage:
    _role(p, role_id)
    page = store.assignments(p.org_id, role_id, limit=limit, cursor=cursor)
    accounts = {a.account_id: a for a in AccountItem.batch_get(
        [(store.account_pk(x.account_id), "account") for x in page.items])} if page.items else {}
    return AssignedPage(items=[AssignedAccount(account_id=a.account_id, login=a.login, name=a.name,
                                               account_kind=a.kind)
                               for a in (accounts.get(x.account_id) for x in page.items) if a],
                        next_cursor=page.next_cursor)


# -- sub-accounts ------------------------------------------------------------

def _sub_view(a: AccountItem) -> SubAccountView:
    status = AccountStatus(a.status)
    return SubAccountView(account_id=a.account_id, login=a.login, name=a.name, mobile=a.mobile,
                          status=status.value, status_label=status.label, role_ids=sorted(a.role_ids or ()),
                          created_at=a.created_at)


def _check_roles(p: Principal, role_ids: list[str]) -> set[str]:
    found = {r.role_id for r in store.roles_by_id(p.org_id, role_ids)}
    missing = sorted(set(role_ids) - found)
    if missing:
        raise ValidationFailed.on("role_ids", f"本单位没有这些角色：{', '.join(missing)}", code="role_not_found")
    return set(role_ids)


def list_sub_accounts(p: Principal, limit: int, cursor: str | None) -> SubAccountPage:
    page = store.sub_accounts(p.org_id, limit=limit, cursor=cursor)
    return SubAccountPage(items=[_sub_view(a) for a in page.items], next_cursor=page.next_cursor)


def create_sub_account(p: Principal, req: SubAccountInput) -> SubAccountCreated:
    from chalicelib.services.identity.registration import ACCOUNT_TAKEN

    c = Collector()
    login = c.run(lambda: v.unit_account(req.login, "login"))
    name = c.run(lambda: v.person_name(req.name, "name"))
    mobile = c.run(lambda: v.mobile(req.mobile, "mobile")) if req.mobile else None
    c.raise_if_any()
    role_ids = _check_roles(p, req.role_ids)
    now = clock.now()
    temp = codes.temporary_password()
    account = new_account(AccountKind.SUB_ACCOUNT, login, passwords.hash_password(temp), now, org_id=p.org_id,
                          must_change=True, name=name, mobile=mobile, role_ids=role_ids or None)
    uow = UnitOfWork()
    claim(uow, store.login_pk("name", v.login_key(login)), account.account_id, ACCOUNT_TAKEN)
    uow.put(account, condition=AccountItem.pk.does_not_exist())
    for role_id in role_ids:
        uow.put(AssignItem(pk=store.org_pk(p.org_id), sk=f"assign#{role_id}#{account.account_id}", org_id=p.org_id,
                           role_id=role_id, account_id=account.account_id))
    uow.audit(entry(f"org#{p.org_id}", "sub_account_created", after={"login": login, "roles": sorted(role_ids)},
                    at=now, **by(p)))
    uow.commit()
    return SubAccountCreated(sub_account=_sub_view(account), temporary_password=temp)


def _sub(p: Principal, account_id: str) -> AccountItem:
    account = store.get_account(account_id)
    if account is None or account.kind != AccountKind.SUB_ACCOUNT.value or account.org_id != p.org_id:
        raise NO_ACCOUNT
    return account


def update_sub_account(p: Principal, account_id: str, req: SubAccountPatch) -> SubAccountView:
    account = _sub(p, account_id)
    now = clock.now()
    actions = [AccountItem.updated_at.set(iso(now))]
    uow = UnitOfWork()
    if req.name is not None:
        actions.append(AccountItem.name.set(v.person_name(req.name, "name")))
    if req.role_ids is not None:
        new = _check_roles(p, req.role_ids)
        old = set(account.role_ids or ())
        actions.append(AccountItem.role_ids.set(new) if new else AccountItem.role_ids.remove())
        for role_id in new - old:
            uow.put(AssignItem(pk=store.org_pk(p.org_id), sk=f"assign#{role_id}#{account_id}", org_id=p.org_id,
                               role_id=role_id, account_id=account_id))
        for role_id in old - new:
            uow.delete(AssignItem(pk=store.org_pk(p.org_id), sk=f"assign#{role_id}#{account_id}"))
    uow.update(account, actions)
    uow.audit(entry(f"account#{account_id}", "sub_account_updated", before={"roles": sorted(account.role_ids or ())},
                    after={"roles": sorted(req.role_ids) if req.role_ids is not None else sorted(account.role_ids or ())},
                    at=now, **by(p)))
    uow.commit()
    return _sub_view(_sub(p, account_id))


def set_sub_account_enabled(p: Principal, account_id: str, enabled: bool) -> SubAccountView:
    account = _sub(p, account_id)
    target = AccountStatus.ACTIVE if enabled else AccountStatus.DISABLED
    if account.status == target.value:
        return _sub_view(account)
    now = clock.now()
    actions = [AccountItem.status.set(target.value), AccountItem.updated_at.set(iso(now))]
    if not enabled:
        actions.append(AccountItem.token_version.add(1))  # refused at its very next request
    uow = UnitOfWork()
    uow.update(account, actions)
    uow.audit(entry(f"account#{account_id}", "account_enabled" if enabled else "account_disabled",
                    from_status=account.status, to_status=target.value, at=now, **by(p)))
    uow.commit()
    return _sub_view(_sub(p, account_id))


def reset_sub_account_password(p: Principal, account_id: str) -> IssuedPassword:
    return _issue_password(p, _sub(p, account_id), "sub_account_password_reset")


# -- closing the portal account (注销) ----------------------------------------

def close_organisation(p: Principal, req: ClosureRequest) -> Done:
    org = store.get_org(p.org_id)
    unit = store.get_account(org.unit_account_id)
    if req.confirm_credit_code.strip().upper() != org.credit_code:
        raise ValidationFailed.on("confirm_credit_code", "统一社会信用代码与本单位不一致")
    if not passwords.verify_password(unit.password_hash, req.password):
        raise ValidationFailed.on("password", "密码错误", code="wrong_password")
    now = clock.now()
    uow = UnitOfWork()
    uow.update(org, [OrgItem.status.set(OrgStatus.CLOSED.value), OrgItem.updated_at.set(iso(now))])
    uow.update(unit, [AccountItem.status.set(AccountStatus.CLOSED.value), AccountItem.token_version.add(1)])
    uow.audit(entry(f"org#{org.org_id}", "organisation_closed", from_status=OrgStatus.ACTIVE.value,
                    to_status=OrgStatus.CLOSED.value, at=now, **by(p)))
    uow.commit()
    return Done(message="单位网厅账号已注销；单位的业务记录予以保留")

