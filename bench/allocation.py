"""Allocation at alliance scale, side by side in one run (in-process moto, decorator mode).

    .venv/bin/python bench/allocation.py [--institutions 20000] [--groups 30] [--persist 2000] [--export 100000]

1. base: the pure base computation (``GroupPlan.base``) for every institution × bid group row of an alliance
   (10 provinces, 140 cities, 20,000 institutions, 30 groups of 2–4 winners ≈ 600,000 rows); then the whole
   ``demand.build`` (sheets with their JSON lines, city and province heads) for the same rows.
2. persistence: ``store.write_bulk`` (PynamoDB BatchWriteItem) of ``--persist`` computed sheets against bare
   boto3 BatchWriteItem of the same items (serialised beforehand), under moto. Ratio target ≤ 1.2.
3. DynamoDB calls (counted at botocore) of a city list page of 50, a city batch approve of 50, a city submit,
   a province approve and a province submit, on a city of 60 institutions.
4. export: ``agreements.write_xlsx`` of ``--export`` agreement rows against bare xlsxwriter (constant memory)
   writing the same tuples. Ratio target ≤ 1.1.
Figures go in docs/benchmarks.md ("Allocation")."""
from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from types import SimpleNamespace

import jobbench  # noqa: F401  first: it sets the moto environment
from result import emit

RULE = {"base_percent": {"2": 60, "3": 60, "4": 50}, "rank_weights": {"2": [6, 4], "3": [5, 3, 2], "4": [4, 3, 2, 1]}}


def alliance(institutions: int, groups: int, seed: int = 5):
    from chalicelib.domain.allocation.rule import GroupPlan, Rule, Winner

    rnd = random.Random(seed)
    rule = Rule.parse(RULE)
    winners = {f"G{g:03d}": [Winner(f"9111000000000{g:03d}{w}X", w + 1) for w in range(rnd.randint(2, 4))]
               for g in range(groups)}
    plans = {g: GroupPlan(ws, rule) for g, ws in winners.items()}
    cities = [f"{p:02d}{c:02d}00" for p in range(11, 21) for c in range(1, 15)]
    orgs = {}
    for i in range(institutions):
        code = f"12{i:016d}"
        orgs[code] = SimpleNamespace(org_id=f"inst{i:08d}", name=f"医院{i}", region_code=cities[i % len(cities)])
    good = {(code, g): rnd.choice((0, 9, 16, 36, 41, 72, 202, 677, 3058)) for code in orgs for g in plans}
    return rule, winners, plans, orgs, good


def bench_base(plans, good) -> float:
    started = time.perf_counter()
    total = 0
    for (_, g), demand in good.items():
        total += sum(plans[g].base(demand))
    return time.perf_counter() - started


def bench_build(plans, good, orgs):
    from chalicelib.services.allocation import demand

    task = SimpleNamespace(task_id="benchtask")
    started = time.perf_counter()
    sheets, cities, provinces = demand.build(task, plans, good, orgs, {})
    return time.perf_counter() - started, sheets, cities, provinces


def bench_persist(sheets) -> tuple[float, float]:
    """Alternating eighths (ours, bare, ours, bare, …) so that load and table growth hit both alike."""
    import boto3

    from chalicelib.store import allocation as store
    from chalicelib.store.tables import AllocationTable

    from chalicelib import aws

    client = boto3.client("dynamodb", region_name="us-east-1")
    table = AllocationTable.Meta.table_name
    for warm in (client, aws.client("dynamodb")):  # client creation and first-call model loading not measured
        warm.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": "warm"}, "sk": {"S": "up"}}}}]})
    store.write_bulk(sheets[-25:])  # a warm round of our path too
    quiet_gc()
    quarter = max(1, len(sheets) // 8)
    ours = bare = 0.0
    for q in range(8):
        part = sheets[q * quarter:(q + 1) * quarter]
        if q % 2 == 0:
            started = time.perf_counter()
            store.write_bulk(part)
            ours += time.perf_counter() - started
            continue
        raw = []
        for s in part:
            item = s.serialize()
            raw.append(item)
        started = time.perf_counter()
        for start in range(0, len(raw), 25):
            requests = [{"PutRequest": {"Item": item}} for item in raw[start:start + 25]]
            while requests:
                left = client.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {})
                requests = left.get(table, [])
        bare += time.perf_counter() - started
    return ours, bare


