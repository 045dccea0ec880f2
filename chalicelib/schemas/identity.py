"""Request and response models of the identity feature."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from chalicelib.domain.enums import ActorKind, IdType, Permission, SmsPurpose, UnitRole
from chalicelib.schemas.common import Label, Model, Prose, Strict

SHORT = 64
TEXT = 200


class CaptchaView(Model):
    captcha_id: str
    image: str = Field(description="data:image/png;base64,…")
    expires_at: str


class CaptchaAnswer(Strict):
    captcha_id: str = Field(max_length=SHORT)
    captcha_answer: str = Field(max_length=16)


class SmsRequest(CaptchaAnswer):
    mobile: str = Field(max_length=20)
    purpose: SmsPurpose


class SmsSent(Model):
    mobile: str
    purpose: str
    expires_at: str
    resend_after_s: int


class UnitInfo(Strict):
    """Step 1 of registration: 单位信息."""

    unit_account: str = Field(max_length=SHORT)
    password: str = Field(max_length=SHORT)
    unit_name: str = Field(max_length=TEXT)
    credit_code: str = Field(max_length=32)
    kind: ActorKind
    region_code: str = Field(max_length=6)
    legal_rep: str = Field(max_length=SHORT)
    contact_name: str = Field(max_length=SHORT)
    contact_phone: str = Field(max_length=20)


class UnitCheck(UnitInfo, CaptchaAnswer):
    pass


class OperatorInfo(Strict):
    """Step 2: 经办人信息. ``password``: a new operator's password, or the
    existing operator's current password when the mobile is already registered."""

    name: str = Field(max_length=SHORT)
    id_type: IdType
    id_number: str = Field(max_length=SHORT)
    id_valid_start: date
    id_valid_end: date | None = Field(None, description="null = 长期")
    mobile: str = Field(max_length=20)
    password: str = Field(max_length=SHORT)


class RegistrationRequest(Strict):
    unit: UnitInfo
    operator: OperatorInfo
    sms_code: str = Field(max_length=8)


class RegistrationDone(Model):
    """Step 3: 注册完成 — both logins."""

    org_id: str
    unit_name: str
    unit_account: str
    operator_login: str
    operator_existing: bool = Field(description="the mobile already had an operator, who is now bound")


class LoginRequest(CaptchaAnswer):
    login: str = Field(max_length=SHORT, description="unit account, operator mobile or credit code")
    password: str = Field(max_length=SHORT)


class OrgChoice(Model):
    org_id: str
    name: str
    kind: str
    kind_label: str
    procurement_authorized: bool


class PendingActionView(Model):
    code: str
    label: str


class SessionView(Model):
    token: str
    scope: str = Field(description="org | select_org | password_change")
    expires_at: str
    account_id: str
    account_kind: str
    org_id: str | None = None
    organisations: list[OrgChoice] = []
    pending_actions: list[PendingActionView] = []


class SelectOrg(Strict):
    org_id: str = Field(max_length=SHORT)


class MeView(Model):
    account_id: str
    account_kind: str
    login: str
    name: str | None = None
    org_id: str | None = None
    org_name: str | None = None
    org_kind: str | None = None
    certified_role: str | None = None
    procurement_status: str | None = None
    procurement_authorized: bool = False
    permissions: list[str] = []
    pending_actions: list[PendingActionView] = []


class PasswordChange(Strict):
    old_password: str = Field(max_length=SHORT)
    new_password: str = Field(max_length=SHORT)


class AccountLookup(CaptchaAnswer):
    credit_code: str = Field(max_length=32)


class AccountLookupResult(Model):
    unit_account_masked: str
    unit_name_masked: str


class ResetByFacts(CaptchaAnswer):
    """Forgot password, way 1 (Jilin §2.2): the registration facts."""

    unit_account: str = Field(max_length=SHORT)
    credit_code: str = Field(max_length=32)
    unit_name: str = Field(max_length=TEXT)
    legal_rep: str = Field(max_length=SHORT)
    new_password: str = Field(max_length=SHORT)


class ResetByOperator(Strict):
    """Forgot password, way 2 (Shandong §2.2): account + operator ID number + mobile + SMS."""

    unit_account: str = Field(max_length=SHORT)
    operator_id_number: str = Field(max_length=SHORT)
    operator_mobile: str = Field(max_length=20)
    sms_code: str = Field(max_length=8)
    new_password: str = Field(max_length=SHORT)


class Done(Model):
    ok: bool = True
    message: str = ""


class IssuedPassword(Model):
    """A password issued by an administrator: shown once, must be changed at first login."""

    account_id: str
    login: str
    temporary_password: str


class OperatorAdd(Strict):
    mobile: str = Field(max_length=20)
    name: str | None = Field(None, max_length=SHORT)
    id_type: IdType | None = None
    id_number: str | None = Field(None, max_length=SHORT)
    id_valid_start: date | None = None
    id_valid_end: date | None = None
    sms_code: str | None = Field(None, max_length=8,
                                 description="required to bind an operator who already exists (the person's consent)")


