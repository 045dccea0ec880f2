"""Project catalog import throughput: the ``project_catalog_import`` job function end
to end against a floor, side by side in one process (in-process moto, decorator mode).

    .venv/bin/python bench/project_catalog_import.py [--rows 10000] [--bad 0.05] [--phases]

(a) import: ``services.project_catalog.import_job`` with a stand-in job context on a
    draft project whose declaration window is still open: read the upload from S3,
    parse the XLSX, judge every row, per chunk of 99 three BatchGetItems (products,
    items, existing entries) and one TransactWriteItems (an UpdateItem per new entry +
    the ConditionCheck on the project), the audit entry, the report workbook.
(b) baseline: an openpyxl read-only read of the same file plus BatchWriteItem (boto3,
    25 per request) of as many catalog-entry items as the import wrote: copies of an
    imported entry (same attributes, same sizes, gsi1 included), re-keyed.

Prints rows/s of both and the ratio import time / baseline time; then (c) the same
file imported again (every good row ``unchanged``: batch reads, no entry written).
``--phases`` also times, inside (a), the batch reads and the transactions (a wrapper
around each call; negligible overhead). Figures go in docs/benchmarks.md
("Project catalog import")."""
from __future__ import annotations

import argparse
import io
import random
import time
from datetime import timedelta

from jobbench import Ctx  # first: it sets the moto environment
from result import emit

PER_ITEM = 100  # products per single item (code20)
GROUPS = 40  # distinct bid groups in the file


