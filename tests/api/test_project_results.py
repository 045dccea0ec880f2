"""Project results (结果公布) over HTTP with the controlled clock: the import job (CSV and XLSX, bad rows
reported, a re-import replacing the previous results, the window checked at start and when the job runs),
publishing, and who sees which rows before, during and after the publication window."""
from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest

from tests import factory
from tests.api.conftest import assert_error, assert_ok, body, deliver_job_messages
from tests.api.projects_support import DAY, People, history, project_body, published_with_catalog

CERT = "国械注准20193140101"  # their certificate
HEADER = ["竞标分组 bid_group", "企业统一社会信用代码 credit_code", "企业名称 enterprise_name", "产品名称 product_name",
          "规格 specification", "型号 model", "注册证号 cert_no", "中选价格 price", "组内排名 rank", "产品ID product_ref"]


class World(People):
    """The center, the enterprise of the fixture (``ent``), a rival enterprise, a hospital, and an enterprise
    operator without 结果查询."""

    def __init__(self):
        from chalicelib.domain.enums import ActorKind, UnitRole

        super().__init__()
        self.rival = factory.make_org(role=UnitRole.MANUFACTURER, entered=True)
        self.rival_op, _ = factory.add_operator(self.rival)
        self.hospital = factory.make_org(ActorKind.MEDICAL_INSTITUTION, entered=True)
        self.hospital_op, _ = factory.add_operator(self.hospital)

    def token_of(self, who: str) -> str:
        org = {"rival": self.rival, "hospital": self.hospital}[who]
        return factory.token(getattr(self, f"{who}_op"), org.org_id)


@pytest.fixture
def world(frozen):
    return World()


@pytest.fixture
def project(api, world, frozen):
    """A published project with two bid groups in its catalog; returns (project_id, created at)."""
    now = frozen.now()
    return published_with_catalog(api, world.center, now), now


def csv_bytes(rows) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append(list(r))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def line(world_org, group="A组", name="一次性使用无菌注射器", spec="1ml", price="1.25", rank=1, cert=CERT, ref=""):
    return [group, world_org.credit_code, world_org.name, name, spec, "", cert, price, rank, ref]


def start_import(api, world, project_id, data: bytes, filename="results.csv"):
    ticket = assert_ok(api.post("/result-imports/uploads", {"filename": filename}, token=world.center), "ticket", 201)
    factory.put_import_file(ticket["upload_key"], data)
    return api.post(f"/projects/{project_id}/result-imports", {"upload_key": ticket["upload_key"]},
                    token=world.center)


def run_import(api, client, aws, world, project_id, data: bytes, filename="results.csv") -> dict:
    job = assert_ok(start_import(api, world, project_id, data, filename), "start the import", 202)
    assert job["kind"] == "project_results_import", job
    assert deliver_job_messages(client, aws) == 1
    done = assert_ok(api.get(f"/jobs/{job['job_id']}", token=world.center), "the import job")
    if done["status"] != "succeeded":
        return {"job": done}
    book = factory.job_report(done["job_id"])
    summary = dict(zip(*list(book["summary"].iter_rows(values_only=True))[:2]))
    errors = [tuple(r) for r in book["errors"].iter_rows(values_only=True)][1:]
    return {"job": done, "summary": summary, "errors": errors}


def results(api, project_id, token, query=""):
    return api.get(f"/projects/{project_id}/results{query}", token=token)


def rows_of(api, project_id, token, query="") -> list[tuple]:
    page = assert_ok(results(api, project_id, token, query), f"results{query}")
    return [(r["bid_group"], r["rank"], r["product_name"], r["price"]) for r in page["items"]]


def stored_rows(project_id) -> list:
    from chalicelib.store.project_results import ResultRowItem
    from chalicelib.store.projects import project_pk

    return list(ResultRowItem.query(project_pk(project_id), ResultRowItem.sk.startswith("result#")))


def imported(api, client, aws, world, project_id, rows) -> dict:
    """Move to the declaration end if needed and import ``rows`` (a CSV); every row must be good."""
    out = run_import(api, client, aws, world, project_id, csv_bytes(rows))
    assert out["errors"] == [], out["errors"]
    return out


# -- import --------------------------------------------------------------------------

