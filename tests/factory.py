"""Build organisations and accounts straight through the services (no captcha,
no SMS), for tests that are about something else. Registration itself is
tested over HTTP in tests/api/test_registration.py."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from chalicelib import clock
from chalicelib.domain.access import PERMISSIONS_BY_ACTOR
from chalicelib.domain.enums import AccountKind, ActorKind, ProcurementStatus, UnitRole
from chalicelib.domain.identity.validators import credit_code_check_char, resident_id_check_digit
from chalicelib.security import codes, passwords, tokens
from chalicelib.services.identity.registration import add_org_with_unit_account, bind_operator, claim, new_account
from chalicelib.store import identity as store
from chalicelib.store.identity import OrgItem
from chalicelib.store.uow import UnitOfWork

PASSWORD = "Medpro#2026"
_seq = itertools.count(1)
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(region: str = "630100", authority: str = "9", category: str = "1") -> str:
    n = next(_seq)
    body = "".join(ALPHABET[(n // 31 ** i) % 31] for i in range(8))[::-1] + "X"
    first17 = f"{authority}{category}{region}{body}"
    return first17 + credit_code_check_char(first17)


def resident_id(birth: str = "19850312") -> str:
    n = next(_seq) % 1000
    first17 = f"630102{birth}{n:03d}"
    return first17 + resident_id_check_digit(first17)


def mobile() -> str:
    return f"139{next(_seq):08d}"


@dataclass
class Org:
    org_id: str
    kind: ActorKind
    region: str
    credit_code: str
    name: str
    unit_account_id: str
    unit_login: str
    role_id: str
    operators: list[str] = field(default_factory=list)


def make_org(kind: ActorKind = ActorKind.ENTERPRISE, region: str = "630100", *, role: UnitRole | None = None,
             entered: bool = False, name: str | None = None, code: str | None = None,
             provisioned: bool = False) -> Org:
    now = clock.now()
    n = next(_seq)
    code = code or credit_code(region)
    name = name or f"测试单位{n}"
    login = f"unit{n}x"
    uow = UnitOfWork()
    org, unit, default_role = add_org_with_unit_account(
        uow, kind, name, code, region, login, passwords.hash_password(PASSWORD), now, provisioned=provisioned,
        actor="test", legal_rep="张三", contact_name="李四", contact_phone="13900000000")
    uow.commit()
    actions = []
    if role is None and kind in (ActorKind.MEDICAL_INSTITUTION, ActorKind.PHARMACY) and entered:
        role = UnitRole(kind.value)
    if role is not None:
        actions.append(OrgItem.certified_role.set(role.value))
    if entered:
        actions.append(OrgItem.procurement_status.set(ProcurementStatus.ASSOCIATED.value))
    if actions:
        store.get_org(org.org_id).update(actions=actions)
    return Org(org.org_id, kind, region, code, name, unit.account_id, login, default_role.role_id)


def add_operator(org: Org, *, authorized: bool = True, with_default_role: bool = True,
                 existing: str | None = None) -> tuple[str, str]:
    """Bind a new (or ``existing``) operator; returns (account_id, mobile)."""
    now = clock.now()
    uow = UnitOfWork()
    if existing is None:
        m = mobile()
        op = new_account(AccountKind.OPERATOR, m, passwords.hash_password(PASSWORD), now, name="王五", mobile=m,
                         id_type="resident_id", id_number_digest=codes.digest("id_number", "630102198503120011"),
                         id_number_masked="6301**********0011", id_valid_from="2020-01-01")
        claim(uow, store.login_pk("mobile", m), op.account_id, None)
        uow.put(op)
        account_id = op.account_id
    else:
        account_id, m = existing, store.get_account(existing).mobile
    bind_operator(uow, org.org_id, account_id, org.role_id if with_default_role else None, now,
                  authorized=authorized, actor="test")
    uow.commit()
    org.operators.append(account_id)
    return account_id, m


def token(account_id: str, org_id: str | None, scope: str = "org") -> str:
    account = store.get_account(account_id)
    value, _ = tokens.issue(account_id, org_id, scope, int(account.token_version or 0), clock.now())
    return value


def unit_token(org: Org) -> str:
    return token(org.unit_account_id, org.org_id)


def operator_token(org: Org, **kw) -> str:
    account_id, _ = add_operator(org, **kw)
    return token(account_id, org.org_id)


def all_permissions(kind: ActorKind) -> set[str]:
    return {p.value for p in PERMISSIONS_BY_ACTOR[kind]}


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def pdf_bytes(pages: int = 1) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def principal_of(account_id: str, org_id: str):
    from chalicelib.services.identity.sessions import load_principal

    return load_principal(token(account_id, org_id))


def verified_pdf(org: Org, account_id: str | None = None, purpose: str = "test") -> str:
    """A PDF uploaded through the real flow (ticket, object, verification); returns its file id."""
    import boto3

    from chalicelib.config import get_settings
    from chalicelib.services import documents

    p = principal_of(account_id or (org.operators[0] if org.operators else add_operator(org)[0]), org.org_id)
    ticket = documents.request_upload(p, "licence.pdf", purpose)
    key = ticket.upload.fields["key"]
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=get_settings().bucket, Key=key, Body=pdf_bytes(),
                                                           ContentType="application/pdf")
    return documents.complete_upload(p, ticket.file.file_id).file_id


# -- the national consumables catalog (tests/api/test_catalog*.py) ----------------

def seed_demo_catalog(manufacturer: Org | None = None) -> int:
    """The demo catalog of ops/data/catalog_demo.csv; the certificates of the demo
    manufacturer are registered to ``manufacturer``'s credit code when given."""
    from ops.seed import load_demo_orgs, seed_catalog

    orgs = load_demo_orgs()
    if manufacturer is not None:
        orgs = [{**o, "credit_code": manufacturer.credit_code} if o["key"] == "manufacturer" else o for o in orgs]
    return seed_catalog(orgs)


def put_import_file(key: str, data: bytes | str) -> None:
    """Put an import file where an upload ticket (POST /admin/uploads) said it goes."""
    import boto3

    from chalicelib.config import get_settings

    body = data.encode("utf-8") if isinstance(data, str) else data
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=get_settings().bucket, Key=key, Body=body)


def job_report(job_id: str):
    """The XLSX a job left under jobs/<id>/, opened with openpyxl."""
    import io

    import boto3
    import openpyxl

    from chalicelib.config import get_settings

    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = get_settings().bucket
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"jobs/{job_id}/").get("Contents", [])]
    assert len(keys) == 1 and keys[0].endswith(".xlsx"), f"one XLSX report under jobs/{job_id}/: {keys}"
    return openpyxl.load_workbook(io.BytesIO(s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read()),
                                  read_only=True)
