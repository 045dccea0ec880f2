from __future__ import annotations

import json

import pytest

from ops.local_gateway import install as install_gateway_responses
from tests.support import provisioned_aws

install_gateway_responses()  # the test client's gateway refuses in our error body, as deployed (ops/local_gateway.py)


@pytest.fixture
def aws():
    with provisioned_aws() as env:
        yield env


@pytest.fixture
def seeded(aws):
    """Reference dictionaries (regions, units)."""
    from ops.seed import seed_reference

    return seed_reference()


@pytest.fixture
def demo(aws):
    """Everything `make run` seeds, demo organisations and logins included."""
    from ops.seed import seed_all

    return seed_all()


@pytest.fixture
def client(aws):
    from chalice.test import Client

    import app

    with Client(app.app) as c:
        yield c


class Api:
    """Thin JSON helpers over the Chalice test client; ``token=`` adds a bearer token."""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def _headers(token, headers, json_body=True):
        out = {"Content-Type": "application/json"} if json_body else {}
        if token:
            out["Authorization"] = f"Bearer {token}"
        return {**out, **headers}

    def get(self, path, token=None, **headers):
        return self.client.http.get(path, headers=self._headers(token, headers, json_body=False))

    def delete(self, path, token=None, **headers):
        return self.client.http.delete(path, headers=self._headers(token, headers, json_body=False))

    def _send(self, method, path, body, raw, token, headers):
        payload = raw if raw is not None else json.dumps(body if body is not None else {})
        return getattr(self.client.http, method)(path, body=payload, headers=self._headers(token, headers))

    def post(self, path, body=None, *, raw=None, token=None, **headers):
        return self._send("post", path, body, raw, token, headers)

    def put(self, path, body=None, *, raw=None, token=None, **headers):
        return self._send("put", path, body, raw, token, headers)

    def patch(self, path, body=None, *, raw=None, token=None, **headers):
        return self._send("patch", path, body, raw, token, headers)

    def captcha(self):
        """A fresh captcha and its answer (the dev route, registered on the test stage)."""
        captcha_id = json.loads(self.post("/captchas").body)["captcha_id"]
        shown = self.get(f"/dev/captchas/{captcha_id}")
        assert shown.status_code == 200, shown.body
        answer = json.loads(shown.body)["answer"]
        return {"captcha_id": captcha_id, "captcha_answer": answer}

    def sms_code(self, mobile, purpose):
        """Send a code and read it from the dev outbox; steps past the resend gap if needed."""
        from datetime import timedelta

        from chalicelib import clock

        response = self.post("/sms-codes", {"mobile": mobile, "purpose": purpose, **self.captcha()})
        shift = 0
        while response.status_code == 429 and json.loads(response.body)["error"]["code"] == "sms_too_frequent" \
                and shift < 600:
            shift += 61
            previous = clock.set_clock(clock.FixedClock(clock.now() + timedelta(seconds=shift)))
            try:
                response = self.post("/sms-codes", {"mobile": mobile, "purpose": purpose, **self.captcha()})
            finally:
                clock.set_clock(previous)
        assert response.status_code == 202, response.body
        messages = json.loads(self.get("/dev/outbox/sms?limit=20").body)["items"]
        import re

        latest = next(m for m in messages if m["mobile"] == mobile and m["purpose"] == purpose)
        return re.search(r"(\d{6})", latest["message"]).group(1)

    def login(self, login, password):
        return self.post("/sessions", {"login": login, "password": password, **self.captcha()})


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def enterprise(aws):
    from tests import factory

    return factory.make_org(role=None)


@pytest.fixture
def member_token(aws):
    """A token of an authorised operator of a fresh enterprise."""
    from tests import factory

    org = factory.make_org()
    return factory.operator_token(org)


def body(response):
    return json.loads(response.body)


def assert_error(response, status: int, code: str, what: str) -> dict:
    assert response.status_code == status, \
        f"{what}: expected HTTP {status} {code}, got {response.status_code} {response.body}"
    error = body(response)["error"]
    assert error["code"] == code, f"{what}: expected error code {code!r}, got {error!r}"
    return error


def assert_ok(response, what: str, status: int = 200) -> dict:
    assert response.status_code == status, f"{what}: expected HTTP {status}, got {response.status_code} {response.body}"
    return body(response)


def pending(session: dict) -> list[str]:
    return [a["code"] for a in session["pending_actions"]]


def deliver_job_messages(client, aws) -> int:
    """Hand the queued job messages to app.run_job_messages, as Lambda's SQS trigger would."""
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = aws["MP_QUEUE_URL_JOBS"]
    delivered = 0
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return delivered
        event = client.events.generate_sqs_event(queue_name="medprocure-test-jobs",
                                                 message_bodies=[m["Body"] for m in messages])
        client.lambda_.invoke("run_job_messages", event)
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        delivered += len(messages)



@pytest.fixture
def catalog_world(aws):
    """A manufacturer holding the demo catalog's certificates, an authorised
    operator, and two platform reviewers (units of measure seeded)."""
    from chalicelib.domain.enums import ActorKind, UnitRole
    from chalicelib.store import dictionaries
    from ops.seed import load_units
    from tests import factory

    dictionaries.put_units(load_units())
    maker = factory.make_org(role=UnitRole.MANUFACTURER)
    op, _ = factory.add_operator(maker)
    factory.seed_demo_catalog(maker)
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    r1, _ = factory.add_operator(platform)
    r2, _ = factory.add_operator(platform)
    return {"org": maker, "op": op, "token": factory.token(op, maker.org_id),
            "reviewer": factory.token(r1, platform.org_id), "reviewer2": factory.token(r2, platform.org_id)}


# The project tests' shared fixtures (a controlled clock, the center and an enterprise, a declaring project),
# available to every API test module; imported last because projects_support uses the helpers above.
from tests.api.projects_support import declaring, frozen, people  # noqa: E402,F401
