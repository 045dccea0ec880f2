"""Volume-based procurement allocation over HTTP (docs/allocation.md): tasks, demand import,
institution filling, the city → province → alliance office chain, agreements and export."""
from __future__ import annotations

from unittest import mock

import pytest

from chalicelib import clock
from tests import factory
from tests.allocation_support import (
    DAY, DEMAND, build_world, demand_csv, fill, import_demand, ok, published_task, task_body,
)
from tests.api.conftest import assert_error, deliver_job_messages


@pytest.fixture
def world(aws, seeded, frozen):
    """The small alliance, at a frozen clock (in the past, so tokens minted after moving it stay valid)."""
    return build_world()


@pytest.fixture
def task_id(api, client, aws, world):
    return published_task(api, client, aws, world)


def T(task_id: str, path: str = "") -> str:
    return f"/allocation-tasks/{task_id}{path}"


# -- tasks ---------------------------------------------------------------------------

def test_create_refuses_bad_input_naming_each_field(api, world):
    now = clock.now()
    body = task_body(world, now, rule={"base_percent": {"3": 150}, "rank_weights": {"3": [1, 1]}},
                     city_deadline=(now + DAY).isoformat())
    error = assert_error(api.post("/allocation-tasks", body, token=world.token("office")), 400, "validation_failed",
                         "bad rule and deadlines")
    fields = {d["field"] for d in error["details"]}
    assert {"rule.base_percent.3", "rule.rank_weights.3", "city_deadline"} <= fields, error
    groups = task_body(world, now)["groups"]
    groups[1]["code"] = "G1"
    groups[0]["winners"][1]["rank"] = 1
    error = assert_error(api.post("/allocation-tasks", task_body(world, now, groups=groups),
                                  token=world.token("office")), 400, "bad_groups", "duplicate group, duplicate rank")
    assert {"groups.1.code", "groups.0.winners"} <= {d["field"] for d in error["details"]}, error
    four = task_body(world, now)["groups"]
    four[1]["winners"].append({**four[0]["winners"][2], "rank": 3})
    four[1]["winners"].append({**four[0]["winners"][2], "credit_code": world.code("h1"), "rank": 4})
    error = assert_error(api.post("/allocation-tasks", task_body(world, now, groups=four),
                                  token=world.token("office")), 400, "bad_groups", "rule does not cover 4 winners")
    assert any("4 家" in d["message"] for d in error["details"]), error


def test_only_the_alliance_office_creates_and_drafts_are_its_own(api, world):
    assert_error(api.post("/allocation-tasks", task_body(world, clock.now()), token=world.token("city_a1")), 403,
                 "actor_forbidden", "a city creating a task")
    created = ok(api.post("/allocation-tasks", task_body(world, clock.now()), token=world.token("office")), "c", 201)
    assert created["status"] == "draft" and len(created["bid_groups"]) == 2
    assert created["bid_groups"][0]["winners"][0]["rank"] == 1
    listed = ok(api.get("/allocation-tasks", token=world.token("office")), "office list")
    assert [t["task_id"] for t in listed["items"]] == [created["task_id"]]
    assert ok(api.get("/allocation-tasks", token=world.token("city_a1")), "city list")["items"] == [], \
        "a draft task is not shown below the alliance office"
    assert_error(api.get(T(created["task_id"]), token=world.token("h1")), 404, "task_not_found", "draft detail")
    assert_error(api.post(T(created["task_id"], "/publish"), token=world.token("office")), 409,
                 "demand_not_imported", "publish without demand")


