"""Institutions' reported demand 总需求量 per bid group, imported as a job from XLSX or CSV
(template, error workbook). All or nothing: a file with any bad row writes nothing and
the report lists every bad row (unknown institution, unknown group, negative or
fractional demand, duplicate row, missing cell). A good file computes every base
quantity by the task's rule and writes the sheets, city and province heads by
BatchWriteItem, then marks the task imported (the commit point)."""
from __future__ import annotations

import base64
import io
import json
from collections import defaultdict
from typing import Any, Iterable

from chalicelib import clock, files
from chalicelib.domain.access import Principal
from chalicelib.domain.allocation.rule import GroupPlan, Winner, check_demand
from chalicelib.domain.enums import (
    ActorKind, AllocationLevelStatus, AllocationStatus, AllocationTaskStatus, JobKind, OrgStatus,
)
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.schemas.jobs import JobView
from chalicelib.services.allocation.common import province_of, rule_of, task_or_404
from chalicelib.services.identity.common import entry, iso, new_id
from chalicelib.store import allocation as store
from chalicelib.store.allocation import CityItem, ProvinceItem, SheetItem, TaskItem
from chalicelib.store.uow import UnitOfWork

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ("credit_code", "group_code", "demand")
LABELS = {"credit_code": "医疗机构统一社会信用代码", "inst_name": "医疗机构名称", "group_code": "竞标分组编码",
          "demand": "总需求量"}
ALIASES = {**{zh: col for col, zh in LABELS.items()}, **{f"{zh} {col}": col for col, zh in LABELS.items()}}
ALREADY = Conflict("该分量项目的需求量已导入或正在导入", code="demand_already_imported")


def template() -> dict[str, Any]:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet("demand")
    header = ("credit_code", "inst_name", "group_code", "demand")
    sheet.write_row(0, 0, [f"{LABELS[c]} {c}" for c in header], book.add_format({"bold": True}))
    sheet.write_row(1, 0, ("12630100MB0000005", "某某市第一人民医院", "G001"), text)
    sheet.write_number(1, 3, 120)
    sheet.set_column(0, 3, 26, text)
    notes = book.add_worksheet("notes")
    for i, line in enumerate((
            "每行一个医疗机构在一个竞标分组的总需求量；第一行为表头。必填：统一社会信用代码、竞标分组编码、总需求量。",
            "医疗机构须已在本平台注册（按统一社会信用代码匹配）；竞标分组编码须为本分量项目的分组。",
            "总需求量须为不小于 0 的整数；同一医疗机构、同一分组只能出现一次。",
            "有任何一行错误时整个文件不导入，错误见导入报告；改正后重新导入。")):
        notes.write_string(i, 0, line)
    book.close()
    return {"filename": "allocation-demand-template.xlsx", "content_type": XLSX,
            "content_base64": base64.b64encode(buffer.getvalue()).decode("ascii")}


def upload_ticket(p: Principal, filename: str):
    from chalicelib.services.identity import registries

    return registries.upload_ticket(p, filename)


def start_import(p: Principal, task_id: str, upload_key: str) -> JobView:
    """Claim the task's import (one at a time, once) and queue the job."""
    from chalicelib.services import jobs
    from chalicelib.services.identity.registries import CONTENT_TYPES
    from chalicelib.services.tabular import check_upload

    task = task_or_404(task_id)
    if task.status != AllocationTaskStatus.DRAFT.value or task.demand_imported_at or task.demand_job:
        raise ALREADY
    check_upload(p.org_id, upload_key, CONTENT_TYPES)
    token = new_id()
    claim(task, token)  # before the job exists: the job may run at once
    try:
        return jobs.submit(JobKind.ALLOCATION_DEMAND_IMPORT,
                           {"task_id": task_id, "upload_key": upload_key, "org_id": p.org_id,
                            "account_id": p.account_id, "claim": token},
                           owner=f"account#{p.account_id}", actor=f"account#{p.account_id}")
    except Exception:
        _release(task_id, token)
        raise


def _institutions(codes: Iterable[str]) -> dict[str, Any]:
    from chalicelib.store.identity import orgs_by_credit_code

    return {code: org for code, org in orgs_by_credit_code(codes).items()
            if org.kind == ActorKind.MEDICAL_INSTITUTION.value and org.status == OrgStatus.ACTIVE.value}


