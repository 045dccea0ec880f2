"""Bulk entry of products by Excel import (SPEC §3.3): the template, the job,
the error report, a re-import that writes nothing new, and an imported record
going through review like any other."""
from __future__ import annotations

import base64
import io

import openpyxl
import pytest

from chalicelib.domain.enums import UnitRole
from tests import factory
from tests.api.conftest import assert_error, assert_ok, deliver_job_messages
from tests.support import wait_until

OWN_CERT = "国械注准20193140101"
ITEM = "C1401010010000100001"  # under OWN_CERT, submitted in the fixture
OTHER_ITEM = "C1401010010000200001"  # under OWN_CERT, never kept as a record
HEADER = ["耗材代码27位 code27", "最小计量单位 min_usage_unit", "最小包装单位 min_package_unit",
          "最小包装转换比 min_package_ratio", "中包装单位 middle_package_unit", "中包装转换比 middle_package_ratio"]


@pytest.fixture
def world(catalog_world):
    return catalog_world


def submitted_item(api, w) -> None:
    for kind, data in (("registration_certificate", {"cert_no": OWN_CERT}), ("consumable_item", {"code20": ITEM})):
        made = assert_ok(api.post(f"/records/{kind}", {"data": data}, token=w["token"]), kind, 201)
        assert_ok(api.post(f"/records/{kind}/{made['record_id']}/submit", token=w["token"]), f"submit {kind}")


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_import(api, client, aws, token, data: bytes, filename="products.xlsx") -> dict:
    ticket = assert_ok(api.post("/product-imports/uploads", {"filename": filename}, token=token), "ticket", 201)
    factory.put_import_file(ticket["upload_key"], data)
    job = assert_ok(api.post("/product-imports", {"upload_key": ticket["upload_key"]}, token=token), "start", 202)
    assert job["kind"] == "product_import" and job["status"] == "queued", job
    assert deliver_job_messages(client, aws) == 1
    done = assert_ok(api.get(f"/jobs/{job['job_id']}", token=token), "the import job")
    assert done["status"] == "succeeded" and done["result_filename"] == "product-import-report.xlsx", done
    book = factory.job_report(done["job_id"])
    summary = dict(zip(*list(book["summary"].iter_rows(values_only=True))[:2]))
    errors = [tuple(r) for r in book["errors"].iter_rows(values_only=True)][1:]
    return {"job": done, "summary": summary, "errors": errors}


def figures(summary) -> tuple:
    return tuple(summary[k] for k in ("导入行数 rows", "新增 created", "更新 updated", "未变 unchanged",
                                      "失败 rejected"))


def product_ids(api, w, tab="draft") -> list[str]:
    page = assert_ok(api.get(f"/records/product?tab={tab}&limit=100", token=w["token"]), f"{tab} products")
    return sorted(r["record_id"] for r in page["items"])