def test_demand_import_reports_every_bad_row_and_writes_nothing(api, client, aws, world):
    task = ok(api.post("/allocation-tasks", task_body(world, clock.now()), token=world.token("office")), "c", 201)
    rows = {("h1", "G1"): 16, ("91630100MA0000099X", "G1"): 5, ("h2", "G9"): 3, ("h3", "G1"): -4,
            ("h4", "G2"): "2.5", ("h2", "G1"): 7}
    text = demand_csv(world, rows) + f"{world.code('h1')},dup,G1,3\n"
    job = import_demand(api, client, aws, world, task["task_id"], text)
    assert job["status"] == "succeeded", job
    report = factory.job_report(job["job_id"])
    errors = [row for row in report["errors"].iter_rows(min_row=2, values_only=True)]
    messages = {(r[0], r[1]): r[2] for r in errors}
    assert set(messages) == {(3, "credit_code"), (4, "group_code"), (5, "demand"), (6, "demand"),
                             (8, "group_code")}, f"error rows: {errors}"
    assert "医疗机构" in messages[(3, "credit_code")] and "G9" in messages[(4, "group_code")]
    assert "重复" in messages[(8, "group_code")]
    summary = list(report["summary"].iter_rows(values_only=True))
    assert summary[1][:2] == (7, 0), f"nothing imported: {summary}"
    detail = ok(api.get(T(task["task_id"]), token=world.token("office")), "detail")
    assert detail["demand_imported_at"] is None and detail["institutions"] == 0
    # the claim was released: a corrected file imports
    job = import_demand(api, client, aws, world, task["task_id"], demand_csv(world))
    assert job["status"] == "succeeded", job
    detail = ok(api.get(T(task["task_id"]), token=world.token("office")), "detail")
    assert detail["institutions"] == 4 and detail["provinces"] == 2 and detail["demand"] == sum(DEMAND.values())
    ticket = ok(api.post("/allocation-demand-uploads", {"filename": "d.csv"}, token=world.token("office")), "t", 201)
    factory.put_import_file(ticket["upload_key"], demand_csv(world))
    assert_error(api.post(T(task["task_id"], "/demand-imports"), {"upload_key": ticket["upload_key"]},
                          token=world.token("office")), 409, "demand_already_imported", "a second import")


# -- filling ------------------------------------------------------------------------------

def test_sheet_shows_base_by_the_rule(api, world, task_id):
    sheet = ok(api.get(T(task_id, "/my-sheet"), token=world.token("h1")), "h1 sheet")
    g1 = next(line for line in sheet["lines"] if line["group_code"] == "G1")
    assert [w["base"] for w in g1["winners"]] == [4, 3, 2], "demand 16, 60 %, weights 5:3:2 (docs worked example)"
    assert g1["remaining"] == 7 and g1["demand"] == 16 and g1["item_name"] == "补片（A型）"
    assert [w["price"] for w in g1["winners"]] == ["100.00", "98.50", "97.00"]
    g2 = next(line for line in sheet["lines"] if line["group_code"] == "G2")
    assert [w["base"] for w in g2["winners"]] == [4, 2] and g2["remaining"] == 4
    assert (sheet["demand"], sheet["base"], sheet["remaining"], sheet["status"]) == (26, 15, 11, "not_filled")
    assert_error(api.get(T(task_id, "/my-sheet"), token=world.token("city_a1")), 403, "actor_forbidden",
                 "a city reading my-sheet")


def test_bad_allocations_are_400s_naming_the_problem_and_nothing_is_saved(api, world, task_id):
    sheet = ok(api.get(T(task_id, "/my-sheet"), token=world.token("h1")), "sheet")
    e1, e2, h2 = world.code("e1"), world.code("e2"), world.code("h2")
    cases = [
        ({"G1": {e1: 5}}, "allocations.G1", "须等于剩余量 7"),
        ({"G1": {e1: 8, e2: -1}}, f"allocations.G1.{e2}", "负数"),
        ({"G1": {e1: 6.5, e2: 0.5}}, f"allocations.G1.{e1}", "整数"),
        ({"G1": {e1: 6, h2: 1}}, f"allocations.G1.{h2}", "不是本竞标分组的中选企业"),
        ({"G9": {e1: 1}}, "allocations.G9", "没有需求量"),
    ]
    for allocations, field, fragment in cases:
        error = assert_error(api.put(T(task_id, "/my-sheet"), {"version": sheet["version"],
                                                                "allocations": allocations},
                                     token=world.token("h1")), 400, "bad_allocation", f"{allocations}")
        details = {d["field"]: d["message"] for d in error["details"]}
        assert field in details and fragment in details[field], f"{allocations}: {details}"
    again = ok(api.get(T(task_id, "/my-sheet"), token=world.token("h1")), "sheet")
    assert again["version"] == sheet["version"] and again["status"] == "not_filled", "nothing half-written"
    error = assert_error(api.post(T(task_id, "/my-sheet/submit"), {"version": sheet["version"]},
                                  token=world.token("h1")), 400, "allocation_incomplete", "submit unallocated")
    assert {d["field"] for d in error["details"]} == {"allocations.G1", "allocations.G2"}


