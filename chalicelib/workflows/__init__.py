"""Step Functions adapter. ASL definitions live in ``definitions/`` and are
shared by the local runner and ``infra/`` (see ``chalicelib.resources``)."""
from __future__ import annotations

import time
from typing import Any

from chalicelib import aws
from chalicelib.config import get_settings

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def start(machine: str, name: str, payload: dict[str, Any]) -> str:
    """Start an execution; ``name`` makes the start idempotent."""
    import json

    result = aws.client("stepfunctions").start_execution(
        stateMachineArn=get_settings().state_machine_arn(machine), name=name, input=json.dumps(payload)
    )
    return result["executionArn"]


def wait_for(execution_arn: str, timeout_s: float, poll_s: float = 0.05) -> dict[str, Any]:
    """Poll until the execution ends or ``timeout_s`` passes; returns the last description."""
    sfn = aws.client("stepfunctions")
    deadline = time.monotonic() + timeout_s
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] in TERMINAL or time.monotonic() >= deadline:
            return described
        time.sleep(poll_s)


def execution_status(machine: str, name: str) -> str | None:
    """The status of ``machine``'s execution called ``name`` (RUNNING, SUCCEEDED…), None if there is none."""
    sfn = aws.client("stepfunctions")
    arn = get_settings().state_machine_arn(machine).replace(":stateMachine:", ":execution:") + f":{name}"
    try:
        return sfn.describe_execution(executionArn=arn)["status"]
    except sfn.exceptions.ExecutionDoesNotExist:
        return None
