"""Request and response models of the organisations' administration: operators and their 招采授权,
roles and sub-accounts, the organisation itself and its closure, procurement entry (招采登记) and its
progress, the provisioning of institutions by supervisors, and registry imports. Apart from
``schemas.identity`` so that a login defines none of them (cold start, docs/benchmarks.md)."""

from datetime import date
from typing import Literal

from pydantic import Field

from chalicelib.domain.enums import ActorKind, IdType, Permission, UnitRole
from chalicelib.schemas.common import Label, Model, Prose, Strict
from chalicelib.schemas.identity import SHORT, TEXT


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


class RegistryImportRequest(Strict):
    registry: Literal["national_code", "legacy"]
    upload_key: str = Field(max_length=300)