class OperatorView(Model):
    account_id: str
    name: str | None
    mobile: str
    status: str
    procurement_authorized: bool
    role_ids: list[str]
    bound_at: str


class OperatorPage(Model):
    items: list[OperatorView]
    next_cursor: str | None = None


class OperatorAdded(Model):
    operator: OperatorView
    temporary_password: str | None = Field(None, description="only for a newly created operator")


class Authorization(Strict):
    granted: bool


class RoleInput(Strict):
    name: Label = Field(min_length=1, max_length=30)
    remark: Prose | None = Field(None, max_length=200)
    permissions: list[Permission] = []


class RolePatch(Strict):
    name: Label | None = Field(None, min_length=1, max_length=30)
    remark: Prose | None = Field(None, max_length=200)
    permissions: list[Permission] | None = None


class RoleView(Model):
    role_id: str
    name: str
    remark: str | None
    permissions: list[str]
    updated_at: str


class RolePage(Model):
    items: list[RoleView]
    next_cursor: str | None = None


class AssignedAccount(Model):
    account_id: str
    login: str
    name: str | None
    account_kind: str


class AssignedPage(Model):
    items: list[AssignedAccount]
    next_cursor: str | None = None


class SubAccountInput(Strict):
    login: str = Field(max_length=SHORT)
    name: str = Field(max_length=SHORT)
    mobile: str | None = Field(None, max_length=20)
    role_ids: list[str] = Field(default_factory=list, max_length=20)


class SubAccountPatch(Strict):
    name: str | None = Field(None, max_length=SHORT)
    role_ids: list[str] | None = Field(None, max_length=20)


class SubAccountView(Model):
    account_id: str
    login: str
    name: str | None
    mobile: str | None
    status: str
    status_label: str
    role_ids: list[str]
    created_at: str


class SubAccountPage(Model):
    items: list[SubAccountView]
    next_cursor: str | None = None


class SubAccountCreated(Model):
    sub_account: SubAccountView
    temporary_password: str


class CertificationRequest(Strict):
    role: UnitRole


class OrgView(Model):
    org_id: str
    name: str
    credit_code: str
    kind: str
    kind_label: str
    region_code: str
    certified_role: str | None
    certified_role_label: str | None
    procurement_status: str
    procurement_status_label: str
    status: str
    provisioned: bool
    created_at: str


class OrgPage(Model):
    items: list[OrgView]
    next_cursor: str | None = None


class ClosureRequest(Strict):
    confirm_credit_code: str = Field(max_length=32, description="type the credit code to confirm 注销")
    password: str = Field(max_length=SHORT)


class ProcRegRequest(Strict):
    """招采系统新机构注册: who is authorised for it, remarks, and the PDF attachments
    (verified files of the organisation: licences, authorization letter...)."""

    contact_name: str = Field(max_length=SHORT)
    contact_mobile: str = Field(max_length=20, description="被授权人手机号: progress is looked up with it")
    remarks: str | None = Field(None, max_length=500)
    attachment_file_ids: list[str] = Field(min_length=1, max_length=10,
                                           description="at least one verified PDF of the organisation")


class ProcRegView(Model):
    org_id: str
    org_name: str
    org_kind: str
    credit_code: str
    status: str
    status_label: str
    reviewer: str = Field(description="center | city#<code>")
    contact_name: str
    contact_mobile_masked: str
    remarks: str | None
    attachment_file_ids: list[str] = []
    submitted_at: str
    decided_at: str | None
    reason: str | None


class ProcRegPage(Model):
    items: list[ProcRegView]
    next_cursor: str | None = None


class ProcRegQuery(Strict):
    status: Literal["pending_review", "approved", "rejected"] = "pending_review"
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)


class Decision(Strict):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(None, max_length=500)


class ProgressLookup(Strict):
    mobile: str = Field(max_length=20)
    sms_code: str = Field(max_length=8)


class ProgressResult(Model):
    items: list[ProcRegView]


class ProvisionRequest(Strict):
    """An organisation created by the platform (authorities) or by a city bureau (its institutions)."""

    kind: ActorKind
    name: str = Field(max_length=TEXT)
    credit_code: str = Field(max_length=32)
    region_code: str = Field(max_length=6)
    unit_account: str = Field(max_length=SHORT)


class Provisioned(Model):
    organisation: OrgView
    unit_account: str
    temporary_password: str = Field(description="shown once; must be changed at first login")


class OrgQuery(Strict):
    kind: ActorKind | None = None
    region_code: str | None = Field(None, pattern=r"^\d{6}$")
    name_prefix: str | None = Field(None, max_length=50)
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)


class UploadRequest(Strict):
    filename: str = Field(min_length=1, max_length=100, pattern=r"^[^/\\\x00-\x1f]+\.(csv|xlsx)$")


class UploadTicket(Model):
    upload_key: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in_s: int


class RegistryImportRequest(Strict):
    registry: Literal["national_code", "legacy"]
    upload_key: str = Field(max_length=300)
