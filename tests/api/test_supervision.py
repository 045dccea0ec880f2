"""Authorities over HTTP: the platform provisions authority organisations (账号下发) and
imports the reference registries; city bureaus provision and supervise the institutions of
their city; province bureaus see the cities of their province."""
from __future__ import annotations

import base64
import io
import json

import boto3
import openpyxl

from chalicelib.domain.enums import ActorKind
from tests import factory
from tests.api.conftest import assert_error, assert_ok, body, deliver_job_messages, pending

NEW_PASSWORD = "Fresh#Pass2026"


# -- helpers -------------------------------------------------------------------







def provision_body(kind: str = "city_bureau", region: str = "630100", **over) -> dict:
    n = factory.mobile()[-5:]
    data = {"kind": kind, "name": f"测试{kind}{n}", "credit_code": factory.credit_code(region[:2] + "0000", "1"),
            "region_code": region, "unit_account": f"auth_{n}"}
    data.update(over)
    return data


def orgs_of_kind(api, token: str, kind: str) -> list[dict]:
    page = assert_ok(api.get(f"/admin/organisations?kind={kind}&limit=100", token=token), f"listing {kind}")
    return page["items"]


def institutions(api, token: str, query: str = "") -> list[dict]:
    page = assert_ok(api.get(f"/supervision/institutions?limit=100{query}", token=token),
                     f"listing institutions{query}")
    return page["items"]


def platform_admin():
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    return platform, factory.unit_token(platform)




# -- provisioning authorities -----------------------------------------------------

def test_the_platform_provisions_a_city_bureau_whose_password_must_be_changed(api, aws, seeded):
    platform, admin = platform_admin()
    request = provision_body(name="海东测试市医疗保障局", region="630200")
    made = assert_ok(api.post("/admin/organisations", request, token=admin), "provisioning a city bureau", 201)
    org = made["organisation"]
    assert org["kind"] == "city_bureau" and org["region_code"] == "630200" and org["provisioned"] is True, made
    assert org["credit_code"] == request["credit_code"] and org["name"] == "海东测试市医疗保障局", made
    assert made["unit_account"] == request["unit_account"] and made["temporary_password"], made

    first = assert_ok(api.login(request["unit_account"], made["temporary_password"]), "first login", 201)
    assert first["scope"] == "password_change" and "change_password" in pending(first), first
    assert_error(api.get("/org", token=first["token"]), 403, "password_change_required", "GET /org before the change")
    changed = assert_ok(api.put("/me/password", {"old_password": made["temporary_password"],
                                                 "new_password": NEW_PASSWORD}, token=first["token"]),
                        "changing the issued password")
    assert changed["scope"] == "org", changed
    mine = assert_ok(api.get("/org", token=changed["token"]), "GET /org as the new bureau")
    assert mine["org_id"] == org["org_id"], mine
    again = assert_ok(api.login(request["unit_account"], NEW_PASSWORD), "login after the change", 201)
    assert again["scope"] == "org" and "change_password" not in pending(again), again
    by_code = assert_ok(api.login(request["credit_code"], NEW_PASSWORD), "login with the credit code", 201)
    assert by_code["account_id"] == again["account_id"], "the credit code reaches the same unit account"


