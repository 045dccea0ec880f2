"""Run the same DynamoDB calls on stock moto and on the local store's patched moto."""
from __future__ import annotations

import contextlib
import datetime
from typing import Any, Callable, Iterator

import boto3
import botocore.exceptions
from moto import mock_aws

from ops.localstore import dynamodb as localstore

REGION = "us-east-1"


@contextlib.contextmanager
def moto_dynamodb(patched: bool) -> Iterator[Any]:
    """A DynamoDB client on a fresh in-process moto, stock or patched; stock again afterwards."""
    if patched:
        localstore.apply()
    else:
        localstore.revert()  # the other tests' moto is patched (tests/support.moto_store)
    try:
        with mock_aws():
            yield boto3.client("dynamodb", region_name=REGION)
    finally:
        localstore.revert()


class Recorder:
    """Calls the client and keeps each answer (or error code and message) in order."""

    def __init__(self, client: Any):
        self.client = client
        self.answers: list[tuple[str, Any]] = []

    def __call__(self, label: str, operation: str, **params: Any) -> Any:
        try:
            answer = getattr(self.client, operation)(**params)
            answer.pop("ResponseMetadata", None)
            answer = _timeless(answer)
        except botocore.exceptions.ClientError as e:
            answer = {"error": e.response["Error"].get("Code"), "message": e.response["Error"].get("Message"),
                      "reasons": e.response.get("CancellationReasons")}
        except Exception as e:  # noqa: BLE001 - a client-side refusal is an answer too
            answer = {"raised": type(e).__name__, "message": str(e)}
        self.answers.append((label, answer))
        return answer


def _timeless(value: Any) -> Any:
    """Times differ between two runs; everything else must not."""
    if isinstance(value, datetime.datetime):
        return "<time>"
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def both(scenario: Callable[[Recorder], None]) -> tuple[list, list]:
    """The scenario's answers on stock moto and on patched moto."""
    results = []
    for patched in (False, True):
        with moto_dynamodb(patched) as client:
            recorder = Recorder(client)
            scenario(recorder)
            results.append(recorder.answers)
    return results[0], results[1]


def assert_same(stock: list, patched: list) -> None:
    for (label, expected), (_, got) in zip(stock, patched):
        assert got == expected, f"{label}: patched moto answered\n{got}\nstock moto answered\n{expected}"
    assert len(stock) == len(patched), f"{len(stock)} answers from stock moto, {len(patched)} patched"