def quiet_gc() -> None:
    """Move what the set-up made out of the collector's way: a full collection over the generated
    alliance (~10^6 objects) otherwise lands in whichever side happens to run then."""
    import gc

    gc.collect()
    gc.freeze()


class Calls:
    """DynamoDB operations made through botocore while in the block."""

    def __init__(self):
        self.counter: Counter = Counter()

    def __enter__(self):
        import botocore.client

        self._orig = botocore.client.BaseClient._make_api_call
        counter = self.counter

        def counting(client, operation, params):
            if client.meta.service_model.service_name in ("dynamodb", "stepfunctions"):
                counter[f"{client.meta.service_model.service_name}:{operation}"] += 1
            return self._orig(client, operation, params)

        botocore.client.BaseClient._make_api_call = counting
        return self.counter

    def __exit__(self, *exc):
        import botocore.client

        botocore.client.BaseClient._make_api_call = self._orig


def bench_calls() -> dict[str, Counter]:
    from chalicelib import clock
    from chalicelib.domain.enums import ActorKind, UnitRole
    from chalicelib.schemas.allocation import SheetSave, TaskCreate
    from chalicelib.services.allocation import chain, demand, sheets, tasks
    from tests import factory
    from tests.allocation_support import task_body

    office_org = factory.make_org(ActorKind.ALLIANCE_OFFICE, "210000")
    office = factory.principal_of(factory.add_operator(office_org)[0], office_org.org_id)
    city_org = factory.make_org(ActorKind.CITY_BUREAU, "630100")
    city = factory.principal_of(factory.add_operator(city_org)[0], city_org.org_id)
    prov_org = factory.make_org(ActorKind.PROVINCE_BUREAU, "630000")
    prov = factory.principal_of(factory.add_operator(prov_org)[0], prov_org.org_id)
    ents = [factory.make_org(role=UnitRole.MANUFACTURER) for _ in range(3)]
    w = SimpleNamespace(code=lambda key: ents[int(key[1]) - 1].credit_code)
    body = task_body(w, clock.now())
    task_id = tasks.create(office, TaskCreate.model_validate(body)).task_id
    insts = [factory.make_org(ActorKind.MEDICAL_INSTITUTION, "630100") for _ in range(60)]
    rows = [(i + 2, {"credit_code": org.credit_code, "group_code": g, "demand": "41"})
            for i, (org, g) in enumerate((o, g) for o in insts for g in ("G1", "G2"))]
    demand.claim(demand.store.get_task(task_id), "bench")
    demand.load(demand.store.get_task(task_id), rows, "bench", {"account_id": "bench", "org_id": office.org_id})
    tasks.publish(office, task_id)
    for org in insts[:50]:
        p = factory.principal_of(factory.add_operator(org)[0], org.org_id)
        sheet = sheets.get(p, task_id)
        alloc = {line.group_code: {line.winners[0]["credit_code"]: line.remaining} for line in sheet.lines}
        saved = sheets.save(p, task_id, SheetSave(version=sheet.version, allocations=alloc))
        sheets.submit(p, task_id, saved.version)
    out = {}
    with Calls() as c:
        chain.city_sheets(city, task_id, None, 50, None)
    out["city list page (50)"] = Counter(c)
    with Calls() as c:
        chain.decide(chain.CITY, city, task_id, [o.org_id for o in insts[:50]], "approve", None)
    out["city batch approve (50)"] = Counter(c)
    with Calls() as c:
        chain.submit(chain.CITY, city, task_id)
    out["city submit"] = Counter(c)
    with Calls() as c:
        chain.decide(chain.PROVINCE, prov, task_id, ["630100"], "approve", None)
    out["province approve (1 city)"] = Counter(c)
    with Calls() as c:
        chain.submit(chain.PROVINCE, prov, task_id)
    out["province submit"] = Counter(c)
    return out


