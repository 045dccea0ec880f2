"""Product import throughput: the ``product_import`` job function end to end
against a floor, side by side in one process (in-process moto, decorator mode).

    .venv/bin/python bench/product_import.py [--rows 10000] [--bad 0.05]

(a) import: ``services.records.product_import.import_job`` with a stand-in job
    context: read the upload from S3, parse the XLSX, judge every row, batch
    reads per chunk of 100, BatchWriteItem of head + revision + audit entry per
    good row, the report workbook.
(b) baseline: an openpyxl read-only read of the same file plus BatchWriteItem
    (boto3, 25 per request) of as many items as the import wrote: copies of an
    imported head, revision and audit entry (3 per good row), re-keyed.

Prints rows/s of both and the ratio import time / baseline time; then (c) the
same file imported again (everything ``unchanged``: batch reads, no writes). Figures go
in docs/benchmarks.md ("Product import")."""
from __future__ import annotations

import argparse
import io
import random
import time

from jobbench import Ctx  # first: it sets the moto environment
from result import emit

PER_ITEM = 100  # products per single item (code20)
ORG = "benchorg0000000000000000000000000"
ACCOUNT = "benchaccount"


def seed(rows: int) -> list[str]:
    """Units, a catalog of ``rows`` products under rows/100 items, and a submitted
    consumable_item record of the enterprise for each item. Returns the code27s."""
    from chalicelib.domain import consumables as rules
    from chalicelib.services.identity.common import iso
    from chalicelib.services.records.product_import import item_record_id
    from chalicelib.store import catalog, dictionaries
    from chalicelib.store import records as store
    from chalicelib.store.records import HeadItem
    from chalicelib import clock
    from ops.seed import load_units

    dictionaries.put_units(load_units())
    items = [f"C99{i:017d}" for i in range(rows // PER_ITEM + 1)]
    codes = [f"{items[i // PER_ITEM]}{i % PER_ITEM:07d}" for i in range(rows)]
    catalog.put_all([rules.Certificate("国械注准20990000001", "基准测试产品", "基准测试企业", None, None, "II")],
                    [rules.Item(code, f"基准单件 {code}", "国械注准20990000001") for code in items],
                    [rules.Product(code, code[:20], f"规格{i}", f"型号{i}") for i, code in enumerate(codes)],
                    iso(clock.now()))
    now = iso(clock.now())
    with HeadItem.batch_write() as batch:
        for code in items:
            rid = item_record_id(ORG, code)
            batch.save(HeadItem(pk=store.rec_pk(rid), sk="head", record_id=rid, kind="consumable_item", org_id=ORG,
                                title=f"单件 {code}", current_rev=1, current_status="pending_first", created_at=now,
                                updated_at=now, gsi1pk=f"recs#{ORG}#consumable_item#pending",
                                gsi1sk=f"{now}#{rid}", version=2))
    return codes


def workbook(codes: list[str], bad: float) -> tuple[bytes, int]:
    """The XLSX (header + one row per code); ``bad`` of the rows broken in assorted ways."""
    import openpyxl

    from chalicelib.services.records.product_import import COLUMNS, LABELS

    rng = random.Random(7)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("products")
    sheet.append([f"{LABELS[c]} {c}" for c in COLUMNS])
    broken = set(rng.sample(range(len(codes)), int(len(codes) * bad)))
    faults = [("ratio", 0), ("ratio", 2.5), ("unit", "U999"), ("code", "C123"), ("middle", None)]
    for i, code in enumerate(codes):
        row = [code, "支", "U016", 10, "箱", 20] if i % 2 else [code, "U001", "盒", 10, None, None]
        if i in broken:
            what, value = faults[i % len(faults)]
            if what == "ratio":
                row[3] = value
            elif what == "unit":
                row[1] = value
            elif what == "code":
                row[0] = value
            else:
                row[4], row[5] = "U017", None
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(broken)


def run_import(key: str) -> tuple[float, object]:
    from chalicelib.services.records import product_import

    started = time.perf_counter()
    output = product_import.import_job(Ctx({"upload_key": key, "org_id": ORG, "account_id": ACCOUNT}))
    return time.perf_counter() - started, output


def run_baseline(data: bytes, items: int, shapes: tuple[dict, dict, dict]) -> float:
    """openpyxl read of the file + BatchWriteItem of ``items`` items: copies of an
    imported head, revision and audit entry (same attributes and sizes), re-keyed."""
    import boto3
    import openpyxl

    from chalicelib.store.tables import AuditTable, MainTable

    client = boto3.client("dynamodb", region_name="us-east-1")
    main, audit = MainTable.Meta.table_name, AuditTable.Meta.table_name
    head, rev, entry = shapes
    started = time.perf_counter()
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)][1:]
    requests: list[tuple[str, dict]] = []
    for n in range(items // 3):
        pk = {"S": f"rec#baseline-{n}"}
        requests.append((main, {**head, "pk": pk}))
        requests.append((main, {**rev, "pk": pk}))
        requests.append((audit, {**entry, "subject": pk}))
    for start in range(0, len(requests), 25):
        batch: dict[str, list] = {}
        for table, item in requests[start:start + 25]:
            batch.setdefault(table, []).append({"PutRequest": {"Item": item}})
        pending = batch
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    assert len(rows) >= items // 3
    return time.perf_counter() - started


def item_shapes() -> tuple[dict, dict, dict]:
    """One imported head, revision and audit entry, as DynamoDB stores them."""
    import boto3

    from chalicelib.store.records import HeadItem
    from chalicelib.store.tables import AuditTable, MainTable

    client = boto3.client("dynamodb", region_name="us-east-1")
    head = next(HeadItem.gsi1.query(f"recs#{ORG}#product#draft", limit=1))
    main = MainTable.Meta.table_name
    got = [client.get_item(TableName=main, Key={"pk": {"S": head.pk}, "sk": {"S": sk}})["Item"]
           for sk in ("head", "rev#0001")]
    entry = client.query(TableName=AuditTable.Meta.table_name, KeyConditionExpression="subject = :s",
                         ExpressionAttributeValues={":s": {"S": head.pk}}, Limit=1)["Items"][0]
    return got[0], got[1], entry


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--bad", type=float, default=0.05)
    args = parser.parse_args()

    import boto3

    from tests.support import provisioned_aws

    with provisioned_aws(lean_requests=False):
        from chalicelib.config import get_settings

        t0 = time.perf_counter()
        codes = seed(args.rows)
        data, broken = workbook(codes, args.bad)
        key = f"imports/{ORG}/bench.xlsx"
        boto3.client("s3", region_name="us-east-1").put_object(Bucket=get_settings().bucket, Key=key, Body=data)
        print(f"seeded {len(codes)} catalog products, wrote a {len(data) // 1024} KiB XLSX with {broken} bad rows "
              f"({time.perf_counter() - t0:.1f} s)")

        import_s, output = run_import(key)
        import openpyxl

        summary = list(openpyxl.load_workbook(io.BytesIO(output.data), read_only=True)["summary"]
                       .iter_rows(values_only=True))
        figures = dict(zip(summary[0], summary[1]))
        created = figures["新增 created"]
        print(f"import report: {figures}")
        written = created * 3
        baseline_s = run_baseline(data, written, item_shapes())

        print(f"(a) import   : {args.rows} rows in {import_s:6.2f} s = {args.rows / import_s:7.0f} rows/s "
              f"({written} items written)")
        print(f"(b) baseline : {args.rows} rows in {baseline_s:6.2f} s = {args.rows / baseline_s:7.0f} rows/s "
              f"(openpyxl read + {written} items by BatchWriteItem)")
        print(f"ratio import / baseline = {import_s / baseline_s:.2f}")
        emit(f"product import of {args.rows:,} rows / openpyxl + BatchWriteItem", args.rows / import_s, "rows/s",
             import_s / baseline_s)
        again_s, again = run_import(key)
        summary = list(openpyxl.load_workbook(io.BytesIO(again.data), read_only=True)["summary"]
                       .iter_rows(values_only=True))
        print(f"(c) re-import of the same file (reads only): {again_s:6.2f} s = {args.rows / again_s:7.0f} rows/s "
              f"{dict(zip(summary[0], summary[1]))}")


if __name__ == "__main__":
    main()
