"""A dependency slow or failing answers 503 with a stable code and Retry-After, never 500.

Faults are injected in front of moto (decorator mode): before moto applies the
call (connection refused), after it applied it with the answer lost (read
timeout), or as the service's throttling answer. botocore's retries run as
deployed (their back-off sleeps are skipped)."""
from __future__ import annotations

import json
import types
import uuid

import botocore.endpoint
import botocore.exceptions
import pytest
from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

from tests.api.conftest import body
from tests.api.test_registration import operator_info, register, unit_info

JSON_THROTTLE = {"dynamodb": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                 "sfn": "ThrottlingException", "sns": None, "s3": None}


def read_timeout(request):
    raise botocore.exceptions.ReadTimeoutError(endpoint_url=request.url)


def connection_refused(request):
    raise botocore.exceptions.EndpointConnectionError(endpoint_url=request.url)


def throttled(service_id):
    def answer(request):
        if service_id == "s3":
            return AWSResponse(request.url, 503, {}, MockRawResponse(
                b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"))
        if service_id == "sns":
            return AWSResponse(request.url, 400, {}, MockRawResponse(
                b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
                b"</Error></ErrorResponse>"))
        return AWSResponse(request.url, 400, {"x-amzn-RequestId": "r"}, MockRawResponse(json.dumps(
            {"__type": JSON_THROTTLE[service_id], "message": "Rate of requests exceeds the allowed throughput."}
        ).encode()))
    return answer


class Faults:
    """Fails the chosen operations of one service; records what each attempt sent."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.sent: list = []
        monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda s: None))

    def inject(self, service_id: str, operations: set[str], fault, *, after_applying: bool = False) -> "Faults":
        stock = BotocoreStubber.__call__
        names = {f"before-send.{service_id}.{op}" for op in operations}

        def call(stubber, event_name, request, **kwargs):
            if event_name not in names:
                return stock(stubber, event_name, request, **kwargs)
            self.sent.append(request)
            if after_applying:
                stock(stubber, event_name, request, **kwargs)
            return fault(request)

        self.monkeypatch.setattr(BotocoreStubber, "__call__", call)
        return self


@pytest.fixture
def faults(monkeypatch):
    return Faults(monkeypatch)


def assert_unavailable(response, code: str, retry_after: str) -> None:
    assert response.status_code == 503, f"expected 503 {code}, got {response.status_code}: {response.body}"
    error = body(response)["error"]
    assert error["code"] == code, error
    assert response.headers.get("Retry-After") == retry_after, response.headers


# --- DynamoDB through the app's unit of work (PynamoDB) -------------------------------------------

def test_a_transaction_whose_answer_is_lost_is_503_and_every_retry_carried_one_token(api, seeded, faults):
    faults.inject("dynamodb", {"TransactWriteItems"}, read_timeout, after_applying=True)
    response = register(api)
    assert_unavailable(response, "store_unavailable", "5")
    tokens = {json.loads(r.body).get("ClientRequestToken") for r in faults.sent}
    assert len(faults.sent) == 3, f"{len(faults.sent)} attempts; the budget is 3 (chalicelib/aws.py)"
    assert len(tokens) == 1 and None not in tokens, f"the retries sent tokens {tokens}"
    assert "可能未完成" in body(response)["error"]["message"], "the answer must not claim nothing happened"


def test_a_transaction_that_cannot_connect_is_503_and_creates_nothing(api, seeded, faults):
    unit = unit_info()
    faults.inject("dynamodb", {"TransactWriteItems"}, connection_refused)
    assert_unavailable(register(api, unit), "store_unavailable", "5")
    faults.monkeypatch.undo()
    assert api.login(unit["unit_account"], "Reg#Strong2026").status_code == 401, "the registration was applied"


def test_a_throttled_transaction_is_503_store_throttled(api, seeded, faults):
    faults.inject("dynamodb", {"TransactWriteItems"}, throttled("dynamodb"))
    assert_unavailable(register(api), "store_throttled", "2")


def test_throttled_reads_are_503_store_throttled(api, seeded, faults):
    unit = unit_info()
    assert register(api, unit, operator_info()).status_code == 201
    token = body(api.login(unit["unit_account"], "Reg#Strong2026"))["token"]
    faults.inject("dynamodb", {"GetItem", "Query", "BatchGetItem"}, throttled("dynamodb"))
    assert_unavailable(api.get("/me", token=token), "store_throttled", "2")


def test_a_timed_out_read_is_503_store_unavailable(api, seeded, faults):
    unit = unit_info()
    assert register(api, unit, operator_info()).status_code == 201
    token = body(api.login(unit["unit_account"], "Reg#Strong2026"))["token"]
    faults.inject("dynamodb", {"GetItem", "Query", "BatchGetItem"}, read_timeout)
    assert_unavailable(api.get("/me", token=token), "store_unavailable", "5")


def test_a_dynamodb_500_is_503_store_unavailable(api, seeded, faults):
    """Issue 13 faults: PynamoDB re-raises botocore's error without its HTTP status; a DynamoDB
    InternalServerError on a read was a 500 until ``aws.unavailable`` read botocore's original."""
    from tests.faults import server_error

    operator = operator_info()
    request = {"unit": unit_info(), "operator": operator, "sms_code": api.sms_code(operator["mobile"], "register")}
    faults.inject("dynamodb", {"GetItem"}, lambda sent: server_error("dynamodb", sent))
    assert_unavailable(api.post("/registrations", request), "store_unavailable", "5")


@pytest.mark.parametrize("route", ["sms", "captcha"])
def test_a_throttled_consumption_of_a_code_is_503_not_a_wrong_code(api, seeded, faults, route):
    """Issue 13 faults: the one-time SMS code and captcha are consumed by a conditional DeleteItem;
    a throttled delete was answered 400 sms_code_invalid / captcha_invalid (the person told their
    right code was wrong)."""
    operator = operator_info()
    request = {"unit": unit_info(), "operator": operator, "sms_code": api.sms_code(operator["mobile"], "register")}
    if route == "sms":
        faults.inject("dynamodb", {"DeleteItem"}, throttled("dynamodb"))
        assert_unavailable(api.post("/registrations", request), "store_throttled", "2")
    else:
        captcha = api.captcha()
        faults.inject("dynamodb", {"DeleteItem"}, throttled("dynamodb"))
        assert_unavailable(api.post("/sms-codes", {"mobile": factory_mobile(), "purpose": "register", **captcha}),
                           "store_throttled", "2")


def factory_mobile() -> str:
    from tests import factory

    return factory.mobile()


def test_a_committed_request_whose_key_is_not_completed_still_answers_its_2xx(api, seeded, faults):
    """Issue 13 faults: when recording the idempotent answer fails after the work committed, the
    client gets the 2xx (before: a 503 telling it a committed registration may not have happened)."""
    unit = unit_info()
    operator = operator_info()
    payload = {"unit": unit, "operator": operator, "sms_code": api.sms_code(operator["mobile"], "register")}
    completions = []
    stock = BotocoreStubber.__call__

    def call(stubber, event_name, request, **kwargs):
        sent = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if event_name == "before-send.dynamodb.PutItem" and '"completed"' in sent:
            completions.append(request)
            return throttled("dynamodb")(request)
        return stock(stubber, event_name, request, **kwargs)

    faults.monkeypatch.setattr(BotocoreStubber, "__call__", call)
    response = api.post("/registrations", payload, **{"Idempotency-Key": "k" * 24})
    assert completions, f"the idempotency key's completion was not attempted: {response.status_code} {response.body}"
    assert response.status_code == 201, f"the registration committed: expected 201, got {response.status_code}"
    faults.monkeypatch.undo()
    assert api.login(unit["unit_account"], "Reg#Strong2026").status_code in (200, 201)


def test_a_job_whose_message_cannot_be_queued_is_failed_not_left_queued(api, seeded, faults):
    """Issue 13 faults: SQS refusing the job's message left the job ``queued`` with nothing to run it
    until the reaper failed it 15 minutes later; now it is failed at once and the request is a 503."""
    from chalicelib.store import jobs as store
    from tests import factory
    from tests.faults import throttled as throttle

    org = factory.make_org()
    token = factory.operator_token(org)
    faults.inject("sqs", {"SendMessage"}, lambda request: throttle("sqs", request))
    response = api.post("/dictionaries/exports", {"dictionary": "units"}, token=token)
    assert_unavailable(response, "queue_throttled", "2")
    faults.monkeypatch.undo()
    account_id = factory.principal_of(org.operators[-1], org.org_id).account_id
    jobs = store.list_for_owner(f"account#{account_id}", limit=10, cursor=None).items
    assert [j.status for j in jobs] == ["failed"], f"the job is left {[j.status for j in jobs]}"


def test_dynamodb_refusing_a_malformed_request_stays_a_500(api, seeded, faults):
    """A ValidationException from DynamoDB is the app's bug: no Retry-After would help."""
    def invalid(request):
        return AWSResponse(request.url, 400, {}, MockRawResponse(json.dumps(
            {"__type": "com.amazon.coral.validate#ValidationException", "message": "bad"}).encode()))

    faults.inject("dynamodb", {"TransactWriteItems"}, invalid)
    response = register(api)
    assert response.status_code == 500, response.body
    assert "Retry-After" not in response.headers


# --- Step Functions, S3, SNS through their adapters, behind one probe route ------------------------

@pytest.fixture
def probe(aws):
    """A route calling one adapter function, registered for this test only."""
    from chalice import Blueprint, Chalice
    from chalice.test import Client

    from chalicelib import files, topics, workflows
    from chalicelib.domain.access import PUBLIC
    from chalicelib.handlers import _http

    calls = {
        "workflow": lambda: workflows.start("health", f"probe-{uuid.uuid4().hex}", {"probe": "x"}),
        "files-put": lambda: files.put_bytes(f"probe/{uuid.uuid4().hex}", b"x", "text/plain"),
        "files-head": lambda: files.head("probe/present"),
        "notifications": lambda: topics.publish(next(iter(_topic_names())), "{}", {}),
    }
    bp = Blueprint(__name__)
    path = f"/probe-{uuid.uuid4().hex[:8]}/{{what}}"

    @_http.endpoint(bp, path, "POST", access=PUBLIC, summary="fault probe")
    def run(ctx, what):
        calls[what]()
        return {"ok": True}

    files.put_bytes("probe/present", b"x", "text/plain")
    app = Chalice(app_name="probe")
    app.register_blueprint(bp)
    try:
        with Client(app) as client:
            yield lambda what: client.http.post(path.replace("{what}", what), body=b"{}",
                                                headers={"Content-Type": "application/json"})
    finally:
        _http.ENDPOINTS.pop((path, "POST"), None)


def _topic_names():
    from chalicelib import resources

    return [t.logical for t in resources.TOPICS]


@pytest.mark.parametrize("what, service_id, operations, fault, code, retry_after", [
    ("workflow", "sfn", {"StartExecution"}, read_timeout, "workflow_unavailable", "5"),
    ("workflow", "sfn", {"StartExecution"}, throttled("sfn"), "workflow_throttled", "2"),
    ("files-put", "s3", {"PutObject"}, connection_refused, "files_unavailable", "5"),
    ("files-put", "s3", {"PutObject"}, throttled("s3"), "files_throttled", "2"),
    ("files-head", "s3", {"HeadObject"}, read_timeout, "files_unavailable", "5"),
    ("notifications", "sns", {"Publish"}, read_timeout, "notifications_unavailable", "5"),
    ("notifications", "sns", {"Publish"}, throttled("sns"), "notifications_throttled", "2"),
])
def test_step_functions_s3_and_sns_failures_are_503(probe, faults, what, service_id, operations, fault, code,
                                                   retry_after):
    before = probe(what)
    assert before.status_code == 200, f"without a fault the probe answers 200, not {before.status_code}: {before.body}"
    faults.inject(service_id, operations, fault)
    assert_unavailable(probe(what), code, retry_after)


def test_any_unhandled_step_functions_error_is_503_not_500(probe, faults):
    def denied(request):
        return AWSResponse(request.url, 400, {}, MockRawResponse(json.dumps(
            {"__type": "StateMachineDoesNotExist", "message": "gone"}).encode()))

    faults.inject("sfn", {"StartExecution"}, denied)
    assert_unavailable(probe("workflow"), "workflow_unavailable", "5")


# --- the budget: a request answers within API Gateway's 29 s ---------------------------------------

def test_client_timeouts_and_retries_fit_api_gateways_29_seconds(aws):
    from chalicelib import aws as clients
    from chalicelib.store import tables

    worst = clients.MAX_ATTEMPTS * (clients.CONNECT_TIMEOUT_S + clients.READ_TIMEOUT_S) + clients.MAX_BACKOFF_S
    assert worst < clients.REQUEST_BUDGET_S, f"worst case {worst} s exceeds {clients.REQUEST_BUDGET_S} s"
    for service in ("dynamodb", "stepfunctions", "s3", "sns"):
        config = clients.client(service).meta.config
        assert (config.connect_timeout, config.read_timeout, config.retries["total_max_attempts"]) == (
            clients.CONNECT_TIMEOUT_S, clients.READ_TIMEOUT_S, clients.MAX_ATTEMPTS), service
    connections = [model._get_connection().connection for model in tables.TABLE_MODELS]
    connections.append(tables.transact_write().__dict__.get("_connection") or tables._connection)
    for connection in connections:
        config = connection.client.meta.config
        assert (config.connect_timeout, config.read_timeout, config.retries["total_max_attempts"]) == (
            clients.CONNECT_TIMEOUT_S, clients.READ_TIMEOUT_S, clients.MAX_ATTEMPTS), connection
