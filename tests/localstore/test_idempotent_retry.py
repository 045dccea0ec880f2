"""ClientRequestToken on the local store, as DynamoDB honours it, and the app's retries.

DynamoDB: the same token with the same request within 10 minutes of the first
completing succeeds without applying again; with another request,
IdempotentParameterMismatchException; while the first runs,
TransactionInProgressException (botocore retries it)."""
from __future__ import annotations

import json
import threading
import time

import boto3
import botocore.config
import botocore.exceptions
import pytest
from moto.server import ThreadedMotoServer

from ops.localstore import dynamodb as localstore
from tests.localstore.support import REGION, moto_dynamodb

TABLE = "tokens"


def s(v: str) -> dict:
    return {"S": v}


def create(client) -> None:
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    client.put_item(TableName=TABLE, Item={"pk": s("counter"), "n": {"N": "0"}})


def increment(key: str = "counter", claim: str = "claim#1") -> list[dict]:
    """Add one to the counter and claim a key: applied twice, the claim's condition fails."""
    return [
        {"Update": {"TableName": TABLE, "Key": {"pk": s(key)}, "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Put": {"TableName": TABLE, "Item": {"pk": s(claim)}, "ConditionExpression": "attribute_not_exists(pk)"}},
    ]


def counter(client) -> int:
    return int(client.get_item(TableName=TABLE, Key={"pk": s("counter")})["Item"]["n"]["N"])


def error_code(call) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_same_token_same_items_succeeds_without_applying_twice():
    with moto_dynamodb(patched=True) as client:
        create(client)
        for _ in range(3):
            client.transact_write_items(TransactItems=increment(), ClientRequestToken="t-1")
        assert counter(client) == 1, "a repeated token applied the transaction again"


def test_same_token_other_items_is_a_mismatch_and_changes_nothing():
    with moto_dynamodb(patched=True) as client:
        create(client)
        client.transact_write_items(TransactItems=increment(), ClientRequestToken="t-1")
        code = error_code(lambda: client.transact_write_items(TransactItems=increment(claim="claim#2"),
                                                              ClientRequestToken="t-1"))
        assert code == "IdempotentParameterMismatchException", code
        assert counter(client) == 1
        assert "Item" not in client.get_item(TableName=TABLE, Key={"pk": s("claim#2")})


def test_a_token_is_forgotten_ten_minutes_after_its_transaction(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(localstore, "clock", lambda: now[0])
    with moto_dynamodb(patched=True) as client:
        create(client)
        client.transact_write_items(TransactItems=increment(claim="a"), ClientRequestToken="t-1")
        now[0] += localstore.TOKEN_WINDOW_S - 1
        client.transact_write_items(TransactItems=increment(claim="a"), ClientRequestToken="t-1")
        assert counter(client) == 1, "replayed within the window must not apply"
        now[0] += 2
        client.transact_write_items(TransactItems=increment(claim="b"), ClientRequestToken="t-1")
        assert counter(client) == 2, "after the window the token is a new request"


def test_a_cancelled_transaction_leaves_its_token_free():
    with moto_dynamodb(patched=True) as client:
        create(client)
        client.put_item(TableName=TABLE, Item={"pk": s("claim#1")})
        code = error_code(lambda: client.transact_write_items(TransactItems=increment(), ClientRequestToken="t-1"))
        assert code == "TransactionCanceledException", code
        client.delete_item(TableName=TABLE, Key={"pk": s("claim#1")})
        client.transact_write_items(TransactItems=increment(), ClientRequestToken="t-1")
        assert counter(client) == 1


def test_without_a_token_and_on_stock_moto_a_repeat_applies_again():
    """What the patch fixes: stock moto ignores the token, so a retry fails its own first attempt's condition."""
    with moto_dynamodb(patched=False) as client:
        create(client)
        client.transact_write_items(TransactItems=increment(), ClientRequestToken="t-1")
        code = error_code(lambda: client.transact_write_items(TransactItems=increment(), ClientRequestToken="t-1"))
        assert code == "TransactionCanceledException", code


@pytest.fixture
def slow_local_store():
    """moto in server mode with the patch, whose first TransactWriteItems outlasts the client's read timeout."""
    from moto.dynamodb.models import DynamoDBBackend

    localstore.apply()
    patched = DynamoDBBackend.transact_write_items
    calls: list[float] = []
    release = threading.Event()

    def slow(backend, items):
        calls.append(time.monotonic())
        result = patched(backend, items)  # applied; the answer comes too late
        if len(calls) == 1:
            release.wait(3.0)
        return result

    DynamoDBBackend.transact_write_items = slow
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}", calls, release
    finally:
        release.set()
        server.stop()
        DynamoDBBackend.transact_write_items = patched
        localstore.revert()


def test_botocore_retries_a_timed_out_transaction_with_its_token_and_succeeds_once(slow_local_store):
    url, calls, release = slow_local_store
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=url, aws_access_key_id="k",
                          aws_secret_access_key="k", config=botocore.config.Config(
                              read_timeout=1, retries={"mode": "standard", "total_max_attempts": 6}))
    sent: list[str] = []
    client.meta.events.register("before-send.dynamodb.TransactWriteItems",
                                lambda request, **kw: sent.append(request.body.decode()))
    create(client)
    threading.Timer(1.5, release.set).start()
    client.transact_write_items(TransactItems=increment())  # no token given: botocore makes one
    assert len(sent) >= 2, f"the slow first attempt was not retried ({len(sent)} sent)"
    tokens = {json.loads(body).get("ClientRequestToken") for body in sent}
    assert len(tokens) == 1 and None not in tokens, f"the attempts carried tokens {tokens}"
    assert counter(client) == 1, "the retry applied the transaction a second time"
    assert len(calls) == 1, f"the backend ran the transaction {len(calls)} times"
