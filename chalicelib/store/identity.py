"""Organisations, accounts, memberships, roles and their claims (table ``main``).

Keys are documented in docs/identity.md. Items that change carry a
``VersionAttribute``: every save/update is conditional on the version read,
so a lost update becomes a 409.
"""
from __future__ import annotations

from typing import Iterable

from pynamodb.attributes import (
    BooleanAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute, VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist

from chalicelib.store.paging import Page, query_page
from chalicelib.store.tables import MainTable

MAIN_KEY = ("pk", "sk")
GSI1_KEY = ("pk", "sk", "gsi1pk", "gsi1sk")
GSI2_KEY = ("pk", "sk", "gsi2pk", "gsi2sk")


# -- keys --------------------------------------------------------------------

def org_pk(org_id: str) -> str:
    return f"org#{org_id}"


def account_pk(account_id: str) -> str:
    return f"account#{account_id}"


def credit_pk(code: str) -> str:
    return f"credit#{code}"


def login_pk(kind: str, key: str) -> str:
    return f"login#{kind}#{key}"


# -- items -------------------------------------------------------------------

class OrgItem(MainTable):
    org_id = UnicodeAttribute()
    name = UnicodeAttribute()
    credit_code = UnicodeAttribute()
    kind = UnicodeAttribute()
    region_code = UnicodeAttribute()
    legal_rep = UnicodeAttribute(null=True)
    contact_name = UnicodeAttribute(null=True)
    contact_phone = UnicodeAttribute(null=True)
    unit_account_id = UnicodeAttribute()
    certified_role = UnicodeAttribute(null=True)
    procurement_status = UnicodeAttribute()
    provisioned = BooleanAttribute(default=False)
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class ClaimItem(MainTable):
    """A uniqueness claim (credit code, login); never deleted."""

    owner_id = UnicodeAttribute()


class AccountItem(MainTable):
    account_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    login = UnicodeAttribute()
    org_id = UnicodeAttribute(null=True)  # unit and sub-accounts belong to one organisation
    name = UnicodeAttribute(null=True)
    mobile = UnicodeAttribute(null=True)
    id_type = UnicodeAttribute(null=True)
    id_number_digest = UnicodeAttribute(null=True)
    id_number_masked = UnicodeAttribute(null=True)
    id_valid_from = UnicodeAttribute(null=True)
    id_valid_to = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()
    status = UnicodeAttribute()
    must_change_password = BooleanAttribute(default=False)
    password_changed_at = UnicodeAttribute()
    token_version = NumberAttribute(default=0)
    role_ids = UnicodeSetAttribute(null=True)  # sub-accounts' roles
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class MemberItem(MainTable):
    """An operator bound to an organisation (单位经办人)."""

    org_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    status = UnicodeAttribute()  # bound | unbound
    procurement_authorized = BooleanAttribute(default=False)
    role_ids = UnicodeSetAttribute(null=True)
    bound_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class RoleItem(MainTable):
    org_id = UnicodeAttribute()
    role_id = UnicodeAttribute()
    name = UnicodeAttribute()
    remark = UnicodeAttribute(null=True)
    permissions = UnicodeSetAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class AssignItem(MainTable):
    org_id = UnicodeAttribute()
    role_id = UnicodeAttribute()
    account_id = UnicodeAttribute()


class FailureItem(MainTable):
    failures = NumberAttribute(default=0)
    locked_until = UnicodeAttribute(null=True)


class CaptchaItem(MainTable):
    answer_digest = UnicodeAttribute()
    expires_on = UnicodeAttribute()


class SmsCodeItem(MainTable):
    code_digest = UnicodeAttribute()
    expires_on = UnicodeAttribute()
    tries = NumberAttribute(default=0)


class SmsQuotaItem(MainTable):
    sent = NumberAttribute(default=0)
    last_sent_at = UnicodeAttribute(null=True)


class OutboxItem(MainTable):
    mobile = UnicodeAttribute()
    purpose = UnicodeAttribute()
    message = UnicodeAttribute()
    sent_at = UnicodeAttribute()


class RegistryItem(MainTable):
    credit_code = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)
    national_code = UnicodeAttribute(null=True)
    imported_at = UnicodeAttribute()


class ProcRegItem(MainTable):
    """An organisation's registration into the procurement subsystem (招采系统新机构注册)."""

    org_id = UnicodeAttribute()
    org_name = UnicodeAttribute()
    org_kind = UnicodeAttribute()
    credit_code = UnicodeAttribute()
    reviewer_scope = UnicodeAttribute()
    status = UnicodeAttribute()
    contact_name = UnicodeAttribute()
    contact_mobile = UnicodeAttribute()
    remarks = UnicodeAttribute(null=True)
    attachments = UnicodeSetAttribute(null=True)
    submitted_at = UnicodeAttribute()
    decided_at = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    version = VersionAttribute()


# -- reads -------------------------------------------------------------------

def _get(model, pk: str, sk: str, consistent: bool = True):
    try:
        return model.get(pk, sk, consistent_read=consistent)
    except DoesNotExist:
        return None


def get_org(org_id: str) -> OrgItem | None:
    return _get(OrgItem, org_pk(org_id), "org")


def get_orgs(org_ids) -> dict[str, OrgItem]:
    """Several organisations by id (BatchGetItem; PynamoDB splits beyond 100 keys); absent ones left out."""
    keys = [(org_pk(o), "org") for o in dict.fromkeys(org_ids)]
    return {o.org_id: o for o in OrgItem.batch_get(keys)} if keys else {}