def test_provisioning_refusals_create_nothing(api, aws, seeded):
    platform, admin = platform_admin()
    before = {o["org_id"] for o in orgs_of_kind(api, admin, "city_bureau")}

    for kind in ("enterprise", "medical_institution", "pharmacy"):
        assert_error(api.post("/admin/organisations", provision_body(kind), token=admin), 400, "kind_not_allowed",
                     f"provisioning a {kind} (not an authority)")
    taken = provision_body()
    assert_ok(api.post("/admin/organisations", taken, token=admin), "provisioning", 201)
    dup_code = provision_body(credit_code=taken["credit_code"])
    assert_error(api.post("/admin/organisations", dup_code, token=admin), 409, "credit_code_taken",
                 "a credit code already registered")
    dup_login = provision_body(unit_account=taken["unit_account"].upper())
    assert_error(api.post("/admin/organisations", dup_login, token=admin), 409, "unit_account_taken",
                 "a unit account already used")
    error = assert_error(api.post("/admin/organisations", provision_body("province_bureau", "630100"), token=admin),
                         400, "validation_failed", "a province bureau with a city code")
    assert [d["field"] for d in error["details"]] == ["region_code"], error
    error = assert_error(api.post("/admin/organisations", provision_body("city_bureau", "630000"), token=admin),
                         400, "validation_failed", "a city bureau with a province code")
    assert [d["field"] for d in error["details"]] == ["region_code"], error
    bad = provision_body(credit_code=taken["credit_code"][:17] + ("0" if taken["credit_code"][17] != "0" else "1"))
    assert_error(api.post("/admin/organisations", bad, token=admin), 400, "check_character",
                 "a credit code with a wrong check character")
    assert_error(api.post("/admin/organisations", provision_body(region_code="639900"), token=admin), 400,
                 "region_not_found", "a region that does not exist")

    after = {o["org_id"] for o in orgs_of_kind(api, admin, "city_bureau")}
    assert len(after - before) == 1, f"refused requests created organisations: {after - before}"
    for refused in (dup_login, bad):
        assert_error(api.login(refused["unit_account"], "Whatever#2026"), 401, "invalid_credentials",
                     f"a refused provisioning left a unit account {refused['unit_account']}")
    province = assert_ok(api.post("/admin/organisations", provision_body("province_bureau", "630000"), token=admin),
                         "a province bureau with a province code", 201)
    assert province["organisation"]["kind"] == "province_bureau", province


def test_only_the_platform_unit_account_provisions(api, aws, seeded):
    platform, _ = platform_admin()
    request = provision_body()
    assert_error(api.post("/admin/organisations", request, token=factory.operator_token(platform)), 403,
                 "account_kind_forbidden", "a platform operator provisioning")
    city = factory.make_org(ActorKind.CITY_BUREAU)
    assert_error(api.post("/admin/organisations", request, token=factory.unit_token(city)), 403, "actor_forbidden",
                 "a city bureau's unit account provisioning an authority")
    assert_error(api.get("/admin/organisations?kind=city_bureau", token=factory.unit_token(city)), 403,
                 "actor_forbidden", "a city bureau listing every organisation")
    assert_error(api.login(request["unit_account"], "Whatever#2026"), 401, "invalid_credentials",
                 "a refused provisioning created the account")


