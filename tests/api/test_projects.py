"""Procurement projects over HTTP with a controlled clock, and the scheduled
function that moves their status along the windows."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.api.conftest import assert_error, assert_ok, body
from tests.api.projects_support import CODE, DAY, OTHER, OUTSIDE, UNKNOWN, create_published, history, iso, project_body, run_schedule, stored_status

# -- create, edit, publish -----------------------------------------------------

def test_center_creates_a_draft_shown_in_china_time(api, people, frozen):
    now = frozen.now()
    created = assert_ok(api.post("/projects", project_body(now), token=people.center), "create", 201)
    assert created["status"] == "draft" and created["status_label"] == "草稿"
    assert created["kind_label"] == "国家集采中选采购项目"
    assert created["declaration_start"].endswith("+08:00")
    assert datetime.fromisoformat(created["declaration_start"]) == now + DAY
    assert created["next_transition_at"] is None and created["published_at"] is None
    from chalicelib.store import projects

    stored = projects.get(created["project_id"])
    assert stored.declaration_start.endswith("Z"), "stored in UTC"
    assert stored.gsi2pk is None, "a draft is never due"
    assert [e["action"] for e in history(created["project_id"])] == ["project_created"]


def test_create_is_idempotent(api, people, frozen):
    payload = project_body(frozen.now())
    first = api.post("/projects", payload, token=people.center, **{"Idempotency-Key": "proj-create-0001"})
    again = api.post("/projects", payload, token=people.center, **{"Idempotency-Key": "proj-create-0001"})
    assert first.status_code == again.status_code == 201
    assert body(first)["project_id"] == body(again)["project_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"


@pytest.mark.parametrize("over, fields", [
    ({"declaration_end": "DS"}, {"declaration_end"}),
    ({"publication_start": "OVERLAP"}, {"publication_start"}),
    ({"publication_end": "PS"}, {"publication_end"}),
])
def test_bad_windows_are_a_400_naming_the_field(api, people, frozen, over, fields):
    now = frozen.now()
    values = {"DS": iso(now + DAY), "OVERLAP": iso(now + 5 * DAY), "PS": iso(now + 10 * DAY)}
    payload = project_body(now, **{k: values[v] for k, v in over.items()})
    error = assert_error(api.post("/projects", payload, token=people.center), 400, "invalid_window", "bad window")
    assert {d["field"] for d in error["details"]} == fields


def test_naive_instants_and_unknown_kinds_are_refused(api, people, frozen):
    payload = project_body(frozen.now(), declaration_start="2026-03-01T09:00:00", kind="city_vbp")
    response = api.post("/projects", payload, token=people.center)
    assert response.status_code == 400
    fields = {d["field"] for d in body(response)["error"]["details"]}
    assert {"declaration_start", "kind"} <= fields


def test_draft_is_editable_then_published_and_frozen(api, people, frozen, client):
    now = frozen.now()
    project_id = assert_ok(api.post("/projects", project_body(now), token=people.center), "create", 201)["project_id"]
    edited = assert_ok(api.patch(f"/projects/{project_id}", {"name": "新名称", "declaration_start": iso(now)},
                                 token=people.center), "edit")
    assert edited["name"] == "新名称" and datetime.fromisoformat(edited["declaration_start"]) == now
    bad = api.patch(f"/projects/{project_id}", {"publication_start": iso(now + 2 * DAY)}, token=people.center)
    assert_error(bad, 400, "invalid_window", "overlap after merge")
    update = next(e for e in history(project_id) if e["action"] == "project_updated")
    assert {"op": "replace", "path": "/name", "value": "新名称"} in update["diff"]

    published = assert_ok(api.post(f"/projects/{project_id}/publish", token=people.center), "publish")
    assert published["status"] == "declaring", "its declaration window is already open"
    assert [(e["from_status"], e["to_status"]) for e in history(project_id) if e["from_status"]] == [
        ("draft", "published"), ("published", "declaring")]
    assert stored_status(project_id) == "declaring"
    assert_error(api.patch(f"/projects/{project_id}", {"name": "x"}, token=people.center), 409,
                 "project_not_draft", "edit after publish")
    assert_error(api.post(f"/projects/{project_id}/publish", token=people.center), 409, "project_not_draft",
                 "publish twice")


def test_a_project_whose_declaration_is_over_cannot_be_published(api, people, frozen):
    now = frozen.now()
    project_id = assert_ok(api.post("/projects", project_body(now), token=people.center), "create", 201)["project_id"]
    frozen.advance(days=9)
    assert_error(api.post(f"/projects/{project_id}/publish", token=people.center), 409, "declaration_window_passed",
                 "late publish")


def test_unknown_project_is_404(api, people):
    assert_error(api.get(f"/projects/{'0' * 32}", token=people.center), 404, "project_not_found", "get")
    assert_error(api.post(f"/projects/{'0' * 32}/publish", token=people.center), 404, "project_not_found", "publish")
    assert_error(api.patch(f"/projects/{'0' * 32}", {"name": "x"}, token=people.center), 404, "project_not_found",
                 "patch")


# -- who sees what -----------------------------------------------------------

def test_access_rules(api, people, frozen):
    now = frozen.now()
    assert_error(api.post("/projects", project_body(now), token=people.enterprise), 403, "actor_forbidden",
                 "an enterprise cannot create projects")
    assert_error(api.post("/projects", project_body(now), token=people.platform_unit), 403,
                 "unit_account_no_business", "the platform's unit account does no business")
    assert_error(api.get("/projects?status=draft", token=people.enterprise), 403, "actor_forbidden", "list")
    assert api.post("/projects", project_body(now)).status_code == 401

    draft = assert_ok(api.post("/projects", project_body(now), token=people.center), "create", 201)["project_id"]
    public = create_published(api, people, now, name="已发布项目")
    assert_error(api.get(f"/projects/{draft}", token=people.enterprise), 404, "project_not_found",
                 "a draft is invisible outside the center")
    assert assert_ok(api.get(f"/projects/{draft}", token=people.center), "center sees drafts")["status"] == "draft"
    assert assert_ok(api.get(f"/projects/{public}", token=people.enterprise), "published")["name"] == "已发布项目"


def test_announcements_are_public_newest_first_and_paged(api, people, frozen):
    now = frozen.now()
    assert_ok(api.post("/projects", project_body(now, name="草稿"), token=people.center), "draft", 201)
    ids = []
    for n in range(3):
        ids.append(create_published(api, people, frozen.now(), name=f"公告{n}"))
        frozen.advance(seconds=1)
    first = assert_ok(api.get("/announcements?limit=2"), "announcements without login")
    assert [a["project_id"] for a in first["items"]] == [ids[2], ids[1]]
    assert first["items"][0]["status"] == "published" and first["items"][0]["kind_label"]
    second = assert_ok(api.get(f"/announcements?limit=2&cursor={first['next_cursor']}"), "page 2")
    names = [a["name"] for a in second["items"]]
    assert ids[0] in [a["project_id"] for a in second["items"]] and "草稿" not in names


def test_center_lists_by_status(api, people, frozen):
    now = frozen.now()
    draft = assert_ok(api.post("/projects", project_body(now), token=people.center), "create", 201)["project_id"]
    published = create_published(api, people, now)
    drafts = assert_ok(api.get("/projects?status=draft&limit=100", token=people.center), "drafts")
    assert draft in [p["project_id"] for p in drafts["items"]]
    assert published not in [p["project_id"] for p in drafts["items"]]
    listed = assert_ok(api.get("/projects?status=published", token=people.center), "published")
    assert [p["project_id"] for p in listed["items"]] == [published]
    assert_error(api.get("/projects?status=bogus", token=people.center), 400, "validation_failed", "bad status")


# -- the schedule ------------------------------------------------------------

def test_schedule_moves_projects_at_their_due_times_and_twice_is_harmless(api, people, frozen, client):
    now = frozen.now()
    project_id = create_published(api, people, now)
    run_schedule(client)
    assert stored_status(project_id) == "published", "nothing due yet"

    frozen.set(now + DAY)  # exactly the declaration start
    for _ in range(2):
        run_schedule(client)
    assert stored_status(project_id) == "declaring"
    shown = assert_ok(api.get(f"/projects/{project_id}", token=people.enterprise), "declaring")
    assert shown["status"] == "declaring"
    assert datetime.fromisoformat(shown["next_transition_at"]) == now + 8 * DAY

    frozen.set(now + 8 * DAY + timedelta(seconds=30))
    run_schedule(client)
    run_schedule(client)
    assert stored_status(project_id) == "closed"
    steps = [(e["from_status"], e["to_status"]) for e in history(project_id) if e["actor"] == "system:schedule"]
    assert steps == [("published", "declaring"), ("declaring", "closed")], "each transition audited once"
    listed = assert_ok(api.get("/projects?status=closed", token=people.center), "closed list")
    assert project_id in [p["project_id"] for p in listed["items"]]


def test_status_is_right_at_request_time_even_before_the_schedule_runs(api, people, frozen):
    now = frozen.now()
    project_id = create_published(api, people, now)
    frozen.set(now + 8 * DAY)
    assert stored_status(project_id) == "published", "no schedule ran"
    assert assert_ok(api.get(f"/projects/{project_id}", token=people.enterprise), "get")["status"] == "closed"


def test_a_run_after_a_weeks_outage_catches_up_step_by_step(api, people, frozen, client):
    from chalicelib.store import projects

    now = frozen.now()
    project_id = create_published(api, people, now)
    frozen.set(now + 30 * DAY)
    run_schedule(client)
    run_schedule(client)
    assert stored_status(project_id) == "finished"
    item = projects.get(project_id)
    assert item.gsi2pk is None and item.gsi2sk is None, "no longer due: out of the sparse index"
    steps = [e for e in history(project_id) if e["actor"] == "system:schedule"]
    assert [(e["from_status"], e["to_status"]) for e in steps] == [
        ("published", "declaring"), ("declaring", "closed"), ("closed", "publicising"), ("publicising", "finished")]
    assert all(e["reason"] for e in steps), "each records when it was due"
    assert list(projects.due(frozen.now())) == []
    announced = assert_ok(api.get("/announcements"), "announcements")["items"]
    assert next(a for a in announced if a["project_id"] == project_id)["status"] == "finished"


def test_schedule_finds_due_projects_with_one_query_not_a_scan(api, people, frozen, client, monkeypatch):
    from chalicelib.store.projects import ProjectItem

    now = frozen.now()
    project_id = create_published(api, people, now)
    frozen.set(now + 2 * DAY)

    def no_scan(*a, **k):
        raise AssertionError("the schedule must not scan")

    monkeypatch.setattr(ProjectItem, "scan", no_scan)
    from chalicelib.services import projects as service

    assert service.advance_due() == 1
    assert stored_status(project_id) == "declaring"


# -- project catalog and declarations ---------------------------------------------

def test_project_catalog_only_takes_national_catalog_products(api, people, declaring):
    project_id, _ = declaring
    assert_error(api.put(f"/projects/{project_id}/catalog/{UNKNOWN}", {"bid_group": "A组"}, token=people.center),
                 400, "not_in_catalog", "unknown product")
    assert_error(api.put(f"/projects/{project_id}/catalog/C1401", {"bid_group": "A组"}, token=people.center),
                 400, "malformed", "malformed code")
    assert_error(api.put(f"/projects/{project_id}/catalog/{CODE}", {"bid_group": "A组"}, token=people.enterprise),
                 403, "actor_forbidden", "enterprises do not edit catalogs")
    assert_error(api.put(f"/projects/{project_id}/catalog/{CODE}", {"bid_group": "组" * 61}, token=people.center),
                 400, "validation_failed", "a bid group longer than the import allows")
    regrouped = assert_ok(api.put(f"/projects/{project_id}/catalog/{CODE}", {"bid_group": "  A组  "},
                                  token=people.center), "the same group, blanks around it")
    assert regrouped["bid_group"] == "A组", "normalised as the import normalises"
    listed = assert_ok(api.get(f"/projects/{project_id}/catalog", token=people.enterprise), "catalog")["items"]
    assert [(e["code27"], e["bid_group"]) for e in listed] == [(CODE, "A组"), (OTHER, "B组")]
    assert listed[0]["specification"] == "1ml"


def test_declarations_inside_the_window_only(api, people, declaring, frozen):
    from chalicelib.domain.enums import UnitRole
    from tests import factory

    project_id, start = declaring
    path = f"/projects/{project_id}/declarations"
    assert_error(api.post(path, {"code27": CODE}, token=people.enterprise), 409, "declaration_window_not_open",
                 "one second early")
    frozen.set(start + DAY)
    made = assert_ok(api.post(path, {"code27": CODE}, token=people.enterprise), "declare", 201)
    assert (made["code27"], made["bid_group"], made["org_id"]) == (CODE, "A组", people.ent.org_id)
    assert_error(api.post(path, {"code27": CODE}, token=people.enterprise), 409, "already_declared", "duplicate")
    assert_error(api.post(path, {"code27": OTHER}, token=people.enterprise), 400, "product_not_approved",
                 "not approved in the own library")
    assert_error(api.post(path, {"code27": OUTSIDE}, token=people.enterprise), 400, "not_in_project_catalog",
                 "outside the project catalog")
    assert_error(api.post(path, {"code27": "C1401"}, token=people.enterprise), 400, "malformed", "malformed")

    rival = factory.make_org(role=UnitRole.MANUFACTURER, entered=True)
    rival_token = factory.operator_token(rival)
    assert_error(api.post(path, {"code27": CODE}, token=rival_token), 400, "product_not_approved",
                 "another enterprise's approved product is not in this one's library")
    assert assert_ok(api.get(path, token=rival_token), "rival's list")["items"] == []
    assert_error(api.post(path, {"code27": CODE}, token=people.center), 403, "actor_forbidden", "the center")

    assert [d["code27"] for d in assert_ok(api.get(path, token=people.enterprise), "own list")["items"]] == [CODE]
    assert_ok(api.delete(f"{path}/{CODE}", token=people.enterprise), "delete")
    assert_error(api.delete(f"{path}/{CODE}", token=people.enterprise), 404, "declaration_not_found", "twice")
    assert_ok(api.post(path, {"code27": CODE}, token=people.enterprise), "declare again", 201)

    frozen.set(start + 8 * DAY)  # the declaration end, and no schedule has run
    assert stored_status(project_id) == "published"
    assert_error(api.post(path, {"code27": OUTSIDE}, token=people.enterprise), 409, "declaration_window_closed",
                 "declare after the window")
    assert_error(api.delete(f"{path}/{CODE}", token=people.enterprise), 409, "declaration_window_closed",
                 "delete after the window")
    assert_error(api.put(f"/projects/{project_id}/catalog/{OUTSIDE}", {"bid_group": "C组"}, token=people.center),
                 409, "declaration_window_passed", "catalog after the window")
    assert [d["code27"] for d in assert_ok(api.get(path, token=people.enterprise), "kept")["items"]] == [CODE]
    actions = [e["action"] for e in history(project_id)]
    assert actions.count("declaration_added") == 2 and actions.count("declaration_deleted") == 1


def test_declaring_needs_a_certified_enterprise_in_the_procurement_subsystem(api, people, declaring, frozen):
    from chalicelib.domain.enums import UnitRole
    from tests import factory

    project_id, start = declaring
    frozen.set(start + DAY)
    path = f"/projects/{project_id}/declarations"
    outsider = factory.operator_token(factory.make_org(role=UnitRole.MANUFACTURER, entered=False))
    assert_error(api.post(path, {"code27": CODE}, token=outsider), 403, "procurement_entry_required", "not entered")
    uncertified = factory.operator_token(factory.make_org(role=None, entered=True))
    assert_error(api.post(path, {"code27": CODE}, token=uncertified), 403, "role_required", "no enterprise role")
    assert_error(api.get(path, token=outsider), 403, "procurement_entry_required", "list")
    assert_error(api.delete(f"{path}/{CODE}", token=outsider), 403, "procurement_entry_required", "delete")


def test_the_center_reads_the_projects_history_newest_first(api, people, declaring, frozen, client):
    project_id, start = declaring
    frozen.set(start + DAY)
    assert_ok(api.post(f"/projects/{project_id}/declarations", {"code27": CODE}, token=people.enterprise),
              "declare", 201)
    frozen.set(start + DAY + timedelta(seconds=1))  # entries at one instant have no order between them
    run_schedule(client)
    page = assert_ok(api.get(f"/projects/{project_id}/history", token=people.center), "history")
    actions = [e["action"] for e in page["items"]]
    assert actions[:2] == ["project_status_advanced", "declaration_added"], "newest first"
    # the fixture made the rest at one frozen instant: no order between them
    assert sorted(actions[2:]) == ["project_catalog_entry_put", "project_catalog_entry_put", "project_created",
                                   "project_published"], actions
    assert page["items"][0]["to_status"] == "declaring" and page["items"][0]["actor"] == "system:schedule"
    first = assert_ok(api.get(f"/projects/{project_id}/history?limit=2", token=people.center), "page")
    assert len(first["items"]) == 2 and first["next_cursor"], first
    assert_error(api.get(f"/projects/{project_id}/history", token=people.enterprise), 403, "actor_forbidden",
                 "the audit log is the center's")
    assert_error(api.get(f"/projects/{'0' * 32}/history", token=people.center), 404, "project_not_found", "unknown")