def judge(rows: list[tuple[int, dict[str, str]]], plans: dict[str, GroupPlan]
          ) -> tuple[dict[tuple[str, str], int], dict[str, Any], list[tuple[int, str, str]]]:
    """{(credit code, group): demand}, {credit code: org}, and the errors by row."""
    errors: list[tuple[int, str, str]] = []
    good: dict[tuple[str, str], int] = {}
    first_row: dict[tuple[str, str], int] = {}
    pending: list[tuple[int, str, str, int]] = []
    for number, row in rows:
        code, group, raw = row.get("credit_code", ""), row.get("group_code", ""), row.get("demand", "")
        bad = False
        if not code:
            errors.append((number, "credit_code", "统一社会信用代码不能为空"))
            bad = True
        if group not in plans:
            errors.append((number, "group_code", f"本分量项目没有竞标分组 {group or '（空）'}"))
            bad = True
        demand = check_demand(raw)
        if demand is None:
            errors.append((number, "demand", f"总需求量 {raw or '（空）'} 须为不小于 0 的整数"))
            bad = True
        if bad:
            continue
        key = (code, group)
        if key in first_row:
            errors.append((number, "group_code", f"与第 {first_row[key]} 行重复（同一医疗机构、同一竞标分组）"))
            continue
        first_row[key] = number
        pending.append((number, code, group, demand))
    orgs = _institutions({c for _, c, _, _ in pending})
    for number, code, group, demand in pending:
        org = orgs.get(code)
        if org is None:
            errors.append((number, "credit_code", f"平台上没有统一社会信用代码为 {code} 的医疗机构"))
        elif not org.region_code or org.region_code.endswith("0000"):
            errors.append((number, "credit_code", f"医疗机构 {code} 没有所在地市"))
        else:
            good[(code, group)] = demand
    errors.sort(key=lambda e: e[0])
    return good, orgs, errors


def build(task: TaskItem, plans: dict[str, GroupPlan], good: dict[tuple[str, str], int], orgs: dict[str, Any],
          names: dict[str, str]) -> tuple[list[SheetItem], list[CityItem], list[ProvinceItem]]:
    """The sheets (base computed), the city and the province heads with their totals."""
    task_id = task.task_id
    by_inst: dict[str, dict[str, int]] = defaultdict(dict)
    for (code, group), demand in good.items():
        by_inst[code][group] = demand
    sheets: list[SheetItem] = []
    cities: dict[str, CityItem] = {}
    provinces: dict[str, ProvinceItem] = {}
    waiting = AllocationStatus.NOT_FILLED.value
    for code, demands in by_inst.items():
        org = orgs[code]
        lines, d_total, b_total = {}, 0, 0
        for group, demand in sorted(demands.items()):
            plan = plans[group]
            base = dict(zip(plan.codes, plan.base(demand)))
            pool = sum(base.values())
            lines[group] = {"demand": demand, "base": base, "remaining": demand - pool, "own": None}
            d_total += demand
            b_total += pool
        city, province = org.region_code, province_of(org.region_code)
        sheets.append(SheetItem(
            pk=store.sheet_pk(task_id, org.org_id), sk="sheet", task_id=task_id, inst_id=org.org_id,
            inst_name=org.name, city=city, province=province, status=waiting,
            lines=json.dumps(lines, separators=(",", ":")), demand=d_total, base=b_total,
            remaining=d_total - b_total, allocated=0, version=1,
            gsi1pk=store.city_list_pk(task_id, city), gsi1sk=store.status_key(waiting, org.org_id),
            gsi2pk=store.task_sheets_pk(task_id), gsi2sk=f"{city}#{org.org_id}"))
        c = cities.get(city)
        if c is None:
            c = cities[city] = CityItem(
                pk=store.city_pk(task_id, city), sk="city", task_id=task_id, city=city, province=province,
                unit_name=names.get(city), status=AllocationLevelStatus.OPEN.value, institutions=0, demand=0,
                base=0, remaining=0, allocated=0, n_not_filled=0,
                gsi1pk=store.province_list_pk(task_id, province),
                gsi1sk=store.status_key(AllocationLevelStatus.OPEN.value, city))
        c.institutions += 1
        c.n_not_filled += 1
        c.demand += d_total
        c.base += b_total
        c.remaining += d_total - b_total
    for c in cities.values():
        pv = provinces.get(c.province)
        if pv is None:
            pv = provinces[c.province] = ProvinceItem(
                pk=store.province_pk(task_id, c.province), sk="prov", task_id=task_id, province=c.province,
                unit_name=names.get(c.province), status=AllocationLevelStatus.OPEN.value, institutions=0, cities=0,
                demand=0, base=0, remaining=0, allocated=0, n_open=0, gsi1pk=store.alliance_list_pk(task_id),
                gsi1sk=store.status_key(AllocationLevelStatus.OPEN.value, c.province))
        pv.cities += 1
        pv.n_open += 1
        for attr in ("institutions", "demand", "base", "remaining"):
            setattr(pv, attr, getattr(pv, attr) + getattr(c, attr))
    return sheets, list(cities.values()), list(provinces.values())