def test_organisations_of_a_kind_are_listed_newest_first_page_by_page(api, aws, seeded):
    platform, admin = platform_admin()
    made = []
    for _ in range(3):
        made.append(assert_ok(api.post("/admin/organisations", provision_body(), token=admin), "provisioning",
                              201)["organisation"]["org_id"])
    listed, cursor, pages = [], None, 0
    while True:
        url = "/admin/organisations?kind=city_bureau&limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = assert_ok(api.get(url, token=admin), url)
        assert len(page["items"]) <= 1, page
        assert all(o["kind"] == "city_bureau" for o in page["items"]), page
        listed += [o["org_id"] for o in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert set(made) <= set(listed), f"provisioned bureaus missing from the list: {set(made) - set(listed)}"
    assert len(listed) == len(set(listed)) == pages, f"an organisation came twice or a page was empty: {listed}"
    assert [o for o in listed if o in made] == made[::-1], f"newest first: made {made}, listed {listed}"
    enterprise = factory.make_org(ActorKind.ENTERPRISE)
    enterprises = orgs_of_kind(api, admin, "enterprise")
    assert [o["org_id"] for o in enterprises] == [enterprise.org_id], "kind filter"
    assert all(o["kind"] == "enterprise" for o in enterprises), "kind filter"
    assert_error(api.get("/admin/organisations?kind=spaceport", token=admin), 400, "validation_failed",
                 "an unknown kind")


# -- city and province bureaus ----------------------------------------------------

def test_a_city_bureau_provisions_and_lists_the_institutions_of_its_city(api, aws, seeded):
    city = factory.make_org(ActorKind.CITY_BUREAU, "630100")
    token = factory.operator_token(city)
    hospital = provision_body("medical_institution", "630100", name="西宁甲测试医院")
    made = assert_ok(api.post("/supervision/institutions", hospital, token=token), "provisioning a hospital", 201)
    org = made["organisation"]
    assert org["kind"] == "medical_institution" and org["region_code"] == "630100" and org["provisioned"], made
    assert made["temporary_password"], made
    pharmacy = assert_ok(api.post("/supervision/institutions",
                                  provision_body("pharmacy", "630100", name="西宁乙测试药房"), token=token),
                         "provisioning a pharmacy", 201)["organisation"]
    second = assert_ok(api.post("/supervision/institutions",
                                provision_body("medical_institution", "630100", name="西宁乙测试医院"),
                                token=token), "a second hospital", 201)["organisation"]

    outside = provision_body("medical_institution", "630200", name="海东测试医院")
    assert_error(api.post("/supervision/institutions", outside, token=token), 403, "outside_supervision",
                 "a hospital in another city")
    assert_error(api.post("/supervision/institutions", provision_body("city_bureau", "630100"), token=token), 400,
                 "kind_not_allowed", "a city bureau provisioning a bureau")
    assert_error(api.post("/supervision/institutions", provision_body("enterprise", "630100"), token=token), 400,
                 "kind_not_allowed", "a city bureau provisioning an enterprise")
    assert_error(api.login(outside["unit_account"], "Whatever#2026"), 401, "invalid_credentials",
                 "a refused provisioning created an account")

    hospitals = {o["org_id"] for o in institutions(api, token)}
    assert {org["org_id"], second["org_id"]} <= hospitals and pharmacy["org_id"] not in hospitals, \
        f"the default kind is medical_institution: {hospitals}"
    named = [o["name"] for o in institutions(api, token, "&name_prefix=西宁甲")]
    assert named == ["西宁甲测试医院"], f"name_prefix filter: {named}"
    pharmacies = [o["org_id"] for o in institutions(api, token, "&kind=pharmacy")]
    assert pharmacy["org_id"] in pharmacies and org["org_id"] not in pharmacies, pharmacies
    refused = assert_error(api.get("/supervision/institutions?region_code=630200", token=token), 403,
                           "outside_supervision", "listing another city")
    assert [d["field"] for d in refused["details"]] == ["region_code"], refused
    assert_error(api.get("/supervision/institutions?kind=enterprise", token=token), 400, "validation_failed",
                 "listing enterprises")
    assert_error(api.get("/supervision/institutions", token=factory.unit_token(city)), 403,
                 "unit_account_no_business", "the bureau's unit account doing supervision")

    first = assert_ok(api.login(hospital["unit_account"], made["temporary_password"]), "hospital first login", 201)
    assert first["scope"] == "password_change" and "change_password" in pending(first), first


def test_a_city_bureau_resets_the_password_of_its_institutions_only(api, aws, seeded):
    city = factory.make_org(ActorKind.CITY_BUREAU, "630100")
    token = factory.operator_token(city)
    hospital = provision_body("medical_institution", "630100")
    made = assert_ok(api.post("/supervision/institutions", hospital, token=token), "provisioning", 201)
    org_id = made["organisation"]["org_id"]
    session = assert_ok(api.login(hospital["unit_account"], made["temporary_password"]), "first login", 201)
    session = assert_ok(api.put("/me/password", {"old_password": made["temporary_password"],
                                                 "new_password": NEW_PASSWORD}, token=session["token"]), "change")

    issued = assert_ok(api.post(f"/supervision/institutions/{org_id}/password-reset", token=token), "resetting")
    assert issued["login"] == hospital["unit_account"] and issued["temporary_password"], issued
    assert_error(api.get("/org", token=session["token"]), 401, "session_revoked", "a session from before the reset")
    assert_error(api.login(hospital["unit_account"], NEW_PASSWORD), 401, "invalid_credentials",
                 "the old password after the reset")
    first = assert_ok(api.login(hospital["unit_account"], issued["temporary_password"]), "login with the new one", 201)
    assert first["scope"] == "password_change" and "change_password" in pending(first), first

    elsewhere = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "630200")
    enterprise = factory.make_org(ActorKind.ENTERPRISE, "630100")
    for other, what in ((elsewhere, "an institution of another city"), (enterprise, "an enterprise of the city")):
        assert_error(api.post(f"/supervision/institutions/{other.org_id}/password-reset", token=token), 404,
                     "organisation_not_found", f"resetting {what}")
        assert_ok(api.login(other.unit_login, factory.PASSWORD), f"{what} keeps its password", 201)
    assert_error(api.post("/supervision/institutions/0123456789abcdef0123456789abcdef/password-reset", token=token),
                 404, "organisation_not_found", "an unknown organisation")


