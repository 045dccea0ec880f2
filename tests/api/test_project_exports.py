"""The center's view of every enterprise's declarations, and the project exports (申报明细, 中选结果)."""
from __future__ import annotations

from tests import factory
from tests.api.conftest import assert_error, assert_ok, deliver_job_messages
from tests.api.projects_support import CODE, DAY, OTHER, in_library
from tests.api.test_project_results import csv_bytes, line, run_import


def _rival(people):
    from chalicelib.domain.enums import UnitRole

    rival = factory.make_org(role=UnitRole.MANUFACTURER, entered=True, name="青海竞争医疗器械有限公司")
    return rival, factory.operator_token(rival)


def _export(api, client, aws, token, project_id, what) -> list[tuple]:
    job = assert_ok(api.post(f"/projects/{project_id}/exports", {"what": what}, token=token), f"export {what}", 202)
    assert job["kind"] == "project_export", job
    assert deliver_job_messages(client, aws) == 1
    done = assert_ok(api.get(f"/jobs/{job['job_id']}", token=token), "the export job")
    assert done["status"] == "succeeded" and done["result_filename"].endswith(".xlsx"), done
    book = factory.job_report(done["job_id"])
    return [tuple(r) for r in book[what].iter_rows(values_only=True)]


def test_the_center_sees_every_enterprises_declarations(api, people, declaring, frozen, client, aws):
    project_id, start = declaring
    frozen.set(start + DAY)
    rival, rival_token = _rival(people)
    in_library(rival.org_id, OTHER)
    path = f"/projects/{project_id}/declarations"
    assert_ok(api.post(path, {"code27": CODE}, token=people.enterprise), "declare", 201)
    assert_ok(api.post(path, {"code27": OTHER}, token=rival_token), "the rival declares", 201)

    listed = assert_ok(api.get(f"{path}/all", token=people.center), "all")["items"]
    seen = {(d["org_id"], d["code27"]): (d["bid_group"], d["enterprise_name"], d["specification"]) for d in listed}
    assert seen == {(people.ent.org_id, CODE): ("A组", people.ent.name, "1ml"),
                    (rival.org_id, OTHER): ("B组", "青海竞争医疗器械有限公司", "5ml")}, seen
    one = assert_ok(api.get(f"{path}/all?org_id={rival.org_id}", token=people.center), "one enterprise")["items"]
    assert [(d["org_id"], d["code27"], d["credit_code"]) for d in one] == [(rival.org_id, OTHER, rival.credit_code)]
    first = assert_ok(api.get(f"{path}/all?limit=1", token=people.center), "page 1")
    rest = assert_ok(api.get(f"{path}/all?limit=1&cursor={first['next_cursor']}", token=people.center), "page 2")
    assert len(first["items"]) == len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert_error(api.get(f"{path}/all", token=people.enterprise), 403, "actor_forbidden", "enterprises see their own")
    assert_error(api.get(f"/projects/{'0' * 32}/declarations/all", token=people.center), 404, "project_not_found",
                 "unknown project")

    rows = _export(api, client, aws, people.center, project_id, "declarations")
    assert rows[0][0].startswith("项目 ") and rows[1][2] == "规格型号编码 code27", rows[:2]
    body = sorted(r[1:4] for r in rows[2:])
    assert body == sorted([(people.ent.credit_code, CODE, "A组"), (rival.credit_code, OTHER, "B组")]), body


def test_results_export_has_every_row_and_needs_results(api, people, declaring, frozen, client, aws):
    project_id, start = declaring
    assert_error(api.post(f"/projects/{project_id}/exports", {"what": "results"}, token=people.center), 409,
                 "no_results", "nothing imported yet")
    assert_error(api.post(f"/projects/{project_id}/exports", {"what": "everything"}, token=people.center), 400,
                 "validation_failed", "unknown export")
    assert_error(api.post(f"/projects/{project_id}/exports", {"what": "declarations"}, token=people.enterprise),
                 403, "actor_forbidden", "enterprises do not export the project")
    frozen.set(start + 9 * DAY)  # declarations closed: results may be imported
    rows = [line(people.ent, price="1.25"), line(people.ent, "B组", spec="5ml", price="2.5")]
    imported = run_import(api, client, aws, people, project_id, csv_bytes(rows))
    assert imported["summary"]["成功 imported"] == 2, imported
    rows = _export(api, client, aws, people.center, project_id, "results")
    assert [(r[0], r[1], r[3], r[8]) for r in rows[2:]] == [("A组", 1, people.ent.credit_code, "1.25"),
                                                           ("B组", 1, people.ent.credit_code, "2.5")], rows