def test_import_reports_bad_rows_and_keeps_the_good_ones(api, client, aws, world, project, frozen):  # noqa: F811
    project_id, start = project
    frozen.set(start + 8 * DAY)  # the declaration end
    unregistered = factory.credit_code()
    hospital = world.hospital
    rows = [
        line(world.ent, group="B组", rank=2, price="12.5"),
        line(world.rival, group="B组", rank=1, price="１２"),  # full-width: accepted as 12
        line(world.ent, group="A组", rank=1, price="0.5", cert=""),
        line(world.ent, group="B组", rank=3, price="99"),  # a repeat of row 2 (same group/enterprise/product)
        line(world.ent, group="C组"),  # not a bid group of the project
        [*line(world.ent)[:1], unregistered, *line(world.ent)[2:]],  # no such enterprise on the platform
        [*line(world.ent)[:1], hospital.credit_code, *line(world.ent)[2:]],  # registered, but not an enterprise
        line(world.ent, price="0", name="价格为零"), line(world.ent, price="-1", name="负价"),
        line(world.ent, price="1.23456", name="小数过多"), line(world.ent, price="abc", name="非数字"),
        line(world.ent, rank=0, name="排名为零"), line(world.ent, rank="1.5", name="排名非整数"),
        line(world.ent, spec="", name="无规格型号"),
    ]
    out = run_import(api, client, aws, world, project_id, csv_bytes(rows))
    summary = out["summary"]
    assert (summary["导入行数 rows"], summary["成功 imported"], summary["失败 rejected"]) == (14, 3, 11), summary
    errors = {(r, c) for r, c, _ in out["errors"]}
    assert errors == {(5, "product_name"), (6, "bid_group"), (7, "credit_code"), (8, "credit_code"), (9, "price"),
                      (10, "price"), (11, "price"), (12, "price"), (13, "rank"), (14, "rank"),
                      (15, "specification")}, out["errors"]
    assert any("与第 2 行重复" in m for _, _, m in out["errors"])
    # the center sees them before publication, by bid group then rank
    page = assert_ok(results(api, project_id, world.center), "the center's view")
    assert page["published"] is False and page["scope"] == "all"
    assert [(r["bid_group"], r["rank"], r["price"], r["org_id"]) for r in page["items"]] == [
        ("A组", 1, "0.5", world.ent.org_id), ("B组", 1, "12", world.rival.org_id), ("B组", 2, "12.5", world.ent.org_id)]
    assert page["items"][0]["cert_no"] is None and page["items"][2]["cert_no"] == CERT
    assert rows_of(api, project_id, world.center, "?bid_group=B组&limit=1")[0][:2] == ("B组", 1)
    assert rows_of(api, project_id, world.center, "?bid_group=C组") == []
    imports = [e for e in history(project_id) if e["action"] == "project_results_imported"]
    assert len(imports) == 1 and {"op": "add", "path": "/rows", "value": 3} in imports[0]["diff"], imports


def test_xlsx_import_pages_and_numbers_from_cells(api, client, aws, world, project, frozen):  # noqa: F811
    project_id, start = project
    frozen.set(start + 9 * DAY)
    rows = [line(world.ent, group="A组", rank=n, name=f"产品{n}", price=590.5) for n in (3, 1, 2)]
    rows.append(line(world.rival, group="B组", rank=1, price=7))
    out = run_import(api, client, aws, world, project_id, xlsx_bytes(rows), "results.xlsx")
    assert out["errors"] == [] and out["summary"]["成功 imported"] == 4, out
    first = assert_ok(results(api, project_id, world.center, "?limit=2"), "page 1")
    second = assert_ok(results(api, project_id, world.center, f"?limit=2&cursor={first['next_cursor']}"), "page 2")
    assert [(r["bid_group"], r["rank"]) for r in first["items"] + second["items"]] == [
        ("A组", 1), ("A组", 2), ("A组", 3), ("B组", 1)]
    assert second["next_cursor"] is None and first["items"][0]["price"] == "590.5"
    assert_error(results(api, project_id, world.center, f"?bid_group=A组&cursor={first['next_cursor']}"), 400,
                 "invalid_cursor", "a cursor of another list")


def test_a_re_import_replaces_the_previous_results(api, client, aws, world, project, frozen):  # noqa: F811
    project_id, start = project
    frozen.set(start + 8 * DAY)
    imported(api, client, aws, world, project_id, [line(world.ent, name="旧产品"), line(world.rival, group="B组")])
    old_batch = {r.batch_id for r in stored_rows(project_id)}
    imported(api, client, aws, world, project_id, [line(world.rival, name="新产品", price="3")])
    assert rows_of(api, project_id, world.center) == [("A组", 1, "新产品", "3")]
    left = stored_rows(project_id)
    assert len(left) == 1 and {r.batch_id for r in left}.isdisjoint(old_batch), "the old batch's rows are deleted"
    # a file without one good row replaces nothing
    out = run_import(api, client, aws, world, project_id, csv_bytes([line(world.ent, price="abc")]))
    assert out["summary"]["成功 imported"] == 0
    assert rows_of(api, project_id, world.center) == [("A组", 1, "新产品", "3")]
    actions = [e["action"] for e in history(project_id)]
    assert actions.count("project_results_imported") == 2