def test_template_download(api, world):
    got = assert_ok(api.get("/records/product/import-template", token=world["token"]), "the template")
    assert got["filename"].endswith(".xlsx"), got
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(got["content_base64"])), read_only=True)
    rows = list(book["products"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and rows[1][0] == "C14010100100001000010000002", rows
    units = list(book["units"].iter_rows(values_only=True))
    assert ("U001", "支") in [tuple(u[:2]) for u in units], units[:3]
    # a record path still works next to the literal segment
    assert_error(api.get("/records/product/product-x-y", token=world["token"]), 404, "record_not_found", "detail")
    assert api.get("/records/product/import-template", token=world["reviewer"]).status_code == 403


def test_good_rows_become_drafts_bad_rows_are_reported_and_a_reimport_writes_nothing(api, client, aws, world):
    submitted_item(api, world)
    p1, p2, p3 = (f"{ITEM}000000{i}" for i in (1, 2, 3))
    rows = [
        (p1, "U001", "U016", 10, "U017", 20),  # 2 good, by codes
        (p2, "支", "盒", "10", None, None),  # 3 good, by names, ratio as text
        ("C1234", "U001", "U016", 10, None, None),  # 4 malformed code27
        (f"{ITEM}0000009", "U001", "U016", 10, None, None),  # 5 not in the catalog
        (f"{OTHER_ITEM}0000001", "U001", "U016", 10, None, None),  # 6 item not submitted
        (p3, "U999", "U016", 10, None, None),  # 7 unknown unit code
        (p3, "U001", "公斤桶", 10, None, None),  # 8 unknown unit name
        (p3, "U001", "U016", 0, None, None),  # 9
        (p3, "U001", "U016", -1, None, None),  # 10
        (p3, "U001", "U016", 2.5, None, None),  # 11
        (p3, "U001", "U016", "abc", None, None),  # 12
        (p3, "U001", "U016", 10, "U017", None),  # 13 middle unit without ratio
        (p1, "U001", "U016", 5, None, None),  # 14 repeats row 2
        (p3, "U001", "U016", 10, "箱", 20),  # 15 good (the bad rows before did not claim the code)
    ]
    data = xlsx(rows)
    first = run_import(api, client, aws, world["token"], data)
    assert figures(first["summary"]) == (14, 3, 0, 0, 11), first["summary"]
    assert [(r[0], r[1]) for r in first["errors"]] == [
        (4, "code27"), (5, "code27"), (6, "code27"), (7, "min_usage_unit"), (8, "min_package_unit"),
        (9, "min_package_ratio"), (10, "min_package_ratio"), (11, "min_package_ratio"), (12, "min_package_ratio"),
        (13, "middle_package_ratio"), (14, "code27")], first["errors"]
    messages = {r[0]: r[2] for r in first["errors"]}
    assert "目录" in messages[5] and OTHER_ITEM in messages[6] and "第 2 行" in messages[14], messages
    assert first["job"]["progress_done"] == 14, first["job"]

    org = world["org"].org_id
    expected = sorted(f"product-{org}-{code}" for code in (p1, p2, p3))
    assert product_ids(api, world) == expected
    detail = assert_ok(api.get(f"/records/product/{expected[0]}", token=world["token"]), "an imported record")
    assert detail["record"]["status"] == "draft" and detail["record"]["current_revision"] == 1, detail
    data1 = detail["record"]["data"]
    assert (data1["min_package_spec"], data1["middle_package_spec"], data1["specification"]) == \
        ("10支/盒", "20盒/箱", "1ml"), data1
    history = assert_ok(api.get(f"/records/product/{expected[0]}/history", token=world["token"]), "history")
    assert [e["action"] for e in history["items"]] == ["record_created"], history

    again = run_import(api, client, aws, world["token"], data)
    assert figures(again["summary"]) == (14, 0, 0, 3, 11), again["summary"]
    assert product_ids(api, world) == expected, "a re-import duplicated records"

    # a changed ratio on a draft updates it (conditionally, with an audit entry)
    changed = run_import(api, client, aws, world["token"], xlsx([(p2, "支", "盒", 12, None, None)]))
    assert figures(changed["summary"]) == (1, 0, 1, 0, 0), changed["summary"]
    record = assert_ok(api.get(f"/records/product/product-{org}-{p2}", token=world["token"]), "updated")["record"]
    assert record["data"]["min_package_spec"] == "12支/盒" and record["current_revision"] == 1, record


def test_foreign_and_missing_uploads_are_refused(api, client, aws, world):
    other = factory.make_org(role=UnitRole.MANUFACTURER)
    other_token = factory.operator_token(other)
    foreign = assert_ok(api.post("/product-imports/uploads", {"filename": "x.xlsx"}, token=other_token), "t", 201)
    factory.put_import_file(foreign["upload_key"], xlsx([]))
    assert_error(api.post("/product-imports", {"upload_key": foreign["upload_key"]}, token=world["token"]), 400,
                 "foreign_upload", "another organisation's upload")
    mine = assert_ok(api.post("/product-imports/uploads", {"filename": "x.xlsx"}, token=world["token"]), "t", 201)
    assert_error(api.post("/product-imports", {"upload_key": mine["upload_key"]}, token=world["token"]), 400,
                 "upload_not_found", "a ticket whose file never arrived")
    assert api.post("/product-imports/uploads", {"filename": "x.xlsx"}, token=world["reviewer"]).status_code == 403
    assert deliver_job_messages(client, aws) == 0, "a refused import queued a job"


def test_an_imported_product_is_submitted_and_reviewed_like_any_other(api, client, aws, world):
    from chalicelib.store import records

    submitted_item(api, world)
    code = f"{ITEM}0000001"
    done = run_import(api, client, aws, world["token"], xlsx([(code, "支", "盒", 10, None, None)]))
    assert figures(done["summary"]) == (1, 1, 0, 0, 0), done
    record_id = f"product-{world['org'].org_id}-{code}"
    by_api = assert_ok(api.post("/records/product", {"data": {
        "code27": f"{ITEM}0000002", "min_usage_unit": "U001", "min_package_unit": "U016", "min_package_ratio": 10}},
        token=world["token"]), "a product through the API", 201)["record_id"]
    for model, sk in ((records.HeadItem, "head"), (records.RevisionItem, "rev#0001")):  # as engine.create writes
        imported, created = (model.get(f"rec#{r}", sk).attribute_values for r in (record_id, by_api))
        assert sorted(imported) == sorted(created) and imported["version"] == created["version"] == 1, sk
    assert_ok(api.post(f"/records/product/{record_id}/submit", token=world["token"]), "submit")
    for level, reviewer in (("first", "reviewer"), ("final", "reviewer2")):
        wait_until(lambda: records.get_task(record_id, 1, level), what=f"{level} task of {record_id}")
        assert_ok(api.post(f"/reviews/records/{record_id}/decision",
                           {"revision": 1, "level": level, "decision": "approve"}, token=world[reviewer]), level)
    assert product_ids(api, world, "approved") == [record_id]
    # and once approved, importing it again is an error row (change it instead)
    again = run_import(api, client, aws, world["token"], xlsx([(code, "支", "盒", 12, None, None)]))
    assert figures(again["summary"]) == (1, 0, 0, 0, 1) and "变更" in again["errors"][0][2], again
