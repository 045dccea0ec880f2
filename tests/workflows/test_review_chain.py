"""The review chain executed for real on moto (Step Functions execution on),
including crashes between the DynamoDB commit and the signal to Step Functions."""
from __future__ import annotations

from datetime import timedelta
from unittest import mock

import boto3
import pytest

from chalicelib import clock
from chalicelib.domain.enums import RecordKind, UnitRole
from tests import factory
from tests.support import provisioned_aws, wait_until


@pytest.fixture
def aws():
    with provisioned_aws() as env:
        yield env


@pytest.fixture
def people(aws):
    from chalicelib.domain.enums import ActorKind

    enterprise = factory.make_org(role=UnitRole.MANUFACTURER)
    op_id, _ = factory.add_operator(enterprise)
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    reviewer_id, _ = factory.add_operator(platform)
    second_id, _ = factory.add_operator(platform)
    return {"org": enterprise, "maker": factory.principal_of(op_id, enterprise.org_id),
            "reviewer": factory.principal_of(reviewer_id, platform.org_id),
            "second": factory.principal_of(second_id, platform.org_id)}


def sfn():
    return boto3.client("stepfunctions", region_name="us-east-1")


def execution(record_id: str, name: str):
    from chalicelib.config import get_settings

    arn = get_settings().state_machine_arn("review_chain").replace(":stateMachine:", ":execution:") + f":{name}"
    return sfn().describe_execution(executionArn=arn)


def wait_status(record_id: str, name: str, status: str):
    return wait_until(lambda: (d := execution(record_id, name))["status"] == status and d,
                      what=f"execution {name} to be {status}")


def task_written(record_id: str, revision: int, level: str):
    from chalicelib.store import records

    return wait_until(lambda: records.get_task(record_id, revision, level), what=f"the {level} task token")


def pending_signals():
    from chalicelib.store import records

    return records.pending_signals(clock.now() + timedelta(days=1))


def new_letter(people) -> str:
    from chalicelib.services.records import engine

    file_id = factory.verified_pdf(people["org"], people["maker"].account_id)
    view = engine.create(people["maker"], RecordKind.COMMITMENT_LETTER,
                         {"signed_on": "2026-01-05", "letter_file_id": file_id})
    return view.record_id