def test_import_window_is_checked_at_start_and_when_the_job_runs(api, client, aws, world, project,
                                                                 frozen):  # noqa: F811
    project_id, start = project
    data = csv_bytes([line(world.ent)])
    frozen.set(start + 8 * DAY - timedelta(seconds=1))
    assert_error(start_import(api, world, project_id, data), 409, "declaration_window_open", "during declarations")
    frozen.set(start + 17 * DAY)
    assert_error(start_import(api, world, project_id, data), 409, "publication_window_passed", "after the end")
    # accepted one second before the end, run after it: the job fails and writes nothing
    frozen.set(start + 17 * DAY - timedelta(seconds=1))
    job = assert_ok(start_import(api, world, project_id, data), "in time", 202)
    frozen.set(start + 17 * DAY)
    deliver_job_messages(client, aws)
    done = assert_ok(api.get(f"/jobs/{job['job_id']}", token=world.center), "job")
    assert done["status"] == "failed" and "公示期已结束" in done["error"], done
    assert stored_rows(project_id) == []
    assert_error(start_import(api, world, "0" * 32, data), 404, "project_not_found", "unknown project")
    assert_error(api.post(f"/projects/{project_id}/result-imports", {"upload_key": "imports/other/x.csv"},
                          token=world.center), 409, "publication_window_passed", "window first")


def test_upload_key_must_be_the_centers_own(api, world, project, frozen):  # noqa: F811
    project_id, start = project
    frozen.set(start + 8 * DAY)
    for key, code in (("imports/someone-else/x.csv", "foreign_upload"), ("jobs/x/report.xlsx", "foreign_upload")):
        assert_error(api.post(f"/projects/{project_id}/result-imports", {"upload_key": key}, token=world.center),
                     400, code, key)
    ticket = assert_ok(api.post("/result-imports/uploads", {"filename": "r.csv"}, token=world.center), "ticket", 201)
    assert_error(api.post(f"/projects/{project_id}/result-imports", {"upload_key": ticket["upload_key"]},
                          token=world.center), 400, "upload_not_found", "nothing uploaded yet")
    assert_error(api.post("/result-imports/uploads", {"filename": "r.csv"}, token=world.enterprise), 403,
                 "actor_forbidden", "enterprises do not import results")


