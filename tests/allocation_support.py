"""A small alliance for the allocation tests (two provinces, three cities, four institutions,
three winning enterprises) and helpers to drive a task through the HTTP API."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.domain.enums import ActorKind, UnitRole
from tests import factory

DAY = timedelta(days=1)
RULE = {"base_percent": {"2": 60, "3": 60}, "rank_weights": {"2": [6, 4], "3": [5, 3, 2]}}


@dataclass
class World:
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (account id, org id)
    orgs: dict[str, factory.Org] = field(default_factory=dict)

    def token(self, key: str) -> str:
        account_id, org_id = self.accounts[key]
        return factory.token(account_id, org_id)

    def org_id(self, key: str) -> str:
        return self.orgs[key].org_id

    def code(self, key: str) -> str:
        return self.orgs[key].credit_code


def build_world() -> World:
    w = World()
    plan = {
        "office": (ActorKind.ALLIANCE_OFFICE, "210000", None),
        "prov_a": (ActorKind.PROVINCE_BUREAU, "630000", None),
        "city_a1": (ActorKind.CITY_BUREAU, "630100", None),
        "city_a2": (ActorKind.CITY_BUREAU, "630200", None),
        "prov_b": (ActorKind.PROVINCE_BUREAU, "620000", None),
        "city_b1": (ActorKind.CITY_BUREAU, "620100", None),
        "h1": (ActorKind.MEDICAL_INSTITUTION, "630100", None),
        "h2": (ActorKind.MEDICAL_INSTITUTION, "630100", None),
        "h3": (ActorKind.MEDICAL_INSTITUTION, "630200", None),
        "h4": (ActorKind.MEDICAL_INSTITUTION, "620100", None),
        "e1": (ActorKind.ENTERPRISE, "630100", UnitRole.MANUFACTURER),
        "e2": (ActorKind.ENTERPRISE, "630100", UnitRole.MANUFACTURER),
        "e3": (ActorKind.ENTERPRISE, "630100", UnitRole.MANUFACTURER),
    }
    for key, (kind, region, role) in plan.items():
        org = factory.make_org(kind, region, role=role, name=f"{key}单位")
        account_id, _ = factory.add_operator(org)
        w.orgs[key] = org
        w.accounts[key] = (account_id, org.org_id)
    return w


def groups(w: World) -> list[dict]:
    def winner(key, rank, price):
        return {"credit_code": w.code(key), "name": f"{key}企业", "rank": rank, "price": price}

    return [
        {"code": "G1", "name": "A组", "item_code": "T01", "item_name": "补片（A型）",
         "winners": [winner("e1", 1, "100.00"), winner("e2", 2, "98.50"), winner("e3", 3, "97.00")]},
        {"code": "G2", "name": "B组", "item_code": "T02", "item_name": "补片（B型）",
         "winners": [winner("e1", 1, "200.00"), winner("e2", 2, "150.00")]},
    ]


def task_body(w: World, now: datetime, **over) -> dict:
    return {"name": "省际联盟补片类分量（测试）", "rule": RULE, "groups": groups(w),
            "fill_deadline": (now + 5 * DAY).isoformat(), "city_deadline": (now + 10 * DAY).isoformat(),
            "province_deadline": (now + 15 * DAY).isoformat(), "alliance_deadline": (now + 20 * DAY).isoformat(),
            **over}


DEMAND = {("h1", "G1"): 16, ("h1", "G2"): 10, ("h2", "G1"): 72, ("h3", "G1"): 9, ("h4", "G2"): 41}


def demand_csv(w: World, rows=None) -> str:
    rows = DEMAND if rows is None else rows
    lines = ["医疗机构统一社会信用代码,医疗机构名称,竞标分组编码,总需求量"]
    for (inst, group), qty in rows.items():
        code = w.code(inst) if inst in w.orgs else inst
        lines.append(f"{code},{inst},{group},{qty}")
    return "\n".join(lines) + "\n"


def ok(response, what: str, status: int = 200) -> dict:
    assert response.status_code == status, f"{what}: expected {status}, got {response.status_code} {response.body}"
    return json.loads(response.body)


def import_demand(api, client, aws, w: World, task_id: str, csv_text: str) -> dict:
    from tests.api.conftest import deliver_job_messages

    ticket = ok(api.post("/allocation-demand-uploads", {"filename": "demand.csv"}, token=w.token("office")),
                "upload ticket", 201)
    factory.put_import_file(ticket["upload_key"], csv_text)
    job = ok(api.post(f"/allocation-tasks/{task_id}/demand-imports", {"upload_key": ticket["upload_key"]},
                      token=w.token("office")), "demand import", 202)
    deliver_job_messages(client, aws)
    return ok(api.get(f"/jobs/{job['job_id']}", token=w.token("office")), "job")


def published_task(api, client, aws, w: World) -> str:
    task = ok(api.post("/allocation-tasks", task_body(w, clock.now()), token=w.token("office")), "create", 201)
    job = import_demand(api, client, aws, w, task["task_id"], demand_csv(w))
    assert job["status"] == "succeeded", f"demand import: {job}"
    ok(api.post(f"/allocation-tasks/{task['task_id']}/publish", token=w.token("office")), "publish")
    return task["task_id"]


def fill(api, w: World, task_id: str, inst: str, submit: bool = True) -> dict:
    """Allocate each group's remaining all to the best-ranked winner, save, and submit."""
    sheet = ok(api.get(f"/allocation-tasks/{task_id}/my-sheet", token=w.token(inst)), f"{inst} sheet")
    allocations = {line["group_code"]: {line["winners"][0]["credit_code"]: line["remaining"]} for line in sheet["lines"]}
    saved = ok(api.put(f"/allocation-tasks/{task_id}/my-sheet", {"version": sheet["version"],
                                                                 "allocations": allocations},
                       token=w.token(inst)), f"{inst} save")
    if not submit:
        return saved
    return ok(api.post(f"/allocation-tasks/{task_id}/my-sheet/submit", {"version": saved["version"]},
                       token=w.token(inst)), f"{inst} submit")


def principal(w: World, key: str):
    account_id, org_id = w.accounts[key]
    return factory.principal_of(account_id, org_id)


def published_task_direct(w: World) -> str:
    """The same published task as ``published_task``, through the services (no HTTP): the workflow tests."""
    from chalicelib.schemas.allocation import TaskCreate
    from chalicelib.services import jobs
    from chalicelib.services.allocation import demand, tasks

    office = principal(w, "office")
    task = tasks.create(office, TaskCreate.model_validate(task_body(w, clock.now())))
    key = f"imports/{office.org_id}/demand-{task.task_id}.csv"
    factory.put_import_file(key, demand_csv(w))
    job = demand.start_import(office, task.task_id, key)
    jobs.run(job.job_id)
    assert jobs.get(job.job_id, owner=f"account#{office.account_id}").status == "succeeded"
    tasks.publish(office, task.task_id)
    return task.task_id


def fill_direct(w: World, task_id: str, inst: str):
    from chalicelib.schemas.allocation import SheetSave
    from chalicelib.services.allocation import sheets

    p = principal(w, inst)
    sheet = sheets.get(p, task_id)
    allocations = {line.group_code: {line.winners[0]["credit_code"]: line.remaining} for line in sheet.lines}
    saved = sheets.save(p, task_id, SheetSave(version=sheet.version, allocations=allocations))
    return sheets.submit(p, task_id, saved.version)
