"""Self-registration of an organisation in three steps (单位注册)."""
from __future__ import annotations

from chalicelib import clock
from chalicelib.domain.access import PERMISSIONS_BY_ACTOR
from chalicelib.domain.dictionaries import RegionLevel, region_level
from chalicelib.domain.enums import AccountKind, AccountStatus, ActorKind, OrgStatus, SmsPurpose
from chalicelib.domain.errors import Collector, Conflict, ValidationFailed
from chalicelib.domain.identity import rules, validators as v
from chalicelib.schemas.identity import OperatorInfo, RegistrationDone, RegistrationRequest, UnitInfo
from chalicelib.security import codes, passwords
from chalicelib.services.identity import challenges
from chalicelib.services.identity.common import SYSTEM, entry, iso, new_id
from chalicelib.store import dictionaries as dict_store
from chalicelib.store import identity as store
from chalicelib.store.identity import AccountItem, AssignItem, ClaimItem, MemberItem, OrgItem, RoleItem
from chalicelib.store.uow import UnitOfWork

SELF_REGISTERING = frozenset({ActorKind.ENTERPRISE, ActorKind.MEDICAL_INSTITUTION, ActorKind.PHARMACY})
CREDIT_TAKEN = Conflict("该统一社会信用代码已被注册过，无法注册", code="credit_code_taken")
ACCOUNT_TAKEN = Conflict("该单位账号已被使用，请更换", code="unit_account_taken")
DEFAULT_ROLE_NAME = "全部业务权限"


def _unit(c: Collector, unit: UnitInfo, prefix: str = "unit.") -> dict:
    out = {
        "unit_account": c.run(lambda: v.unit_account(unit.unit_account, f"{prefix}unit_account")),
        "unit_name": c.run(lambda: v.org_name(unit.unit_name, f"{prefix}unit_name")),
        "credit_code": c.run(lambda: v.credit_code(unit.credit_code, f"{prefix}credit_code")),
        "legal_rep": c.run(lambda: v.person_name(unit.legal_rep, f"{prefix}legal_rep")),
        "contact_name": c.run(lambda: v.person_name(unit.contact_name, f"{prefix}contact_name")),
        "contact_phone": c.run(lambda: v.mobile(unit.contact_phone, f"{prefix}contact_phone")),
        "region_code": c.run(lambda: _region(unit.kind, unit.region_code, f"{prefix}region_code")),
    }
    if unit.kind not in SELF_REGISTERING:
        c.add(ValidationFailed.on(f"{prefix}kind", "监管部门和平台账号由平台下发，不能自行注册",
                                  code="kind_not_self_registering"))
    out["password"] = c.run(lambda: v.password(unit.password, f"{prefix}password",
                                               identifiers=(unit.unit_account, unit.credit_code)))
    return out


def _region(kind: ActorKind, code: str, field: str) -> str:
    try:
        level = region_level(code)
    except ValidationFailed as exc:
        raise ValidationFailed.on(field, exc.details[0].message) from None
    if kind in (ActorKind.MEDICAL_INSTITUTION, ActorKind.PHARMACY, ActorKind.CITY_BUREAU) and \
            level is not RegionLevel.CITY:
        raise ValidationFailed.on(field, "医疗机构、药店和市医保局须选择地市级行政区划")
    if dict_store.get_region(code) is None:
        raise ValidationFailed.on(field, "行政区划不存在", code="region_not_found")
    return code


def _operator(c: Collector, op: OperatorInfo, prefix: str = "operator.") -> dict:
    today = clock.today_cn()
    return {
        "name": c.run(lambda: v.person_name(op.name, f"{prefix}name")),
        "id_number": c.run(lambda: v.id_number(op.id_type.value, op.id_number, f"{prefix}id_number", today)),
        "validity": c.run(lambda: v.id_validity(op.id_valid_start, op.id_valid_end, today, f"{prefix}id_valid")),
        "mobile": c.run(lambda: v.mobile(op.mobile, f"{prefix}mobile")),
    }


