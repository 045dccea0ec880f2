"""Stock moto against the local store (ops/localstore) as the table grows.

In-process moto (decorator mode), one table shaped like ``main`` (pk/sk, gsi1)
of ~200-byte items, 100 items a partition and 1,000 a gsi1 partition whatever
the table's size. For each size and each store, the median of a few runs of:
- a 4-item TransactWriteItems (a conditional put, an update, a condition check, a delete);
- a Query of one partition (100 items);
- a GSI Query page of 100 from the middle of a gsi1 partition (ExclusiveStartKey);
- a GetItem;
- a BatchWriteItem of 25 puts.
The table is filled through moto's backend (setup, not measured). Times are CPU
time of this process (``time.process_time``: client, moto and the patch all run
in it), which the other work on a shared machine does not inflate.

    .venv/bin/python bench/local_store.py                 # 1k, 10k, 100k (a few minutes)
    .venv/bin/python bench/local_store.py --sizes 1000,10000

The last line is ``ratio 100k/1k (worst op) = X`` for the local store (target ≤ 2).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("AWS_ENDPOINT_URL", None)  # in-process moto only
for _name, _value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench")):
    os.environ.setdefault(_name, _value)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402

from ops.localstore import dynamodb as localstore  # noqa: E402
from result import emit  # noqa: E402

REGION = "us-east-1"
TABLE = "bench-main"
PARTITION = 100
GSI_PARTITION = 1000
OPS = ("transaction of 4", "query partition", "gsi page of 100", "get item", "batch write 25")


def s(v: str) -> dict:
    return {"S": v}


def attrs(i: int) -> dict[str, Any]:
    return {"pk": s(f"org#{i // PARTITION:06d}"), "sk": s(f"product#{i:08d}"),
            "gsi1pk": s(f"status#{(i // GSI_PARTITION) % 1000:03d}"), "gsi1sk": s(f"2026-12-04T{i:010d}"),
            "name": s("一次性使用无菌注射器 " + "x" * 60), "qty": {"N": str(i % 997)}, "state": s("draft")}


def create(client: Any) -> None:
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
        GlobalSecondaryIndexes=[{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                                               {"AttributeName": "gsi1sk", "KeyType": "RANGE"}]}])


def fill(size: int) -> None:
    table = dynamodb_backends["123456789012"][REGION].get_table(TABLE)
    for i in range(size):
        table.put_item(attrs(i))


def median_time(call: Callable[[int], Any], min_runs: int = 5, budget_s: float = 1.0, max_runs: int = 25) -> float:
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - started < budget_s):
        t0 = time.process_time()
        call(len(times))
        times.append(time.process_time() - t0)
        if times[-1] > 5 * budget_s:  # one slow run says enough (stock moto at 100k)
            break
    return statistics.median(times)


def measure(client: Any, size: int) -> dict[str, float]:
    mid = min(size, GSI_PARTITION) // 2
    middle = attrs(mid)
    start = {k: middle[k] for k in ("pk", "sk", "gsi1pk", "gsi1sk")}
    client.query(TableName=TABLE, IndexName="gsi1", Limit=1, KeyConditionExpression="gsi1pk = :g",
                 ExpressionAttributeValues={":g": middle["gsi1pk"]})  # the first Query builds the index

    def transaction(run: int) -> None:
        new = {**attrs(size + 10_000 + run), "sk": s(f"tx#{run}")}
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": new, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": TABLE, "Key": {"pk": attrs(run)["pk"], "sk": attrs(run)["sk"]},
                        "UpdateExpression": "SET qty = qty + :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": attrs(size // 2 + 1)["pk"], "sk": attrs(size // 2 + 1)["sk"]},
                                "ConditionExpression": "attribute_exists(pk)"}},
            {"Delete": {"TableName": TABLE, "Key": {"pk": attrs(size - 1 - run)["pk"],
                                                     "sk": attrs(size - 1 - run)["sk"]}}},
        ])

    def query_partition(run: int) -> None:
        found = client.query(TableName=TABLE, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": attrs(PARTITION * 3 + 1)["pk"]})
        assert found["Count"] == PARTITION, found["Count"]

    def gsi_page(run: int) -> None:
        found = client.query(TableName=TABLE, IndexName="gsi1", Limit=100, ExclusiveStartKey=start,
                             KeyConditionExpression="gsi1pk = :g", ExpressionAttributeValues={":g": middle["gsi1pk"]})
        assert found["Count"] == 100, found["Count"]

    def get_item(run: int) -> None:
        item = attrs((run * 7919) % (size // 2))
        assert "Item" in client.get_item(TableName=TABLE, Key={"pk": item["pk"], "sk": item["sk"]})

    def batch_write(run: int) -> None:
        client.batch_write_item(RequestItems={TABLE: [
            {"PutRequest": {"Item": {**attrs(size + 20_000 + run * 25 + j), "sk": s(f"batch#{run}#{j}")}}}
            for j in range(25)]})

    return dict(zip(OPS, (median_time(f) for f in (transaction, query_partition, gsi_page, get_item, batch_write))))


def run(size: int, patched: bool) -> dict[str, float]:
    if patched:
        localstore.apply()
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            create(client)
            fill(size)
            return measure(client, size)
    finally:
        localstore.revert()


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="table sizes, comma-separated")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    results: dict[tuple[str, int], dict[str, float]] = {}
    for size in sizes:
        for store in ("stock", "patched"):
            t0 = time.perf_counter()
            results[(store, size)] = run(size, store == "patched")
            print(f"# {label(size)} items, {store} moto: measured in {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr, flush=True)
    print(f"{'operation':<18} {'items':>6} {'stock moto ms':>14} {'local store ms':>15} {'stock/local':>12}")
    for op in OPS:
        for size in sizes:
            stock, local = results[("stock", size)][op], results[("patched", size)][op]
            print(f"{op:<18} {label(size):>6} {stock * 1000:>14.2f} {local * 1000:>15.2f} {stock / local:>11.1f}x")
    first, last = sizes[0], sizes[-1]
    ratios = {}
    for store in ("stock", "patched"):
        worst = max(OPS, key=lambda op: results[(store, last)][op] / results[(store, first)][op])
        ratios[store] = (results[(store, last)][worst] / results[(store, first)][worst], worst)
    print(f"stock moto:  ratio {label(last)}/{label(first)} (worst op) = {ratios['stock'][0]:.2f} ({ratios['stock'][1]})")
    print(f"local store: worst op {ratios['patched'][1]}")
    print(f"ratio {label(last)}/{label(first)} (worst op) = {ratios['patched'][0]:.2f}")
    worst = ratios["patched"][1]
    emit(f"local store: {worst} at {label(last)} / {label(first)} items (worst op)",
         results[("patched", last)][worst] * 1000, "ms", ratios["patched"][0], 2.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
