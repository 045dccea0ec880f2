"""Telling Step Functions what DynamoDB already decided (the outbox dispatcher).

A signal is written in the same transaction as the state change; it is
dispatched right after the commit and deleted; whatever is left (a crash, a
task token not written yet, Step Functions unavailable) is dispatched again by
the scheduled reconciler. Every dispatch is idempotent."""
from __future__ import annotations

import json
from datetime import timedelta

from chalicelib import aws, clock, workflows
from chalicelib.config import get_settings
from chalicelib.logs import get_logger
from chalicelib.store import records as store
from chalicelib.store.records import SignalItem, TaskItem

log = get_logger("review.signals")
GRACE = timedelta(seconds=5)


def outbox_item(pk: str, record_id: str, revision: int, signal: str, now, **fields) -> SignalItem:
    """A new signal for ``record_id`` (any unit under review) to put in the same transaction as the change."""
    from chalicelib.services.identity.common import iso, new_id

    return SignalItem(pk=pk, sk=f"signal#{revision}#{new_id()[:8]}", record_id=record_id, revision=revision,
                      signal=signal, created_at=iso(now), gsi1pk=store.PENDING_SIGNALS,
                      gsi1sk=f"{iso(now)}#{record_id}", **fields)


def dispatch(signal: SignalItem) -> bool:
    """Deliver one signal; True when it is done (and deleted)."""
    try:
        if signal.signal == "start":
            _start(signal)
            signal.delete()
        else:
            task = _decide(signal)
            if task is None:
                return False
            store.consume(task, signal)
    except Exception as exc:  # keep the signal: the reconciler retries it
        log.warning("review signal not delivered", extra={"record_id": signal.record_id, "error": repr(exc)})
        _count_attempt(signal)
        return False
    return True


def _count_attempt(signal: SignalItem) -> None:
    """Conditional on the signal still being there: an unconditional UpdateItem on a signal whose
    delete went through (its answer lost) would create a headless item no reconciler ever sees."""
    from pynamodb.exceptions import UpdateError

    try:
        signal.update(actions=[SignalItem.attempts.add(1)], condition=SignalItem.pk.exists())
    except UpdateError as exc:
        if aws.unavailable(exc) is not None:
            log.warning("attempt not counted", extra={"record_id": signal.record_id, "error": repr(exc)})
        elif getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise  # the signal is gone (delivered): nothing to count


def _start(signal: SignalItem) -> None:
    sfn = aws.client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=get_settings().state_machine_arn(signal.machine or "review_chain"),
                            name=signal.execution_name, input=signal.payload)
    except sfn.exceptions.ExecutionAlreadyExists:
        pass  # started before the crash: same name, nothing to do


def _decide(signal: SignalItem) -> TaskItem | None:
    """Send the decision on the task's token; the token (to consume with the signal), or None while the
    execution has not reached this level (try again later)."""
    task = (store.get_token(signal.token_pk, signal.token_sk) if signal.token_pk
            else store.get_task(signal.record_id, signal.revision, signal.level))
    if task is None:
        return None
    sfn = aws.client("stepfunctions")
    try:
        sfn.send_task_success(taskToken=task.token, output=json.dumps({"outcome": signal.outcome}))
    except (sfn.exceptions.TaskTimedOut, sfn.exceptions.InvalidToken, sfn.exceptions.TaskDoesNotExist):
        log.warning("task token no longer valid", extra={"record_id": signal.record_id})  # sent before
    return task


def reconcile() -> int:
    """Dispatch every pending signal older than a few seconds (the scheduled function)."""
    delivered = 0
    for signal in store.pending_signals(clock.now() - GRACE):
        delivered += dispatch(signal)
    return delivered


__all__ = ["dispatch", "reconcile", "workflows"]