def _ensure_free(credit_code: str | None, unit_account: str | None) -> None:
    if credit_code and store.claim_owner(store.credit_pk(credit_code)):
        raise CREDIT_TAKEN
    if unit_account and store.claim_owner(store.login_pk("name", v.login_key(unit_account))):
        raise ACCOUNT_TAKEN


def check_unit(unit: UnitInfo) -> None:
    """Step 1: every unit field valid, the credit code and the account name free."""
    c = Collector()
    facts = _unit(c, unit, prefix="")
    c.raise_if_any()
    _ensure_free(facts["credit_code"], facts["unit_account"])


def new_account(kind: AccountKind, login: str, password_hash: str, now, *, org_id: str | None = None,
                must_change: bool = False, **facts) -> AccountItem:
    account_id = new_id()
    item = AccountItem(pk=store.account_pk(account_id), sk="account", account_id=account_id, kind=kind.value,
                       login=login, org_id=org_id, password_hash=password_hash, status=AccountStatus.ACTIVE.value,
                       must_change_password=must_change, password_changed_at=iso(now), token_version=0,
                       created_at=iso(now), updated_at=iso(now), **facts)
    if kind is AccountKind.SUB_ACCOUNT:
        item.gsi1pk, item.gsi1sk = f"{store.org_pk(org_id)}#subaccounts", login
    return item


def new_org(kind: ActorKind, name: str, credit_code: str, region_code: str, unit_account_id: str, now, *,
            provisioned: bool, **facts) -> OrgItem:
    org_id = new_id()
    return OrgItem(pk=store.org_pk(org_id), sk="org", org_id=org_id, name=name, credit_code=credit_code,
                   kind=kind.value, region_code=region_code, unit_account_id=unit_account_id,
                   certified_role=None, procurement_status=rules.ProcurementStatus.NOT_ENTERED.value,
                   provisioned=provisioned, status=OrgStatus.ACTIVE.value, created_at=iso(now), updated_at=iso(now),
                   gsi1pk=f"orgs#region#{region_code}#{kind.value}", gsi1sk=f"{name}#{org_id}",
                   gsi2pk=f"orgs#kind#{kind.value}", gsi2sk=f"{iso(now)}#{org_id}", **facts)


def claim(uow: UnitOfWork, pk: str, owner_id: str, conflict: Conflict) -> None:
    uow.put(ClaimItem(pk=pk, sk="claim", owner_id=owner_id), condition=ClaimItem.pk.does_not_exist(),
            conflict=conflict, claim=True)


def add_org_with_unit_account(uow: UnitOfWork, kind: ActorKind, name: str, credit_code: str, region_code: str,
                              unit_login: str, password_hash: str, now, *, provisioned: bool, actor: str,
                              actor_org: str | None = None, **org_facts) -> tuple[OrgItem, AccountItem, RoleItem]:
    """The writes every new organisation needs: claims, organisation, unit
    account, a default role with the kind's permissions, audit entries."""
    unit_account = new_account(AccountKind.UNIT, unit_login, password_hash, now, must_change=provisioned)
    org = new_org(kind, name, credit_code, region_code, unit_account.account_id, now, provisioned=provisioned,
                  **org_facts)
    unit_account.org_id = org.org_id
    claim(uow, store.credit_pk(credit_code), org.org_id, CREDIT_TAKEN)
    claim(uow, store.login_pk("name", v.login_key(unit_login)), unit_account.account_id, ACCOUNT_TAKEN)
    uow.put(org, condition=OrgItem.pk.does_not_exist())
    uow.put(unit_account, condition=AccountItem.pk.does_not_exist())
    role_id = new_id()
    role = RoleItem(pk=store.org_pk(org.org_id), sk=f"role#{role_id}", org_id=org.org_id, role_id=role_id,
                    name=DEFAULT_ROLE_NAME, remark="注册时自动创建",
                    permissions={p.value for p in PERMISSIONS_BY_ACTOR[kind]} or None,
                    created_at=iso(now), updated_at=iso(now))
    uow.put(role, condition=RoleItem.pk.does_not_exist())
    action = "organisation_provisioned" if provisioned else "organisation_registered"
    uow.audit(entry(f"org#{org.org_id}", action, actor=actor, actor_org=actor_org,
                    after={"name": name, "credit_code": credit_code, "kind": kind.value, "region_code": region_code,
                           "unit_account": unit_login}, to_status=OrgStatus.ACTIVE.value, at=now))
    return org, unit_account, role


