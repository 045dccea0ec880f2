"""The enterprise workbench (我的工作台) and the declaration candidates (选择耗材目录)."""
from __future__ import annotations

from tests.api.conftest import assert_error, assert_ok
from tests.api.projects_support import CODE, DAY, OTHER, OUTSIDE, in_library, project_body


def approve(org_id: str, code27: str) -> None:
    """Approve the product record ``in_library`` left pending (its head gets an effective revision)."""
    from chalicelib.store.records import HeadItem, get_head

    get_head(f"product-{org_id}-{code27}").update(actions=[HeadItem.effective_rev.set(1)])


def _workbench(api, token, **query) -> dict[str, dict]:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    page = assert_ok(api.get(f"/workbench/projects?{suffix}", token=token), "workbench")
    return {i["project"]["project_id"]: i for i in page["items"]}


def test_workbench_counts_the_enterprises_own_declarations(api, people, declaring, frozen):
    from chalicelib.domain.enums import UnitRole
    from tests import factory

    project_id, start = declaring
    draft = assert_ok(api.post("/projects", project_body(start), token=people.center), "a draft", 201)["project_id"]
    listed = _workbench(api, people.enterprise)
    assert draft not in listed, "drafts are not on anyone's workbench"
    assert listed[project_id]["declaration_count"] == 0
    assert listed[project_id]["can_declare"] is False, "the window opens in a second"
    assert listed[project_id]["project"]["status"] == "published"

    frozen.set(start + DAY)
    path = f"/projects/{project_id}/declarations"
    approve(people.ent.org_id, OTHER)
    for code in (CODE, OTHER):
        assert_ok(api.post(path, {"code27": code}, token=people.enterprise), f"declare {code}", 201)
    mine = _workbench(api, people.enterprise)[project_id]
    assert (mine["declaration_count"], mine["can_declare"]) == (2, True)
    assert mine["project"]["status"] == "declaring"

    rival = factory.make_org(role=UnitRole.MANUFACTURER, entered=True)
    assert _workbench(api, factory.operator_token(rival))[project_id]["declaration_count"] == 0, \
        "another enterprise's count is its own"

    assert_ok(api.delete(f"{path}/{CODE}", token=people.enterprise), "delete")
    assert _workbench(api, people.enterprise)[project_id]["declaration_count"] == 1, "a deletion counts down"
    assert_error(api.post(path, {"code27": OUTSIDE}, token=people.enterprise), 400, "not_in_project_catalog",
                 "a refused declaration")
    assert _workbench(api, people.enterprise)[project_id]["declaration_count"] == 1, "a refusal changes nothing"

    frozen.set(start + 17 * DAY)  # the publication has ended
    assert project_id not in _workbench(api, people.enterprise), "finished projects leave the workbench"
    kept = _workbench(api, people.enterprise, include_finished="true")[project_id]
    assert (kept["declaration_count"], kept["can_declare"], kept["project"]["status"]) == (1, False, "finished")


