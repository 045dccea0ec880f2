"""Shared test helpers: a provisioned moto account and waiting on conditions."""
from __future__ import annotations

import functools
import os
import time
from contextlib import contextmanager, nullcontext
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
# boto3's default session is kept from one moto account to the next: moto replaces it with a new one at
# every start by default, so that fake credentials cannot reach a test that talks to real AWS (none does
# here), and each test's first boto3.client() then loaded botocore's service models again (~90 ms of CPU).
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "core": {"reset_boto3_session": False}}


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


@contextmanager
def provisioned_aws(*, lean_requests: bool = True) -> Iterator[dict[str, str]]:
    """A fresh moto account with every resource created from the real definitions.

    The resources are created (``ops.provision``) once per test process; every later account is a
    deep copy of that pristine one (``_Pristine``): the objects moto would have built, for ~5 ms of
    CPU a test instead of ~80 (``make bench-tests``; a third of that was moto parsing the three ASL
    definitions with its ANTLR grammar). ``lean_requests=False`` keeps botocore's signing and moto's
    method lookup per request (``lean_in_process_requests``): the benches, whose ratios compare our
    code with the AWS calls it makes as a Lambda makes them."""
    from moto import mock_aws

    lean = lean_in_process_requests() if lean_requests else nullcontext()
    with mock_aws(config=MOTO_CONFIG), atomic_moto_requests(), lean, moto_store():
        reset_process_caches()
        env = _PRISTINE.restore()
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


class _Pristine:
    """Every moto backend as ``ops.provision`` leaves it in an empty account, kept to be copied.

    ``mock_aws`` empties every backend when it starts; ``restore()`` then puts a deep copy of the
    provisioned ones back (a copy per test: nothing one test writes reaches the next). The first call
    of a process provisions through the API as ``make run`` does and takes the snapshot, before any
    test has written. moto's locks and conditions (SQS queues hold one) are made anew in a copy."""

    def __init__(self) -> None:
        # (resource prefix, region) -> (the app's environment, the provisioned backends)
        self._kept: dict[tuple[str, str], tuple[dict[str, str], list[tuple[object, str, str, object]]]] = {}

    def restore(self) -> dict[str, str]:
        from chalicelib.config import get_settings

        settings = get_settings()
        key = (settings.prefix, settings.region)
        if key not in self._kept:
            from ops.provision import provision

            env = provision(_provisioning_session(), settings.prefix, settings.region)
            self._kept[key] = env, [(backends, account, region, _deep_copy(backend))
                                    for backends, account, region, backend in _live_backends()]
            return dict(env)
        env, kept = self._kept[key]
        for backends, account, region, backend in kept:
            backends[account][region] = _deep_copy(backend)  # type: ignore[index]
        return dict(env)


@functools.lru_cache(maxsize=1)
def _provisioning_session():
    """One boto3 session per process for provisioning (its clients load botocore's models once)."""
    import boto3

    return boto3.Session()


def _live_backends() -> Iterator[tuple[object, str, str, object]]:
    from moto.core.base_backend import BackendDict

    for backends in list(BackendDict._instances):
        for account, region, backend in backends.iter_backends():
            yield backends, account, region, backend


def _deep_copy(value: T) -> T:
    import copy
    import copyreg
    import threading

    fresh = {type(threading.Lock()): threading.Lock, type(threading.RLock()): threading.RLock,
             threading.Condition: threading.Condition}
    for kind, make in fresh.items():
        copyreg.dispatch_table[kind] = lambda _, make=make: (make, ())
    try:
        return copy.deepcopy(value)
    finally:
        for kind in fresh:
            copyreg.dispatch_table.pop(kind, None)


_PRISTINE = _Pristine()


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


@contextmanager
def lean_in_process_requests() -> Iterator[None]:
    """Two costs of every request to in-process moto that buy the tests nothing (~0.25 of the ~1 ms a
    GetItem costs; 10-15 % of the API tests' CPU):

    - botocore signs each DynamoDB request (SigV4; most of the tests' calls are DynamoDB's) that moto
      then intercepts before it leaves the process and never verifies; unsigned, moto reads the default
      account and the region from the URL, as it did. S3 stays signed (moto treats an unsigned S3
      request as anonymous and refuses it on a private bucket), as do presigned URLs and POSTs.
    - moto lists its response class's methods with ``inspect.getmembers`` for every request; the list
      is remembered per class (the methods of a class do not change while the tests run)."""
    from unittest import mock

    import botocore.signers
    import moto.core.responses

    signed = botocore.signers.RequestSigner.sign

    def sign(self, operation_name, request, region_name=None, signing_type="standard", *args, **kwargs):
        if signing_type == "standard" and self._signing_name == "dynamodb":
            return None
        return signed(self, operation_name, request, region_name, signing_type, *args, **kwargs)

    with mock.patch.object(botocore.signers.RequestSigner, "sign", sign), \
            mock.patch.object(moto.core.responses, "method_names_from_class", _method_names):
        yield


@functools.lru_cache(maxsize=None)
def _method_names(cls: type) -> list[str]:
    from moto.core.utils import method_names_from_class

    return method_names_from_class(cls)
