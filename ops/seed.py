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
# More authorised operators of a demo organisation: (org key, mobile, name, banner label). The platform's
# second reviewer approves the final level (four eyes: the first-level approver may not, docs/review-chain.md).
DEMO_EXTRA_OPERATORS = (("platform", "13800000012", "孙复审", "复审经办人"),)


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


def add_operator(uow, org_id: str, role_id: str, name: str, mobile: str, id_body: str, hashed: str, now) -> None:
    """An operator (经办人) bound to the organisation with its default role, authorised for procurement;
    ``id_body``: the first 17 digits of a resident id. ``uow``: a unit of work (or ``ops.province.BatchSink``)."""
    from chalicelib.domain.enums import AccountKind
    from chalicelib.domain.identity.validators import resident_id_check_digit
    from chalicelib.security import codes
    from chalicelib.services.identity.registration import bind_operator, claim, new_account
    from chalicelib.store import identity as store

    operator = new_account(AccountKind.OPERATOR, mobile, hashed, now, name=name, mobile=mobile, id_type="resident_id",
                           id_number_digest=codes.digest("id_number", id_body + resident_id_check_digit(id_body)),
                           id_number_masked=f"{id_body[:4]}**********", id_valid_from="2020-01-01")
    claim(uow, store.login_pk("mobile", mobile), operator.account_id, None)
    uow.put(operator)
    bind_operator(uow, org_id, operator.account_id, role_id, now, authorized=True, actor="seed")


def seed_demo_orgs(orgs: list[dict[str, str]]) -> list[dict[str, str]]:
    """An organisation and logins for every actor (SPEC §2). Demo accounts skip the
    first-login password change so the printed logins work at once."""
    from chalicelib import clock
    from chalicelib.domain.enums import ActorKind, ProcurementStatus, UnitRole
    from chalicelib.security import passwords
    from chalicelib.services.identity.registration import add_org_with_unit_account
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
        operators = [(o["operator_mobile"], o["operator_name"], "经办人")] + \
            [(m, name, label) for key, m, name, label in DEMO_EXTRA_OPERATORS if key == o["key"]]
        for extra, (mobile, name, _label) in enumerate(operators):
            add_operator(uow, org.org_id, role.role_id, name, mobile, f"{o['region_code']}1980{1 + extra:02d}01{n:03d}",
                         hashed, now)
        uow.commit()
        actions = []
        if o["role"]:
            actions.append(OrgItem.certified_role.set(UnitRole(o["role"]).value))
        if o["entered"] == "yes":
            actions.append(OrgItem.procurement_status.set(ProcurementStatus.ASSOCIATED.value))
        if actions:
            store.get_org(org.org_id).update(actions=actions)
        logins.append({"role": f"{kind.label} 单位账号", "login": o["unit_account"], "password": DEMO_PASSWORD})
        logins += [{"role": f"{kind.label} {label}", "login": mobile, "password": DEMO_PASSWORD}
                   for mobile, _, label in operators]
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


# -- demo procurement projects -------------------------------------------------------

# (kind, name, announcement, catalog: [(code27, bid group)]); windows are set from the clock at seeding.
DEMO_PROJECTS = (
    ("national_vbp", "国家组织一次性使用无菌注射器集中带量采购中选结果接续（演示）",
     "各有关企业：国家组织一次性使用无菌注射器集中带量采购中选结果接续工作现已启动，请符合条件的企业在申报时间内"
     "于本平台完成产品申报。申报产品须已纳入本项目产品目录，并在本企业产品库中审核通过。",
     (("C14010100100001000010000001", "A组 1ml"), ("C14010100100001000010000002", "B组 5ml"),
      ("C14010100100001000010000003", "C组 10ml"), ("C14010100100002000010000001", "D组 20ml"))),
    ("alliance_vbp", "八省二区医用外科口罩联盟集中带量采购（演示）",
     "各有关企业：八省二区医用外科口罩联盟集中带量采购申报即将截止，逾期不予受理；申报截止后随即公布结果。",
     (("C08010200100001000010000001", "成人型"), ("C08010200100001000010000002", "儿童型"),
      ("C08010200100002000010000001", "成人型"))),
)
# Products the demo manufacturer has approved in its library: (certificate, item code20, product code27s).
DEMO_LIBRARY = (
    ("国械注准20193140101", "C1401010010000100001", ("C14010100100001000010000001", "C14010100100001000010000002")),
    ("青械注准20202140002", "C0801020010000100001", ("C08010200100001000010000001",)),
)
# Already declared in the open (national) project.
DEMO_DECLARED = ("C14010100100001000010000001",)
DEMO_CLOSE = 5.0  # minutes from seeding until the alliance project's declaration window closes


def _principal(orgs: list[dict[str, str]], key: str, mobile: str | None = None):
    """The demo operator of organisation ``key`` (or the one with ``mobile``) as the services see it
    (a token minted and loaded)."""
    from chalicelib import clock
    from chalicelib.security import tokens
    from chalicelib.services.identity.sessions import load_principal
    from chalicelib.store import identity as store

    o = next(o for o in orgs if o["key"] == key)
    account_id = store.claim_owner(store.login_pk("mobile", mobile or o["operator_mobile"]))
    org_id = store.claim_owner(store.credit_pk(o["credit_code"]))
    version = int(store.get_account(account_id).token_version or 0)
    return load_principal(tokens.issue(account_id, org_id, "org", version, clock.now())[0])


