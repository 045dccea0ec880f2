"""Who may call what: the authorization model, in one place.

Every route declares an ``Access``; ``check(access, principal)`` decides before
the view runs. Resource ownership (the addressed record belongs to the
caller's organisation, or is supervised by it) is checked by the services
with ``owns`` / ``supervises``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.domain.enums import AccountKind, ActorKind, Permission, ProcurementStatus, UnitRole
from chalicelib.domain.errors import Forbidden, Unauthenticated

ENTERPRISE_ROLES = frozenset({
    UnitRole.MANUFACTURER, UnitRole.AGENT, UnitRole.DISTRIBUTOR, UnitRole.MANUFACTURER_DISTRIBUTOR,
    UnitRole.AGENT_DISTRIBUTOR, UnitRole.MANUFACTURER_AGENT_DISTRIBUTOR,
})
AUTHORITIES = frozenset({ActorKind.CITY_BUREAU, ActorKind.PROVINCE_BUREAU, ActorKind.ALLIANCE_OFFICE,
                         ActorKind.PLATFORM})
ENTERED = frozenset({ProcurementStatus.ASSOCIATED, ProcurementStatus.APPROVED})

# The permissions each kind of organisation can grant to its accounts.
PERMISSIONS_BY_ACTOR: dict[ActorKind, frozenset[Permission]] = {
    ActorKind.ENTERPRISE: frozenset({Permission.QUALIFICATION_MAINTAIN, Permission.PRODUCT_MAINTAIN,
                                     Permission.DECLARATION, Permission.CODE_MATCHING, Permission.RESULT_QUERY,
                                     Permission.AGREEMENT_QUERY}),
    ActorKind.MEDICAL_INSTITUTION: frozenset({Permission.ALLOCATION_FILL, Permission.AGREEMENT_QUERY,
                                              Permission.RESULT_QUERY}),
    ActorKind.PHARMACY: frozenset({Permission.RESULT_QUERY}),
    ActorKind.CITY_BUREAU: frozenset({Permission.ALLOCATION_REVIEW, Permission.AGREEMENT_QUERY,
                                      Permission.INSTITUTION_SUPERVISION, Permission.REGISTRATION_REVIEW}),
    ActorKind.PROVINCE_BUREAU: frozenset({Permission.ALLOCATION_REVIEW, Permission.AGREEMENT_QUERY,
                                          Permission.INSTITUTION_SUPERVISION}),
    ActorKind.ALLIANCE_OFFICE: frozenset({Permission.ALLOCATION_REVIEW, Permission.AGREEMENT_QUERY,
                                          Permission.PROJECT_MANAGE}),
    ActorKind.PLATFORM: frozenset({Permission.QUALIFICATION_REVIEW, Permission.REGISTRATION_REVIEW,
                                   Permission.PROJECT_MANAGE, Permission.CATALOG_IMPORT, Permission.RESULT_QUERY,
                                   Permission.ORGANISATION_PROVISIONING}),
}


@dataclass(frozen=True)
class Principal:
    """The caller, as loaded afresh for this request."""

    account_id: str
    account_kind: AccountKind
    login: str
    org_id: str | None
    org_kind: ActorKind | None = None
    org_region: str | None = None
    certified_role: UnitRole | None = None
    procurement_status: ProcurementStatus = ProcurementStatus.NOT_ENTERED
    procurement_authorized: bool = False
    permissions: frozenset[Permission] = frozenset()
    scope: str = "org"

    @property
    def does_business(self) -> bool:
        if self.account_kind is AccountKind.SUB_ACCOUNT:
            return True
        return self.account_kind is AccountKind.OPERATOR and self.procurement_authorized


@dataclass(frozen=True)
class Access:
    """A route's access rule. ``public`` routes need no token."""

    public: bool = False
    account_kinds: frozenset[AccountKind] = frozenset(AccountKind)
    actors: frozenset[ActorKind] | None = None
    roles: frozenset[UnitRole] | None = None
    permission: Permission | None = None
    business: bool = False
    entered: bool = False
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({"org"}))
    description: str = ""


PUBLIC = Access(public=True, description="anyone")
SIGNED_IN = Access(scopes=frozenset({"org", "select_org", "password_change"}), description="any valid token")
ANY_ORG_ACCOUNT = Access(description="any account acting for an organisation")
UNIT_ADMIN = Access(account_kinds=frozenset({AccountKind.UNIT}), description="the organisation's unit account")


def business(permission: Permission | None = None, *, actors: frozenset[ActorKind] | None = None,
             roles: frozenset[UnitRole] | None = None, entered: bool = False) -> Access:
    """Business done by an authorised operator or a sub-account holding ``permission``."""
    return Access(account_kinds=frozenset({AccountKind.OPERATOR, AccountKind.SUB_ACCOUNT}), actors=actors,
                  roles=roles, permission=permission, business=True, entered=entered,
                  description=f"business: {permission.value if permission else 'any'}")


def check(access: Access, principal: Principal | None) -> None:
    if access.public:
        return
    if principal is None:
        raise Unauthenticated()
    if principal.scope not in access.scopes:
        if principal.scope == "password_change":
            raise Forbidden("请先修改初始密码", code="password_change_required")
        raise Forbidden("请先选择要登录的单位", code="organisation_not_selected")
    if principal.scope != "org":
        return
    if principal.account_kind not in access.account_kinds:
        if principal.account_kind is AccountKind.UNIT and access.business:
            raise Forbidden("单位账号不能办理业务，请使用经办人账号登录", code="unit_account_no_business")
        raise Forbidden("当前账号类型无权执行该操作", code="account_kind_forbidden")
    if access.actors is not None and principal.org_kind not in access.actors:
        raise Forbidden("当前单位类型无权执行该操作", code="actor_forbidden")
    if access.business and not principal.does_business:
        raise Forbidden("经办人未获得招采授权", code="procurement_authorization_required")
    if access.roles is not None and principal.certified_role not in access.roles:
        raise Forbidden("单位未认证所需的角色", code="role_required")
    if access.entered and principal.procurement_status not in ENTERED:
        raise Forbidden("单位尚未进入招采系统", code="procurement_entry_required")
    if access.permission is not None and access.permission not in principal.permissions:
        raise Forbidden(f"缺少菜单权限：{access.permission.label}", code="permission_required")


def supervises(supervisor_kind: ActorKind, supervisor_region: str | None, org_region: str | None) -> bool:
    """A city bureau supervises its city; a province bureau the cities of its province."""
    if not supervisor_region or not org_region:
        return False
    if supervisor_kind is ActorKind.CITY_BUREAU:
        return org_region == supervisor_region
    if supervisor_kind is ActorKind.PROVINCE_BUREAU:
        return org_region[:2] == supervisor_region[:2]
    return False