def test_a_stale_version_is_a_409_and_no_update_is_lost(api, world, task_id):
    sheet = ok(api.get(T(task_id, "/my-sheet"), token=world.token("h1")), "sheet")
    e1, e2 = world.code("e1"), world.code("e2")
    first = ok(api.put(T(task_id, "/my-sheet"), {"version": sheet["version"], "allocations": {"G1": {e1: 7}}},
                       token=world.token("h1")), "first save")
    assert first["version"] == sheet["version"] + 1 and first["status"] == "draft" and first["allocated"] == 7
    assert_error(api.put(T(task_id, "/my-sheet"), {"version": sheet["version"], "allocations": {"G1": {e2: 7}}},
                         token=world.token("h1")), 409, "concurrent_update", "a save on a stale version")
    kept = ok(api.get(T(task_id, "/my-sheet"), token=world.token("h1")), "sheet")
    g1 = next(line for line in kept["lines"] if line["group_code"] == "G1")
    assert [w["own"] for w in g1["winners"]] == [7, 0, 0], "the first save survives"


def test_submit_after_the_fill_deadline_is_refused(api, world, task_id, frozen):
    sheet = fill(api, world, task_id, "h1", submit=False)
    frozen.set(frozen.now() + 6 * DAY)
    assert_error(api.post(T(task_id, "/my-sheet/submit"), {"version": sheet["version"]}, token=world.token("h1")),
                 409, "deadline_passed", "submit after the fill deadline")
    assert ok(api.get(T(task_id, "/my-sheet"), token=world.token("h1")), "sheet")["status"] == "draft"


# -- the chain ------------------------------------------------------------------------------

