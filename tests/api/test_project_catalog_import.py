"""The project catalog imported by the center as a job (CSV and XLSX), its error
report, the declaration window at start and at run time, re-grouping, filters,
and removing entries (not once declared)."""
from __future__ import annotations

import base64
import io
import openpyxl
import pytest

from tests import factory
from tests.api.conftest import assert_error, assert_ok, deliver_job_messages
from tests.api.projects_support import CODE, DAY, OTHER, OUTSIDE, UNKNOWN, history, in_library, project_body

HEADER_EN = ["code27", "bid_group", "specification", "model"]
HEADER_ZH = ["规格型号编码 code27", "竞标分组 bid_group", "规格 specification", "型号 model"]
MASK = "C08010200100001000010000001"  # 医用外科口罩 17.5cm×9.5cm 成人, under 青械注准20202140002
SYRINGE_20 = "C14010100100002000010000001"  # 20ml 螺口


@pytest.fixture
def draft(api, people, frozen):
    """A draft project (declaration from tomorrow to +8 days) and the demo national catalog."""
    factory.seed_demo_catalog()
    created = assert_ok(api.post("/projects", project_body(frozen.now()), token=people.center), "create", 201)
    return created["project_id"]


def csv_bytes(header, rows) -> bytes:
    lines = [",".join(header)] + [",".join("" if c is None else str(c) for c in row) for row in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(header, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(api, token, data: bytes, filename: str) -> str:
    ticket = assert_ok(api.post("/projects/catalog-imports/uploads", {"filename": filename}, token=token),
                       "ticket", 201)
    factory.put_import_file(ticket["upload_key"], data)
    return ticket["upload_key"]


def start(api, token, project_id, key, **headers):
    return api.post(f"/projects/{project_id}/catalog-imports", {"upload_key": key}, token=token, **headers)


def finish(api, client, aws, token, job_id) -> dict:
    assert deliver_job_messages(client, aws) == 1, "one job message"
    return assert_ok(api.get(f"/jobs/{job_id}", token=token), "the import job")


def run_import(api, client, aws, token, project_id, data: bytes, filename="catalog.csv") -> dict:
    job = assert_ok(start(api, token, project_id, upload(api, token, data, filename)), "start", 202)
    assert job["kind"] == "project_catalog_import" and job["status"] == "queued", job
    done = finish(api, client, aws, token, job["job_id"])
    assert done["status"] == "succeeded", done
    assert done["result_filename"] == "project-catalog-import-report.xlsx", done
    book = factory.job_report(done["job_id"])
    summary = dict(zip(*list(book["summary"].iter_rows(values_only=True))[:2]))
    errors = [tuple(r) for r in book["errors"].iter_rows(values_only=True)][1:]
    return {"job": done, "summary": summary, "errors": errors}


def figures(summary) -> tuple:
    return tuple(summary[k] for k in ("导入行数 rows", "新增 added", "重新分组 regrouped", "未变 unchanged",
                                      "失败 rejected"))


def catalog(api, token, project_id, query="") -> list[dict]:
    return assert_ok(api.get(f"/projects/{project_id}/catalog?limit=100{query}", token=token), "catalog")["items"]


def groups(api, token, project_id, query="") -> dict[str, str]:
    return {e["code27"]: e["bid_group"] for e in catalog(api, token, project_id, query)}


def imports_audited(project_id) -> list[dict]:
    return [e for e in history(project_id) if e["action"] == "project_catalog_imported"]


# -- template and access ---------------------------------------------------------

def test_the_template_has_both_headers_and_a_sample_row(api, people):
    got = assert_ok(api.get("/projects/catalog-import-template", token=people.center), "template")
    assert got["filename"].endswith(".xlsx"), got
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(got["content_base64"])), read_only=True)
    rows = list(book["catalog"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER_ZH, rows[0]
    assert rows[1][0] == CODE and isinstance(rows[1][0], str), "the sample code is text, not a number"


def test_only_the_center_imports_or_removes(api, people, draft):
    enterprise = people.enterprise
    assert_error(api.get("/projects/catalog-import-template", token=enterprise), 403, "actor_forbidden", "template")
    assert_error(api.post("/projects/catalog-imports/uploads", {"filename": "a.csv"}, token=enterprise), 403,
                 "actor_forbidden", "upload ticket")
    assert_error(start(api, enterprise, draft, f"imports/{people.ent.org_id}/x.csv"), 403, "actor_forbidden",
                 "start")
    assert_error(api.delete(f"/projects/{draft}/catalog/{CODE}", token=enterprise), 403, "actor_forbidden", "delete")
    assert_error(api.get("/projects/catalog-import-template", token=people.platform_unit), 403,
                 "unit_account_no_business", "the platform's unit account")


def test_start_checks_the_project_and_the_upload(api, people, draft):
    key = upload(api, people.center, csv_bytes(HEADER_EN, [(CODE, "A")]), "a.csv")
    assert_error(start(api, people.center, "f" * 32, key), 404, "project_not_found", "unknown project")
    foreign = f"imports/{people.ent.org_id}/{'a' * 32}.csv"
    factory.put_import_file(foreign, "code27,bid_group\n")
    error = assert_error(start(api, people.center, draft, foreign), 400, "foreign_upload", "another org's file")
    assert error["details"][0]["field"] == "upload_key"
    assert_error(start(api, people.center, draft, key.replace(".csv", ".exe")), 400, "foreign_upload", "extension")
    assert_error(start(api, people.center, draft, f"imports/{people.platform.org_id}/{'b' * 32}.csv"), 400,
                 "upload_not_found", "never uploaded")
    assert_error(api.post("/projects/catalog-imports/uploads", {"filename": "a.pdf"}, token=people.center), 400,
                 "validation_failed", "only CSV/XLSX tickets")


# -- rows ------------------------------------------------------------------------

def test_a_csv_import_keeps_good_rows_and_reports_every_bad_one(api, client, aws, people, draft):
    rows = [
        (CODE, "A组", "1ml", "带针 0.45×16"),  # 2 good, spec and model match
        (OTHER, " B组 ", None, None),  # 3 good, group trimmed
        ("C1401", "A组", None, None),  # 4 malformed code
        (UNKNOWN, "A组", None, None),  # 5 not in the national catalog
        (OUTSIDE, "", None, None),  # 6 no bid group
        (OUTSIDE, "组" * 61, None, None),  # 7 bid group too long
        (OUTSIDE, "C组", "5ml", None),  # 8 specification differs (a wrong code)
        (OUTSIDE, "C组", None, "螺口"),  # 9 model differs
        (None, None, None, None),  # 10 blank: skipped
        (CODE, "C组", None, None),  # 11 repeats row 2
        (OUTSIDE, "C组", "10ML", None),  # 12 good: the bad rows before did not claim the code
        ("C1401010010000100001", "A组", None, None),  # 13 an item code
    ]
    got = run_import(api, client, aws, people.center, draft, csv_bytes(HEADER_EN, rows))
    assert figures(got["summary"]) == (11, 3, 0, 0, 8), got["summary"]
    assert [(r[0], r[1]) for r in got["errors"]] == [
        (4, "code27"), (5, "code27"), (6, "bid_group"), (7, "bid_group"), (8, "specification"), (9, "model"),
        (11, "code27"), (13, "code27")], got["errors"]
    messages = {r[0]: r[2] for r in got["errors"]}
    assert UNKNOWN in messages[5] and "第 2 行" in messages[11] and "20 位单件编码" in messages[13], messages
    assert "10ml" in messages[8], "the report shows the catalog's specification"
    assert got["job"]["progress_done"] == 11, got["job"]

    listed = catalog(api, people.center, draft)
    assert {e["code27"]: e["bid_group"] for e in listed} == {CODE: "A组", OTHER: "B组", OUTSIDE: "C组"}, listed
    first = next(e for e in listed if e["code27"] == CODE)
    assert (first["specification"], first["model"], first["item_name"], first["cert_no"]) == \
        ("1ml", "带针 0.45×16", "一次性使用无菌注射器 带针", "国械注准20193140101"), first
    audited = imports_audited(draft)
    assert len(audited) == 1, "one audit entry per import, not one per row"
    counts = {op["path"].strip("/"): op["value"] for op in audited[0]["diff"]}
    assert (counts["rows"], counts["added"], counts["rejected"]) == (11, 3, 8), counts
    assert not [e for e in history(draft) if e["action"] == "project_catalog_entry_put"], "no per-row entries"


def test_an_xlsx_import_with_chinese_headers_and_a_reimport_regroups(api, client, aws, people, draft):
    header = ["规格型号编码", "竞标分组", "规格", "型号"]
    first = run_import(api, client, aws, people.center, draft,
                       xlsx_bytes(header, [(CODE, "A组", None, None), (MASK, "口罩组", "17.5cm×9.5cm", "成人")]),
                       "catalog.xlsx")
    assert figures(first["summary"]) == (2, 2, 0, 0, 0), first
    from chalicelib.store import projects

    added_at = projects.get_catalog_entry(draft, CODE).added_at
    again = run_import(api, client, aws, people.center, draft,
                       xlsx_bytes(HEADER_ZH, [(CODE, "B组", None, None), (MASK, "口罩组", None, None),
                                              (SYRINGE_20, "B组", None, None)]), "catalog.xlsx")
    assert figures(again["summary"]) == (3, 1, 1, 1, 0), again
    assert groups(api, people.center, draft) == {CODE: "B组", MASK: "口罩组", SYRINGE_20: "B组"}
    assert projects.get_catalog_entry(draft, CODE).added_at == added_at, "a re-group keeps added_at"
    assert len(imports_audited(draft)) == 2

    # the index follows the re-group: the old group is empty
    assert groups(api, people.center, draft, "&bid_group=A组") == {}
    assert groups(api, people.center, draft, "&bid_group=B组") == {CODE: "B组", SYRINGE_20: "B组"}
    assert groups(api, people.center, draft, "&bid_group=B组&code27_prefix=C1401010010000100") == {CODE: "B组"}
    assert list(groups(api, people.center, draft, "&code27_prefix=C0801")) == [MASK]
    assert_error(api.get(f"/projects/{draft}/catalog?code27_prefix=X1", token=people.center), 400,
                 "validation_failed", "a prefix that is no code")
    page = assert_ok(api.get(f"/projects/{draft}/catalog?limit=1&bid_group=B组", token=people.center), "page 1")
    rest = assert_ok(api.get(f"/projects/{draft}/catalog?limit=1&bid_group=B组&cursor={page['next_cursor']}",
                             token=people.center), "page 2")
    assert [e["code27"] for e in page["items"] + rest["items"]] == [CODE, SYRINGE_20] and not rest["next_cursor"]
    bad_cursor = api.get(f"/projects/{draft}/catalog?limit=1&bid_group=A组&cursor={page['next_cursor']}",
                         token=people.center)
    assert_error(bad_cursor, 400, "invalid_cursor", "a cursor of another group's list")


def test_a_header_without_the_required_columns_fails_the_job(api, client, aws, people, draft):
    key = upload(api, people.center, csv_bytes(["code27", "specification"], [(CODE, "1ml")]), "a.csv")
    job = assert_ok(start(api, people.center, draft, key), "start", 202)
    done = finish(api, client, aws, people.center, job["job_id"])
    assert done["status"] == "failed" and "bid_group" in done["error"], done
    assert catalog(api, people.center, draft) == [] and imports_audited(draft) == []


def test_the_window_is_checked_at_start_and_when_the_job_runs(api, client, aws, people, draft, frozen):
    data = csv_bytes(HEADER_EN, [(CODE, "A")])
    key = upload(api, people.center, data, "a.csv")
    job = assert_ok(start(api, people.center, draft, key), "start just before the end", 202)
    frozen.set(frozen.now() + 8 * DAY)  # the declaration end: the job runs too late
    done = finish(api, client, aws, people.center, job["job_id"])
    assert done["status"] == "failed" and "申报已截止" in done["error"], done
    assert catalog(api, people.center, draft) == [], "nothing written"
    assert_error(start(api, people.center, draft, upload(api, people.center, data, "b.csv")), 409,
                 "declaration_window_passed", "start after the end")


def test_a_chunk_is_not_written_once_the_window_has_ended(api, people, draft, frozen):
    """The window is read again before each chunk's writes (ending between the job's start and a write)."""
    from chalicelib.domain.errors import Conflict
    from chalicelib.services import project_catalog

    frozen.set(frozen.now() + 8 * DAY)
    with pytest.raises(Conflict) as refused:
        project_catalog.run_import(draft, [(2, {"code27": CODE, "bid_group": "A"})])
    assert refused.value.code == "declaration_window_passed"
    assert catalog(api, people.center, draft) == []


def test_import_start_is_idempotent(api, people, draft):
    key = upload(api, people.center, csv_bytes(HEADER_EN, [(CODE, "A")]), "a.csv")
    first = assert_ok(start(api, people.center, draft, key, **{"Idempotency-Key": "catimport-0001"}), "first", 202)
    again = start(api, people.center, draft, key, **{"Idempotency-Key": "catimport-0001"})
    assert assert_ok(again, "replay", 202)["job_id"] == first["job_id"]


# -- removing entries --------------------------------------------------------------

def test_removing_entries_before_the_end_and_never_a_declared_one(api, client, aws, people, draft, frozen):
    run_import(api, client, aws, people.center, draft, csv_bytes(HEADER_EN, [(CODE, "A"), (OTHER, "A"),
                                                                             (OUTSIDE, "B")]))
    assert_ok(api.delete(f"/projects/{draft}/catalog/{OUTSIDE}", token=people.center), "remove")
    assert set(groups(api, people.center, draft)) == {CODE, OTHER}
    assert_error(api.delete(f"/projects/{draft}/catalog/{OUTSIDE}", token=people.center), 404,
                 "catalog_entry_not_found", "twice")
    assert_error(api.delete(f"/projects/{draft}/catalog/C1401", token=people.center), 400, "malformed", "bad code")
    assert_error(api.delete(f"/projects/{'f' * 32}/catalog/{CODE}", token=people.center), 404, "project_not_found",
                 "unknown project")
    deleted = [e for e in history(draft) if e["action"] == "project_catalog_entry_deleted"]
    assert len(deleted) == 1 and deleted[0]["actor"].startswith("account#"), deleted

    assert_ok(api.post(f"/projects/{draft}/publish", token=people.center), "publish")
    in_library(people.ent.org_id, CODE)
    start_at = frozen.now()
    frozen.set(start_at + DAY)  # the window opens
    declarations = f"/projects/{draft}/declarations"
    assert_ok(api.post(declarations, {"code27": CODE}, token=people.enterprise), "declare", 201)
    assert_error(api.delete(f"/projects/{draft}/catalog/{CODE}", token=people.center), 409,
                 "catalog_entry_declared", "a declared product stays")
    # a re-group (PUT or import) keeps the count
    assert_ok(api.put(f"/projects/{draft}/catalog/{CODE}", {"bid_group": "Z"}, token=people.center), "re-group")
    run_import(api, client, aws, people.center, draft, csv_bytes(HEADER_EN, [(CODE, "Y")]))
    assert_error(api.delete(f"/projects/{draft}/catalog/{CODE}", token=people.center), 409,
                 "catalog_entry_declared", "still declared after re-groups")
    assert_ok(api.delete(f"{declarations}/{CODE}", token=people.enterprise), "withdraw")
    assert_ok(api.delete(f"/projects/{draft}/catalog/{CODE}", token=people.center), "removable once withdrawn")
    assert_error(api.post(declarations, {"code27": CODE}, token=people.enterprise), 400, "not_in_project_catalog",
                 "a removed product cannot be declared")

    frozen.set(start_at + 8 * DAY)
    assert_error(api.delete(f"/projects/{draft}/catalog/{OTHER}", token=people.center), 409,
                 "declaration_window_passed", "after the declaration end")
    assert OTHER in groups(api, people.enterprise, draft)


def test_enterprises_see_what_a_declarer_needs_once_published(api, client, aws, people, draft):
    run_import(api, client, aws, people.center, draft, csv_bytes(HEADER_EN, [(MASK, "口罩组")]))
    assert_error(api.get(f"/projects/{draft}/catalog", token=people.enterprise), 404, "project_not_found",
                 "a draft's catalog is the center's")
    assert_ok(api.post(f"/projects/{draft}/publish", token=people.center), "publish")
    (row,) = catalog(api, people.enterprise, draft, "&bid_group=口罩组")
    assert row == {**row, "code27": MASK, "bid_group": "口罩组", "specification": "17.5cm×9.5cm", "model": "成人",
                   "item_name": "医用外科口罩 耳挂式", "cert_no": "青械注准20202140002"}, row
    assert "declarations" not in row, "enterprises do not see how many competitors declared"


def test_a_window_already_over_refuses_removal_too(api, people, draft, frozen):
    frozen.set(frozen.now() + 9 * DAY)
    assert_error(api.delete(f"/projects/{draft}/catalog/{CODE}", token=people.center), 409,
                 "declaration_window_passed", "after the end")
