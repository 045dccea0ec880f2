"""Seed reference and demo data into a stage (idempotent: puts by key).

Runs in a process whose environment points at the stage (the local runner
sets it up; for AWS, see docs/deploy.md). The data grows with each feature.
"""
from __future__ import annotations

import csv
from pathlib import Path

from chalicelib.domain import dictionaries as rules

DATA = Path(__file__).parent / "data"


def load_regions(path: Path = DATA / "regions.csv") -> list[rules.Region]:
    with path.open(encoding="utf-8") as f:
        return [rules.make_region(row["code"], row["name"]) for row in csv.DictReader(f)]


def load_units(path: Path = DATA / "units.csv") -> list[rules.Unit]:
    with path.open(encoding="utf-8") as f:
        return [rules.make_unit(r["code"], r["name"], r["name_en"], r["category"]) for r in csv.DictReader(f)]


def seed_reference() -> dict[str, int]:
    from chalicelib.store import dictionaries as store

    return {"regions": store.put_regions(load_regions()), "units": store.put_units(load_units())}


DEMO_PASSWORD = "Demo@2026qh"


def _credit_code(body: str) -> str:
    from chalicelib.domain.identity.validators import credit_code_check_char

    return body + credit_code_check_char(body)


def load_demo_orgs(path: Path = DATA / "demo_orgs.csv") -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["credit_code"] = _credit_code(row["credit_body"])
    return rows


def seed_registries(orgs: list[dict[str, str]]) -> int:
    """The demo's national code registry and legacy registry (``@key`` = that demo org's code)."""
    from chalicelib import clock
    from chalicelib.store.identity import RegistryItem

    codes = {o["key"]: o["credit_code"] for o in orgs}
    count = 0
    with RegistryItem.batch_write() as batch:
        for registry in ("national_code", "legacy"):
            file = "national_registry.csv" if registry == "national_code" else "legacy_registry.csv"
            with (DATA / file).open(encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    code = codes[row["credit_code"][1:]] if row["credit_code"].startswith("@") else row["credit_code"]
                    batch.save(RegistryItem(pk=f"registry#{registry}#{code}", sk="entry", credit_code=code,
                                            name=row["name"], kind=row["kind"] or None,
                                            national_code=row["national_code"] or None,
                                            imported_at=clock.now().isoformat()))
                    count += 1
    return count


def seed_demo_orgs(orgs: list[dict[str, str]]) -> list[dict[str, str]]:
    """An organisation and logins for every actor (SPEC §2). Demo accounts skip the
    first-login password change so the printed logins work at once."""
    from chalicelib import clock
    from chalicelib.domain.enums import AccountKind, ActorKind, ProcurementStatus, UnitRole
    from chalicelib.domain.identity.validators import resident_id_check_digit
    from chalicelib.security import codes, passwords
    from chalicelib.services.identity.registration import (
        add_org_with_unit_account, bind_operator, claim, new_account,
    )
    from chalicelib.store import identity as store
    from chalicelib.store.identity import OrgItem
    from chalicelib.store.uow import UnitOfWork

    logins = []
    hashed = passwords.hash_password(DEMO_PASSWORD)
    for n, o in enumerate(orgs, start=1):
        if store.claim_owner(store.credit_pk(o["credit_code"])):
            continue  # already seeded
        now = clock.now()
        kind = ActorKind(o["kind"])
        uow = UnitOfWork()
        org, unit, role = add_org_with_unit_account(
            uow, kind, o["name"], o["credit_code"], o["region_code"], o["unit_account"], hashed, now,
            provisioned=False, actor="seed", legal_rep="张法人", contact_name=o["operator_name"],
            contact_phone=o["operator_mobile"])
        id_body = f"{o['region_code']}19800101{n:03d}"
        operator = new_account(AccountKind.OPERATOR, o["operator_mobile"], hashed, now, name=o["operator_name"],
                               mobile=o["operator_mobile"], id_type="resident_id",
                               id_number_digest=codes.digest("id_number", id_body + resident_id_check_digit(id_body)),
                               id_number_masked=f"{id_body[:4]}**********", id_valid_from="2020-01-01")
        claim(uow, store.login_pk("mobile", o["operator_mobile"]), operator.account_id, None)
        uow.put(operator)
        bind_operator(uow, org.org_id, operator.account_id, role.role_id, now, authorized=True, actor="seed")
        uow.commit()
        actions = []
        if o["role"]:
            actions.append(OrgItem.certified_role.set(UnitRole(o["role"]).value))
        if o["entered"] == "yes":
            actions.append(OrgItem.procurement_status.set(ProcurementStatus.ASSOCIATED.value))
        if actions:
            store.get_org(org.org_id).update(actions=actions)
        logins.append({"role": f"{kind.label} 单位账号", "login": o["unit_account"], "password": DEMO_PASSWORD})
        logins.append({"role": f"{kind.label} 经办人", "login": o["operator_mobile"], "password": DEMO_PASSWORD})
    return logins


def seed_catalog(orgs: list[dict[str, str]] | None = None) -> int:
    """The demo national consumables catalog (ops/data/catalog_demo.csv, in the
    import format of docs/catalog.md; ``@key`` = that demo org's credit code).
    Validated like an upload; returns the entries written (certificates, items, products)."""
    from chalicelib.services import catalog

    codes = {o["key"]: o["credit_code"] for o in (orgs if orgs is not None else load_demo_orgs())}
    data = (DATA / "catalog_demo.csv").read_bytes()
    rows = []
    for number, row in catalog.read_rows(data, "catalog_demo.csv", catalog.HEADER_ALIASES, ("record_type",)):
        code = row.get("registrant_credit_code") or ""
        if code.startswith("@"):
            row["registrant_credit_code"] = codes[code[1:]]
        rows.append((number, row))
    parsed = catalog.parse(rows)
    if parsed.errors:
        raise ValueError(f"ops/data/catalog_demo.csv has bad rows: {parsed.errors}")
    return catalog.write(parsed)


def seed_all() -> dict:
    """Everything a fresh stage needs; later features add their demo data here."""
    counts: dict = dict(seed_reference())
    orgs = load_demo_orgs()
    counts["registry entries"] = seed_registries(orgs)
    counts["catalog entries"] = seed_catalog(orgs)
    counts["logins"] = seed_demo_orgs(orgs)
    return counts


if __name__ == "__main__":
    import json

    print(json.dumps(seed_all(), ensure_ascii=False, indent=1))