def orgs_by_credit_code(credit_codes: Iterable[str]) -> dict[str, OrgItem]:
    """credit code → organisation, for the codes registered on the platform (batch reads: the
    credit-code claims, then the organisations, 100 keys a call)."""
    owners: dict[str, str] = {}
    codes = sorted(set(credit_codes))
    for start in range(0, len(codes), 100):
        keys = [(credit_pk(c), "claim") for c in codes[start:start + 100]]
        owners.update({claim.pk.removeprefix("credit#"): claim.owner_id for claim in ClaimItem.batch_get(keys)})
    org_ids = sorted(set(owners.values()))
    orgs: dict[str, OrgItem] = {}
    for start in range(0, len(org_ids), 100):
        keys = [(org_pk(o), "org") for o in org_ids[start:start + 100]]
        orgs.update({org.org_id: org for org in OrgItem.batch_get(keys)})
    return {code: orgs[org_id] for code, org_id in owners.items() if org_id in orgs}


def get_account(account_id: str) -> AccountItem | None:
    return _get(AccountItem, account_pk(account_id), "account")


def get_member(org_id: str, account_id: str) -> MemberItem | None:
    return _get(MemberItem, org_pk(org_id), f"member#{account_id}")


def get_role(org_id: str, role_id: str) -> RoleItem | None:
    return _get(RoleItem, org_pk(org_id), f"role#{role_id}")


def roles_by_id(org_id: str, role_ids: Iterable[str]) -> list[RoleItem]:
    keys = [(org_pk(org_id), f"role#{r}") for r in sorted(set(role_ids))]
    return list(RoleItem.batch_get(keys)) if keys else []


def claim_owner(pk: str) -> str | None:
    item = _get(ClaimItem, pk, "claim")
    return item.owner_id if item else None


def get_registry(kind: str, credit_code: str) -> RegistryItem | None:
    return _get(RegistryItem, f"registry#{kind}#{credit_code}", "entry", consistent=False)


def get_failures(key: str) -> FailureItem | None:
    return _get(FailureItem, f"loginfail#{key}", "counter")


def get_procreg(org_id: str) -> ProcRegItem | None:
    return _get(ProcRegItem, org_pk(org_id), "procreg")


# -- lists (one Query a page) ------------------------------------------------

def members(org_id: str, *, limit: int, cursor: str | None) -> Page[MemberItem]:
    pk = org_pk(org_id)
    return query_page(MemberItem.query, scope=f"{pk}#members", key_names=MAIN_KEY, limit=limit, cursor=cursor,
                      hash_key=pk, range_key_condition=MemberItem.sk.startswith("member#"))


def operator_authorizations(org_id: str) -> list[bool]:
    """招采授权 of each bound operator of the organisation (one Query; PynamoDB pages it)."""
    members = MemberItem.query(org_pk(org_id), MemberItem.sk.startswith("member#"), consistent_read=True,
                               attributes_to_get=["status", "procurement_authorized"])
    return [bool(m.procurement_authorized) for m in members if m.status == "bound"]


def memberships_of(account_id: str, *, limit: int = 100) -> list[MemberItem]:
    return list(MemberItem.gsi1.query(f"{account_pk(account_id)}#orgs", limit=limit))


def roles(org_id: str, *, limit: int, cursor: str | None) -> Page[RoleItem]:
    pk = org_pk(org_id)
    return query_page(RoleItem.query, scope=f"{pk}#roles", key_names=MAIN_KEY, limit=limit, cursor=cursor,
                      hash_key=pk, range_key_condition=RoleItem.sk.startswith("role#"))


def assignments(org_id: str, role_id: str, *, limit: int, cursor: str | None) -> Page[AssignItem]:
    pk = org_pk(org_id)
    return query_page(AssignItem.query, scope=f"{pk}#assign#{role_id}", key_names=MAIN_KEY, limit=limit,
                      cursor=cursor, hash_key=pk, range_key_condition=AssignItem.sk.startswith(f"assign#{role_id}#"))


def sub_accounts(org_id: str, *, limit: int, cursor: str | None) -> Page[AccountItem]:
    pk = f"{org_pk(org_id)}#subaccounts"
    return query_page(AccountItem.gsi1.query, scope=pk, key_names=GSI1_KEY, limit=limit, cursor=cursor, hash_key=pk)


def orgs_in_region(region: str, kind: str, *, limit: int, cursor: str | None,
                   name_prefix: str | None = None) -> Page[OrgItem]:
    pk = f"orgs#region#{region}#{kind}"
    condition = OrgItem.gsi1sk.startswith(name_prefix) if name_prefix else None
    return query_page(OrgItem.gsi1.query, scope=f"{pk}#{name_prefix or ''}", key_names=GSI1_KEY, limit=limit,
                      cursor=cursor, hash_key=pk, range_key_condition=condition)


def orgs_of_kind(kind: str, *, limit: int, cursor: str | None) -> Page[OrgItem]:
    pk = f"orgs#kind#{kind}"
    return query_page(OrgItem.gsi2.query, scope=pk, key_names=GSI2_KEY, limit=limit, cursor=cursor, hash_key=pk,
                      scan_index_forward=False)


def procregs_for(scope: str, status: str, *, limit: int, cursor: str | None) -> Page[ProcRegItem]:
    pk = f"procreg#{scope}#{status}"
    return query_page(ProcRegItem.gsi1.query, scope=pk, key_names=GSI1_KEY, limit=limit, cursor=cursor,
                      hash_key=pk)


def procregs_by_mobile(mobile: str, limit: int = 50) -> list[ProcRegItem]:
    return list(ProcRegItem.gsi2.query(f"procreg#mobile#{mobile}", limit=limit))


def outbox(*, limit: int, cursor: str | None) -> Page[OutboxItem]:
    return query_page(OutboxItem.query, scope="outbox#sms", key_names=MAIN_KEY, limit=limit, cursor=cursor,
                      hash_key="outbox#sms", scan_index_forward=False)
