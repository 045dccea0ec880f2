"""The national consumables catalog over HTTP: public look-ups with paging and
404s, and the platform's import job (error report, idempotent re-import)."""
from __future__ import annotations

import io
from urllib.parse import quote

import openpyxl
import pytest

from chalicelib.domain.enums import ActorKind, UnitRole
from tests import factory
from tests.api.conftest import assert_error, assert_ok, deliver_job_messages

OWN_CERT = "国械注准20193140101"  # the demo manufacturer's
FOREIGN_CERT = "国械注进20173461234"  # Medtronic, Inc.
ONYX = "C0201030010000100001"  # 4 products


@pytest.fixture
def catalog(aws):
    maker = factory.make_org(role=UnitRole.MANUFACTURER)
    factory.seed_demo_catalog(maker)
    return maker


def cert_path(cert_no: str, rest: str = "") -> str:
    return f"/catalog/certificates/{quote(cert_no, safe='')}{rest}"


def test_certificates_page_by_number_and_filter(api, catalog):
    first = assert_ok(api.get("/catalog/certificates?limit=3"), "first page")
    numbers = [c["cert_no"] for c in first["items"]]
    assert numbers == sorted(numbers) and len(numbers) == 3 and first["next_cursor"], first
    rest = assert_ok(api.get(f"/catalog/certificates?limit=3&cursor={quote(first['next_cursor'])}"), "second page")
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None, rest
    assert set(numbers) | {rest["items"][0]["cert_no"]} == {OWN_CERT, FOREIGN_CERT, "国械注准20183140456",
                                                           "青械注准20202140002"}

    by_prefix = assert_ok(api.get(f"/catalog/certificates?cert_no_prefix={quote('国械注准')}"), "number prefix")
    assert [c["cert_no"] for c in by_prefix["items"]] == ["国械注准20183140456", OWN_CERT]
    by_name = assert_ok(api.get(f"/catalog/certificates?name_prefix={quote('一次性使用')}"), "name prefix")
    assert {c["product_name"] for c in by_name["items"]} == {"一次性使用无菌注射器", "一次性使用输液器"}
    mine = assert_ok(api.get(f"/catalog/certificates?registrant_credit_code={catalog.credit_code}"), "registrant")
    assert {c["cert_no"] for c in mine["items"]} == {OWN_CERT, "青械注准20202140002"}
    assert all(c["registrant_credit_code"] == catalog.credit_code for c in mine["items"])

    assert_error(api.get(f"/catalog/certificates?cert_no_prefix=x&registrant_credit_code={catalog.credit_code}"),
                 400, "one_filter_only", "two filters at once")
    assert_error(api.get("/catalog/certificates?registrant_credit_code=91630100MA00000070"), 400, "check_character",
                 "a credit code with a wrong check character")
    assert_error(api.get(f"/catalog/certificates?cursor={quote(first['next_cursor'])}&cert_no_prefix=x"), 400,
                 "invalid_cursor", "a cursor of another listing")
    assert_error(api.get("/catalog/certificates?limit=0"), 400, "validation_failed", "a page size of 0")


def test_one_certificate_its_items_and_their_products(api, catalog):
    cert = assert_ok(api.get(cert_path(FOREIGN_CERT)), "a foreign registrant's certificate")
    assert cert == {"cert_no": FOREIGN_CERT, "product_name": "冠状动脉药物洗脱支架系统",
                    "registrant_name": "Medtronic, Inc.", "registrant_credit_code": None,
                    "valid_until": "2027-03-31", "device_class": "III"}
    assert assert_ok(api.get(f"/catalog/certificates/{FOREIGN_CERT}"), "an unencoded path")["cert_no"] == FOREIGN_CERT
    assert_error(api.get(cert_path("国械注准99999999999")), 404, "certificate_not_found", "an unknown number")
    assert_error(api.get(cert_path("a b")), 400, "malformed", "a number with a blank")

    page = assert_ok(api.get(cert_path(FOREIGN_CERT, "/items?limit=2")), "items, page 1")
    assert len(page["items"]) == 2 and page["next_cursor"]
    last = assert_ok(api.get(cert_path(FOREIGN_CERT, f"/items?limit=2&cursor={quote(page['next_cursor'])}")), "p2")
    codes = [i["code20"] for i in page["items"] + last["items"]]
    assert len(codes) == 3 and codes == sorted(codes) and last["next_cursor"] is None
    assert all(i["cert_no"] == FOREIGN_CERT for i in page["items"])
    assert_error(api.get(cert_path("国械注准99999999999", "/items")), 404, "certificate_not_found", "items of none")

    item = assert_ok(api.get(f"/catalog/items/{ONYX}"), "one item")
    assert item == {"code20": ONYX, "name": "冠状动脉药物洗脱支架系统 Resolute Onyx", "cert_no": FOREIGN_CERT}
    assert_error(api.get("/catalog/items/C0201030010000100009"), 404, "item_not_found", "an unknown item")
    assert_error(api.get("/catalog/items/C02010300"), 400, "malformed", "a short item code")

    products = []
    cursor = ""
    while True:
        page = assert_ok(api.get(f"/catalog/items/{ONYX}/products?limit=3{cursor}"), "products")
        products += page["items"]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={quote(page['next_cursor'])}"
    assert [p["code27"][:20] for p in products] == [ONYX] * 4
    assert products[0] == {"code27": ONYX + "0000001", "code20": ONYX, "specification": "2.5mm×15mm",
                           "model": "RONYX25015X"}
    assert_error(api.get("/catalog/items/C0201030010000100009/products"), 404, "item_not_found", "products of none")
    assert assert_ok(api.get(f"/catalog/products/{ONYX}0000004"), "one product")["model"] == "RONYX40038X"
    assert_error(api.get(f"/catalog/products/{ONYX}0000009"), 404, "product_not_found", "an unknown product")
    assert_error(api.get(f"/catalog/products/{ONYX}"), 400, "malformed", "an item code for a product")


