"""50 parallel POST /registrations of one fresh credit code (issue 13, found from
outside): exactly one 201, and every loser the documented 409
``credit_code_taken`` — whether its transaction saw the winner's claim
(ConditionalCheckFailed) or ran into it in flight (TransactionConflict).

In-process moto serialises requests (``atomic_moto_requests``), so it never
answers TransactionConflict; ``dynamodb_like_conflicts`` makes it answer as
DynamoDB does: a transaction touching an item another transaction is writing
at that moment is cancelled with ``TransactionConflict`` on that item."""
from __future__ import annotations

import contextlib
import json
import threading
from unittest import mock

from tests import factory
from tests.api.conftest import body
from tests.api.test_registration import count_claims, operator_info, unit_info

PARALLEL = 50
KEY_ATTRIBUTES = ("pk", "sk", "subject", "entry_id", "key")  # main, audit, idempotency tables
TARGET = "DynamoDB_20120810.TransactWriteItems"


def _item_keys(request_body: dict) -> list[tuple[str, str]]:
    keys = []
    for entry in request_body["TransactItems"]:
        (_, op), = entry.items()
        attributes = op.get("Item") or op.get("Key")
        key = {k: v for k, v in attributes.items() if k in KEY_ATTRIBUTES}
        keys.append((op["TableName"], json.dumps(key, sort_keys=True)))
    return keys


@contextlib.contextmanager
def dynamodb_like_conflicts(hold_until_conflicts: int = 3, max_hold_s: float = 5.0):
    """While a transaction is applied, another one touching any of its items is
    cancelled with TransactionConflict on it. The first transaction claiming a
    credit code is held in flight until ``hold_until_conflicts`` others ran into it (at most
    ``max_hold_s``), so the race is exercised however the threads are scheduled."""
    from moto.core.botocore_stubber import BotocoreStubber

    in_flight: dict[tuple[str, str], int] = {}
    lock = threading.Condition()
    seen = {"conflicts": 0, "held": False}
    serialised = BotocoreStubber.process_request

    def process_request(self, request):
        if dict(request.headers).get("X-Amz-Target", b"") not in (TARGET, TARGET.encode()):
            return serialised(self, request)
        keys = _item_keys(json.loads(request.body))
        me = threading.get_ident()
        with lock:
            clashes = [k in in_flight and in_flight[k] != me for k in keys]
            if not any(clashes):
                in_flight.update({k: me for k in keys})
            else:
                seen["conflicts"] += 1
                lock.notify_all()
            hold = not any(clashes) and not seen["held"] and any('"credit#' in key for _, key in keys)
            seen["held"] = seen["held"] or hold
        if any(clashes):
            reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"} if c
                       else {"Code": "None"} for c in clashes]
            codes = ", ".join(r["Code"] for r in reasons)
            return 400, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps({
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                "message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                "CancellationReasons": reasons})
        try:
            if hold:
                with lock:
                    lock.wait_for(lambda: seen["conflicts"] >= hold_until_conflicts, timeout=max_hold_s)
            return serialised(self, request)
        finally:
            with lock:
                for k in keys:
                    in_flight.pop(k, None)

    with mock.patch.object(BotocoreStubber, "process_request", process_request):
        yield seen


@contextlib.contextmanager
def _no_env_patching():
    """Chalice's test client swaps os.environ per request (its stage variables);
    from threads at once the swaps interleave and leave a copy behind. The
    test environment already holds everything the app reads."""
    from chalice.test import BaseClient

    @contextlib.contextmanager
    def unchanged(self, environment_variables):
        yield

    with mock.patch.object(BaseClient, "_patched_env_vars", unchanged):
        yield


def test_every_loser_of_parallel_registrations_gets_credit_code_taken(api, seeded):
    code = factory.credit_code()
    requests = []
    for i in range(PARALLEL):
        operator = operator_info()
        requests.append({"unit": unit_info(credit_code=code, unit_account=f"race{i}{factory.mobile()[-5:]}"),
                         "operator": operator, "sms_code": api.sms_code(operator["mobile"], "register")})
    outcomes: list[tuple[dict, object]] = []
    barrier = threading.Barrier(PARALLEL)

    def attempt(request):
        barrier.wait()
        response = api.post("/registrations", request)
        outcomes.append((request, response))

    threads = [threading.Thread(target=attempt, args=(r,)) for r in requests]
    with _no_env_patching(), dynamodb_like_conflicts() as seen:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert len(outcomes) == PARALLEL, f"{PARALLEL - len(outcomes)} requests did not answer"
    statuses = sorted((r.status_code, body(r).get("error", {}).get("code")) for _, r in outcomes)
    winners = [(req, r) for req, r in outcomes if r.status_code == 201]
    assert len(winners) == 1 and statuses.count((409, "credit_code_taken")) == PARALLEL - 1, statuses
    request, response = winners[0]
    assert body(response)["unit_account"] == request["unit"]["unit_account"], \
        "the winner's answer is about another request: the gateway mixed up concurrent requests"
    assert seen["conflicts"] > 0, "no transaction ran into another: the test did not exercise TransactionConflict"
    assert count_claims(f"credit#{code}") == 1


def _cancelled(*codes: str):
    """A cancellation as PynamoDB raises it ("None": the item was not a reason)."""
    from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

    cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
                               "TransactWriteItems",
                               cancellation_reasons=[None if c == "None" else CancellationReason(code=c) for c in codes])
    return TransactWriteError("Failed to write transaction items", cause)


def test_a_transaction_conflict_is_the_claims_error_only_on_a_claim():
    from chalicelib.domain.errors import Conflict
    from chalicelib.store.uow import STALE, cancellation_conflict

    taken, state = Conflict("taken", code="credit_code_taken"), Conflict("state", code="wrong_state")
    conflicts, claims = [taken, state, None], [True, False, False]
    assert cancellation_conflict(_cancelled("TransactionConflict", "None", "None"), conflicts, claims) is taken
    assert cancellation_conflict(_cancelled("None", "TransactionConflict", "None"), conflicts, claims) is STALE, \
        "a conflict on a guarded item that is not a claim says nothing about its state: concurrent_update"
    assert cancellation_conflict(_cancelled("None", "None", "TransactionConflict"), conflicts, claims) is STALE
    assert cancellation_conflict(_cancelled("None", "ConditionalCheckFailed", "None"), conflicts, claims) is state
    assert cancellation_conflict(_cancelled("None", "None", "ValidationError"), conflicts, claims) is None