def seed(rows: int) -> list[str]:
    """A national catalog of ``rows`` products under rows/100 items. Returns the code27s."""
    from chalicelib import clock
    from chalicelib.domain import consumables as rules
    from chalicelib.services.identity.common import iso
    from chalicelib.store import catalog

    items = [f"C99{i:017d}" for i in range(rows // PER_ITEM + 1)]
    codes = [f"{items[i // PER_ITEM]}{i % PER_ITEM:07d}" for i in range(rows)]
    catalog.put_all([rules.Certificate("国械注准20990000001", "基准测试产品", "基准测试企业", None, None, "II")],
                    [rules.Item(code, f"基准单件 {code}", "国械注准20990000001") for code in items],
                    [rules.Product(code, code[:20], f"规格{i}", f"型号{i}") for i, code in enumerate(codes)],
                    iso(clock.now()))
    return codes


def project() -> tuple[str, str, str]:
    """The center (a platform org and its operator) and a draft project created through
    ``services.projects.create``, its declaration window opening tomorrow. Returns
    (project_id, org_id, account_id)."""
    from chalicelib import clock
    from chalicelib.domain.enums import ActorKind
    from chalicelib.schemas.projects import ProjectCreate
    from chalicelib.services import projects
    from tests import factory

    center = factory.make_org(ActorKind.PLATFORM, "630000")
    operator, _ = factory.add_operator(center)
    now, day = clock.now(), timedelta(days=1)
    body = ProjectCreate(kind="national_vbp", name="基准测试项目", announcement="基准测试",
                         declaration_start=now + day, declaration_end=now + 8 * day,
                         publication_start=now + 10 * day, publication_end=now + 17 * day)
    created = projects.create(factory.principal_of(operator, center.org_id), body)
    return created.project_id, center.org_id, operator


def workbook(codes: list[str], bad: float) -> tuple[bytes, int]:
    """The XLSX (header + one row per code); ``bad`` of the rows broken in turn: malformed
    code, code not in the national catalog, a duplicate of the (good) first row, a bid
    group of 61 characters. Odd rows also give the specification and model."""
    import openpyxl

    from chalicelib.domain.project_catalog import BID_GROUP_MAX
    from chalicelib.services.project_catalog import COLUMNS, LABELS

    rng = random.Random(7)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("catalog")
    sheet.append([f"{LABELS[c]} {c}" for c in COLUMNS])
    broken = set(rng.sample(range(1, len(codes)), int(len(codes) * bad)))
    for i, code in enumerate(codes):
        row = [code, f"{i % GROUPS:02d}组 基准", f"规格{i}", f"型号{i}"] if i % 2 else [code, f"{i % GROUPS:02d}组 基准"]
        if i in broken:
            fault = i % 4
            if fault == 0:
                row[0] = "C123"
            elif fault == 1:
                row[0] = f"C98{i:024d}"
            elif fault == 2:
                row[0] = codes[0]
            else:
                row[1] = "组" * (BID_GROUP_MAX + 1)
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(broken)


class Phases:
    """Wall time spent in the chunk's batch reads and transactions (``--phases``)."""

    def __init__(self):
        from chalicelib.services import project_catalog
        from chalicelib.store import catalog
        from chalicelib.store import project_catalog as entries_store

        self.spent = {"products BatchGetItem": 0.0, "items BatchGetItem": 0.0, "entries BatchGetItem": 0.0,
                      "TransactWriteItems": 0.0}
        self.calls = {k: 0 for k in self.spent}
        product_batch_get = catalog.ProductItem.batch_get

        def products(*args, **kw):  # a generator: time its consumption
            started = time.perf_counter()
            got = list(product_batch_get(*args, **kw))
            self._add("products BatchGetItem", started)
            return got

        self._patches = [(catalog.ProductItem, "batch_get", classmethod(lambda cls, *a, **kw: products(*a, **kw))),
                         (catalog, "get_items", self._timed("items BatchGetItem", catalog.get_items)),
                         (entries_store, "entries", self._timed("entries BatchGetItem", entries_store.entries)),
                         (project_catalog, "_write", self._timed("TransactWriteItems", project_catalog._write))]
        self._saved = [(owner, name, owner.__dict__.get(name)) for owner, name, _ in self._patches]

    def _add(self, what, started):
        self.spent[what] += time.perf_counter() - started
        self.calls[what] += 1

    def _timed(self, what, fn):
        def wrapper(*args, **kw):
            started = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                self._add(what, started)
        return wrapper

    def __enter__(self):
        for owner, name, value in self._patches:
            setattr(owner, name, value)
        return self

    def __exit__(self, *exc):
        for owner, name, value in self._saved:
            if value is None:
                delattr(owner, name)  # was inherited
            else:
                setattr(owner, name, value)


def run_import(project_id: str, key: str, org_id: str, account_id: str) -> tuple[float, object]:
    from chalicelib.services import project_catalog

    started = time.perf_counter()
    output = project_catalog.import_job(Ctx({"project_id": project_id, "upload_key": key, "org_id": org_id,
                                             "account_id": account_id}))
    return time.perf_counter() - started, output


def run_baseline(data: bytes, items: int, shape: dict) -> float:
    """openpyxl read of the file + BatchWriteItem of ``items`` copies of an imported
    catalog entry (same attributes and sizes), re-keyed under another project."""
    import boto3
    import openpyxl

    from chalicelib.store.tables import MainTable

    client = boto3.client("dynamodb", region_name="us-east-1")
    main = MainTable.Meta.table_name
    started = time.perf_counter()
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)][1:]
    requests = []
    for n in range(items):
        code = f"C97{n:024d}"
        requests.append({"PutRequest": {"Item": {**shape, "pk": {"S": "project#bench-baseline"},
                                                 "sk": {"S": f"catalog#{code}"}, "code27": {"S": code},
                                                 "gsi1sk": {"S": code}}}})
    for start in range(0, len(requests), 25):
        pending = {main: requests[start:start + 25]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    assert len(rows) >= items
    return time.perf_counter() - started


def entry_shape(project_id: str) -> dict:
    """One imported catalog entry, as DynamoDB stores it."""
    import boto3

    from chalicelib.store.projects import project_pk
    from chalicelib.store.tables import MainTable

    client = boto3.client("dynamodb", region_name="us-east-1")
    return client.query(TableName=MainTable.Meta.table_name, KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                        ExpressionAttributeValues={":p": {"S": project_pk(project_id)}, ":s": {"S": "catalog#"}},
                        Limit=1)["Items"][0]


def summary_of(output) -> dict:
    import openpyxl

    rows = list(openpyxl.load_workbook(io.BytesIO(output.data), read_only=True)["summary"].iter_rows(values_only=True))
    return dict(zip(rows[0], rows[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--bad", type=float, default=0.05)
    parser.add_argument("--phases", action="store_true", help="time the batch reads and transactions inside (a)")
    args = parser.parse_args()

    import boto3

    from tests.support import provisioned_aws

    with provisioned_aws(lean_requests=False):
        from chalicelib.config import get_settings

        t0 = time.perf_counter()
        codes = seed(args.rows)
        project_id, org_id, account_id = project()
        data, broken = workbook(codes, args.bad)
        key = f"imports/{org_id}/bench.xlsx"
        boto3.client("s3", region_name="us-east-1").put_object(Bucket=get_settings().bucket, Key=key, Body=data)
        print(f"seeded {len(codes)} catalog products and a draft project, wrote a {len(data) // 1024} KiB XLSX "
              f"with {broken} bad rows ({time.perf_counter() - t0:.1f} s)")

        if args.phases:
            with Phases() as phases:
                import_s, output = run_import(project_id, key, org_id, account_id)
        else:
            import_s, output = run_import(project_id, key, org_id, account_id)
        figures = summary_of(output)
        print(f"import report: {figures}")
        written = figures["新增 added"] + figures["重新分组 regrouped"]
        baseline_s = run_baseline(data, written, entry_shape(project_id))

        print(f"(a) import   : {args.rows} rows in {import_s:6.2f} s = {args.rows / import_s:7.0f} rows/s "
              f"({written} entries written)")
        if args.phases:
            for what, spent in phases.spent.items():
                print(f"      {what:22}: {spent:6.2f} s in {phases.calls[what]} calls")
        print(f"(b) baseline : {args.rows} rows in {baseline_s:6.2f} s = {args.rows / baseline_s:7.0f} rows/s "
              f"(openpyxl read + {written} items by BatchWriteItem)")
        print(f"ratio import / baseline = {import_s / baseline_s:.2f}")
        emit(f"project catalog import of {args.rows:,} rows / openpyxl + BatchWriteItem", args.rows / import_s, "rows/s",
             import_s / baseline_s)
        again_s, again = run_import(project_id, key, org_id, account_id)
        print(f"(c) re-import of the same file: {again_s:6.2f} s = {args.rows / again_s:7.0f} rows/s "
              f"{summary_of(again)}")


if __name__ == "__main__":
    main()