def test_workbench_pages_newest_first(api, people, frozen):
    now = frozen.now()
    made = []
    for n in range(3):
        project_id = assert_ok(api.post("/projects", project_body(now, name=f"项目{n}"), token=people.center),
                               "create", 201)["project_id"]
        assert_ok(api.post(f"/projects/{project_id}/publish", token=people.center), "publish")
        made.append(project_id)
        frozen.set(frozen.now() + DAY / 24)
    seen, cursor = [], None
    while True:
        page = assert_ok(api.get("/workbench/projects?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                                 token=people.enterprise), "page")
        seen += [i["project"]["project_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [p for p in seen if p in made] == made[::-1], "newest first, each once"


def test_workbench_is_for_declaring_enterprises(api, people):
    assert_error(api.get("/workbench/projects", token=people.center), 403, "actor_forbidden", "the center")
    assert api.get("/workbench/projects").status_code == 401, "no token: refused at the gateway"


def test_candidates_are_catalog_entries_approved_in_the_own_library(api, people, declaring, frozen):
    project_id, start = declaring
    path = f"/workbench/projects/{project_id}/candidates"
    items = assert_ok(api.get(path, token=people.enterprise), "candidates")["items"]
    assert [(i["code27"], i["bid_group"], i["declared"]) for i in items] == [(CODE, "A组", False)], \
        "OTHER is not approved; OUTSIDE is not in the project catalog"
    assert items[0]["record_id"] == f"product-{people.ent.org_id}-{CODE}"

    frozen.set(start + DAY)
    assert_ok(api.post(f"/projects/{project_id}/declarations", {"code27": CODE}, token=people.enterprise),
              "declare", 201)
    approve(people.ent.org_id, OTHER)
    items = assert_ok(api.get(path, token=people.enterprise), "after")["items"]
    assert [(i["code27"], i["declared"]) for i in items] == [(CODE, True), (OTHER, False)]

    first = assert_ok(api.get(f"{path}?limit=1", token=people.enterprise), "page 1")
    assert [i["code27"] for i in first["items"]] == [CODE] and first["next_cursor"]
    second = assert_ok(api.get(f"{path}?limit=1&cursor={first['next_cursor']}", token=people.enterprise), "page 2")
    assert [i["code27"] for i in second["items"]] == [OTHER]
    assert second["next_cursor"] is None, "no empty last page"


def test_candidates_page_past_entries_that_are_not_approved(api, people, frozen):
    """Collecting candidates reads past runs of unapproved entries, across DynamoDB pages."""
    from chalicelib.services import workbench
    from chalicelib.store import catalog
    from tests import factory

    factory.seed_demo_catalog()
    now = frozen.now()
    project_id = assert_ok(api.post("/projects", project_body(now), token=people.center), "create", 201)["project_id"]
    codes = [p.code27 for p in catalog.products_of(CODE[:20], limit=50, cursor=None).items]
    assert len(codes) >= 3, f"the demo catalog has several products of {CODE[:20]}: {codes}"
    for code in codes:
        assert_ok(api.put(f"/projects/{project_id}/catalog/{code}", {"bid_group": "A组"}, token=people.center), code)
    assert_ok(api.post(f"/projects/{project_id}/publish", token=people.center), "publish")
    in_library(people.ent.org_id, codes[-1])  # only the last entry qualifies
    old = workbench.CANDIDATE_BATCH
    workbench.CANDIDATE_BATCH = 1  # one entry per DynamoDB page
    try:
        page = assert_ok(api.get(f"/workbench/projects/{project_id}/candidates?limit=1", token=people.enterprise),
                         "candidates")
    finally:
        workbench.CANDIDATE_BATCH = old
    assert [i["code27"] for i in page["items"]] == [codes[-1]] and page["next_cursor"] is None
    assert_error(api.get(f"/workbench/projects/{'0' * 32}/candidates", token=people.enterprise), 404,
                 "project_not_found", "unknown project")


def test_a_distributor_whose_self_distribution_was_rejected_may_not_declare(api, people, declaring, frozen):
    """The procurement entry gate holds at every declaration, not only on entry (Qinghai §六)."""
    from chalicelib import clock
    from chalicelib.domain.enums import UnitRole
    from chalicelib.store.records import HeadItem, rec_pk
    from tests import factory

    project_id, start = declaring
    frozen.set(start + DAY)
    distributor = factory.make_org(role=UnitRole.DISTRIBUTOR, entered=True)
    in_library(distributor.org_id, CODE)
    token = factory.operator_token(distributor)
    path = f"/projects/{project_id}/declarations"
    record_id = f"self_distribution-{distributor.org_id}"
    at = clock.now().isoformat()
    head = HeadItem(pk=rec_pk(record_id), sk="head", record_id=record_id, kind="self_distribution",
                    org_id=distributor.org_id, title="自配送：是", current_rev=1, current_status="rejected",
                    created_at=at, updated_at=at)
    head.save()
    assert_error(api.post(path, {"code27": CODE}, token=token), 409, "self_distribution_required",
                 "rejected since entry, nothing effective")
    assert _workbench(api, token)[project_id]["declaration_count"] == 0
    head.update(actions=[HeadItem.current_status.set("pending_first")])
    assert_ok(api.post(path, {"code27": CODE}, token=token), "submitted again: may declare", 201)


def test_declaring_several_picked_products_reports_each(api, people, declaring, frozen):
    project_id, start = declaring
    path = f"/projects/{project_id}/declarations/batch"
    assert_error(api.post(path, {"code27s": [CODE]}, token=people.enterprise), 409, "declaration_window_not_open",
                 "the window is checked for the whole batch")
    frozen.set(start + DAY)
    result = assert_ok(api.post(path, {"code27s": [CODE, OTHER, OUTSIDE, CODE.lower(), "C1401"]},
                                token=people.enterprise), "batch")
    outcomes = {o["code27"]: (o["declared"], o["error_code"]) for o in result["items"]}
    assert outcomes == {CODE: (True, None), OTHER: (False, "product_not_approved"),
                        OUTSIDE: (False, "not_in_project_catalog"), "C1401": (False, "malformed")}, outcomes
    assert (result["declared"], result["refused"]) == (1, 3)
    again = assert_ok(api.post(path, {"code27s": [CODE]}, token=people.enterprise), "again")
    assert again["items"][0]["error_code"] == "already_declared"
    assert _workbench(api, people.enterprise)[project_id]["declaration_count"] == 1
    for bad in ({"code27s": []}, {"code27s": [""]}, {"code27s": ["C" * 41]}, {"code27s": [CODE] * 51}, {}):
        assert_error(api.post(path, bad, token=people.enterprise), 400, "validation_failed", f"bad batch {bad}")
    frozen.set(start + 8 * DAY)
    assert_error(api.post(path, {"code27s": [OTHER]}, token=people.enterprise), 409, "declaration_window_closed",
                 "after the window")
