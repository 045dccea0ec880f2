"""``make run DATA=province``: a province's volume in the local store, on top of the demo data.

About 20k national catalog entries (500 certificates, 1,500 items, 18,000
products), 500 enterprises and 2,000 medical institutions (each with its unit
account, ``ent0001``… / ``hos0001``…, and each enterprise its operator
``13900000001``…, password ``Demo@2026qh``), 50,000 products
in the enterprises' libraries in every review state (with the certificates and
items they hang on), and one open national project whose catalog holds the
18,000 products, with 30,000 declarations (each enterprise its 60 approved
products). Progress on the console; under 3 minutes on the local store.

The items are the ones the services write (``add_org_with_unit_account`` with
its audit entry, ``engine.draft_items`` + ``record_in_state`` and the kinds' own
title/enrich, ``project_catalog.new_entry``, the declaration and its count), put
with BatchWriteItem into a fresh store: no conditions are checked, so it
refuses to run twice. What is not real: records and declarations carry no audit
entry (they were generated, not done by anyone: ~90k items less to load), the
records under review have no review-chain execution behind them (their
reviewers cannot decide them; submit a draft to see the chain), and an
enterprise's records of its neighbours' certificates skip the entrustment.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any, Callable

CERTIFICATES = 500
ITEMS_PER_CERT = 3
PRODUCTS_PER_ITEM = 12
ENTERPRISES = 500
INSTITUTIONS = 2000
PRODUCTS_PER_ENTERPRISE = 100
# an enterprise's 100 products: (how many, status); the approved ones are declared in the project
STATES = ((60, "approved"), (15, "draft"), (8, "pending_first"), (7, "pending_final"), (10, "rejected"))
PROJECT_NAME = "青海省医用耗材集中带量采购（省级数据）"
BATCH = 25


def log(message: str) -> None:
    print(f"[make run] province: {message}", flush=True)


class BatchSink:
    """PynamoDB items put with BatchWriteItem, 25 a request, a few requests in flight.

    Looks like a unit of work (``put``/``audit``) and like a transaction (``save``), so the
    services' own item builders write into it. Items are serialised when sent (``drain``):
    a caller may still set attributes on an item it has put until then."""

    def __init__(self, threads: int = 3, should_stop: Callable[[], bool] = lambda: False):
        import boto3
        from botocore.config import Config

        from chalicelib import aws
        from chalicelib.config import get_settings

        # the app's timeouts; no client-side validation of 25 items a request we built ourselves
        self.client = boto3.client("dynamodb", region_name=get_settings().region, config=Config(
            parameter_validation=False, connect_timeout=aws.CONNECT_TIMEOUT_S, read_timeout=aws.READ_TIMEOUT_S,
            retries={"total_max_attempts": aws.MAX_ATTEMPTS, "mode": "standard"}))
        self.should_stop = should_stop
        self.pool = ThreadPoolExecutor(threads)
        self.pending: dict[str, list] = defaultdict(list)
        self.in_flight: list[Future] = []
        self.slots = threading.Semaphore(threads * 4)
        self.written = 0
        self.lock = threading.Lock()

    def save(self, item: Any, condition: Any = None) -> None:
        self.pending[type(item).Meta.table_name].append(item)

    def put(self, item: Any, condition: Any = None, conflict: Any = None, claim: bool = False) -> None:
        self.save(item)

    def audit(self, entry: Any) -> None:
        from chalicelib.store import audit

        audit.put_in(self, entry)

    def drain(self, everything: bool = False) -> None:
        if self.should_stop():
            raise Interrupted("stopped while loading the province")
        for table, items in self.pending.items():
            while len(items) >= BATCH or (everything and items):
                chunk, items[:BATCH] = items[:BATCH], []
                self.slots.acquire()
                self.in_flight.append(self.pool.submit(self._send, table, [_serialised(i) for i in chunk]))
        still = []
        for future in self.in_flight:
            if future.done():
                future.result()  # a failed request stops the load
            else:
                still.append(future)
        self.in_flight = still

    def _send(self, table: str, items: list[dict]) -> None:
        try:
            request = {table: [{"PutRequest": {"Item": item}} for item in items]}
            while request:
                request = self.client.batch_write_item(RequestItems=request).get("UnprocessedItems") or None
            with self.lock:
                self.written += len(items)
        finally:
            self.slots.release()

    def close(self) -> int:
        self.drain(everything=True)
        for future in self.in_flight:
            future.result()
        self.pool.shutdown()
        return self.written


class Interrupted(Exception):
    """Ctrl-C during the load."""


def _serialised(item: Any) -> dict:
    from pynamodb.attributes import VersionAttribute

    for name, attribute in item.get_attributes().items():
        if isinstance(attribute, VersionAttribute) and getattr(item, name) is None:
            setattr(item, name, 1)  # what a transaction's first save sets
    return item.serialize()


class Progress:
    def __init__(self, phase: str, total: int):
        self.phase, self.total, self.started, self.step = phase, total, time.monotonic(), max(1, total // 4)

    def tick(self, done: int) -> None:
        if done % self.step == 0 or done == self.total:
            log(f"{self.phase} {done:,}/{self.total:,} ({time.monotonic() - self.started:.1f} s)")


def operator_mobile(n: int) -> str:
    """The login of enterprise n's operator."""
    return f"1390000{n:04d}"


