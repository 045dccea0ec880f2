"""Injected faults at every step of register, submit, approve, declare, allocation submit and
export (issue 13 item 4), through the Chalice test client on moto (``tests/faults.py``).

For each flow, a clean request is traced first: its steps are the AWS calls it makes, in order
(the n-th call of an operation of a service). Then, for every step and every fault — the
service's throttling answer on every attempt, a 500 on every attempt, a read timeout after the
call was applied (the answer lost) on every attempt, and a 500 on the first attempt only — a
fresh subject of the flow is sent once with the fault and once more without (the client's
retry, same Idempotency-Key), then the reconciler, the job consumer and the reaper run, and:

- the faulted answer is a 2xx, or the documented 503 (``<dependency>_unavailable`` /
  ``_throttled``, Retry-After); never a 500; a fault on the first attempt only is absorbed by
  botocore's retry (2xx);
- the retry succeeds, or says the first request did it (the flow's documented 409);
- the flow's state is whole (its own checks below: nothing half-written, no side effect twice);
- at the end of each flow, the consistency checker finds no disagreement: records and
  executions agree, no outbox entry is stuck.

One world per module; every case uses a subject of its own, so the cases do not interfere."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

import pytest

from tests import factory
from tests.api.conftest import Api, body
from tests.faults import Injector, Step, faults_for, paused
from tests.support import provisioned_aws, wait_until

pytestmark = pytest.mark.xdist_group("faults")
DEPENDENCY_CODES = {f"{name}_{what}" for name in ("store", "workflow", "files", "notifications", "queue")
                    for what in ("unavailable", "throttled")}


@pytest.fixture(scope="module")
def world():
    from datetime import datetime, timezone

    from chalice.test import Client

    import app
    from chalicelib import clock
    from ops.seed import seed_reference

    with provisioned_aws() as env:
        seed_reference()
        fixed = clock.FixedClock(datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=60))
        previous = clock.set_clock(fixed)
        try:
            with Client(app.app) as client:
                yield {"api": Api(client), "client": client, "clock": fixed, "env": env, "injector": Injector()}
        finally:
            clock.set_clock(previous)


def settle(world) -> None:
    """What runs after a failure on its own: the outbox reconciler (past its grace), the job
    consumer for every queued message, the project-events sweep and the jobs reaper."""
    from chalicelib.services import project_events
    from chalicelib.services.records import signals

    fixed = world["clock"]
    fixed.advance(seconds=10)
    signals.reconcile()
    project_events.sweep(fixed.now())
    _consume_jobs(world)


def _consume_jobs(world) -> None:
    """Lambda's SQS trigger: each message to ``jobs.run``; a run that raises leaves its message for
    redelivery (at most 3 receives here, then the dead-letter queue as deployed)."""
    import boto3

    from chalicelib.services import jobs

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = world["env"]["MP_QUEUE_URL_JOBS"]
    injector = world["injector"]
    for _ in range(3):
        with paused(injector):  # Lambda's poller receives and deletes, not our code
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           VisibilityTimeout=0).get("Messages", [])
        if not messages:
            break
        for m in messages:
            try:
                jobs.run(json.loads(m["Body"])["job_id"])
            except Exception:  # noqa: BLE001 (redelivered, as SQS would)
                continue
            with paused(injector):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@dataclass
class Flow:
    """One flow of the matrix: ``prepare`` a fresh subject; ``send`` its request; ``done_codes``
    the 409s a retry may get when the faulted request did the work; ``check`` the subject's state
    (problems as text)."""

    name: str
    prepare: Callable[[], dict]
    send: Callable[[dict], Any]
    check: Callable[[dict, list], list[str]]
    done_codes: frozenset[str] = frozenset()
    ok_status: int = 200
    idempotent: bool = True  # the route replays a retry; otherwise a repeat gets ``done_codes``
    renew: Callable[[dict], None] | None = None  # what the client does after a 4xx in ``renew_codes``
    renew_codes: frozenset[str] = frozenset()
    cases: int = 0
    failures: list[str] = field(default_factory=list)


def _code(response) -> str | None:
    try:
        return body(response).get("error", {}).get("code")
    except (ValueError, AttributeError):
        return None


def run(world, flow: Flow) -> tuple[list[Step], int]:
    """Trace a clean request of ``flow``, then every step × fault; returns the steps and the cases."""
    injector: Injector = world["injector"]
    subject = flow.prepare()
    with injector.active():
        clean = flow.send(subject)
    steps = list(injector.calls)
    assert clean.status_code == flow.ok_status, f"{flow.name} without a fault: {clean.status_code} {clean.body}"
    assert steps, f"{flow.name}: no AWS call was traced"
    settle(world)
    flow.failures += [f"{flow.name} (no fault): {p}" for p in flow.check(subject, [clean])]
    for index, step in enumerate(steps):
        for fault in faults_for(step, index):
            where = f"{flow.name} with {fault} at {step}"
            subject = flow.prepare()
            with injector.active(step, fault):
                first = flow.send(subject)
            flow.cases += 1
            if injector.hits == 0:
                flow.failures.append(f"{where}: the step was not reached (the request went another way)")
            status, code = first.status_code, _code(first)
            if status >= 500 and status != 503:
                flow.failures.append(f"{where}: {status} {code} {first.body[:200]!r}")
            elif status == 503 and (code not in DEPENDENCY_CODES or not first.headers.get("Retry-After")):
                flow.failures.append(f"{where}: a 503 outside the documented ones: {code} {first.headers}")
            elif fault.attempts == 1 and status != flow.ok_status:
                flow.failures.append(f"{where}: one failed attempt is botocore's to retry, got {status} {code}")
            elif status not in (flow.ok_status, 503):
                flow.failures.append(f"{where}: answered {status} {code}")
            retry, waited = _retry(world, flow, subject)
            # the operation's own "already done" is a fair answer when the first request may have done
            # it (a 503), or when its key was left in flight (its completion not recorded)
            if retry.status_code != flow.ok_status and not ((first.status_code == 503 or waited or not flow.idempotent)
                                                           and _code(retry) in flow.done_codes):
                flow.failures.append(f"{where}: the retry got {retry.status_code} {_code(retry)} "
                                     f"(first {status} {code})")
            settle(world)
            flow.failures += [f"{where}: {p}" for p in flow.check(subject, [first, retry])]
    return steps, flow.cases


def _retry(world, flow: Flow, subject: dict):
    """The client's retry: again with the same key; a key still in flight (the faulted request's
    claim written, its answer lost) is retried after the key's in-flight TTL; a 4xx the flow renews
    (a consumed SMS code) is retried after renewing."""
    from chalicelib.domain.idempotency import IN_FLIGHT_TTL_S

    retry, waited = flow.send(subject), False
    if retry.status_code == 409 and _code(retry) == "request_in_progress":
        world["clock"].advance(seconds=IN_FLIGHT_TTL_S + 1)
        retry, waited = flow.send(subject), True
    if flow.renew is not None and _code(retry) in flow.renew_codes:
        flow.renew(subject)
        retry = flow.send(subject)
    return retry, waited


def assert_consistent(world, what: str) -> None:
    from chalicelib import clock
    from chalicelib.services import consistency

    report = consistency.check(now=clock.now() + timedelta(hours=1))
    assert not report.findings, f"after the {what} faults the consistency checker finds:\n" + "\n".join(
        f"{f.kind} {f.subject}: {f.detail}" for f in report.findings)


def finish(world, flow: Flow, steps: list[Step]) -> None:
    assert not flow.failures, f"{len(flow.failures)} of {flow.cases} {flow.name} cases went wrong " \
                              f"(steps: {', '.join(map(str, steps))}):\n" + "\n".join(flow.failures[:40])
    assert_consistent(world, flow.name)
    print(f"\nfaults: {flow.name}: {len(steps)} steps, {flow.cases} cases", flush=True)


def key() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


# -- register ---------------------------------------------------------------------------------

def test_register(world):
    from tests.api.test_registration import count_claims, operator_info, unit_info

    api = world["api"]

    def prepare():
        operator = operator_info()
        unit = unit_info()
        return {"request": {"unit": unit, "operator": operator,
                            "sms_code": api.sms_code(operator["mobile"], "register")},
                "headers": key(), "code": unit["credit_code"], "login": unit["unit_account"]}

    def send(s):
        return api.post("/registrations", s["request"], **s["headers"])

    def check(s, answers):
        problems = []
        claims = count_claims(f"credit#{s['code']}")
        if claims != 1:
            problems.append(f"{claims} claims of the credit code")
        login = api.login(s["login"], "Reg#Strong2026")
        if login.status_code not in (200, 201):
            problems.append(f"the registered unit account cannot log in: {login.status_code} {_code(login)}")
        return problems

    def renew(s):  # the faulted request consumed the code: the person asks for a new one
        s["request"]["sms_code"] = api.sms_code(s["request"]["operator"]["mobile"], "register")

    flow = Flow("register", prepare, send, check, frozenset({"credit_code_taken"}), ok_status=201, renew=renew,
                renew_codes=frozenset({"sms_code_invalid"}))
    steps, _ = run(world, flow)
    finish(world, flow, steps)


# -- submit and approve (the review chain) -------------------------------------------------------

def _letter_author():
    from chalicelib.domain.enums import UnitRole

    org = factory.make_org(role=UnitRole.MANUFACTURER)
    op, _ = factory.add_operator(org)
    return org, op


def _new_letter(api) -> dict:
    org, op = _letter_author()
    token = factory.token(op, org.org_id)
    data = {"signed_on": "2026-01-05", "letter_file_id": factory.verified_pdf(org, op)}
    created = api.post("/records/commitment_letter", {"data": data}, token=token)
    assert created.status_code == 201, created.body
    return {"record_id": body(created)["record_id"], "token": token, "headers": key()}


def _signals_left(record_id: str) -> list[str]:
    from chalicelib.store import records

    return [f"{s.signal} {s.outcome or ''} ({s.attempts} attempts)" for s in records.SignalItem.query(
        records.rec_pk(record_id), records.SignalItem.sk.startswith("signal#"), consistent_read=True)]


def _review_state(record_id: str) -> tuple[str, int, list[str]]:
    from chalicelib.store import audit, records

    rev = records.get_revision(record_id, 1)
    actions = [e["action"] for e in audit.history(f"rec#{record_id}", limit=50, cursor=None).items]
    return rev.status, int(rev.submissions or 0), actions


def test_submit(world):
    from chalicelib.store import records

    api = world["api"]

    def send(s):
        return api.post(f"/records/commitment_letter/{s['record_id']}/submit", token=s["token"], **s["headers"])

    def check(s, answers):
        status, submissions, actions = _review_state(s["record_id"])
        problems = []
        if (status, submissions) != ("pending_first", 1):
            problems.append(f"the revision is {status} after {submissions} submissions")
        if actions.count("submitted") != 1:
            problems.append(f"the audit log has {actions.count('submitted')} submissions")
        if records.get_task(s["record_id"], 1, "first") is None and not wait_until(
                lambda: records.get_task(s["record_id"], 1, "first"), what="the first-level task", timeout=5):
            problems.append("the execution never reached the first level")
        if _signals_left(s["record_id"]):
            problems.append(f"signals left after the reconciler: {_signals_left(s['record_id'])}")
        return problems

    flow = Flow("submit", lambda: _new_letter(api), send, check, frozenset({"wrong_state"}))
    steps, _ = run(world, flow)
    finish(world, flow, steps)


def test_approve(world):
    from chalicelib.domain.enums import ActorKind
    from chalicelib.store import records

    api = world["api"]
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    reviewer = factory.token(factory.add_operator(platform)[0], platform.org_id)

    def prepare():
        s = _new_letter(api)
        submitted = api.post(f"/records/commitment_letter/{s['record_id']}/submit", token=s["token"])
        assert submitted.status_code == 200, submitted.body
        wait_until(lambda: records.get_task(s["record_id"], 1, "first"), what="the first-level task")
        return s

    def send(s):
        return api.post(f"/reviews/records/{s['record_id']}/decision",
                        {"revision": 1, "level": "first", "decision": "approve"}, token=reviewer, **s["headers"])

    def check(s, answers):
        status, _, actions = _review_state(s["record_id"])
        problems = []
        if status != "pending_final":
            problems.append(f"the revision is {status}")
        if actions.count("first_review_approve") != 1:
            problems.append(f"the audit log has {actions.count('first_review_approve')} first-level approvals")
        if not wait_until(lambda: records.get_task(s["record_id"], 1, "final"), what="the final-level task",
                          timeout=5):
            problems.append("the execution did not move on to the final level")
        if records.get_task(s["record_id"], 1, "first") is not None:
            problems.append("the first level's task token was left (the decision not delivered)")
        if _signals_left(s["record_id"]):
            problems.append(f"signals left after the reconciler: {_signals_left(s['record_id'])}")
        return problems

    flow = Flow("approve", prepare, send, check, frozenset({"wrong_state"}), idempotent=False)
    steps, _ = run(world, flow)
    finish(world, flow, steps)


# -- declare ------------------------------------------------------------------------------------

def test_declare(world):
    from chalicelib.domain.enums import UnitRole
    from chalicelib.services import projects as service
    from chalicelib.store import projects as store
    from tests.api.projects_support import CODE, People, in_library, published_with_catalog

    api, fixed = world["api"], world["clock"]
    people = People()
    project_id = published_with_catalog(api, people.center, fixed.now())
    fixed.advance(days=1, seconds=1)
    service.advance_due()

    def prepare():
        org = factory.make_org(role=UnitRole.MANUFACTURER, entered=True)
        op, _ = factory.add_operator(org)
        in_library(org.org_id, CODE)
        return {"org_id": org.org_id, "token": factory.token(op, org.org_id), "headers": key()}

    def send(s):
        return api.post(f"/projects/{project_id}/declarations", {"code27": CODE}, token=s["token"], **s["headers"])

    def check(s, answers):
        problems = []
        if store.get_declaration(project_id, s["org_id"], CODE) is None:
            problems.append("no declaration after the retry")
        count = store.declaration_counts([project_id], s["org_id"])[project_id]
        if count != 1:
            problems.append(f"the enterprise's count says {count}")
        return problems

    flow = Flow("declare", prepare, send, check, frozenset({"already_declared"}), ok_status=201)
    steps, _ = run(world, flow)
    finish(world, flow, steps)


# -- allocation submit and export ----------------------------------------------------------------

@pytest.fixture(scope="module")
def allocation(world):
    """A published task with 14 institutions of 630100 (each case submits a sheet of its own)."""
    from chalicelib import clock
    from chalicelib.domain.enums import ActorKind, UnitRole
    from chalicelib.schemas.allocation import TaskCreate
    from chalicelib.services import jobs
    from chalicelib.services.allocation import demand, tasks

    office_org = factory.make_org(ActorKind.ALLIANCE_OFFICE, "630000")
    office = factory.principal_of(factory.add_operator(office_org)[0], office_org.org_id)
    city_org = factory.make_org(ActorKind.CITY_BUREAU, "630100")
    city = factory.token(factory.add_operator(city_org)[0], city_org.org_id)
    ent = factory.make_org(ActorKind.ENTERPRISE, "630100", role=UnitRole.MANUFACTURER)
    institutions = []
    for _ in range(14):
        org = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "630100", role=UnitRole.MEDICAL_INSTITUTION)
        institutions.append((org, factory.add_operator(org)[0]))
    now = clock.now()
    day = timedelta(days=1)
    task = tasks.create(office, TaskCreate.model_validate({
        "name": "故障注入分量", "rule": {"base_percent": {"1": 50}, "rank_weights": {"1": [1]}},
        "groups": [{"code": "G1", "name": "A组", "item_code": "T1", "item_name": "标的",
                    "winners": [{"credit_code": ent.credit_code, "name": "企业", "rank": 1, "price": "1.00"}]}],
        **{f"{k}_deadline": (now + (i + 2) * day).isoformat()
           for i, k in enumerate(("fill", "city", "province", "alliance"))}}))
    upload = f"imports/{office.org_id}/faults-demand.csv"
    factory.put_import_file(upload, "credit_code,group_code,demand\n" + "".join(
        f"{org.credit_code},G1,10\n" for org, _ in institutions))
    jobs.run(demand.start_import(office, task.task_id, upload).job_id)
    tasks.publish(office, task.task_id)
    return {"task_id": task.task_id, "institutions": institutions, "ent": ent, "city": city}


def test_allocation_submit(world, allocation):
    from chalicelib.store import allocation as store
    from chalicelib.store import audit

    api, task_id = world["api"], allocation["task_id"]
    free = list(allocation["institutions"])
    base = f"/allocation-tasks/{task_id}/my-sheet"

    def prepare():
        org, op = free.pop()
        token = factory.token(op, org.org_id)
        sheet = body(api.get(base, token=token))
        saved = api.put(base, {"version": sheet["version"], "allocations": {
            "G1": {allocation["ent"].credit_code: sheet["remaining"]}}}, token=token)
        assert saved.status_code == 200, saved.body
        return {"org_id": org.org_id, "token": token, "version": body(saved)["version"], "headers": key()}

    def send(s):
        return api.post(f"{base}/submit", {"version": s["version"]}, token=s["token"], **s["headers"])

    def check(s, answers):
        sheet = store.get_sheet(task_id, s["org_id"])
        submitted = [e for e in audit.history(f"asheet#{task_id}#{s['org_id']}", limit=20, cursor=None).items
                     if e["action"] == "allocation_submitted"]
        problems = []
        if (sheet.status, int(sheet.submissions or 0), len(submitted)) != ("pending_city", 1, 1):
            problems.append(f"the sheet is {sheet.status} after {sheet.submissions} submissions, "
                            f"{len(submitted)} audited")
        return problems

    flow = Flow("allocation submit", prepare, send, check,
                frozenset({"wrong_state", "concurrent_update", "already_submitted"}), idempotent=False)
    steps, _ = run(world, flow)
    finish(world, flow, steps)


def test_export(world, allocation):
    """The export request and the job it starts (consumer run included in the request's steps)."""
    from chalicelib.store import jobs as job_store

    api, task_id, city = world["api"], allocation["task_id"], allocation["city"]
    jobs_seen: dict[str, set] = {}

    def prepare():
        return {"headers": key(), "id": uuid.uuid4().hex}

    def send(s):
        response = api.post(f"/allocation-tasks/{task_id}/agreement-exports", {"group_code": "G1"}, token=city,
                            **s["headers"])
        if response.status_code == 202:
            jobs_seen.setdefault(s["id"], set()).add(body(response)["job_id"])
            _consume_jobs(world)  # the consumer's steps are the flow's steps too
        return response

    def check(s, answers):
        problems = []
        ids = jobs_seen.get(s["id"], set())
        if len(ids) != 1:
            problems.append(f"one idempotent export request made {len(ids)} jobs")
        for job_id in ids:
            item = job_store.get(job_id)
            if item.status not in ("succeeded", "failed"):
                problems.append(f"job {job_id} is stuck {item.status}")
        return problems

    flow = Flow("export", prepare, send, check, ok_status=202)
    steps, _ = run(world, flow)
    finish(world, flow, steps)
