"""Request and response models of the identity feature: captchas and SMS codes, registration, sign-in,
the caller, password recovery, uploads. The organisations' administration is in ``schemas.organisation``."""

from datetime import date

from pydantic import Field

from chalicelib.domain.enums import ActorKind, IdType, SmsPurpose
from chalicelib.schemas.common import Model, Strict

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


class UploadRequest(Strict):
    filename: str = Field(min_length=1, max_length=100, pattern=r"^[^/\\\x00-\x1f]+\.(csv|xlsx)$")


class UploadTicket(Model):
    upload_key: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in_s: int