def _credit_code(prefix: str, n: int) -> str:
    from ops.seed import _credit_code as with_check

    return with_check(f"{prefix}{n:09d}")


def _cities() -> list[str]:
    from ops.seed import load_regions

    return [r.code for r in load_regions() if r.code.startswith("63") and not r.code.endswith("0000")]


# -- organisations -------------------------------------------------------------------

def organisations(sink: BatchSink, now) -> dict[str, list[tuple[str, str]]]:
    """Enterprises and institutions with their unit accounts; (org id, credit code) by kind."""
    from chalicelib.domain.enums import ActorKind, ProcurementStatus, UnitRole
    from chalicelib.security import passwords
    from chalicelib.services.identity.registration import add_org_with_unit_account
    from ops.seed import DEMO_PASSWORD, add_operator

    hashed = passwords.hash_password(DEMO_PASSWORD)
    cities = _cities()
    made: dict[str, list[tuple[str, str]]] = {"enterprise": [], "institution": []}
    plan = [("enterprise", ActorKind.ENTERPRISE, "91630100", "ent", "青海省级数据医疗器械有限公司", ENTERPRISES,
             UnitRole.MANUFACTURER),
            ("institution", ActorKind.MEDICAL_INSTITUTION, "12630100", "hos", "青海省级数据医院", INSTITUTIONS,
             UnitRole.MEDICAL_INSTITUTION)]
    for key, kind, prefix, login, name, count, role in plan:
        progress = Progress(f"{kind.label} ", count)
        for n in range(1, count + 1):
            code = _credit_code(prefix, n)
            region = cities[n % len(cities)]
            org, _, role_item = add_org_with_unit_account(
                sink, kind, f"{name}{n:04d}", code, region, f"{login}{n:04d}", hashed, now,
                provisioned=False, actor="seed", legal_rep="张法人", contact_name="李经办", contact_phone="13900000000")
            if kind is ActorKind.ENTERPRISE:  # business is done by an operator (经办人): 1390000nnnn
                add_operator(sink, org.org_id, role_item.role_id, f"经办人{n:04d}", operator_mobile(n),
                             f"{region}19800101{n % 1000:03d}", hashed, now)
            org.certified_role = role.value
            org.procurement_status = ProcurementStatus.ASSOCIATED.value
            made[key].append((org.org_id, code))
            sink.drain()
            progress.tick(n)
    return made


# -- the national catalog ----------------------------------------------------------