def test_the_whole_chain_with_a_return_a_withdraw_and_a_resubmit(api, client, aws, world, task_id):
    h1, h2, h3 = world.org_id("h1"), world.org_id("h2"), world.org_id("h3")
    city = world.token("city_a1")
    listed = ok(api.get(T(task_id, "/city/sheets"), token=city), "city list")
    assert {s["inst_id"]: s["status"] for s in listed["items"]} == {h1: "not_filled", h2: "not_filled"}
    assert all(s["status_label"] == "未填报" for s in listed["items"])
    fill(api, world, task_id, "h1")
    fill(api, world, task_id, "h2")
    pending = ok(api.get(T(task_id, "/city/sheets?status=pending_city"), token=city), "pending")
    assert {s["inst_id"] for s in pending["items"]} == {h1, h2}
    row = next(s for s in pending["items"] if s["inst_id"] == h1)
    assert (row["demand"], row["base"], row["remaining"], row["allocated"]) == (26, 15, 11, 11)
    # out of region: another city, another city's institution
    outside = ok(api.post(T(task_id, "/city/decisions"), {"units": [h1], "decision": "approve"},
                          token=world.token("city_a2")), "city a2 on h1")
    assert outside["results"][0]["error"]["code"] == "outside_region"
    assert_error(api.get(T(task_id, f"/sheets/{h1}"), token=world.token("city_a2")), 403, "outside_region",
                 "another city's detail")
    assert_error(api.get(T(task_id, f"/sheets/{h1}"), token=world.token("prov_b")), 403, "outside_region",
                 "another province's detail")
    # return without a reason, then with one
    assert_error(api.post(T(task_id, "/city/decisions"), {"units": [h2], "decision": "return"}, token=city), 400,
                 "reason_required", "return without a reason")
    returned = ok(api.post(T(task_id, "/city/decisions"), {"units": [h2], "decision": "return",
                                                           "reason": "B组数量有误"}, token=city), "return")
    assert returned["results"] == [{"unit": h2, "ok": True, "status": "returned", "error": None}]
    approved = ok(api.post(T(task_id, "/city/decisions"), {"units": [h1], "decision": "approve"}, token=city), "ok")
    assert approved["results"][0]["status"] == "city_approved"
    again = ok(api.post(T(task_id, "/city/decisions"), {"units": [h1], "decision": "approve"}, token=city), "again")
    assert again["results"][0]["error"]["code"] == "wrong_state", "an approved row cannot be approved again"
    # a city submit while a returned institution has not resubmitted
    assert_error(api.post(T(task_id, "/city/submit"), token=city), 409, "unapproved_below", "submit with returned")
    mine = ok(api.get(T(task_id, "/my-sheet"), token=world.token("h2")), "h2 sees the reason")
    assert mine["status"] == "returned" and mine["reason"] == "B组数量有误" and mine["status_label"] == "退回修改"
    fill(api, world, task_id, "h2")  # edit and resubmit
    assert ok(api.get(T(task_id, "/my-sheet"), token=world.token("h2")), "h2")["reason"] is None
    ok(api.post(T(task_id, "/city/decisions"), {"units": [h2], "decision": "approve"}, token=city), "approve h2")
    detail = ok(api.get(T(task_id, f"/sheets/{h1}"), token=city), "detail")
    g1 = next(line for line in detail["lines"] if line["group_code"] == "G1")
    assert [(w["base"], w["own"], w["agreement"]) for w in g1["winners"]] == [(4, 7, 11), (3, 0, 3), (2, 0, 2)]
    # submit, withdraw (province not acted), submit again
    submitted = ok(api.post(T(task_id, "/city/submit"), token=city), "city submit")
    assert submitted["status"] == "submitted" and submitted["allocated"] == 11 + 29
    fill_late = api.post(T(task_id, "/my-sheet/submit"), {"version": 0}, token=world.token("h1"))
    assert fill_late.status_code == 409, "an approved sheet cannot be submitted again"
    assert ok(api.post(T(task_id, "/city/withdraw"), token=city), "withdraw")["status"] == "open"
    ok(api.post(T(task_id, "/city/submit"), token=city), "city submit again")
    # the province: its cities, approve, withdraw refused after it acted
    prov = world.token("prov_a")
    cities = ok(api.get(T(task_id, "/province/cities"), token=prov), "province cities")
    assert {c["unit"]: c["status"] for c in cities["items"]} == {"630100": "submitted", "630200": "open"}
    a1 = next(c for c in cities["items"] if c["unit"] == "630100")
    assert (a1["institutions"], a1["demand"], a1["counts"]["city_approved"]) == (2, 98, 2)
    drill = ok(api.get(T(task_id, "/province/cities/630100/sheets"), token=prov), "drill down")
    assert {s["inst_id"] for s in drill["items"]} == {h1, h2}
    assert_error(api.get(T(task_id, "/province/cities/620100/sheets"), token=prov), 403, "outside_region",
                 "another province's city")
    assert_error(api.post(T(task_id, "/province/submit"), token=prov), 409, "unapproved_below",
                 "province submit before approving")
    ok(api.post(T(task_id, "/province/decisions"), {"units": ["630100"], "decision": "return", "reason": "请复核"},
                token=prov), "province returns the city")
    assert ok(api.get(T(task_id, "/levels/630100"), token=city), "city")["reason"] == "请复核"
    ok(api.post(T(task_id, "/city/submit"), token=city), "city resubmits")
    ok(api.post(T(task_id, "/province/decisions"), {"units": ["630100"], "decision": "approve"}, token=prov), "ok")
    assert_error(api.post(T(task_id, "/city/withdraw"), token=city), 409, "withdraw_not_allowed",
                 "withdraw after the province acted")
    ok(api.post(T(task_id, "/province/submit"), token=prov), "province submit")
    # the alliance office
    office = world.token("office")
    provinces = ok(api.get(T(task_id, "/alliance/provinces"), token=office), "provinces")
    assert {v["unit"]: v["status"] for v in provinces["items"]} == {"630000": "submitted", "620000": "open"}
    ok(api.post(T(task_id, "/alliance/decisions"), {"units": ["630000"], "decision": "approve"}, token=office), "ok")
    assert_error(api.post(T(task_id, "/province/withdraw"), token=prov), 409, "withdraw_not_allowed",
                 "province withdraw after the alliance office acted")
    final = ok(api.post(T(task_id, "/finalise"), token=office), "finalise")
    assert final["status"] == "completed" and final["province_counts"]["approved"] == 1
    # agreements: city, province, alliance, each enterprise its own
    rows = ok(api.get(T(task_id, "/agreements"), token=city), "city agreements")["items"]
    assert {r["inst_id"] for r in rows} == {h1, h2} and all(r["final"] for r in rows)
    assert sum(r["agreement"] for r in rows) == 16 + 10 + 72, "agreements sum to the approved demand"
    listed = ok(api.get("/allocation-tasks", token=world.token("e2")), "an enterprise finds the task")["items"]
    assert [t["task_id"] for t in listed] == [task_id] and listed[0]["status"] == "completed"
    e2 = ok(api.get(T(task_id, "/agreements"), token=world.token("e2")), "e2 agreements")["items"]
    assert e2 and {r["credit_code"] for r in e2} == {world.code("e2")}, "an enterprise sees only its own rows"
    assert_error(api.get(T(task_id, f"/agreements?enterprise={world.code('e1')}"), token=world.token("e2")), 403,
                 "not_your_agreements", "another enterprise's rows")
    g2 = ok(api.get(T(task_id, "/agreements?group_code=G2"), token=office), "office G2")["items"]
    assert {r["group_code"] for r in g2} == {"G2"} and {r["inst_id"] for r in g2} == {h1}
    assert ok(api.get(T(task_id, "/agreements?city=620100"), token=office), "b1")["items"] == []
    assert_error(api.get(T(task_id, "/agreements?city=620100"), token=prov), 403, "outside_region", "prov b city")
    job = ok(api.post(T(task_id, "/agreement-exports"), {"group_code": "G1"}, token=city), "export", 202)
    deliver_job_messages(client, aws)
    done = ok(api.get(f"/jobs/{job['job_id']}", token=city), "export job")
    assert done["status"] == "succeeded" and done["result_url"], done
    book = factory.job_report(job["job_id"])
    exported = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(exported) == 6 and {r[2] for r in exported} == {"A组"}, exported
    assert h3  # city a2 never submitted: not a blocker for the province (it has nothing approved)


