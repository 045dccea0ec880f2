"""/org/...: the caller's organisation, administered by its unit account (单位管理)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import ANY_ORG_ACCOUNT, UNIT_ADMIN
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.schemas.common import PageQuery
from chalicelib.lazy import lazy, lazy_class, lazy_classes

Done = lazy_class("chalicelib.schemas.identity", "Done")
(AssignedPage, Authorization, CertificationRequest, ClosureRequest, IssuedPassword, OperatorAdd, OperatorAdded,
 OperatorPage, OperatorView, OrgView, ProcRegRequest, ProcRegView, RoleInput, RolePage, RolePatch, RoleView,
 SubAccountCreated, SubAccountInput, SubAccountPage, SubAccountPatch, SubAccountView) = lazy_classes(
    "chalicelib.schemas.organisation",
    "AssignedPage Authorization CertificationRequest ClosureRequest IssuedPassword OperatorAdd OperatorAdded "
    "OperatorPage OperatorView OrgView ProcRegRequest ProcRegView RoleInput RolePage RolePatch RoleView "
    "SubAccountCreated SubAccountInput SubAccountPage SubAccountPatch SubAccountView")

org_admin = lazy("chalicelib.services.identity.org_admin")
organisation = lazy("chalicelib.services.identity.organisation")
procurement_entry = lazy("chalicelib.services.identity.procurement_entry")

bp = Blueprint(__name__)
TAGS = ("organisation",)


@endpoint(bp, "/org", access=ANY_ORG_ACCOUNT, tags=TAGS, response=OrgView, summary="The caller's organisation")
def get_org(ctx: RequestContext):
    return organisation.mine(ctx.principal)


@endpoint(bp, "/org/certification", "POST", access=UNIT_ADMIN, tags=TAGS, body=CertificationRequest,
          response=OrgView, errors=(409,), summary="Certify the organisation's role (one per organisation)")
def certify(ctx: RequestContext):
    return organisation.certify(ctx.principal, ctx.body.role)


@endpoint(bp, "/org/procurement-entry", "POST", access=UNIT_ADMIN, tags=TAGS, response=OrgView, errors=(409,),
          summary="Enter the procurement subsystem (associated at once when the legacy registry matches)")
def enter(ctx: RequestContext):
    return organisation.enter_procurement(ctx.principal)


@endpoint(bp, "/org/procurement-registration", "POST", access=UNIT_ADMIN, tags=TAGS, body=ProcRegRequest,
          response=ProcRegView, status=201, idempotent=True, errors=(409,),
          summary="File the registration into the procurement subsystem for review")
def file_registration(ctx: RequestContext):
    return procurement_entry.file(ctx.principal, ctx.body)


@endpoint(bp, "/org/procurement-registration", access=ANY_ORG_ACCOUNT, tags=TAGS, response=ProcRegView,
          errors=(404,), summary="The organisation's registration and its review status")
def get_registration(ctx: RequestContext):
    return procurement_entry.mine(ctx.principal)


@endpoint(bp, "/org/closure", "POST", access=UNIT_ADMIN, tags=TAGS, body=ClosureRequest, response=Done,
          summary="Close the organisation's portal account (records are kept)")
def close(ctx: RequestContext):
    return org_admin.close_organisation(ctx.principal, ctx.body)


# -- operators ---------------------------------------------------------------

@endpoint(bp, "/org/operators", access=UNIT_ADMIN, tags=TAGS, query=PageQuery, response=OperatorPage,
          summary="Operators bound to the organisation")
def list_operators(ctx: RequestContext):
    return org_admin.list_operators(ctx.principal, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/org/operators", "POST", access=UNIT_ADMIN, tags=TAGS, body=OperatorAdd, response=OperatorAdded,
          status=201, idempotent=True, errors=(409,), summary="Bind an existing operator or create a new one")
def add_operator(ctx: RequestContext):
    return org_admin.add_operator(ctx.principal, ctx.body)


@endpoint(bp, "/org/operators/{account_id}", "DELETE", access=UNIT_ADMIN, tags=TAGS, response=Done,
          errors=(404, 409), summary="Unbind an operator (operators are never deleted)")
def unbind_operator(ctx: RequestContext, account_id: str):
    return org_admin.unbind_operator(ctx.principal, account_id)


@endpoint(bp, "/org/operators/{account_id}/password-reset", "POST", access=UNIT_ADMIN, tags=TAGS,
          response=IssuedPassword, errors=(404, 409), summary="Issue a new password to an operator")
def reset_operator(ctx: RequestContext, account_id: str):
    return org_admin.reset_operator_password(ctx.principal, account_id)


@endpoint(bp, "/org/operators/{account_id}/procurement-authorization", "PUT", access=UNIT_ADMIN, tags=TAGS,
          body=Authorization, response=OperatorView, errors=(404, 409),
          summary="Grant or revoke the procurement authorization (招采授权)")
def authorize(ctx: RequestContext, account_id: str):
    return org_admin.set_authorization(ctx.principal, account_id, ctx.body.granted)


# -- account roles -----------------------------------------------------------

@endpoint(bp, "/org/roles", access=UNIT_ADMIN, tags=TAGS, query=PageQuery, response=RolePage,
          summary="Account roles (sets of menu permissions)")
def list_roles(ctx: RequestContext):
    return org_admin.list_roles(ctx.principal, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/org/roles", "POST", access=UNIT_ADMIN, tags=TAGS, body=RoleInput, response=RoleView, status=201,
          idempotent=True, summary="Create an account role")
def create_role(ctx: RequestContext):
    return org_admin.create_role(ctx.principal, ctx.body)


@endpoint(bp, "/org/roles/{role_id}", "PATCH", access=UNIT_ADMIN, tags=TAGS, body=RolePatch, response=RoleView,
          errors=(404, 409), summary="Rename a role, change its remark or permissions")
def update_role(ctx: RequestContext, role_id: str):
    return org_admin.update_role(ctx.principal, role_id, ctx.body)


@endpoint(bp, "/org/roles/{role_id}", "DELETE", access=UNIT_ADMIN, tags=TAGS, response=Done, errors=(404, 409),
          summary="Delete a role no account holds")
def delete_role(ctx: RequestContext, role_id: str):
    return org_admin.delete_role(ctx.principal, role_id)


@endpoint(bp, "/org/roles/{role_id}/accounts", access=UNIT_ADMIN, tags=TAGS, query=PageQuery,
          response=AssignedPage, errors=(404,), summary="Accounts assigned to a role")
def role_accounts(ctx: RequestContext, role_id: str):
    return org_admin.assigned_accounts(ctx.principal, role_id, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/org/roles/{role_id}/accounts/{account_id}", "PUT", access=UNIT_ADMIN, tags=TAGS, response=Done,
          errors=(404,), summary="Assign a role to an operator or sub-account")
def assign(ctx: RequestContext, role_id: str, account_id: str):
    return org_admin.set_assignment(ctx.principal, role_id, account_id, True)


@endpoint(bp, "/org/roles/{role_id}/accounts/{account_id}", "DELETE", access=UNIT_ADMIN, tags=TAGS,
          response=Done, errors=(404,), summary="Take a role away from an account")
def unassign(ctx: RequestContext, role_id: str, account_id: str):
    return org_admin.set_assignment(ctx.principal, role_id, account_id, False)


# -- sub-accounts ------------------------------------------------------------

@endpoint(bp, "/org/sub-accounts", access=UNIT_ADMIN, tags=TAGS, query=PageQuery, response=SubAccountPage,
          summary="Sub-accounts of the organisation")
def list_subs(ctx: RequestContext):
    return org_admin.list_sub_accounts(ctx.principal, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/org/sub-accounts", "POST", access=UNIT_ADMIN, tags=TAGS, body=SubAccountInput,
          response=SubAccountCreated, status=201, idempotent=True, errors=(409,), summary="Create a sub-account")
def create_sub(ctx: RequestContext):
    return org_admin.create_sub_account(ctx.principal, ctx.body)


@endpoint(bp, "/org/sub-accounts/{account_id}", "PATCH", access=UNIT_ADMIN, tags=TAGS, body=SubAccountPatch,
          response=SubAccountView, errors=(404,), summary="Change a sub-account's name or roles")
def update_sub(ctx: RequestContext, account_id: str):
    return org_admin.update_sub_account(ctx.principal, account_id, ctx.body)


@endpoint(bp, "/org/sub-accounts/{account_id}/disable", "POST", access=UNIT_ADMIN, tags=TAGS,
          response=SubAccountView, errors=(404,), summary="Disable a sub-account (refused at its next request)")
def disable_sub(ctx: RequestContext, account_id: str):
    return org_admin.set_sub_account_enabled(ctx.principal, account_id, False)


@endpoint(bp, "/org/sub-accounts/{account_id}/enable", "POST", access=UNIT_ADMIN, tags=TAGS,
          response=SubAccountView, errors=(404,), summary="Enable a sub-account")
def enable_sub(ctx: RequestContext, account_id: str):
    return org_admin.set_sub_account_enabled(ctx.principal, account_id, True)


@endpoint(bp, "/org/sub-accounts/{account_id}/password-reset", "POST", access=UNIT_ADMIN, tags=TAGS,
          response=IssuedPassword, errors=(404,), summary="Issue a new password to a sub-account")
def reset_sub(ctx: RequestContext, account_id: str):
    return org_admin.reset_sub_account_password(ctx.principal, account_id)
