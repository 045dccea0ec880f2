"""Authorities: provisioning organisations (账号下发) and supervising institutions.

The platform provisions authority organisations; a city bureau provisions and
supervises the medical institutions and pharmacies of its city (resetting
their unit accounts' passwords, Liaoning §3.2.1); a province bureau sees its cities."""
from __future__ import annotations

from chalicelib import clock
from chalicelib.domain.access import AUTHORITIES, Principal, supervises
from chalicelib.domain.enums import ActorKind
from chalicelib.domain.errors import Collector, FieldError, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.identity import validators as v
from chalicelib.schemas.organisation import IssuedPassword, OrgPage, Provisioned, ProvisionRequest
from chalicelib.security import codes, passwords
from chalicelib.services.identity.common import by, entry
from chalicelib.services.identity.organisation import org_view
from chalicelib.services.identity.registration import _ensure_free, _region, add_org_with_unit_account
from chalicelib.services.identity.sessions import set_password_actions
from chalicelib.store import identity as store
from chalicelib.store.uow import UnitOfWork

SUPERVISED = frozenset({ActorKind.MEDICAL_INSTITUTION, ActorKind.PHARMACY})


def outside_supervision(message: str) -> Forbidden:
    """A region outside the caller's supervision: a refusal of access (403), as elsewhere."""
    return Forbidden(message, code="outside_supervision", details=[FieldError("region_code", message)])


def provision(p: Principal, req: ProvisionRequest, allowed: frozenset[ActorKind]) -> Provisioned:
    if req.kind not in allowed:
        raise ValidationFailed.on("kind", f"不能下发{req.kind.label}账号", code="kind_not_allowed")
    c = Collector()
    name = c.run(lambda: v.org_name(req.name, "name"))
    credit_code = c.run(lambda: v.credit_code(req.credit_code, "credit_code"))
    login = c.run(lambda: v.unit_account(req.unit_account, "unit_account"))
    region = c.run(lambda: _region(req.kind, req.region_code, "region_code"))
    if req.kind is ActorKind.PROVINCE_BUREAU and region and not region.endswith("0000"):
        c.add(ValidationFailed.on("region_code", "省医保局须选择省级行政区划"))
    c.raise_if_any()
    if p.org_kind is ActorKind.CITY_BUREAU and region != p.org_region:
        raise outside_supervision("只能为本市下发机构账号")
    _ensure_free(credit_code, login)
    temp = codes.temporary_password()
    now = clock.now()
    uow = UnitOfWork()
    org, account, _ = add_org_with_unit_account(uow, req.kind, name, credit_code, region, login,
                                                 passwords.hash_password(temp), now, provisioned=True, **by(p))
    uow.commit()
    return Provisioned(organisation=org_view(org), unit_account=account.login, temporary_password=temp)


def provision_authority(p: Principal, req: ProvisionRequest) -> Provisioned:
    return provision(p, req, AUTHORITIES)


def provision_institution(p: Principal, req: ProvisionRequest) -> Provisioned:
    return provision(p, req, SUPERVISED)


def list_organisations(kind: ActorKind, limit: int, cursor: str | None) -> OrgPage:
    page = store.orgs_of_kind(kind.value, limit=limit, cursor=cursor)
    return OrgPage(items=[org_view(o) for o in page.items], next_cursor=page.next_cursor)


def supervised_institutions(p: Principal, kind: ActorKind | None, region: str | None, name_prefix: str | None,
                            limit: int, cursor: str | None) -> OrgPage:
    kind = kind or ActorKind.MEDICAL_INSTITUTION
    if kind not in SUPERVISED:
        raise ValidationFailed.on("kind", "只能查询医疗机构或药店")
    region = region or p.org_region
    if not supervises(p.org_kind, p.org_region, region):
        raise outside_supervision("无权查看本辖区以外的机构")
    if region.endswith("0000"):  # the province bureau's own province: a city must be chosen
        raise ValidationFailed.on("region_code", "请选择本辖区内的地市", code="city_required")
    page = store.orgs_in_region(region, kind.value, limit=limit, cursor=cursor, name_prefix=name_prefix)
    return OrgPage(items=[org_view(o) for o in page.items], next_cursor=page.next_cursor)


def reset_institution_password(p: Principal, org_id: str) -> IssuedPassword:
    org = store.get_org(org_id)
    if org is None or ActorKind(org.kind) not in SUPERVISED or not supervises(p.org_kind, p.org_region,
                                                                               org.region_code):
        raise NotFound("辖区内没有该机构", code="organisation_not_found")
    account = store.get_account(org.unit_account_id)
    temp = codes.temporary_password()
    now = clock.now()
    uow = UnitOfWork()
    uow.update(account, set_password_actions(passwords.hash_password(temp), now, must_change=True))
    uow.audit(entry(f"account#{account.account_id}", "institution_password_reset", at=now, **by(p)))
    uow.commit()
    return IssuedPassword(account_id=account.account_id, login=account.login, temporary_password=temp)