def catalog(sink: BatchSink, registrants: list[tuple[str, str]], now) -> tuple[list, list, list]:
    """Certificate i is registered by enterprise i; 3 items each, 12 products an item."""
    from chalicelib.domain import consumables as rules
    from chalicelib.services.identity.common import iso
    from chalicelib.store import catalog as store

    certs, items, products = [], [], []
    for c in range(CERTIFICATES):
        cert = rules.Certificate(f"青械注准2026{c + 1:07d}", f"一次性使用无菌医用耗材{c + 1:04d}",
                                 f"青海省级数据医疗器械有限公司{c + 1:04d}", registrants[c % len(registrants)][1],
                                 date(2030, 12, 31), "II")
        certs.append(cert)
        for i in range(ITEMS_PER_CERT):
            item = rules.Item(f"C{c + 1:011d}{i + 1:08d}", f"{cert.product_name}单件{i + 1}", cert.cert_no)
            items.append(item)
            for p in range(PRODUCTS_PER_ITEM):
                products.append(rules.Product(f"{item.code20}{p + 1:07d}", item.code20, f"规格{p + 1}ml", f"型号{p + 1}"))
    total = len(certs) + len(items) + len(products)
    progress = Progress("national catalog", total)
    at = iso(now)
    for done, entry in enumerate(store.catalog_items(certs, items, products, at), start=1):
        sink.save(entry)
        if done % BATCH == 0:
            sink.drain()
    sink.drain()
    progress.tick(total)
    return certs, items, products


# -- the enterprises' libraries -------------------------------------------------------