# -- the import job ----------------------------------------------------------------

MAKER_CODE = factory.credit_code()
CSV = "\n".join([
    "记录类型,注册备案号,注册备案产品名称,注册人名称,注册人统一社会信用代码,有效期至,管理类别,单件编码,单件名称,规格型号编码,规格,型号",
    f"cert,国械注准20240001001,导入测试球囊导管,青海导入器械有限公司,{MAKER_CODE},2030-01-31,三类,,,,,",  # 2
    "cert,国械注准20240001002,坏信用代码导管,某公司,91630100MA00000070,,,,,,,",                         # 3
    "item,国械注准20240001001,,,,,,C0301010010000100001,球囊导管 快速交换,,,",                          # 4
    "item,国械注准20249999999,,,,,,C0301010010000200001,无证单件,,,",                                     # 5
    "product,,,,,,,C0301010010000100001,,C03010100100001000010000001,2.0mm×15mm,BC2015",              # 6
    "product,,,,,,,,,C03010100100001000010000002,2.5mm×15mm,",                                      # 7
    "product,,,,,,,C0301010010000100009,,C03010100100001000010000003,3.0mm×15mm,BC3015",              # 8
    "product,,,,,,,,,C0301010010000100001000000,,BC",                                               # 9
    "product,,,,,,,,,C03010100100001000010000001,重复,BC",                                            # 10
    "license,,,,,,,,,,,",                                                                           # 11
    "product,,,,,,,,,C03010100100002000010000001,无单件,X",                                           # 12
]) + "\n"


def start_import(api, admin, filename: str, data) -> dict:
    ticket = assert_ok(api.post("/admin/uploads", {"filename": filename}, token=admin), "an upload ticket", 201)
    factory.put_import_file(ticket["upload_key"], data)
    return assert_ok(api.post("/admin/catalog-imports", {"upload_key": ticket["upload_key"]}, token=admin),
                     "starting a catalog import", 202)


def run_import(api, client, aws, admin, filename: str, data) -> dict:
    job = start_import(api, admin, filename, data)
    assert job["kind"] == "catalog_import" and job["status"] == "queued", job
    assert deliver_job_messages(client, aws) == 1
    return assert_ok(api.get(f"/jobs/{job['job_id']}", token=admin), "the import job")


