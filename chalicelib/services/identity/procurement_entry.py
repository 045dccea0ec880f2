"""Registration into the procurement subsystem and its review (Shandong §3.3.2):
enterprises are reviewed by the trading center, institutions by their city bureau."""
from __future__ import annotations

from chalicelib import clock
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ActorKind, ProcurementStatus, SmsPurpose
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.identity import rules, validators as v
from chalicelib.schemas.organisation import (
    Decision, ProcRegPage, ProcRegRequest, ProcRegView, ProgressLookup, ProgressResult,
)
from chalicelib.services.identity import challenges
from chalicelib.services.identity.common import active_org, by, entry, iso
from chalicelib.store import identity as store
from chalicelib.store.identity import OrgItem, ProcRegItem
from chalicelib.store.uow import UnitOfWork


def view(item: ProcRegItem) -> ProcRegView:
    status = ProcurementStatus(item.status)
    return ProcRegView(org_id=item.org_id, org_name=item.org_name, org_kind=item.org_kind,
                       credit_code=item.credit_code, status=status.value, status_label=status.label,
                       reviewer=item.reviewer_scope, contact_name=item.contact_name,
                       contact_mobile_masked=v.mask_mobile(item.contact_mobile), remarks=item.remarks,
                       attachment_file_ids=sorted(item.attachments or ()),
                       submitted_at=item.submitted_at, decided_at=item.decided_at, reason=item.reason)


def _index(item: ProcRegItem) -> None:
    item.gsi1pk = f"procreg#{item.reviewer_scope}#{item.status}"
    item.gsi1sk = f"{item.submitted_at}#{item.org_id}"
    item.gsi2pk = f"procreg#mobile#{item.contact_mobile}"
    item.gsi2sk = item.org_id


def file(p: Principal, req: ProcRegRequest) -> ProcRegView:
    org = active_org(p.org_id)
    status = ProcurementStatus(org.procurement_status)
    if status in (ProcurementStatus.ASSOCIATED, ProcurementStatus.APPROVED):
        raise Conflict("单位已进入招采系统", code="already_entered")
    if status is ProcurementStatus.PENDING_REVIEW:
        raise Conflict("注册申请正在审核中", code="registration_pending")
    if not org.certified_role:
        raise Conflict("请先完成角色认证", code="certify_role_first")
    from chalicelib.services.identity.organisation import check_entry

    check_entry(org)
    name = v.person_name(req.contact_name, "contact_name")
    mobile = v.mobile(req.contact_mobile, "contact_mobile")
    from chalicelib.services import documents

    if len(set(req.attachment_file_ids)) != len(req.attachment_file_ids):
        raise ValidationFailed.on("attachment_file_ids", "附件重复")
    for index, file_id in enumerate(req.attachment_file_ids):
        documents.require_verified(org.org_id, file_id, f"attachment_file_ids.{index}")
    now = clock.now()
    previous = store.get_procreg(org.org_id)
    item = ProcRegItem(pk=store.org_pk(org.org_id), sk="procreg", org_id=org.org_id, org_name=org.name,
                       org_kind=org.kind, credit_code=org.credit_code,
                       reviewer_scope=rules.reviewer_scope(ActorKind(org.kind), org.region_code),
                       status=ProcurementStatus.PENDING_REVIEW.value, contact_name=name, contact_mobile=mobile,
                       remarks=req.remarks, attachments=set(req.attachment_file_ids), submitted_at=iso(now))
    _index(item)
    uow = UnitOfWork()
    if previous is None:
        uow.put(item, condition=ProcRegItem.pk.does_not_exist(),
                conflict=Conflict("注册申请已提交", code="registration_pending"))
    else:
        item.version = previous.version  # a resubmission after rejection replaces it, conditionally
        uow.put(item)
    uow.update(org, [OrgItem.procurement_status.set(ProcurementStatus.PENDING_REVIEW.value),
                     OrgItem.updated_at.set(iso(now))])
    uow.audit(entry(f"org#{org.org_id}", "procurement_registration_filed", from_status=status.value,
                    to_status=ProcurementStatus.PENDING_REVIEW.value, at=now, **by(p)))
    uow.commit()
    return view(item)


def mine(p: Principal) -> ProcRegView:
    item = store.get_procreg(p.org_id)
    if item is None:
        raise NotFound("尚未提交招采系统机构注册", code="registration_not_found")
    return view(item)


def reviewer_scope_of(p: Principal) -> str:
    if p.org_kind is ActorKind.PLATFORM:
        return "center"
    if p.org_kind is ActorKind.CITY_BUREAU:
        return f"city#{p.org_region}"
    raise Forbidden("无审核权限", code="not_a_reviewer")


def queue(p: Principal, status: str, limit: int, cursor: str | None) -> ProcRegPage:
    page = store.procregs_for(reviewer_scope_of(p), status, limit=limit, cursor=cursor)
    return ProcRegPage(items=[view(i) for i in page.items], next_cursor=page.next_cursor)


def decide(p: Principal, org_id: str, req: Decision) -> ProcRegView:
    scope = reviewer_scope_of(p)
    item = store.get_procreg(org_id)
    if item is None or item.reviewer_scope != scope:
        raise NotFound("没有该机构的注册申请", code="registration_not_found")
    if item.status != ProcurementStatus.PENDING_REVIEW.value:
        raise Conflict("该申请已审核", code="already_decided")
    reason = (req.reason or "").strip() or None
    if req.decision == "reject" and not reason:
        raise ValidationFailed.on("reason", "审核不通过须填写原因", code="reason_required")
    target = ProcurementStatus.APPROVED if req.decision == "approve" else ProcurementStatus.REJECTED
    org = store.get_org(org_id)
    now = clock.now()
    uow = UnitOfWork()
    uow.update(item, [ProcRegItem.status.set(target.value), ProcRegItem.decided_at.set(iso(now)),
                      ProcRegItem.decided_by.set(p.account_id), ProcRegItem.reason.set(reason) if reason
                      else ProcRegItem.reason.remove(),
                      ProcRegItem.gsi1pk.set(f"procreg#{scope}#{target.value}")],
               conflict=Conflict("该申请已被他人审核", code="already_decided"))
    uow.update(org, [OrgItem.procurement_status.set(target.value), OrgItem.updated_at.set(iso(now))],
               condition=OrgItem.procurement_status == ProcurementStatus.PENDING_REVIEW.value,
               conflict=Conflict("单位状态已变化", code="already_decided"))
    uow.audit(entry(f"org#{org_id}", f"procurement_registration_{target.value}",
                    from_status=ProcurementStatus.PENDING_REVIEW.value, to_status=target.value, reason=reason,
                    at=now, **by(p)))
    uow.commit()
    return view(store.get_procreg(org_id))


def progress(req: ProgressLookup) -> ProgressResult:
    """注册进度查询: the authorised person's mobile plus an SMS code."""
    mobile = v.mobile(req.mobile, "mobile")
    challenges.verify_sms_code(mobile, SmsPurpose.PROGRESS_LOOKUP, req.sms_code)
    return ProgressResult(items=[view(i) for i in store.procregs_by_mobile(mobile)])