def _existing_demo_projects() -> dict[str, str]:
    """Demo project name -> id, from the announcements (the demo projects are published)."""
    from chalicelib.store import projects as store

    names = {name for _, name, _, _ in DEMO_PROJECTS}
    found, cursor = {}, None
    while True:
        page = store.list_announcements(limit=100, cursor=cursor)
        found.update({a.name: a.project_id for a in page.items if a.name in names})
        cursor = page.next_cursor
        if not cursor:
            return found


def _approve_all(reviewers: dict, record_ids: list[str], timeout_s: float = 60.0) -> None:
    """Both review levels of each record, once the review chain reached them: ``reviewers`` by level
    (two people: four eyes)."""
    import time

    from chalicelib.domain import review
    from chalicelib.services.records import engine
    from chalicelib.store import records

    for level in (review.FIRST, review.FINAL):
        for record_id in record_ids:
            deadline = time.monotonic() + timeout_s
            while records.get_task(record_id, 1, level) is None:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the review chain of {record_id} did not reach {level} in {timeout_s:.0f} s")
                time.sleep(0.1)
            engine.decide(reviewers[level], record_id, 1, level, "approve", None)


def seed_demo_library(orgs: list[dict[str, str]]) -> int:
    """The demo manufacturer's certificates, items and products, submitted and approved through the
    records services and the review chain (Step Functions). Returns the records approved now."""
    from chalicelib.domain.enums import RecordKind
    from chalicelib.services.records import engine
    from chalicelib.store import records

    maker = _principal(orgs, "manufacturer")
    final_reviewer = next(m for key, m, *_ in DEMO_EXTRA_OPERATORS if key == "platform")
    reviewers = {"first": _principal(orgs, "platform"), "final": _principal(orgs, "platform", final_reviewer)}
    made: list[str] = []

    def ensure(kind: RecordKind, record_id: str, data: dict) -> None:
        if records.get_head(record_id) is not None:
            return  # seeded before
        engine.create(maker, kind, data)
        engine.submit(maker, kind, record_id)
        made.append(record_id)

    for cert_no, code20, products in DEMO_LIBRARY:
        from chalicelib.services.records.catalog_kinds import cert_record_id, item_record_id

        ensure(RecordKind.REGISTRATION_CERTIFICATE, cert_record_id(maker.org_id, cert_no), {"cert_no": cert_no})
        ensure(RecordKind.CONSUMABLE_ITEM, item_record_id(maker.org_id, code20), {"code20": code20})
        for code27 in products:
            ensure(RecordKind.PRODUCT, f"{RecordKind.PRODUCT.value}-{maker.org_id}-{code27}",
                   {"code27": code27, "min_usage_unit": "U001", "min_package_unit": "U016", "min_package_ratio": 10})
    _approve_all(reviewers, made)
    return len(made)


def seed_demo_projects(orgs: list[dict[str, str]], close_minutes: float = DEMO_CLOSE) -> list[dict]:
    """One published project of each kind through the projects services: the national one open for
    declarations (a day ago .. in 14 days), the alliance one closing ``close_minutes`` after seeding with
    its publication opening right then; project catalogs from the demo catalog; the demo manufacturer's
    approved products and a declaration in the open project. Idempotent (by project name)."""
    from datetime import timedelta

    from chalicelib import clock
    from chalicelib.domain.errors import Conflict
    from chalicelib.schemas.projects import CatalogEntryPut, DeclarationCreate, ProjectCreate
    from chalicelib.services import projects

    center = _principal(orgs, "platform")
    existing = _existing_demo_projects()
    now = clock.now().replace(microsecond=0)
    day = timedelta(days=1)
    close = now + timedelta(minutes=close_minutes)
    windows = {
        "national_vbp": (now - day, now + 14 * day, now + 15 * day, now + 45 * day),
        "alliance_vbp": (now - day, close, close, close + 30 * day),
    }
    ids = {}
    for kind, name, announcement, catalog in DEMO_PROJECTS:
        if name in existing:
            ids[kind] = existing[name]
            continue
        start, end, pub_start, pub_end = windows[kind]
        created = projects.create(center, ProjectCreate(
            kind=kind, name=name, announcement=announcement, declaration_start=start, declaration_end=end,
            publication_start=pub_start, publication_end=pub_end))
        for code27, group in catalog:
            projects.put_catalog_entry(center, created.project_id, code27, CatalogEntryPut(bid_group=group))
        projects.publish(center, created.project_id)
        ids[kind] = created.project_id

    seed_demo_library(orgs)
    maker = _principal(orgs, "manufacturer")
    for code27 in DEMO_DECLARED:
        try:
            projects.declare(maker, ids["national_vbp"], DeclarationCreate(code27=code27))
        except Conflict as exc:
            if exc.code != "already_declared":
                raise
    return [projects.get(center, ids[kind]).model_dump(mode="json") for kind, *_ in DEMO_PROJECTS]


def seed_all(demo_close_minutes: float = DEMO_CLOSE) -> dict:
    """Everything a fresh stage needs; later features add their demo data here."""
    counts: dict = dict(seed_reference())
    orgs = load_demo_orgs()
    counts["registry entries"] = seed_registries(orgs)
    counts["catalog entries"] = seed_catalog(orgs)
    counts["logins"] = seed_demo_orgs(orgs)
    counts["projects"] = seed_demo_projects(orgs, demo_close_minutes)
    from ops import demo_allocation

    counts["allocation"] = demo_allocation.seed(orgs, _principal)
    return counts


if __name__ == "__main__":
    import json

    print(json.dumps(seed_all(), ensure_ascii=False, indent=1))
