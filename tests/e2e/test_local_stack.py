"""The local stack started exactly as `make run` starts it, checked over HTTP."""
from __future__ import annotations

import json
import socket
import time
import urllib.parse
import urllib.request

import pytest

from tests.local_stack import DEMO_CLOSE_MINUTES

FINAL_REVIEWER = "13800000012"  # the platform's second demo reviewer (ops/seed.DEMO_EXTRA_OPERATORS)


def _get(url: str, timeout: float = 30) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _post(url: str, payload: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _get_auth(url: str, token: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _login(base: str, login: str, password: str) -> dict:
    _, captcha = _post(f"{base}/captchas", {})
    _, answer = _get(f"{base}/dev/captchas/{captcha['captcha_id']}")
    status, session = _post(f"{base}/sessions", {"login": login, "password": password,
                                                 "captcha_id": captcha["captcha_id"],
                                                 "captcha_answer": answer["answer"]})
    assert status == 201, session
    return session


@pytest.fixture
def stack(local_stack):
    """The run's one local stack (tests/conftest.py ``local_stack``)."""
    return local_stack


def test_banner_gives_the_url(stack):
    banner = "".join(stack["output"])
    assert f"API          {stack['url']}" in banner, banner
    assert "demo logins" in banner


def test_health_is_green_over_http(stack):
    status, report = _get(f"{stack['url']}/health")
    assert status == 200, report
    assert {c["name"]: c["ok"] for c in report["checks"]} == {
        "dynamodb": True, "s3": True, "stepfunctions": True, "sqs": True}


def test_gateway_refusals_carry_our_error_body_over_http(stack):
    """chalice local answers what the authorizer refuses as the deployed Gateway Responses do."""
    cases = [("no token", {}, "/me", 401, "unauthenticated"),
             ("forged token", {"Authorization": "Bearer not.a.jwt"}, "/me", 403, "invalid_token"),
             ("unknown path", {}, "/no-such-route", 404, "route_not_found")]
    for what, headers, path, status, code in cases:
        req = urllib.request.Request(f"{stack['url']}{path}", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                got, payload, request_id = r.status, json.loads(r.read()), r.headers.get("X-Request-Id")
        except urllib.error.HTTPError as e:
            got, payload, request_id = e.code, json.loads(e.read()), e.headers.get("X-Request-Id")
        error = payload.get("error", {})
        assert got == status and error.get("code") == code, f"{what}: {got} {payload}"
        assert set(error) >= {"code", "message", "details", "request_id"}, f"{what}: not our shape: {payload}"
        assert request_id and error["request_id"] == request_id, f"{what}: request id {request_id!r} vs {error}"


def _banner_logins(stack) -> list[tuple[str, str]]:
    rows = []
    for line in stack["output"]:
        parts = line.split()
        if len(parts) >= 3 and parts[-1] == "Demo@2026qh":
            rows.append((parts[-2], parts[-1]))
    return rows


def test_every_printed_demo_login_works(stack):
    logins = _banner_logins(stack)
    assert len(logins) == 23, "11 organisations x (unit account + operator), and the platform's final reviewer"
    for login, password in logins:
        session = _login(stack["url"], login, password)
        status, me = _get_auth(f"{stack['url']}/me", session["token"])
        assert status == 200 and me["login"] == login, (login, me)


def test_jobs_are_consumed_by_the_runner(stack):
    token = _login(stack["url"], "13800000007", "Demo@2026qh")["token"]
    status, job = _post(f"{stack['url']}/dictionaries/exports", {"dictionary": "units"}, token)
    assert status == 202, job
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, job = _get_auth(f"{stack['url']}/jobs/{job['job_id']}", token)
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    with urllib.request.urlopen(job["result_url"], timeout=30) as r:
        assert r.read(2) == b"PK", "the result should be an XLSX (zip) workbook"


def test_register_an_enterprise_and_log_in_over_http(stack):
    """The three-step registration against the running stack: captcha, SMS via SNS + dev outbox."""
    import re

    from chalicelib.domain.identity.validators import credit_code_check_char, resident_id_check_digit

    base = stack["url"]
    body17 = "91630100MA00E2E01"
    code = body17 + credit_code_check_char(body17)
    id17 = "63010219900101001"
    mobile = "13688886666"
    unit = {"unit_account": "e2e_company", "password": "E2e#Strong2026", "unit_name": "端到端测试有限公司",
            "credit_code": code, "kind": "enterprise", "region_code": "630100", "legal_rep": "张三",
            "contact_name": "李四", "contact_phone": mobile}

    def captcha() -> dict:
        _, c = _post(f"{base}/captchas", {})
        _, a = _get(f"{base}/dev/captchas/{c['captcha_id']}")
        return {"captcha_id": c["captcha_id"], "captcha_answer": a["answer"]}

    status, checked = _post(f"{base}/registrations/unit-check", {**unit, **captcha()})
    assert status == 200, checked
    status, sent = _post(f"{base}/sms-codes", {"mobile": mobile, "purpose": "register", **captcha()})
    assert status == 202, sent
    _, outbox = _get(f"{base}/dev/outbox/sms")
    sms = re.search(r"(\d{6})", next(m for m in outbox["items"] if m["mobile"] == mobile)["message"]).group(1)
    operator = {"name": "王五", "id_type": "resident_id", "id_number": id17 + resident_id_check_digit(id17),
                "id_valid_start": "2020-01-01", "id_valid_end": None, "mobile": mobile, "password": "Op#Strong2026"}
    status, done = _post(f"{base}/registrations", {"unit": unit, "operator": operator, "sms_code": sms})
    assert status == 201 and done["unit_account"] == "e2e_company" and done["operator_login"] == mobile, done
    status, again = _post(f"{base}/registrations/unit-check", {**unit, "unit_account": "other_name", **captcha()})
    assert status == 409 and again["error"]["code"] == "credit_code_taken", again
    session = _login(base, "e2e_company", "E2e#Strong2026")
    # registration grants no 招采授权: the unit account is asked to (docs/identity.md "Registration")
    assert [a["code"] for a in session["pending_actions"]] == ["certify_role", "grant_procurement_authorization"]
    op_session = _login(base, mobile, "Op#Strong2026")
    assert op_session["org_id"] == done["org_id"]
    assert "await_procurement_authorization" in [a["code"] for a in op_session["pending_actions"]], op_session


def test_parallel_registrations_of_one_credit_code_over_http(stack):
    """50 clients register one fresh credit code at once (issue 13 races): one 201, every loser 409 credit_code_taken
    (docs/reliability.md #3). Needs the local store (issue 15): stock moto_server answers concurrent
    transactions with its own 500 (RuntimeError: dictionary changed size during iteration)."""
    pytest.importorskip("ops.localstore", reason="stock moto_server is not safe under concurrent transactions")
    import random
    import re
    import threading

    from tests import factory

    base, code, parallel = stack["url"], factory.credit_code(), 50

    def captcha() -> dict:
        _, c = _post(f"{base}/captchas", {})
        _, a = _get(f"{base}/dev/captchas/{c['captcha_id']}")
        return {"captcha_id": c["captcha_id"], "captcha_answer": a["answer"]}

    bodies = []
    for i in range(parallel):
        mobile = factory.mobile()
        status, sent = _post(f"{base}/sms-codes", {"mobile": mobile, "purpose": "register", **captcha()})
        assert status == 202, sent
        _, outbox = _get(f"{base}/dev/outbox/sms?limit=100")
        sms = re.search(r"(\d{6})", next(m for m in outbox["items"] if m["mobile"] == mobile)["message"]).group(1)
        bodies.append({"unit": {"unit_account": f"race{i}{random.randint(10000, 99999)}", "password": "Reg#Strong2026",
                                "unit_name": "青海并发注册测试有限公司", "credit_code": code, "kind": "enterprise",
                                "region_code": "630100", "legal_rep": "张三", "contact_name": "李四",
                                "contact_phone": "13912345678"},
                       "operator": {"name": "王五", "id_type": "resident_id", "id_number": factory.resident_id(),
                                    "id_valid_start": "2020-01-01", "id_valid_end": None, "mobile": mobile,
                                    "password": "Op#Strong2026"},
                       "sms_code": sms})
    barrier, outcomes = threading.Barrier(parallel), []

    def register(payload):
        barrier.wait()
        status, answer = _post(f"{base}/registrations", payload)
        outcomes.append((status, answer.get("error", {}).get("code")))

    threads = [threading.Thread(target=register, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcomes) == [(201, None)] + [(409, "credit_code_taken")] * (parallel - 1), sorted(outcomes)


def test_a_record_goes_through_both_review_levels_with_a_visible_execution(stack):
    """Upload a PDF with the presigned POST, keep a record, submit, review twice."""
    import boto3
    import requests

    from tests.factory import pdf_bytes

    base = stack["url"]
    maker = _login(base, "13800000007", "Demo@2026qh")["token"]
    reviewer = _login(base, "13800000001", "Demo@2026qh")["token"]
    status, ticket = _post(f"{base}/files", {"filename": "营业执照.pdf", "purpose": "business_licence"}, maker)
    assert status == 201, ticket
    form = ticket["upload"]
    uploaded = requests.post(form["url"], data=form["fields"],
                             files={"file": ("licence.pdf", pdf_bytes(), "application/pdf")}, timeout=30)
    assert uploaded.status_code in (200, 204), uploaded.text
    status, verified = _post(f"{base}/files/{ticket['file']['file_id']}/complete", {}, maker)
    assert status == 200 and verified["status"] == "verified", verified
    info = {"org_type": "manufacturer", "address": "西宁市城北区生物园区8号", "business_licence_no": "91630100MA0000007",
            "business_licence_file_id": verified["file_id"], "contact_name": "郑生产", "contact_phone": "13800000007"}
    status, record = _post(f"{base}/records/enterprise_info", {"data": info}, maker)
    assert status == 201, record
    rid = record["record_id"]
    status, submitted = _post(f"{base}/records/enterprise_info/{rid}/submit", {}, maker)
    assert status == 200 and submitted["status"] == "pending_first", submitted
    final_reviewer = _login(base, FINAL_REVIEWER, "Demo@2026qh")["token"]  # four eyes: not the first approver
    for level, expected in (("first", "pending_final"), ("final", "approved")):
        deadline = time.monotonic() + 30
        while True:  # the execution writes the level's task token; the decision may wait for it
            status, decided = _post(f"{base}/reviews/records/{rid}/decision",
                                    {"revision": 1, "level": level, "decision": "approve"},
                                    reviewer if level == "first" else final_reviewer)
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert status == 200 and decided["status"] == expected, (level, decided)
    sfn = boto3.client("stepfunctions", region_name="us-east-1",
                       endpoint_url=f"http://127.0.0.1:{stack['aws_port']}",
                       aws_access_key_id="local", aws_secret_access_key="local")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("review_chain"))
    arn = machine["stateMachineArn"].replace(":stateMachine:", ":execution:") + f":{rid}-r1-s1"
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.3)
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"


def _approve_both_levels(base: str, reviewer: str, rid: str) -> dict:
    """The first level by ``reviewer``, the final one by the platform's second reviewer (four eyes)."""
    decided = {}
    final_reviewer = _login(base, FINAL_REVIEWER, "Demo@2026qh")["token"]
    for level in ("first", "final"):
        deadline = time.monotonic() + 30
        while True:  # the level's task token is written by the running execution
            status, decided = _post(f"{base}/reviews/records/{rid}/decision",
                                    {"revision": 1, "level": level, "decision": "approve"},
                                    reviewer if level == "first" else final_reviewer)
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert status == 200, (rid, level, decided)
    return decided


def test_certificate_item_and_product_from_the_demo_catalog(stack):
    base = stack["url"]
    maker = _login(base, "13800000007", "Demo@2026qh")["token"]
    reviewer = _login(base, "13800000001", "Demo@2026qh")["token"]
    status, certs = _get(f"{base}/catalog/certificates?registrant_credit_code=" +
                         _get_auth(f"{base}/org", maker)[1]["credit_code"])
    assert status == 200 and certs["items"], certs
    cert_no = certs["items"][0]["cert_no"]
    # the demo manufacturer's certificates are in its library already (seeded, approved): keep another item
    status, kept = _get_auth(f"{base}/records/registration_certificate?tab=approved", maker)
    assert status == 200 and len(kept["items"]) == 2, kept
    from ops.seed import DEMO_LIBRARY

    seeded = {code20 for _, code20, _ in DEMO_LIBRARY}
    _, items = _get(f"{base}/catalog/certificates/{urllib.parse.quote(cert_no)}/items")
    code20 = next(i["code20"] for i in items["items"] if i["code20"] not in seeded)
    _, products = _get(f"{base}/catalog/items/{code20}/products")
    code27 = products["items"][0]["code27"]
    chain = (("consumable_item", {"code20": code20}),
             ("product", {"code27": code27, "min_usage_unit": "U001", "min_package_unit": "U016",
                          "min_package_ratio": 10, "middle_package_unit": "U017", "middle_package_ratio": 20}))
    for kind, data in chain:
        status, record = _post(f"{base}/records/{kind}", {"data": data}, maker)
        assert status == 201, (kind, record)
        status, submitted = _post(f"{base}/records/{kind}/{record['record_id']}/submit", {}, maker)
        assert status == 200, (kind, submitted)
        approved = _approve_both_levels(base, reviewer, record["record_id"])
        assert approved["status"] == "approved", (kind, approved)
    assert approved["data"]["min_package_spec"] == "10支/盒" and approved["data"]["middle_package_spec"] == "20盒/箱"


def _upload_pdf(base: str, token: str, purpose: str) -> str:
    import requests

    from tests.factory import pdf_bytes

    status, ticket = _post(f"{base}/files", {"filename": f"{purpose}.pdf", "purpose": purpose}, token)
    assert status == 201, ticket
    form = ticket["upload"]
    sent = requests.post(form["url"], data=form["fields"],
                         files={"file": (f"{purpose}.pdf", pdf_bytes(), "application/pdf")}, timeout=30)
    assert sent.status_code in (200, 204), sent.text
    status, verified = _post(f"{base}/files/{ticket['file']['file_id']}/complete", {}, token)
    assert status == 200 and verified["status"] == "verified", verified
    return verified["file_id"]


def test_overseas_agent_entrustment_then_its_certificate(stack):
    """Guangdong 2.2: a certificate of a foreign registrant needs the entrustment first."""
    base = stack["url"]
    maker = _login(base, "13800000007", "Demo@2026qh")["token"]
    reviewer = _login(base, "13800000001", "Demo@2026qh")["token"]
    _, certs = _get(f"{base}/catalog/certificates?cert_no_prefix=" + urllib.parse.quote("国械注进"))
    cert_no = certs["items"][0]["cert_no"]
    status, refused = _post(f"{base}/records/registration_certificate", {"data": {"cert_no": cert_no}}, maker)
    assert status == 409 and refused["error"]["code"] == "entrustment_required", refused
    letter = _upload_pdf(base, maker, "authorization_letter")
    data = {"type": "overseas_agent", "valid_from": "2026-01-01", "valid_to": "2028-12-31",
            "certificate_nos": [cert_no], "authorization_letter_en_file_id": letter,
            "authorization_letter_zh_file_id": letter}
    status, entrustment = _post(f"{base}/records/entrustment", {"data": data}, maker)
    assert status == 201, entrustment
    status, _ = _post(f"{base}/records/entrustment/{entrustment['record_id']}/submit", {}, maker)
    assert status == 200
    assert _approve_both_levels(base, reviewer, entrustment["record_id"])["status"] == "approved"
    status, cert = _post(f"{base}/records/registration_certificate", {"data": {"cert_no": cert_no}}, maker)
    assert status == 201, cert


def test_demo_projects_are_announced_and_the_closing_one_closes_with_notifications(stack):
    base = stack["url"]
    banner = "".join(stack["output"])
    assert "demo projects" in banner and "national_vbp" in banner and "alliance_vbp" in banner, banner
    status, announced = _get(f"{base}/announcements?limit=100")
    assert status == 200, announced
    by_kind = {a["kind"]: a for a in announced["items"]}
    assert set(by_kind) == {"national_vbp", "alliance_vbp"}, announced
    assert by_kind["national_vbp"]["status"] == "declaring", by_kind["national_vbp"]

    maker = _login(base, "13800000007", "Demo@2026qh")["token"]
    national, alliance = by_kind["national_vbp"]["project_id"], by_kind["alliance_vbp"]["project_id"]
    status, declared = _get_auth(f"{base}/projects/{national}/declarations", maker)
    assert status == 200 and [d["code27"] for d in declared["items"]] == ["C14010100100001000010000001"], declared

    # the ticker closes the alliance project's window and opens its publication, and says so on SNS
    deadline = time.monotonic() + 60 * DEMO_CLOSE_MINUTES + 90
    while time.monotonic() < deadline:
        _, page = _get(f"{base}/dev/outbox/project-events?limit=100")
        steps = [(m["message"]["from_status"], m["message"]["to_status"]) for m in reversed(page["items"])
                 if m["message"]["project_id"] == alliance]
        if ("closed", "publicising") in steps:
            break
        time.sleep(1)
    assert steps[-2:] == [("declaring", "closed"), ("closed", "publicising")], steps
    status, shown = _get_auth(f"{base}/projects/{alliance}", maker)
    assert status == 200 and shown["status"] == "publicising", shown
    center = _login(base, "13800000001", "Demo@2026qh")["token"]
    status, listed = _get_auth(f"{base}/projects?status=publicising", center)
    assert status == 200 and alliance in [p["project_id"] for p in listed["items"]], "the stored status moved"


def _call(method: str, url: str, token: str, payload: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(payload).encode() if payload is not None else None
    headers = {"Authorization": f"Bearer {token}", **({"Content-Type": "application/json"} if data else {})}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _upload_and_run(base: str, token: str, ticket_path: str, start_path: str, filename: str, content: bytes) -> dict:
    """Upload a file with the presigned POST of ``ticket_path``, start the job at ``start_path``, wait for it."""
    import requests

    status, ticket = _post(f"{base}{ticket_path}", {"filename": filename}, token)
    assert status == 201, ticket
    sent = requests.post(ticket["url"], data=ticket["fields"], files={"file": (filename, content)}, timeout=30)
    assert sent.status_code in (200, 204), sent.text
    status, job = _post(f"{base}{start_path}", {"upload_key": ticket["upload_key"]}, token)
    assert status == 202, job
    deadline = time.monotonic() + 60
    while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        _, job = _get_auth(f"{base}/jobs/{job['job_id']}", token)
    assert job["status"] == "succeeded", job
    return job


def test_the_whole_project_path_over_http(stack):
    """Center creates a project and imports its catalog; the enterprise declares and deletes within the window;
    the window closes at the request and by the ticker; results are imported, published, queried; 对码."""
    from datetime import datetime, timedelta, timezone

    base = stack["url"]
    center = _login(base, "13800000001", "Demo@2026qh")["token"]
    maker = _login(base, "13800000007", "Demo@2026qh")["token"]
    hospital = _login(base, "13800000005", "Demo@2026qh")["token"]
    code1, code2 = "C14010100100001000010000001", "C14010100100001000010000002"  # approved in the maker's library
    now = datetime.now(timezone(timedelta(hours=8)))
    later = now + timedelta(hours=1)
    status, project = _post(f"{base}/projects", {
        "kind": "alliance_vbp", "name": "端到端联盟采购项目", "announcement": "各有关企业：请于申报期内完成产品申报。",
        "declaration_start": (now - timedelta(minutes=1)).isoformat(), "declaration_end": later.isoformat(),
        "publication_start": later.isoformat(), "publication_end": (later + timedelta(hours=1)).isoformat()}, center)
    assert status == 201 and project["status"] == "draft", project
    pid = project["project_id"]

    catalog = f"code27,bid_group\n{code1},A组\n{code2},B组\nC99999999999999999999999999,A组\n".encode()
    job = _upload_and_run(base, center, "/projects/catalog-imports/uploads", f"/projects/{pid}/catalog-imports",
                          "项目目录.csv", catalog)
    assert job["result_url"], job
    status, entries = _get_auth(f"{base}/projects/{pid}/catalog", center)
    assert status == 200 and [(e["code27"], e["bid_group"]) for e in entries["items"]] == [
        (code1, "A组"), (code2, "B组")], "the good rows imported, the unknown code reported"
    # the window closes 30 s from now: set on the draft once the slow part (the import job) is done
    close = datetime.now(timezone(timedelta(hours=8))) + timedelta(seconds=30)
    status, edited = _call("PATCH", f"{base}/projects/{pid}", center, {
        "declaration_end": close.isoformat(), "publication_start": close.isoformat()})
    assert status == 200 and edited["status"] == "draft", edited
    status, published = _post(f"{base}/projects/{pid}/publish", {}, center)
    assert status == 200 and published["status"] == "declaring", published

    status, bench = _get_auth(f"{base}/workbench/projects", maker)
    mine = next(i for i in bench["items"] if i["project"]["project_id"] == pid)
    assert (mine["declaration_count"], mine["can_declare"]) == (0, True), mine
    status, picks = _get_auth(f"{base}/workbench/projects/{pid}/candidates", maker)
    assert status == 200 and [c["code27"] for c in picks["items"]] == [code1, code2], picks
    status, batch = _post(f"{base}/projects/{pid}/declarations/batch", {"code27s": [code1, code2]}, maker)
    assert status == 200 and batch["declared"] == 2, batch
    status, removed = _call("DELETE", f"{base}/projects/{pid}/declarations/{code2}", maker)
    assert status == 200, removed
    status, declared = _get_auth(f"{base}/projects/{pid}/declarations", maker)
    assert [d["code27"] for d in declared["items"]] == [code1], declared

    time.sleep(max(0.0, (close - datetime.now(timezone.utc)).total_seconds()) + 0.5)
    status, late = _post(f"{base}/projects/{pid}/declarations", {"code27": code2}, maker)
    assert status == 409 and late["error"]["code"] == "declaration_window_closed", late
    status, late = _call("DELETE", f"{base}/projects/{pid}/declarations/{code1}", maker)
    assert status == 409 and late["error"]["code"] == "declaration_window_closed", late
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the ticker (every 2 s here) moves the stored status
        _, listed = _get_auth(f"{base}/projects?status=publicising&limit=100", center)
        if pid in [p["project_id"] for p in listed["items"]]:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the schedule did not move the project to publicising")
    _, events = _get(f"{base}/dev/outbox/project-events?limit=100")
    steps = [(m["message"]["from_status"], m["message"]["to_status"]) for m in reversed(events["items"])
             if m["message"]["project_id"] == pid]
    assert steps == [("draft", "published"), ("published", "declaring"), ("declaring", "closed"),
                     ("closed", "publicising")], steps

    _, org = _get_auth(f"{base}/org", maker)
    results = ("bid_group,credit_code,enterprise_name,product_name,specification,model,cert_no,price,rank\n"
               f"A组,{org['credit_code']},{org['name']},一次性使用无菌注射器,1ml,,国械注准20193140101,0.35,1\n")
    _upload_and_run(base, center, "/result-imports/uploads", f"/projects/{pid}/result-imports", "结果.csv",
                    results.encode())
    status, hidden = _get_auth(f"{base}/projects/{pid}/results", maker)
    assert status == 409 and hidden["error"]["code"] == "results_not_public", "imported, not yet published"
    status, done = _post(f"{base}/projects/{pid}/results/publish", {}, center)
    assert status == 200, done
    for token in (maker, hospital):
        status, rows = _get_auth(f"{base}/projects/{pid}/results", token)
        assert status == 200 and [(r["bid_group"], r["price"], r["rank"]) for r in rows["items"]] == [
            ("A组", "0.35", 1)], rows

    status, listings = _get_auth(f"{base}/code-matching/listings", maker)
    listing = next(i for i in listings["items"] if i["project"]["project_id"] == pid)
    status, matched = _call("PUT", f"{base}/code-matching/listings/{listing['listing_id']}", maker, {"code27": code1})
    assert status == 200, matched
    status, history = _get_auth(f"{base}/code-matching/listings/{listing['listing_id']}/history", maker)
    assert status == 200 and len(history["items"]) == 1, history


def test_the_whole_allocation_path_over_http(stack):
    """docs/allocation.md: a task from creation through demand import, filling, a return and resubmit, city
    submit, withdraw and submit again, province and alliance review, finalise, agreements and their export."""
    from datetime import datetime, timedelta, timezone

    base = stack["url"]
    office, city, province = (_login(base, m, "Demo@2026qh")["token"] for m in
                              ("13800000002", "13800000004", "13800000003"))
    hospital, maker = (_login(base, m, "Demo@2026qh")["token"] for m in ("13800000005", "13800000007"))
    _, me = _get_auth(f"{base}/me", maker)
    _, maker_org = _get_auth(f"{base}/org", maker)
    _, hospital_org = _get_auth(f"{base}/org", hospital)
    now = datetime.now(timezone.utc)
    body = {"name": "端到端分量", "rule": {"base_percent": {"2": 60}, "rank_weights": {"2": [6, 4]}},
            "groups": [{"code": "G1", "name": "A组", "item_code": "T1", "item_name": "疝补片", "winners": [
                {"credit_code": maker_org["credit_code"], "name": "制造", "rank": 1, "price": "100.00"},
                {"credit_code": "91110000MA00000017", "name": "北京", "rank": 2, "price": "90.00"}]}],
            **{f"{k}_deadline": (now + timedelta(days=d)).isoformat()
               for k, d in (("fill", 2), ("city", 3), ("province", 4), ("alliance", 5))}}
    status, task = _post(f"{base}/allocation-tasks", body, office)
    assert status == 201, task
    t = f"{base}/allocation-tasks/{task['task_id']}"
    demand = f"credit_code,group_code,demand\n{hospital_org['credit_code']},G1,16\n".encode()
    _upload_and_run(base, office, "/allocation-demand-uploads", f"/allocation-tasks/{task['task_id']}/demand-imports",
                    "需求量.csv", demand)
    assert _post(f"{t}/publish", {}, office)[0] == 200
    status, sheet = _get_auth(f"{t}/my-sheet", hospital)
    assert status == 200 and [w["base"] for w in sheet["lines"][0]["winners"]] == [5, 4], sheet  # 9 = 60 % of 16 by 6:4

    def fill() -> None:
        _, current = _get_auth(f"{t}/my-sheet", hospital)
        status, saved = _call("PUT", f"{t}/my-sheet", hospital, {"version": current["version"], "allocations": {
            "G1": {maker_org["credit_code"]: 5, "91110000MA00000017": 2}}})
        assert status == 200, saved
        status, sent = _post(f"{t}/my-sheet/submit", {"version": saved["version"]}, hospital)
        assert status == 200 and sent["status"] == "pending_city", sent

    fill()
    inst = hospital_org["org_id"]
    status, back = _post(f"{t}/city/decisions", {"units": [inst], "decision": "return", "reason": "请核对"}, city)
    assert status == 200 and back["results"][0]["ok"], back
    assert _get_auth(f"{t}/my-sheet", hospital)[1]["reason"] == "请核对"
    fill()
    assert _post(f"{t}/city/decisions", {"units": [inst], "decision": "approve"}, city)[1]["results"][0]["ok"]
    assert _post(f"{t}/city/submit", {}, city)[1]["status"] == "submitted"
    assert _post(f"{t}/city/withdraw", {}, city)[1]["status"] == "open"
    assert _post(f"{t}/city/submit", {}, city)[0] == 200
    assert _post(f"{t}/province/decisions", {"units": ["630100"], "decision": "approve"}, province)[0] == 200
    assert _post(f"{t}/province/submit", {}, province)[0] == 200
    assert _post(f"{t}/alliance/decisions", {"units": ["630000"], "decision": "approve"}, office)[0] == 200
    status, final = _post(f"{t}/finalise", {}, office)
    assert status == 200 and final["status"] == "completed", final
    status, rows = _get_auth(f"{t}/agreements", maker)
    assert status == 200 and [(r["agreement"], r["final"]) for r in rows["items"]] == [(10, True)], rows  # base 5 + own 5
    status, job = _post(f"{t}/agreement-exports", {}, maker)
    assert status == 202, job
    deadline = time.monotonic() + 60
    while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        _, job = _get_auth(f"{base}/jobs/{job['job_id']}", maker)
    assert job["status"] == "succeeded" and job["result_url"], job
    with urllib.request.urlopen(job["result_url"], timeout=30) as r:
        assert r.read()[:2] == b"PK", "the export is an XLSX"
    assert me["login"] == "13800000007"


@pytest.mark.stops_local_stack  # sorted after every other test of the stack (tests/conftest.py)
def test_ctrl_c_stops_every_child(stack):
    assert stack.stop() == 0, "make run should exit 0 on Ctrl-C"
    rest = "".join(stack.output)
    assert "[make run] stopped" in rest, rest[-3000:]
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", stack["aws_port"])) != 0, "moto server still listening"