def test_two_levels_to_approved(people):
    from chalicelib.services.records import engine

    record_id = new_letter(people)
    submitted = engine.submit(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    assert submitted.status == "pending_first"
    name = f"{record_id}-r1-s1"
    assert execution(record_id, name)["status"] == "RUNNING"
    task_written(record_id, 1, "first")
    assert engine.decide(people["reviewer"], record_id, 1, "first", "approve", None).status == "pending_final"
    task_written(record_id, 1, "final")
    done = engine.decide(people["second"], record_id, 1, "final", "approve", None)
    assert done.status == "approved" and done.effective_revision == 1
    wait_status(record_id, name, "SUCCEEDED")
    history = sfn().get_execution_history(executionArn=execution(record_id, name)["executionArn"])["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert entered[-1] == "Approved" and "AwaitFinal" in entered, entered
    assert not pending_signals()


def test_reject_then_resubmit_then_withdraw(people):
    from chalicelib.services.records import engine

    record_id = new_letter(people)
    engine.submit(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    task_written(record_id, 1, "first")
    rejected = engine.decide(people["reviewer"], record_id, 1, "first", "reject", "附件不清晰")
    assert rejected.status == "rejected" and rejected.reason == "附件不清晰"
    first = wait_status(record_id, f"{record_id}-r1-s1", "SUCCEEDED")
    assert first["status"] == "SUCCEEDED"
    engine.edit(people["maker"], RecordKind.COMMITMENT_LETTER, record_id,
                {"signed_on": "2026-01-06", "letter_file_id": factory.verified_pdf(people["org"],
                                                                                  people["maker"].account_id)})
    again = engine.submit(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    assert again.status == "pending_first" and again.reason is None
    task_written(record_id, 1, "first")
    withdrawn = engine.withdraw(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    assert withdrawn.status == "draft"
    wait_status(record_id, f"{record_id}-r1-s2", "SUCCEEDED")
    assert not pending_signals()


def test_a_single_level_kind_is_approved_at_first_review(aws):
    from chalicelib.domain.enums import ActorKind
    from chalicelib.services.records import engine

    org = factory.make_org(role=UnitRole.DISTRIBUTOR)
    op, _ = factory.add_operator(org)
    maker = factory.principal_of(op, org.org_id)
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    reviewer = factory.principal_of(factory.add_operator(platform)[0], platform.org_id)
    view = engine.create(maker, RecordKind.SELF_DISTRIBUTION, {"self_distributing": False})
    engine.submit(maker, RecordKind.SELF_DISTRIBUTION, view.record_id)
    task_written(view.record_id, 1, "first")
    assert engine.decide(reviewer, view.record_id, 1, "first", "approve", None).status == "approved"
    wait_status(view.record_id, f"{view.record_id}-r1-s1", "SUCCEEDED")


def test_crash_after_submit_commit_is_recovered_by_the_reconciler(people):
    from chalicelib.services.records import engine, signals

    record_id = new_letter(people)
    with mock.patch.object(signals, "dispatch", return_value=False):  # the process dies after the commit
        engine.submit(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    name = f"{record_id}-r1-s1"
    with pytest.raises(sfn().exceptions.ExecutionDoesNotExist):
        execution(record_id, name)
    assert len(pending_signals()) == 1, "the start signal waits in the outbox"
    later = clock.FixedClock(clock.now() + timedelta(seconds=10))
    previous = clock.set_clock(later)
    try:
        assert signals.reconcile() == 1
        assert signals.reconcile() == 0, "a second run finds nothing to do"
    finally:
        clock.set_clock(previous)
    assert execution(record_id, name)["status"] == "RUNNING"
    task_written(record_id, 1, "first")


def test_crash_after_a_decision_commit_is_recovered(people):
    from chalicelib.services.records import engine, signals

    record_id = new_letter(people)
    engine.submit(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    task_written(record_id, 1, "first")
    with mock.patch.object(signals, "_decide", side_effect=RuntimeError("Step Functions unreachable")):
        assert engine.decide(people["reviewer"], record_id, 1, "first", "approve", None).status == "pending_final"
    assert len(pending_signals()) == 1
    previous = clock.set_clock(clock.FixedClock(clock.now() + timedelta(seconds=10)))
    try:
        assert signals.reconcile() == 1
    finally:
        clock.set_clock(previous)
    task_written(record_id, 1, "final")
    engine.decide(people["second"], record_id, 1, "final", "approve", None)  # four eyes: another reviewer
    wait_status(record_id, f"{record_id}-r1-s1", "SUCCEEDED")
    assert not pending_signals(), "no record is left stuck"


def test_a_decision_before_the_task_token_exists_waits_for_it(people):
    """The reviewer is faster than the execution: the signal stays until the token appears."""
    from chalicelib.services.records import engine, signals
    from chalicelib.store import records

    record_id = new_letter(people)
    engine.submit(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    task_written(record_id, 1, "first")
    token = records.get_task(record_id, 1, "first")
    token.delete()  # as if Step Functions had not written it yet
    engine.decide(people["reviewer"], record_id, 1, "first", "reject", "缺少盖章")
    assert len(pending_signals()) == 1
    token.save()  # now the execution writes it
    previous = clock.set_clock(clock.FixedClock(clock.now() + timedelta(seconds=10)))
    try:
        assert signals.reconcile() == 1
    finally:
        clock.set_clock(previous)
    wait_status(record_id, f"{record_id}-r1-s1", "SUCCEEDED")


def test_change_of_an_approved_record_keeps_it_effective(people):
    from chalicelib.services.records import engine

    record_id = new_letter(people)
    engine.submit(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    for level, reviewer in (("first", "reviewer"), ("final", "second")):  # four eyes
        task_written(record_id, 1, level)
        engine.decide(people[reviewer], record_id, 1, level, "approve", None)
    changed = engine.change(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    assert changed.status == "draft" and changed.current_revision == 2 and changed.effective_revision == 1
    engine.submit(people["maker"], RecordKind.COMMITMENT_LETTER, record_id)
    task_written(record_id, 2, "first")
    engine.decide(people["reviewer"], record_id, 2, "first", "reject", "日期有误")
    detail = engine.detail(record_id)
    assert detail.record.status == "rejected" and detail.effective.revision == 1, "the approved one stays effective"
    wait_status(record_id, f"{record_id}-r2-s1", "SUCCEEDED")