def bench_export(n: int) -> tuple[float, float]:
    import io

    import xlsxwriter

    from chalicelib.schemas.allocation import AgreementRow
    from chalicelib.services.allocation import agreements

    rows = [AgreementRow(item_code="BP01", item_name="疝补片", group_code="G01", group_name="A组",
                         credit_code="91110000MA00000017", enterprise_name="北京补片医疗科技有限公司", price="840.00",
                         inst_id=f"inst{i}", inst_name=f"医院{i}", city="630100", base=i % 97, own=i % 13,
                         agreement=i % 97 + i % 13, final=True) for i in range(n)]
    tuples = [(r.item_code, r.item_name, r.group_name, r.enterprise_name, r.credit_code, r.price, r.inst_name, r.city,
               r.base, r.own, r.agreement, "最终") for r in rows]

    def bare_write() -> None:
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
        sheet = book.add_worksheet("rows")
        sheet.write_row(0, 0, agreements.HEADER)
        for i, t in enumerate(tuples, start=1):
            sheet.write_row(i, 0, t)
        book.close()

    quiet_gc()
    ours = bare = float("inf")
    for _ in range(2):  # interleaved, best of two each
        started = time.perf_counter()
        agreements.write_xlsx(rows)
        ours = min(ours, time.perf_counter() - started)
        started = time.perf_counter()
        bare_write()
        bare = min(bare, time.perf_counter() - started)
    return ours, bare


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--institutions", type=int, default=20000)
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--persist", type=int, default=2000, help="sheets written under moto")
    parser.add_argument("--export", type=int, default=100000)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: calls, export")
    args = parser.parse_args()
    from tests.support import provisioned_aws

    rule, winners, plans, orgs, good = alliance(args.institutions, args.groups)
    print(f"alliance: {args.institutions} institutions, {len({o.region_code for o in orgs.values()})} cities, "
          f"{len(plans)} groups, {len(good)} institution × group rows")
    t_base = bench_base(plans, good)
    print(f"1. base computation (pure, {len(good)} rows)        {t_base:7.2f} s  (target < 2 s)")
    emit(f"allocation: base computation of {len(good):,} rows", t_base, "s", budget=2.0)
    t_build, sheets, cities, provinces = bench_build(plans, good, orgs)
    good = None  # noqa: F841  free the rows before the moto part
    print(f"   demand.build (sheets + heads, {len(sheets)} sheets)  {t_build:7.2f} s")
    with provisioned_aws(lean_requests=False):
        ours, bare = bench_persist(sheets[:args.persist])
        print(f"2. persistence of {args.persist} sheets ({args.persist * len(plans)} rows; eighths interleaved) "
              f"under moto: "
              f"write_bulk {ours:.2f} s, bare BatchWriteItem {bare:.2f} s, ratio {ours / bare:.2f} (target ≤ 1.2)")
        emit(f"allocation: write_bulk of {args.persist:,} sheets / bare BatchWriteItem", ours, "s", ours / bare, 1.2)
        for what, counter in (bench_calls() if "calls" not in args.skip else {}).items():
            print(f"3. {what:<28} " + ", ".join(f"{op} {n}" for op, n in sorted(counter.items())))
    if "export" in args.skip:
        return
    ours, bare = bench_export(args.export)
    print(f"4. export {args.export} agreement rows: write_xlsx {ours:.2f} s, bare xlsxwriter {bare:.2f} s, "
          f"ratio {ours / bare:.2f} (target ≤ 1.1)")
    emit(f"allocation: agreement export of {args.export:,} rows / bare xlsxwriter", ours, "s", ours / bare, 1.1)


if __name__ == "__main__":
    main()
