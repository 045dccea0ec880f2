"""Shared test helpers: a provisioned moto account and waiting on conditions."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}}


def reset_process_caches() -> None:
    """Forget settings and secrets, then load the settings at once, as
    app.py does at import. (Chalice's test client patches os.environ with the
    `dev` stage's variables during each request: settings first loaded inside a
    request would say stage `dev`.)"""
    from chalicelib import config, secrets

    # The app's boto3 clients are kept (chalicelib.aws): moto intercepts them in
    # every test, and no endpoint URL is ever set under tests.
    config.reset_settings()
    secrets.reset_secrets()
    config.get_settings()


class _CachedClients:
    """A boto3 session look-alike whose clients are made once per test process:
    moto intercepts every botocore client, whenever it was created, and making
    five clients per test cost ~0.2 s of each test's set-up."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], object] = {}

    def client(self, service: str, region_name: str):
        key = (service, region_name)
        if key not in self._clients:
            import boto3

            self._clients[key] = boto3.Session().client(service, region_name=region_name)
        return self._clients[key]


_PROVISIONING = _CachedClients()


@contextmanager
def provisioned_aws() -> Iterator[dict[str, str]]:
    """A fresh moto account with every resource created from the real definitions."""
    from moto import mock_aws

    from chalicelib.config import get_settings
    from ops.provision import provision

    with mock_aws(config=MOTO_CONFIG), atomic_moto_requests(), asl_validated_once(), moto_store():
        reset_process_caches()
        settings = get_settings()
        env = provision(_PROVISIONING, settings.prefix, settings.region)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        reset_process_caches()
        try:
            yield env
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            reset_process_caches()


STORE = os.environ.get("MP_TEST_STORE") or "patched"
if STORE not in ("patched", "stock"):
    raise RuntimeError(f"MP_TEST_STORE (make test STORE=...) is patched or stock, not {STORE!r}")


@contextmanager
def moto_store() -> Iterator[None]:
    """The tests' moto DynamoDB is the local store's (ops/localstore, as `make run` serves it):
    its transactions and queries cost what the items they touch cost, where stock moto deep-copies
    and walks the whole table; ``MP_TEST_STORE=stock`` (``make test STORE=stock``) runs on stock
    moto instead. tests/localstore proves the two answer alike."""
    from ops.localstore import dynamodb as localstore

    if STORE == "stock":
        localstore.revert()
    else:
        localstore.apply()
    yield


def wait_until(condition: Callable[[], T], *, timeout: float = 10.0, what: str = "condition") -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value {value!r}")
        time.sleep(0.05)


@contextmanager
def atomic_moto_requests() -> Iterator[None]:
    """Make each request to in-process moto atomic, as each call to the real
    service is. moto's backends are not thread-safe: a transaction deep-copies
    tables another thread is writing ("dictionary changed size during
    iteration"). Every moto account of the tests is made this way
    (``provisioned_aws``), because Step Functions executions write DynamoDB from
    moto's own threads while the test goes on; concurrency tests use it too, so
    they measure our conditional writes, not moto. Re-entrant: a request moto
    serves by making another one on the same thread does not deadlock."""
    import threading
    from unittest import mock

    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    original = BotocoreStubber.process_request

    def serialised(self, request):
        with lock:
            return original(self, request)

    with mock.patch.object(BotocoreStubber, "process_request", serialised):
        yield


_ASL_VERDICTS: dict[str, BaseException | None] = {}


@contextmanager
def asl_validated_once() -> Iterator[None]:
    """Validate each distinct state machine definition once per test process.

    moto parses the ASL of every ``CreateStateMachine`` with its ANTLR grammar
    (about 0.1 s a machine), and every fresh moto account of the tests creates
    every machine: that was half of each test's set-up. The verdict is a pure
    function of the definition text, so it is remembered by that text: the
    same definition gets the same answer, an invalid one still raises the same
    ``InvalidDefinition``; a changed definition is parsed again."""
    from unittest import mock

    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend._validate_definition

    def validate(definition: str) -> None:
        if definition not in _ASL_VERDICTS:
            try:
                original(definition=definition)
                _ASL_VERDICTS[definition] = None
            except Exception as refused:  # remembered and raised again, as moto raised it
                _ASL_VERDICTS[definition] = refused
        refused = _ASL_VERDICTS[definition]
        if refused is not None:
            raise refused

    with mock.patch.object(StepFunctionsParserBackend, "_validate_definition", staticmethod(validate)):
        yield