def test_every_step_is_audited_with_who_when_from_to_and_reason(api, world, task_id):
    from chalicelib.store import audit

    h1 = world.org_id("h1")
    fill(api, world, task_id, "h1")
    ok(api.post(T(task_id, "/city/decisions"), {"units": [h1], "decision": "return", "reason": "数量有误"},
                token=world.token("city_a1")), "return")
    entries = audit.history(f"asheet#{task_id}#{h1}", limit=20, cursor=None, newest_first=False).items
    steps = {(e["action"], e["from_status"], e["to_status"]) for e in entries}  # one frozen instant: any order
    assert steps == {("allocation_saved", "not_filled", "draft"), ("allocation_submitted", "draft", "pending_city"),
                     ("allocation_city_return", "pending_city", "returned")}, steps
    last = next(e for e in entries if e["action"] == "allocation_city_return")
    assert last["reason"] == "数量有误" and last["actor"] == f"account#{world.accounts['city_a1'][0]}", last
    assert last["at"], "when"


def test_a_task_takes_its_groups_from_a_projects_published_results(api, world):
    """The results rows are written straight to the store here (their import is tested in test_project_results)."""
    from chalicelib.store import project_results as results
    from chalicelib.store.projects import project_pk

    project_id = "p" * 32
    rows = [("A组", "e1", 1, "10.00", "补片甲"), ("A组", "e2", 2, "9.00", "补片甲"), ("A组", "e1", 3, "8.00", "补片乙"),
            ("B组", "e3", 1, "5.50", "补片丙"), ("B组", "e2", 2, "5.00", "补片丙")]
    for seq, (group, ent, rank, price, product) in enumerate(rows, start=1):
        results.ResultRowItem(pk=project_pk(project_id), sk=results.row_sk("b1", seq), project_id=project_id,
                              batch_id="b1", seq=seq, source_row=seq + 1, bid_group=group, rank=rank,
                              org_id=world.org_id(ent), credit_code=world.code(ent), enterprise_name=f"{ent}企业",
                              product_name=product, price=price).save()
    head = results.ResultsHeadItem(pk=project_pk(project_id), sk=results.HEAD_SK, project_id=project_id,
                                   batch_id="b1", rows=len(rows), groups="{}", imported_at="2026-01-01T00:00:00Z",
                                   imported_by="test")
    head.save()
    body = task_body(world, clock.now(), groups=None, source_project_id=project_id)
    assert_error(api.post("/allocation-tasks", body, token=world.token("office")), 400, "results_not_published",
                 "results imported but not published")
    head.update(actions=[results.ResultsHeadItem.results_published_at.set("2026-01-02T00:00:00Z")])
    created = ok(api.post("/allocation-tasks", body, token=world.token("office")), "from results", 201)
    groups = {g["name"]: g for g in created["bid_groups"]}
    assert set(groups) == {"A组", "B组"} and created["source_project_id"] == project_id
    assert [(w["credit_code"], w["rank"]) for w in groups["A组"]["winners"]] == \
        [(world.code("e1"), 1), (world.code("e2"), 2)], "one winner per enterprise, its best rank"
    assert groups["B组"]["winners"][0]["price"] == "5.50"
    both = task_body(world, clock.now(), source_project_id=project_id)
    error = assert_error(api.post("/allocation-tasks", both, token=world.token("office")), 400,
                         "validation_failed", "groups and a source project")
    assert error["details"][0]["field"] == "groups"


