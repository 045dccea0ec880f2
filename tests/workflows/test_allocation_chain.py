"""The allocation chain executed on moto (Step Functions execution on): one review step per
submission of a sheet, a city and a province, decided by the level above, withdrawn, returned;
and faults between the DynamoDB commit and the signal, recovered by the reconciler."""
from __future__ import annotations

from datetime import timedelta
from unittest import mock

import boto3
import pytest

from chalicelib import clock
from tests.allocation_support import build_world, fill_direct, principal, published_task_direct
from tests.support import provisioned_aws, wait_until


@pytest.fixture
def aws():
    with provisioned_aws() as env:
        yield env


@pytest.fixture
def world(aws):
    from ops.seed import seed_reference

    seed_reference()
    w = build_world()
    return w, published_task_direct(w)


def sfn():
    return boto3.client("stepfunctions", region_name="us-east-1")


def execution(unit_pk: str, submission: int):
    from chalicelib.config import get_settings
    from chalicelib.store import allocation as store

    arn = get_settings().state_machine_arn("allocation_review").replace(":stateMachine:", ":execution:")
    return sfn().describe_execution(executionArn=f"{arn}:{store.execution_name(unit_pk, submission)}")


def final_state(unit_pk: str, submission: int) -> str:
    def ended():
        described = execution(unit_pk, submission)
        return described["status"] == "SUCCEEDED" and described

    described = wait_until(ended, what=f"the review step of {unit_pk} s{submission} to end")
    events = sfn().get_execution_history(executionArn=described["executionArn"])["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e][-1]


def token_written(unit_pk: str, submission: int):
    from chalicelib.store import allocation as store
    from chalicelib.store import records

    pk, sk = store.token_key(unit_pk, submission)
    return wait_until(lambda: records.get_token(pk, sk), what=f"the task token of {unit_pk} s{submission}")


def pending_signals():
    from chalicelib.store import records

    return records.pending_signals(clock.now() + timedelta(days=1))


def reconcile_later() -> int:
    from chalicelib.services.records import signals

    previous = clock.set_clock(clock.FixedClock(clock.now() + timedelta(seconds=10)))
    try:
        return signals.reconcile()
    finally:
        clock.set_clock(previous)


def sheet_unit(task_id, w, inst):
    from chalicelib.store import allocation as store

    return store.sheet_pk(task_id, w.org_id(inst))


def test_sheet_city_province_steps_end_as_decided(world):
    from chalicelib.services.allocation import chain
    from chalicelib.store import allocation as store

    w, task_id = world
    fill_direct(w, task_id, "h1")
    h1 = sheet_unit(task_id, w, "h1")
    assert execution(h1, 1)["status"] == "RUNNING"
    token_written(h1, 1)
    city = principal(w, "city_a1")
    result = chain.decide(chain.CITY, city, task_id, [w.org_id("h1")], "return", "请核对")
    assert result.results[0].ok, result
    assert final_state(h1, 1) == "Returned"
    fill_direct(w, task_id, "h1")
    token_written(h1, 2)
    chain.decide(chain.CITY, city, task_id, [w.org_id("h1")], "approve", None)
    assert final_state(h1, 2) == "Approved"
    city_unit = store.city_pk(task_id, "630100")
    chain.submit(chain.CITY, city, task_id)
    token_written(city_unit, 1)
    chain.withdraw(chain.CITY, city, task_id)
    assert final_state(city_unit, 1) == "Withdrawn"
    chain.submit(chain.CITY, city, task_id)
    token_written(city_unit, 2)
    province = principal(w, "prov_a")
    chain.decide(chain.PROVINCE, province, task_id, ["630100"], "approve", None)
    assert final_state(city_unit, 2) == "Approved"
    chain.submit(chain.PROVINCE, province, task_id)
    prov_unit = store.province_pk(task_id, "630000")
    token_written(prov_unit, 1)
    chain.decide(chain.ALLIANCE, principal(w, "office"), task_id, ["630000"], "return", "数量不齐")
    assert final_state(prov_unit, 1) == "Returned"
    assert not pending_signals(), "every signal delivered"


def test_a_crash_after_the_submit_commit_is_recovered_by_the_reconciler(world):
    from chalicelib.services.records import signals

    w, task_id = world
    with mock.patch.object(signals, "dispatch", return_value=False):  # the process dies after the commit
        fill_direct(w, task_id, "h2")
    h2 = sheet_unit(task_id, w, "h2")
    with pytest.raises(sfn().exceptions.ExecutionDoesNotExist):
        execution(h2, 1)
    assert len(pending_signals()) == 1, "the start signal waits in the outbox"
    assert reconcile_later() == 1
    assert reconcile_later() == 0, "a second run finds nothing to do"
    token_written(h2, 1)
    assert execution(h2, 1)["status"] == "RUNNING"


def test_a_fault_after_a_batch_decision_commit_leaves_nothing_stuck(world):
    from chalicelib.services.allocation import chain
    from chalicelib.services.records import signals

    w, task_id = world
    fill_direct(w, task_id, "h1")
    fill_direct(w, task_id, "h2")
    units = [sheet_unit(task_id, w, i) for i in ("h1", "h2")]
    for unit in units:
        token_written(unit, 1)
    with mock.patch.object(signals, "_decide", side_effect=RuntimeError("Step Functions unreachable")):
        result = chain.decide(chain.CITY, principal(w, "city_a1"), task_id, [w.org_id("h1"), w.org_id("h2")],
                              "approve", None)
    assert all(r.ok for r in result.results), "DynamoDB is the truth: both approved"
    assert len(pending_signals()) == 2
    assert reconcile_later() == 2
    assert [final_state(u, 1) for u in units] == ["Approved", "Approved"]
    assert not pending_signals()


def test_a_decision_before_the_token_exists_waits_for_it(world):
    from chalicelib.services.allocation import chain
    from chalicelib.store import records

    w, task_id = world
    fill_direct(w, task_id, "h3")
    h3 = sheet_unit(task_id, w, "h3")
    token = token_written(h3, 1)
    token.delete()  # as if Step Functions had not written it yet
    chain.decide(chain.CITY, principal(w, "city_a2"), task_id, [w.org_id("h3")], "approve", None)
    assert len(pending_signals()) == 1
    assert reconcile_later() == 0, "no token yet: the signal stays"
    token.save()
    assert reconcile_later() == 1
    assert final_state(h3, 1) == "Approved"
    assert records.pending_signals(clock.now() + timedelta(days=1)) == []