def test_a_province_bureau_sees_its_cities_but_cannot_reset(api, aws, seeded):
    hospital = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "630100", name="西宁丙测试医院")
    province = factory.make_org(ActorKind.PROVINCE_BUREAU, "630000")
    token = factory.operator_token(province)
    listed = [o["org_id"] for o in institutions(api, token, "&region_code=630100")]
    assert hospital.org_id in listed, f"the province bureau does not see a city of its province: {listed}"
    assert_error(api.get("/supervision/institutions", token=token), 400, "city_required",
                 "a province bureau must pick one of its cities")
    assert_error(api.get("/supervision/institutions?region_code=210100", token=token), 403, "outside_supervision",
                 "a city of another province")
    assert_error(api.post(f"/supervision/institutions/{hospital.org_id}/password-reset", token=token), 403,
                 "actor_forbidden", "a province bureau resetting (city bureaus only)")
    assert_error(api.post("/supervision/institutions", provision_body("medical_institution", "630100"), token=token),
                 403, "actor_forbidden", "a province bureau provisioning (city bureaus only)")
    assert_ok(api.login(hospital.unit_login, factory.PASSWORD), "the hospital's password is untouched", 201)


# -- registry import -------------------------------------------------------------

def _put_upload(key: str, text: str) -> None:
    from chalicelib.config import get_settings

    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=get_settings().bucket, Key=key, Body=text.encode("utf-8"), ContentType="text/csv")


def _report(job: dict) -> openpyxl.Workbook:
    from chalicelib.config import get_settings

    s3 = boto3.client("s3", region_name="us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=get_settings().bucket,
                                                 Prefix=f"jobs/{job['job_id']}/").get("Contents", [])]
    assert len(keys) == 1 and keys[0].endswith(".xlsx"), f"one XLSX report under jobs/<id>/: {keys}"
    assert job["result_filename"] and keys[0].endswith(job["result_filename"]), (keys, job)
    data = s3.get_object(Bucket=get_settings().bucket, Key=keys[0])["Body"].read()
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True)


def _registry_codes(registry: str, codes: list[str]) -> list[dict]:
    from chalicelib.store.identity import RegistryItem

    found = []
    for code in codes:
        found += [{"pk": i.pk, "name": i.name} for i in RegistryItem.query(f"registry#{registry}#{code}")]
    return found


def _upload_ticket(api, admin, filename="registry.csv") -> dict:
    return assert_ok(api.post("/admin/uploads", {"filename": filename}, token=admin), f"an upload ticket for {filename}",
                     201)


def test_the_upload_ticket_pins_type_and_key(api, aws):
    platform, admin = platform_admin()
    ticket = _upload_ticket(api, admin, "x.csv")
    key = ticket["upload_key"]
    assert key.startswith(f"imports/{platform.org_id}/") and key.endswith(".csv"), ticket
    fields = ticket["fields"]
    assert fields["key"] == key and fields["Content-Type"] == "text/csv", fields
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"Content-Type": "text/csv"} in conditions, f"the policy must pin the content type: {conditions}"
    assert {"key": key} in conditions, f"the policy must pin the key: {conditions}"
    assert ["content-length-range", 1, ticket["max_bytes"]] in conditions, conditions
    assert ticket["url"] and ticket["expires_in_s"] > 0, ticket

    xlsx = _upload_ticket(api, admin, "registry.xlsx")
    assert xlsx["fields"]["Content-Type"] == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx["fields"]
    for bad in ("x.exe", "x.csv.exe", "../x.csv", "x", "a/b.csv"):
        assert_error(api.post("/admin/uploads", {"filename": bad}, token=admin), 400, "validation_failed",
                     f"an upload named {bad!r}")
    assert_error(api.post("/admin/uploads", {"filename": "x.csv"}, token=factory.operator_token(platform)), 403,
                 "account_kind_forbidden", "a platform operator asking for an upload ticket")