SESSIONS = 10


def test_ten_concurrent_saves_of_one_sheet_exactly_one_wins(world, task_id):
    """One sheet edited by 10 sessions from the same version at once (issue 13 races): one save
    commits, 9 get 409 concurrent_update; the winner's numbers are kept, the counters moved once,
    the audit log holds the one save."""
    import threading

    from chalicelib.domain.errors import Conflict
    from chalicelib.schemas.allocation import SheetSave
    from chalicelib.services.allocation import sheets
    from chalicelib.store import allocation as store
    from chalicelib.store import audit
    from tests.allocation_support import principal

    p = principal(world, "h1")
    version = sheets.get(p, task_id).version
    city_before = store.counts(store.get_city(task_id, "630100"), ("not_filled", "draft"))
    e1, e2, e3 = world.code("e1"), world.code("e2"), world.code("e3")
    # each session splits G1's remaining 7 its own way
    splits = [(a, b, 7 - a - b) for a in range(8) for b in range(8 - a)][:SESSIONS]
    outcomes: dict[int, str] = {}
    start = threading.Barrier(SESSIONS)
    original_get = store.get_sheet
    waited = threading.local()

    def read_then_wait(*args, **kwargs):  # every session has read the sheet before any writes
        sheet = original_get(*args, **kwargs)
        if threading.current_thread().name.startswith("session") and not getattr(waited, "done", False):
            waited.done = True
            start.wait(timeout=20)
        return sheet

    def save(n: int) -> None:
        a, b, c = splits[n]
        try:
            sheets.save(p, task_id, SheetSave(version=version, allocations={"G1": {e1: a, e2: b, e3: c}}))
            outcomes[n] = "saved"
        except Conflict as exc:
            outcomes[n] = exc.code

    threads = [threading.Thread(target=save, args=(n,), name=f"session{n}") for n in range(SESSIONS)]
    with mock.patch.object(store, "get_sheet", read_then_wait):
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(outcomes.values()) == ["concurrent_update"] * (SESSIONS - 1) + ["saved"], outcomes
    winner = next(n for n, o in outcomes.items() if o == "saved")
    g1 = next(line for line in sheets.get(p, task_id).lines if line.group_code == "G1")
    kept = {w["credit_code"]: w["own"] for w in g1.winners}
    assert (kept[e1], kept[e2], kept[e3]) == splits[winner], "the winning save is what is kept"
    assert sheets.get(p, task_id).version == version + 1
    city_after = store.counts(store.get_city(task_id, "630100"), ("not_filled", "draft"))
    assert city_after == {"not_filled": city_before["not_filled"] - 1, "draft": city_before["draft"] + 1}, \
        f"the city's counters moved more than once: {city_before} → {city_after}"
    saves = [e for e in audit.history(f"asheet#{task_id}#{world.org_id('h1')}", limit=50, cursor=None).items
             if e["action"] == "allocation_saved"]
    assert len(saves) == 1, f"the audit log holds {len(saves)} saves for one committed save"