def _region_names(codes: Iterable[str]) -> dict[str, str]:
    from chalicelib.store import dictionaries

    out = {}
    for code in set(codes):
        region = dictionaries.get_region(code)
        if region is not None:
            out[code] = region.name
    return out


def _release(task_id: str, job_id: str) -> None:
    try:
        TaskItem(pk=store.task_pk(task_id), sk="task").update(
            actions=[TaskItem.demand_job.remove()], condition=TaskItem.demand_job == job_id)
    except Exception:  # the condition failed: the task is not ours any more
        return


def load(task: TaskItem, rows: list[tuple[int, dict[str, str]]], job_id: str, params: dict,
         progress=lambda done, total: None) -> tuple[dict, list[tuple[int, str, str]]]:
    """Judge the rows; when every row is good write the sheets, cities and provinces and mark the task
    imported (the import claimed by ``job_id``); else write nothing and release the claim."""
    try:
        rule = rule_of(task)
        plans = {g.code: GroupPlan([Winner(w["credit_code"], int(w["rank"])) for w in g.winners_list], rule)
                 for g in store.groups(task.task_id)}
        good, orgs, errors = judge(rows, plans)
        if not good or errors:
            _release(task.task_id, job_id)
            return (good if not errors else {}), errors
        regions = {o.region_code for o in orgs.values()}
        sheets, cities, provinces = build(task, plans, good, orgs,
                                          _region_names(regions | {province_of(r) for r in regions}))
        items = [*sheets, *cities, *provinces]
        for start in range(0, len(items), 1000):
            store.write_bulk(items[start:start + 1000])
            progress(min(start + 1000, len(items)), len(items))
        _commit(task, job_id, params, sheets, provinces)
        return good, []
    except DomainError:
        _release(task.task_id, job_id)
        raise


def import_job(ctx) -> object:
    """Job ``allocation_demand_import``."""
    from chalicelib.services.identity.registries import CONTENT_TYPES, MAX_UPLOAD_BYTES
    from chalicelib.services.jobs import JobOutput
    from chalicelib.services.tabular import error_report, read_rows

    task_id, key, job_id = ctx.params["task_id"], ctx.params["upload_key"], ctx.params["claim"]
    task = task_or_404(task_id)
    if task.demand_job != job_id or task.demand_imported_at:
        raise ALREADY
    try:
        rows = list(read_rows(files.get_bytes(key, MAX_UPLOAD_BYTES), key, ALIASES, COLUMNS))
    except DomainError:
        _release(task_id, job_id)
        raise
    good, errors = load(task, rows, job_id, ctx.params, lambda done, total: ctx.progress(done, total))
    seen = len(rows)
    ctx.progress(seen, seen, force=True)
    report = error_report(seen, len(good), errors, {"医疗机构 institutions": len({c for c, _ in good})})
    return JobOutput("allocation-demand-import-report.xlsx", CONTENT_TYPES["xlsx"], report)


def claim(task: TaskItem, job_id: str) -> None:
    """Claim the task's one import for ``job_id`` (a claim token; 409 when imported or claimed)."""
    if task.status != AllocationTaskStatus.DRAFT.value or task.demand_imported_at or task.demand_job:
        raise ALREADY
    try:
        task.update(actions=[TaskItem.demand_job.set(job_id)],
                    condition=TaskItem.demand_job.does_not_exist() & TaskItem.demand_imported_at.does_not_exist())
    except Exception:
        raise ALREADY from None


def _commit(task: TaskItem, job_id: str, params: dict, sheets: list[SheetItem], provinces: list[ProvinceItem]
            ) -> None:
    now = clock.now()
    demand = sum(int(s.demand) for s in sheets)
    base = sum(int(s.base) for s in sheets)
    uow = UnitOfWork()
    uow.update(task, [TaskItem.demand_imported_at.set(iso(now)), TaskItem.institutions.set(len(sheets)),
                      TaskItem.provinces.set(len(provinces)), TaskItem.n_open.set(len(provinces)),
                      TaskItem.demand.set(demand), TaskItem.base.set(base), TaskItem.remaining.set(demand - base),
                      TaskItem.updated_at.set(iso(now))],
               condition=(TaskItem.demand_job == job_id) & TaskItem.demand_imported_at.does_not_exist(),
               conflict=ALREADY)
    uow.audit(entry(f"atask#{task.task_id}", "allocation_demand_imported", actor=f"account#{params['account_id']}",
                    actor_org=params["org_id"], at=now,
                    after={"institutions": len(sheets), "demand": demand, "base": base}))
    uow.commit()