def _shape(kind, raw: dict[str, Any], national: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """A record's key, title and data as the kind's own model, check and enrich make them."""
    from chalicelib.services.records.catalog_kinds import CATALOG_KINDS

    spec = CATALOG_KINDS[kind]
    model = spec.model.model_validate(raw)
    for name, value in national.items():
        setattr(model, name, value)
    return spec.key(model), spec.title(model), {**model.model_dump(mode="json"), **spec.enrich(None, model)}


def _record(kind, org_id: str, shaped: tuple[str, str, dict[str, Any]], status: str, now, sink) -> None:
    """A record as ``engine.create`` (and, past draft, the review) leaves it."""
    from chalicelib.domain.enums import ReviewStatus
    from chalicelib.services.records.engine import draft_items, record_in_state

    key, title, data = shaped
    head, rev = draft_items(kind, org_id, f"{kind.value}-{org_id}-{key}", title, data, (), now)
    record_in_state(head, rev, ReviewStatus(status), now, reason="资料不全" if status == "rejected" else None)
    sink.put(head)
    sink.put(rev)


def libraries(sink: BatchSink, enterprises: list[tuple[str, str]], certs, items, products, now) -> dict:
    """Enterprise e keeps certificates e, e+1, e+2 and their items, approved, and 100 of their
    products in the states of ``STATES``; returns each enterprise's approved product codes."""
    from chalicelib.domain.enums import RecordKind

    units = {"U001": "支", "U016": "盒"}
    items_of = defaultdict(list)
    for item in items:
        items_of[item.cert_no].append(item)
    products_of = defaultdict(list)
    for product in products:
        products_of[product.code20].append(product)
    statuses = [status for count, status in STATES for _ in range(count)]
    approved: dict[str, list[str]] = {}
    progress = Progress("library products", len(enterprises) * PRODUCTS_PER_ENTERPRISE)
    shaped: dict[tuple, tuple[str, str, dict[str, Any]]] = {}  # the same catalog entry in 3 libraries

    def shape(kind, key: str, raw: dict[str, Any], national: dict[str, Any]):
        if (kind, key) not in shaped:
            shaped[(kind, key)] = _shape(kind, raw, national)
        return shaped[(kind, key)]

    for e, (org_id, _) in enumerate(enterprises):
        mine = [certs[(e + k) % len(certs)] for k in range(3)]
        library = []
        for cert in mine:
            _record(RecordKind.REGISTRATION_CERTIFICATE, org_id, shape(
                RecordKind.REGISTRATION_CERTIFICATE, cert.cert_no, {"cert_no": cert.cert_no}, {"_cert": cert}),
                "approved", now, sink)
            for item in items_of[cert.cert_no]:
                _record(RecordKind.CONSUMABLE_ITEM, org_id, shape(
                    RecordKind.CONSUMABLE_ITEM, item.code20, {"code20": item.code20}, {"_item": item}),
                    "approved", now, sink)
                library += products_of[item.code20]
        approved[org_id] = []
        for product, status in zip(library[:PRODUCTS_PER_ENTERPRISE], statuses):
            raw = {"code27": product.code27, "min_usage_unit": "U001", "min_package_unit": "U016",
                   "min_package_ratio": 10}
            _record(RecordKind.PRODUCT, org_id, shape(RecordKind.PRODUCT, product.code27, raw,
                                                      {"_product": product, "_units": units}), status, now, sink)
            if status == "approved":
                approved[org_id].append(product.code27)
        sink.drain()
        progress.tick((e + 1) * PRODUCTS_PER_ENTERPRISE)
    return approved


# -- one project with its declarations -------------------------------------------------

def project(sink: BatchSink, center, items, products, approved: dict[str, list[str]], now) -> str:
    """Created and published through the projects services; its catalog (every product, one bid
    group per item name) and the declarations written in batches, as ``declare`` writes them."""
    from chalicelib.schemas.projects import ProjectCreate
    from chalicelib.services import projects
    from chalicelib.services.projects import product_record_id
    from chalicelib.store import project_catalog, projects as store
    from chalicelib.store.projects import DeclarationCountItem, DeclarationItem

    day = timedelta(days=1)
    start = now.replace(microsecond=0)
    created = projects.create(center, ProjectCreate(
        kind="national_vbp", name=PROJECT_NAME, announcement="各有关企业：请于申报时间内完成产品申报（省级数据）。",
        declaration_start=start - day, declaration_end=start + 14 * day, publication_start=start + 15 * day,
        publication_end=start + 45 * day))
    project_id = created.project_id
    item_of = {i.code20: i for i in items}
    declared = defaultdict(int)
    for codes in approved.values():
        for code in codes:
            declared[code] += 1
    at = store.key_instant(now)
    for product in products:
        item = item_of[product.code20]
        group = f"{item.name[-3:]}组"
        e = project_catalog.new_entry(project_id, product, item, group, at)
        e.declarations = declared.get(product.code27)
        sink.save(e)
    sink.drain(everything=True)
    log(f"project catalog {len(products):,} entries")
    projects.publish(center, project_id)
    total = sum(len(codes) for codes in approved.values())
    progress = Progress("declarations", total)
    done = 0
    for org_id, codes in approved.items():
        for code in codes:
            sink.save(DeclarationItem(
                pk=store.project_pk(project_id), sk=store.declaration_sk(org_id, code), project_id=project_id,
                org_id=org_id, code27=code, record_id=product_record_id(org_id, code), declared_at=at,
                declared_by="seed"))
            done += 1
        sink.save(DeclarationCountItem(pk=store.project_pk(project_id), sk=store.count_sk(org_id),
                                       project_id=project_id, org_id=org_id, declarations=len(codes)))
        sink.drain()
        progress.tick(done)
    return project_id


def already_loaded() -> bool:
    from chalicelib.store import identity

    return identity.claim_owner(identity.credit_pk(_credit_code("91630100", 1))) is not None


def seed_province(center_principal: Callable[[], Any], should_stop: Callable[[], bool] = lambda: False
                  ) -> dict[str, Any]:
    """Load the province (after ``seed_all``); returns what was written, for the banner."""
    from chalicelib import clock

    if already_loaded():
        log("already loaded (the local store keeps it until make run stops)")
        return {}
    started = time.monotonic()
    now = clock.now()
    sink = BatchSink(should_stop=should_stop)
    orgs = organisations(sink, now)
    certs, items, products = catalog(sink, orgs["enterprise"], now)
    approved = libraries(sink, orgs["enterprise"], certs, items, products, now)
    sink.drain(everything=True)
    project_id = project(sink, center_principal(), items, products, approved, now)
    written = sink.close()
    seconds = time.monotonic() - started
    log(f"done: {written:,} items in {seconds:.0f} s ({written / seconds:,.0f} items/s)")
    return {"province items": written, "province project": project_id}