def test_a_registry_import_keeps_good_rows_and_reports_bad_ones(api, client, aws):
    platform, admin = platform_admin()
    good = [factory.credit_code() for _ in range(3)]
    bad_code = factory.credit_code()
    bad_code = bad_code[:17] + ("0" if bad_code[17] != "0" else "1")
    empty_name_code = factory.credit_code()
    csv_text = "\n".join([
        "统一社会信用代码,单位名称,机构类型,国家编码",
        f"{good[0]},青海导入甲器械有限公司,enterprise,C63010000101",   # row 2
        f"{bad_code},校验码错误有限公司,enterprise,C63010000102",       # row 3
        f"{good[1]},青海导入乙器械有限公司,enterprise,C63010000103",   # row 4
        f"{empty_name_code},,enterprise,C63010000104",                  # row 5
        f"{good[2]},青海导入丙器械有限公司,,",                           # row 6
    ]) + "\n"
    key = _upload_ticket(api, admin)["upload_key"]
    _put_upload(key, csv_text)

    submitted = api.post("/admin/registry-imports", {"registry": "national_code", "upload_key": key}, token=admin)
    job = assert_ok(submitted, "starting the import", 202)
    assert job["status"] == "queued" and job["kind"] == "registry_import", job
    assert deliver_job_messages(client, aws) == 1, "one job message"
    done = assert_ok(api.get(f"/jobs/{job['job_id']}", token=admin), "the job")
    assert done["status"] == "succeeded" and done["result_url"], f"the import job did not succeed: {done}"
    assert done["progress_done"] == 5, done
    from urllib.parse import urlparse

    assert urlparse(done["result_url"]).path.endswith(f"jobs/{job['job_id']}/{done['result_filename']}"), \
        f"the result link points at the report: {done['result_url']}"

    book = _report(done)
    summary = list(book["summary"].iter_rows(values_only=True))
    assert tuple(summary[1][:3]) == (5, 3, 2), f"summary rows/imported/rejected: {summary}"
    errors = [r for r in book["errors"].iter_rows(values_only=True)][1:]
    assert [(r[0], r[1]) for r in errors] == [(3, "credit_code"), (5, "name")], f"error rows: {errors}"
    assert all(r[2] for r in errors), f"every error has a message: {errors}"

    entries = _registry_codes("national_code", good)
    assert len(entries) == 3, f"the 3 good codes are in the national registry: {entries}"
    assert not _registry_codes("national_code", [bad_code, empty_name_code]), "a bad row was imported"
    assert not _registry_codes("legacy", good), "a national import wrote the legacy registry"

    maker = factory.make_org(code=good[1], name="青海导入乙器械有限公司")
    certified = assert_ok(api.post("/org/certification", {"role": "manufacturer"}, token=factory.unit_token(maker)),
                          "certifying a manufacturer whose code was just imported")
    assert certified["certified_role"] == "manufacturer", certified

    again = assert_ok(api.post("/admin/registry-imports", {"registry": "national_code", "upload_key": key},
                               token=admin), "importing the same file again", 202)
    deliver_job_messages(client, aws)
    assert assert_ok(api.get(f"/jobs/{again['job_id']}", token=admin), "the second job")["status"] == "succeeded"
    assert len(_registry_codes("national_code", good)) == 3, "a re-import duplicated registry entries"


def test_registry_imports_are_confined_to_their_owner(api, client, aws):
    platform, admin = platform_admin()
    other_platform, other_admin = platform_admin()
    foreign_key = _upload_ticket(api, other_admin)["upload_key"]
    _put_upload(foreign_key, f"credit_code,name\n{factory.credit_code()},外单位文件有限公司\n")
    assert_error(api.post("/admin/registry-imports", {"registry": "legacy", "upload_key": foreign_key}, token=admin),
                 400, "foreign_upload", "importing another organisation's upload")
    assert_error(api.post("/admin/registry-imports", {"registry": "legacy", "upload_key": "imports/x/../y.csv"},
                          token=admin), 400, "foreign_upload", "an upload key outside the caller's prefix")
    assert_error(api.post("/admin/registry-imports", {"registry": "people", "upload_key": foreign_key}, token=admin),
                 400, "validation_failed", "an unknown registry")
    assert deliver_job_messages(client, aws) == 0, "a refused import queued a job"

    code = factory.credit_code()
    key = _upload_ticket(api, admin)["upload_key"]
    _put_upload(key, f"credit_code,name,kind,national_code\n{code},英文表头有限公司,enterprise,\n")
    job = assert_ok(api.post("/admin/registry-imports", {"registry": "legacy", "upload_key": key}, token=admin),
                    "a legacy import with an English header", 202)
    deliver_job_messages(client, aws)
    assert assert_ok(api.get(f"/jobs/{job['job_id']}", token=admin), "the job")["status"] == "succeeded"
    assert [e["name"] for e in _registry_codes("legacy", [code])] == ["英文表头有限公司"]

    for token, what in ((other_admin, "another platform's unit account"),
                        (factory.operator_token(platform), "an operator of the same platform")):
        assert_error(api.get(f"/jobs/{job['job_id']}", token=token), 404, "job_not_found", f"the job read by {what}")


