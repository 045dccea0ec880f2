"""Identity rules: login identifiers, role certification, pending actions,
lockout, SMS throttling, procurement entry. Pure functions of their inputs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.access import ENTERPRISE_ROLES
from chalicelib.domain.enums import ActorKind, PendingAction, ProcurementStatus, UnitRole
from chalicelib.domain.errors import Conflict, RateLimited, ValidationFailed

# -- login identifiers -------------------------------------------------------

MOBILE = re.compile(r"^1[3-9]\d{9}$")
CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def classify_login(identifier: str) -> tuple[str, str]:
    """``("mobile", m)``, ``("credit_code", c)`` or ``("name", lower(name))``.

    Unit-account and sub-account names start with a letter and may not be a
    valid credit code (validators.unit_account), so the shapes never overlap."""
    from chalicelib.domain.identity.validators import credit_code_check_char

    value = (identifier or "").strip()
    if not value or len(value) > 64:
        raise ValidationFailed.on("login", "请输入单位账号、经办人手机号或统一社会信用代码")
    if MOBILE.match(value):
        return "mobile", value
    upper = value.upper()
    if CREDIT_CODE_SHAPE.match(upper) and credit_code_check_char(upper[:17]) == upper[17]:
        return "credit_code", upper
    return "name", value.lower()


# -- role certification (角色认证) --------------------------------------------

ROLES_FOR_KIND: dict[ActorKind, frozenset[UnitRole]] = {
    ActorKind.ENTERPRISE: ENTERPRISE_ROLES,
    ActorKind.MEDICAL_INSTITUTION: frozenset({UnitRole.MEDICAL_INSTITUTION}),
    ActorKind.PHARMACY: frozenset({UnitRole.PHARMACY}),
}
DISTRIBUTOR_ROLES = frozenset({UnitRole.DISTRIBUTOR, UnitRole.MANUFACTURER_DISTRIBUTOR,
                               UnitRole.AGENT_DISTRIBUTOR, UnitRole.MANUFACTURER_AGENT_DISTRIBUTOR})
NEEDS_NATIONAL_CODE = frozenset({UnitRole.MANUFACTURER, UnitRole.MANUFACTURER_DISTRIBUTOR,
                                 UnitRole.MANUFACTURER_AGENT_DISTRIBUTOR, UnitRole.MEDICAL_INSTITUTION})


def check_certification(kind: ActorKind, current: UnitRole | None, requested: UnitRole, *,
                        in_national_registry: bool, has_basic_info: bool) -> None:
    """Qinghai §四, Jilin §4 and "无编码": one role per organisation; the role must
    fit the kind; distributor roles need enterprise basic info first;
    manufacturers and institutions need a national code."""
    if current is not None:
        raise Conflict(f"单位已认证为{current.label}，一个单位只能认证一种角色", code="role_already_certified")
    if requested not in ROLES_FOR_KIND.get(kind, frozenset()):
        raise ValidationFailed.on("role", f"{kind.label}不能认证为{requested.label}", code="role_not_applicable")
    if requested in DISTRIBUTOR_ROLES and not has_basic_info:
        raise Conflict("认证配送类角色前，请先维护企业基本信息", code="basic_info_required")
    if requested in NEEDS_NATIONAL_CODE and not in_national_registry:
        raise Conflict("未查询到单位的国家医保编码，请先在国家医保信息业务编码标准数据库动态维护平台"
                       "（https://code.nhsa.gov.cn）申请编码，国家审核通过后再进行认证",
                       code="national_code_missing")


# -- pending actions ---------------------------------------------------------

PASSWORD_MAX_AGE = timedelta(days=180)


@dataclass(frozen=True)
class LoginFacts:
    must_change_password: bool
    password_changed_at: datetime
    org_kind: ActorKind | None
    certified_role: UnitRole | None
    procurement_status: ProcurementStatus
    # an operator acting for the organisation: does its membership hold 招采授权? (None: not an operator)
    operator_authorized: bool | None = None
    # the unit account: 招采授权 of the organisation's bound operators (None: not the unit account)
    operator_authorizations: tuple[bool, ...] | None = None


def pending_actions(facts: LoginFacts, now: datetime) -> list[PendingAction]:
    actions = []
    if facts.must_change_password:
        actions.append(PendingAction.CHANGE_PASSWORD)
    elif now - facts.password_changed_at > PASSWORD_MAX_AGE:
        actions.append(PendingAction.PASSWORD_EXPIRED)
    if facts.org_kind in ROLES_FOR_KIND:
        if facts.certified_role is None:
            actions.append(PendingAction.CERTIFY_ROLE)
        elif facts.procurement_status in (ProcurementStatus.NOT_ENTERED, ProcurementStatus.REJECTED):
            actions.append(PendingAction.ENTER_PROCUREMENT)
    # Nobody does business until the unit account grants 招采授权 (the registering operator included).
    if facts.operator_authorizations and not any(facts.operator_authorizations):
        actions.append(PendingAction.GRANT_PROCUREMENT_AUTHORIZATION)
    if facts.operator_authorized is False:
        actions.append(PendingAction.AWAIT_PROCUREMENT_AUTHORIZATION)
    return actions


# -- lockout -----------------------------------------------------------------

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)


@dataclass(frozen=True)
class FailureState:
    failures: int
    locked_until: datetime | None


def ensure_not_locked(state: FailureState | None, now: datetime) -> None:
    if state and state.locked_until and state.locked_until > now:
        retry = int((state.locked_until - now).total_seconds()) + 1
        raise RateLimited(f"登录失败次数过多，请 {retry // 60 + 1} 分钟后再试", code="login_locked",
                          retry_after_s=retry)


def after_failure(state: FailureState | None, now: datetime) -> FailureState:
    """A new failure: the fifth in a row locks for 15 minutes and starts counting again."""
    failures = (state.failures if state and not (state.locked_until and state.locked_until <= now) else 0) + 1
    if failures >= MAX_FAILURES:
        return FailureState(0, now + LOCK_DURATION)
    return FailureState(failures, None)


# -- SMS codes ---------------------------------------------------------------

SMS_TTL = timedelta(minutes=5)
SMS_RESEND_GAP = timedelta(seconds=60)
SMS_DAILY_LIMIT = 10
SMS_MAX_TRIES = 5


def check_sms_quota(sent_today: int, last_sent_at: datetime | None, now: datetime) -> None:
    if last_sent_at and now - last_sent_at < SMS_RESEND_GAP:
        wait = int((SMS_RESEND_GAP - (now - last_sent_at)).total_seconds()) + 1
        raise RateLimited(f"验证码发送过于频繁，请 {wait} 秒后再试", code="sms_too_frequent", retry_after_s=wait)
    if sent_today >= SMS_DAILY_LIMIT:
        raise RateLimited("该手机号今日验证码发送次数已达上限", code="sms_daily_limit", retry_after_s=3600)


# -- procurement entry (招采账号关联, Shandong §3.3) ----------------------------

def entry_decision(kind: ActorKind, name: str, legacy_name: str | None) -> ProcurementStatus:
    """Enterprises whose credit code *and* name match the legacy registry are
    associated at once; everyone else files a registration for review."""
    if kind is ActorKind.ENTERPRISE and legacy_name is not None and legacy_name.strip() == name.strip():
        return ProcurementStatus.ASSOCIATED
    return ProcurementStatus.NOT_ENTERED


def reviewer_scope(kind: ActorKind, region_code: str) -> str:
    """Enterprises are reviewed by the trading center; institutions by their city bureau."""
    return "center" if kind is ActorKind.ENTERPRISE else f"city#{region_code}"