def test_an_import_keeps_good_rows_reports_bad_ones_and_a_reimport_overwrites(api, client, aws):
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    admin = factory.unit_token(platform)
    done = run_import(api, client, aws, admin, "catalog.csv", CSV)
    assert done["status"] == "succeeded" and done["result_filename"] == "catalog-import-report.xlsx", done
    assert done["progress_done"] == 11, done
    book = factory.job_report(done["job_id"])
    summary = list(book["summary"].iter_rows(values_only=True))
    assert tuple(summary[1][:6]) == (11, 4, 7, 1, 1, 2), f"rows/imported/rejected/certs/items/products: {summary}"
    errors = [tuple(r) for r in book["errors"].iter_rows(values_only=True)][1:]
    assert [(r[0], r[1]) for r in errors] == [
        (3, "registrant_credit_code"), (5, "cert_no"), (8, "code20"), (9, "code27"), (10, "code27"),
        (11, "record_type"), (12, "code27")], errors
    assert all(r[2] for r in errors), errors
    assert "第 6 行" in errors[4][2], "a duplicate names the row it repeats"

    cert = assert_ok(api.get(cert_path("国械注准20240001001")), "the imported certificate")
    assert cert["device_class"] == "III" and cert["registrant_credit_code"] == MAKER_CODE, cert
    assert_error(api.get(cert_path("国械注准20240001002")), 404, "certificate_not_found", "a bad row was kept")
    products = assert_ok(api.get("/catalog/items/C0301010010000100001/products"), "products")["items"]
    assert [(p["specification"], p["model"]) for p in products] == [("2.0mm×15mm", "BC2015"), ("2.5mm×15mm", "")]
    assert_error(api.get("/catalog/items/C0301010010000200001"), 404, "item_not_found", "an item without its cert")

    # the same file again, with the certificate renamed: overwritten, not duplicated
    again = run_import(api, client, aws, admin, "catalog.csv", CSV.replace("导入测试球囊导管", "导入测试球囊扩张导管"))
    assert again["status"] == "succeeded", again
    assert len(assert_ok(api.get("/catalog/items/C0301010010000100001/products"), "again")["items"]) == 2
    items = assert_ok(api.get(cert_path("国械注准20240001001", "/items")), "items again")["items"]
    assert [i["code20"] for i in items] == ["C0301010010000100001"]
    by_name = assert_ok(api.get(f"/catalog/certificates?name_prefix={quote('导入测试球囊')}"), "name search")
    assert [c["product_name"] for c in by_name["items"]] == ["导入测试球囊扩张导管"], by_name
    listed = assert_ok(api.get(f"/catalog/certificates?cert_no_prefix={quote('国械注准2024')}"), "number search")
    assert [c["cert_no"] for c in listed["items"]] == ["国械注准20240001001"]

    # a later file may refer to what an earlier one imported
    later = run_import(api, client, aws, admin, "later.csv", "record_type,code27,specification,model\n"
                       "product,C03010100100001000010000003,3.0mm×15mm,BC3015\n")
    assert list(factory.job_report(later["job_id"])["summary"].iter_rows(values_only=True))[1][:3] == (1, 1, 0)


def test_import_refusals_an_xlsx_and_a_bad_header(api, client, aws):
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    admin = factory.unit_token(platform)
    other_admin = factory.unit_token(factory.make_org(ActorKind.PLATFORM, "630000"))
    foreign = assert_ok(api.post("/admin/uploads", {"filename": "x.csv"}, token=other_admin), "ticket", 201)
    factory.put_import_file(foreign["upload_key"], "record_type\n")
    assert_error(api.post("/admin/catalog-imports", {"upload_key": foreign["upload_key"]}, token=admin), 400,
                 "foreign_upload", "another platform's upload")
    mine = assert_ok(api.post("/admin/uploads", {"filename": "x.csv"}, token=admin), "ticket", 201)
    assert_error(api.post("/admin/catalog-imports", {"upload_key": mine["upload_key"]}, token=admin), 400,
                 "upload_not_found", "a ticket whose file never arrived")
    assert_error(api.post("/admin/catalog-imports", {"upload_key": mine["upload_key"], "registry": "x"},
                          token=admin), 400, "validation_failed", "an unknown field")
    assert_error(api.post("/admin/catalog-imports", {"upload_key": mine["upload_key"]},
                          token=factory.operator_token(platform)), 403, "account_kind_forbidden", "an operator")
    assert deliver_job_messages(client, aws) == 0, "a refused import queued a job"

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["记录类型", "注册备案号", "注册备案产品名称", "注册人名称", "有效期至", "管理类别"])
    from datetime import datetime

    sheet.append(["注册证", "国械注进20240002001", "表格导入支架", "Abbott Vascular", datetime(2031, 5, 1), "Ⅲ"])
    sheet.append([None] * 6)  # a blank line is skipped
    sheet.append(["cert", "国械注进20240002002", "表格导入坏日期", "Abbott Vascular", "明年", None])
    buffer = io.BytesIO()
    book.save(buffer)
    done = run_import(api, client, aws, admin, "catalog.xlsx", buffer.getvalue())
    assert done["status"] == "succeeded", done
    errors = [tuple(r)[:2] for r in factory.job_report(done["job_id"])["errors"].iter_rows(values_only=True)][1:]
    assert errors == [(4, "valid_until")], errors
    cert = assert_ok(api.get(cert_path("国械注进20240002001")), "the xlsx certificate")
    assert (cert["valid_until"], cert["device_class"], cert["registrant_credit_code"]) == ("2031-05-01", "III", None)

    failed = run_import(api, client, aws, admin, "bad.csv", "cert_no,product_name\n国械注准1,x\n")
    assert failed["status"] == "failed" and "record_type" in failed["error"], failed