def _import(api, client, aws, admin, text: str, registry: str = "legacy", filename: str = "registry.csv",
            data: bytes | None = None) -> dict:
    key = _upload_ticket(api, admin, filename)["upload_key"]
    if data is None:
        _put_upload(key, text)
    else:
        from chalicelib.config import get_settings

        boto3.client("s3", region_name="us-east-1").put_object(Bucket=get_settings().bucket, Key=key, Body=data)
    job = assert_ok(api.post("/admin/registry-imports", {"registry": registry, "upload_key": key}, token=admin),
                    "starting an import", 202)
    deliver_job_messages(client, aws)
    return assert_ok(api.get(f"/jobs/{job['job_id']}", token=admin), "the import job")


def test_an_xlsx_upload_is_imported_like_a_csv(api, client, aws):
    platform, admin = platform_admin()
    codes = [factory.credit_code(), factory.credit_code()]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "单位名称", "机构类型", "国家编码"])
    sheet.append([codes[0], "表格导入甲有限公司", "enterprise", "C1"])
    sheet.append([None, None, None, None])  # a blank line is skipped, not an error
    sheet.append([codes[1], "表格导入乙医院", "hospital", None])  # unknown kind
    buffer = io.BytesIO()
    book.save(buffer)
    job = _import(api, client, aws, admin, "", "national_code", "registry.xlsx", buffer.getvalue())
    assert job["status"] == "succeeded", job
    report = _report(job)
    assert tuple(list(report["summary"].iter_rows(values_only=True))[1][:3]) == (2, 1, 1), "summary of the xlsx"
    errors = [r[:2] for r in report["errors"].iter_rows(values_only=True)][1:]
    assert errors == [(4, "kind")], f"the unknown kind is reported on its row: {errors}"
    assert [e["name"] for e in _registry_codes("national_code", codes)] == ["表格导入甲有限公司"]


def test_an_import_without_the_required_columns_fails_with_a_reason(api, client, aws):
    platform, admin = platform_admin()
    job = _import(api, client, aws, admin, f"code,title\n{factory.credit_code()},某公司\n")
    assert job["status"] == "failed" and "表头" in (job["error"] or ""), f"a bad header must fail the job: {job}"
    assert job["result_url"] is None, job


def test_an_import_of_a_file_never_uploaded_does_not_succeed(api, client, aws):
    platform, admin = platform_admin()
    key = f"imports/{platform.org_id}/never-uploaded.csv"
    response = api.post("/admin/registry-imports", {"registry": "legacy", "upload_key": key}, token=admin)
    if response.status_code == 202:
        deliver_job_messages(client, aws)
        job = assert_ok(api.get(f"/jobs/{body(response)['job_id']}", token=admin), "the job")
        assert job["status"] == "failed" and job["error"], f"importing nothing must fail visibly: {job}"
    else:
        assert response.status_code == 400, f"either refused (400) or a failed job: {response.body}"


def test_a_credit_code_repeated_in_the_file_does_not_break_the_import(api, client, aws):
    """Registry files repeat rows (re-exports, one company listed twice). The import is
    keyed by credit code, so a repeated code must end as one entry (or one reported row),
    never as a failed job. On DynamoDB a BatchWriteItem with two puts of the same key is
    rejected; moto only notices when the two items are byte-identical, as here."""
    platform, admin = platform_admin()
    code, other = factory.credit_code(), factory.credit_code()
    job = _import(api, client, aws, admin,
                  f"credit_code,name\n{code},重复行有限公司\n{other},另一家有限公司\n{code},重复行有限公司\n")
    assert job["status"] == "succeeded", f"a repeated row failed the whole import: {job}"
    summary = list(_report(job)["summary"].iter_rows(values_only=True))[1][:3]
    assert summary[0] == 3 and summary[1] + summary[2] == 3, summary
    assert len(_registry_codes("legacy", [code])) == 1 and len(_registry_codes("legacy", [other])) == 1