def bind_operator(uow: UnitOfWork, org_id: str, operator_id: str, role_id: str | None, now, *, authorized: bool,
                  actor: str, actor_org: str | None = None, existing: MemberItem | None = None) -> MemberItem:
    member = MemberItem(pk=store.org_pk(org_id), sk=f"member#{operator_id}", org_id=org_id, account_id=operator_id,
                        status="bound", procurement_authorized=authorized, role_ids={role_id} if role_id else None,
                        bound_at=iso(now), updated_at=iso(now),
                        gsi1pk=f"{store.account_pk(operator_id)}#orgs", gsi1sk=org_id)
    if existing is not None:
        member.version = existing.version
        uow.put(member, conflict=Conflict("经办人状态已变化，请重试", code="concurrent_update"))
    else:
        uow.put(member, condition=MemberItem.pk.does_not_exist(),
                conflict=Conflict("该经办人已绑定本单位", code="operator_already_bound"))
    if role_id:
        uow.put(AssignItem(pk=store.org_pk(org_id), sk=f"assign#{role_id}#{operator_id}", org_id=org_id,
                           role_id=role_id, account_id=operator_id))
    uow.audit(entry(f"org#{org_id}", "operator_bound", actor=actor, actor_org=actor_org,
                    after={"operator": operator_id, "procurement_authorized": authorized}, at=now))
    return member


def register(req: RegistrationRequest) -> RegistrationDone:
    c = Collector()
    unit = _unit(c, req.unit)
    op = _operator(c, req.operator)
    c.raise_if_any()
    _ensure_free(unit["credit_code"], unit["unit_account"])
    existing_id = store.claim_owner(store.login_pk("mobile", op["mobile"]))
    existing = store.get_account(existing_id) if existing_id else None
    if existing is not None:
        if not passwords.verify_password(existing.password_hash, req.operator.password):
            raise ValidationFailed.on("operator.password", "该手机号已注册为经办人，请输入该经办人的原密码",
                                      code="operator_password_mismatch")
    else:
        c.run(lambda: v.password(req.operator.password, "operator.password", identifiers=(op["mobile"],)))
        c.raise_if_any()
    challenges.verify_sms_code(op["mobile"], SmsPurpose.REGISTER, req.sms_code)

    now = clock.now()
    uow = UnitOfWork()
    org, unit_account, role = add_org_with_unit_account(
        uow, req.unit.kind, unit["unit_name"], unit["credit_code"], unit["region_code"], unit["unit_account"],
        passwords.hash_password(unit["password"]), now, provisioned=False, actor=SYSTEM,
        legal_rep=unit["legal_rep"], contact_name=unit["contact_name"], contact_phone=unit["contact_phone"])
    if existing is None:
        start, end = op["validity"]
        operator = new_account(
            AccountKind.OPERATOR, op["mobile"], passwords.hash_password(req.operator.password), now,
            name=op["name"], mobile=op["mobile"], id_type=req.operator.id_type.value,
            id_number_digest=codes.digest("id_number", op["id_number"]),
            id_number_masked=v.mask_id_number(op["id_number"]), id_valid_from=start.isoformat(),
            id_valid_to=end.isoformat() if end else None)
        claim(uow, store.login_pk("mobile", op["mobile"]), operator.account_id,
              Conflict("该手机号已注册为经办人，请输入原密码后重试", code="operator_exists"))
        uow.put(operator, condition=AccountItem.pk.does_not_exist())
        operator_id = operator.account_id
    else:
        operator_id = existing.account_id
    bind_operator(uow, org.org_id, operator_id, role.role_id, now, authorized=False, actor=SYSTEM)
    uow.commit()
    return RegistrationDone(org_id=org.org_id, unit_name=org.name, unit_account=unit_account.login,
                            operator_login=op["mobile"], operator_existing=existing is not None)