def test_template_has_the_headers_the_import_reads(api, world):
    import base64

    got = assert_ok(api.get("/result-imports/template", token=world.center), "template")
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(got["content_base64"])), read_only=True)
    rows = list(book["results"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and rows[1][7] == "590.00", rows


# -- publish and visibility ----------------------------------------------------------

def test_publish_rules(api, client, aws, world, project, frozen):  # noqa: F811
    project_id, start = project
    publish = f"/projects/{project_id}/results/publish"
    frozen.set(start + 8 * DAY)
    assert_error(api.post(publish, token=world.center), 409, "no_results", "nothing imported")
    assert_error(api.post(publish, token=world.enterprise), 403, "actor_forbidden", "an enterprise")
    imported(api, client, aws, world, project_id, [line(world.ent)])
    done = assert_ok(api.post(publish, token=world.center), "publish")
    assert done["rows"] == 1 and done["results_published_at"].endswith("+08:00")
    assert_error(api.post(publish, token=world.center), 409, "results_published", "twice")
    assert_error(start_import(api, world, project_id, csv_bytes([line(world.rival)])), 409, "results_published",
                 "no import after publication")
    assert [e["action"] for e in history(project_id)].count("project_results_published") == 1
    assert_error(api.post(f"/projects/{'0' * 32}/results/publish", token=world.center), 404, "project_not_found",
                 "unknown")


def test_a_publish_that_loses_to_a_reimport_leaves_no_stray_rows(api, client, aws, world, project, frozen,
                                                                  monkeypatch):
    """A re-import switches the batch and deletes the old rows while a publish is indexing them: the publish's
    puts may re-create rows already deleted, so the losing publish deletes the old batch again."""
    from chalicelib.store import project_results as store
    from chalicelib.store.project_results import ResultsHeadItem

    project_id, start = project
    frozen.set(start + 8 * DAY)
    imported(api, client, aws, world, project_id, [line(world.ent)])
    old_batch = store.get_head(project_id).batch_id
    original = store.write_rows

    def reimport_first(rows):
        head = store.get_head(project_id)  # what the import job does: switch the head, delete the old rows
        head.update(actions=[ResultsHeadItem.batch_id.set("b" * 32), ResultsHeadItem.version.add(1)])
        store.delete_batch(project_id, old_batch)
        return original(rows)  # ... and only then do the publish's puts land

    monkeypatch.setattr(store, "write_rows", reimport_first)
    assert_error(api.post(f"/projects/{project_id}/results/publish", token=world.center), 409, "results_changed",
                 "lost the race")
    assert list(store.rows_of(project_id, old_batch)) == [], "the re-created rows of the old batch are gone"
    assert store.get_head(project_id).results_published_at is None


def test_publishing_after_the_publication_end_is_refused(api, client, aws, world, project, frozen):  # noqa: F811
    project_id, start = project
    frozen.set(start + 8 * DAY)
    imported(api, client, aws, world, project_id, [line(world.ent)])
    frozen.set(start + 17 * DAY)
    assert_error(api.post(f"/projects/{project_id}/results/publish", token=world.center), 409,
                 "publication_window_passed", "too late")


def test_who_sees_the_results_when(api, client, aws, world, project, frozen):  # noqa: F811
    project_id, start = project
    frozen.set(start + 8 * DAY)
    imported(api, client, aws, world, project_id, [line(world.ent), line(world.rival, group="B组"),
                                                   line(world.ent, group="B组", rank=2, name="另一产品")])
    callers = {"enterprise": world.enterprise, "rival": world.token_of("rival"),
               "hospital": world.token_of("hospital")}
    for name, token in callers.items():
        assert_error(results(api, project_id, token), 409, "results_not_public", f"{name}, not published")
    assert_ok(api.post(f"/projects/{project_id}/results/publish", token=world.center), "publish")
    for name, token in callers.items():
        assert_error(results(api, project_id, token), 409, "results_not_public", f"{name}, before the window")
    assert len(rows_of(api, project_id, world.center)) == 3, "the center, always"

    frozen.set(start + 10 * DAY)  # the publication start (inclusive)
    callers = {"enterprise": world.enterprise, "rival": world.token_of("rival"),
               "hospital": world.token_of("hospital"), "center": world.center}
    for name, token in callers.items():
        page = assert_ok(results(api, project_id, token), f"{name} during the window")
        assert len(page["items"]) == 3 and page["scope"] == "all" and page["published"], (name, page)
    assert [r[2] for r in rows_of(api, project_id, world.token_of("hospital"), "?bid_group=B组")] == [
        "一次性使用无菌注射器", "另一产品"]

    frozen.set(start + 17 * DAY)  # the publication end (exclusive): only own rows, and the center
    callers = {"enterprise": world.enterprise, "rival": world.token_of("rival"),
               "hospital": world.token_of("hospital"), "center": world.center}
    own = assert_ok(results(api, project_id, callers["enterprise"]), "the row's enterprise afterwards")
    assert own["scope"] == "own" and [(r["bid_group"], r["org_id"]) for r in own["items"]] == [
        ("A组", world.ent.org_id), ("B组", world.ent.org_id)]
    assert [r[0] for r in rows_of(api, project_id, callers["enterprise"], "?bid_group=B组")] == ["B组"]
    rival = assert_ok(results(api, project_id, callers["rival"]), "another enterprise afterwards")
    assert [r["org_id"] for r in rival["items"]] == [world.rival.org_id]
    assert_error(results(api, project_id, callers["hospital"]), 409, "results_not_public", "a hospital afterwards")
    assert len(assert_ok(results(api, project_id, callers["center"]), "center afterwards")["items"]) == 3


def test_result_query_needs_the_permission_and_a_published_project(api, world, project, frozen):  # noqa: F811
    from chalicelib.domain.enums import ActorKind

    project_id, start = project
    city = factory.make_org(ActorKind.CITY_BUREAU)
    assert_error(results(api, project_id, factory.operator_token(city)), 403, "permission_required",
                 "a city bureau holds no 结果查询")
    assert_error(results(api, project_id, factory.unit_token(world.ent)), 403, "unit_account_no_business",
                 "a unit account")
    draft = assert_ok(api.post("/projects", project_body(start), token=world.center), "draft", 201)["project_id"]
    assert_error(results(api, draft, world.enterprise), 404, "project_not_found", "a draft's results")
    page = assert_ok(results(api, draft, world.center), "the center, a draft without results")
    assert page["items"] == [] and page["published"] is False
    assert body(results(api, "0" * 32, world.center))["error"]["code"] == "project_not_found"
