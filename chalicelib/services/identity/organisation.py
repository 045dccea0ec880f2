"""The caller's organisation: view, role certification (角色认证) and entering
the procurement subsystem (招采账号关联 / 新机构注册, Shandong §3.3)."""
from __future__ import annotations

from chalicelib import clock, extensions
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ActorKind, ProcurementStatus, RegistryKind, UnitRole
from chalicelib.domain.errors import Conflict
from chalicelib.domain.identity import rules
from chalicelib.schemas.organisation import OrgView
from chalicelib.services.identity.common import active_org, by, entry, iso
from chalicelib.store import identity as store
from chalicelib.store.identity import OrgItem
from chalicelib.store.uow import UnitOfWork


def check_entry(org: OrgItem) -> None:
    """What other features require before the procurement subsystem may be entered."""
    for entry_check in extensions.load("procurement_entry_checks"):
        entry_check(org)


def org_view(org: OrgItem) -> OrgView:
    role = UnitRole(org.certified_role) if org.certified_role else None
    status = ProcurementStatus(org.procurement_status)
    return OrgView(org_id=org.org_id, name=org.name, credit_code=org.credit_code, kind=org.kind,
                   kind_label=ActorKind(org.kind).label, region_code=org.region_code,
                   certified_role=role.value if role else None, certified_role_label=role.label if role else None,
                   procurement_status=status.value, procurement_status_label=status.label, status=org.status,
                   provisioned=bool(org.provisioned), created_at=org.created_at)


def mine(p: Principal) -> OrgView:
    return org_view(active_org(p.org_id))


def certify(p: Principal, role: UnitRole) -> OrgView:
    org = active_org(p.org_id)
    current = UnitRole(org.certified_role) if org.certified_role else None
    rules.check_certification(
        ActorKind(org.kind), current, role,
        in_national_registry=store.get_registry(RegistryKind.NATIONAL_CODE.value, org.credit_code) is not None,
        has_basic_info=all(check(org.org_id) for check in extensions.load("enterprise_basic_info")))
    now = clock.now()
    uow = UnitOfWork()
    uow.update(org, [OrgItem.certified_role.set(role.value), OrgItem.updated_at.set(iso(now))],
               condition=OrgItem.certified_role.does_not_exist(),
               conflict=Conflict("单位已认证角色", code="role_already_certified"))
    uow.audit(entry(f"org#{org.org_id}", "role_certified", before={"certified_role": None},
                    after={"certified_role": role.value}, at=now, **by(p)))
    uow.commit()
    return mine(p)


def enter_procurement(p: Principal) -> OrgView:
    """Associate at once when the legacy registry agrees; otherwise say a registration is needed."""
    org = active_org(p.org_id)
    status = ProcurementStatus(org.procurement_status)
    if status in (ProcurementStatus.ASSOCIATED, ProcurementStatus.APPROVED, ProcurementStatus.PENDING_REVIEW):
        return org_view(org)
    if not org.certified_role:
        raise Conflict("请先完成角色认证", code="certify_role_first")
    check_entry(org)
    legacy = store.get_registry(RegistryKind.LEGACY.value, org.credit_code)
    decision = rules.entry_decision(ActorKind(org.kind), org.name, legacy.name if legacy else None)
    if decision is ProcurementStatus.ASSOCIATED:
        now = clock.now()
        uow = UnitOfWork()
        uow.update(org, [OrgItem.procurement_status.set(decision.value), OrgItem.updated_at.set(iso(now))])
        uow.audit(entry(f"org#{org.org_id}", "procurement_associated", from_status=status.value,
                        to_status=decision.value, reason="legacy registry match", at=now, **by(p)))
        uow.commit()
        return mine(p)
    raise Conflict("未匹配到原平台注册信息，请提交招采系统机构注册，等待审核", code="registration_required")
