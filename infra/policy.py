"""The Lambda functions' IAM policy, generated from the resource catalog.

Chalice runs with ``autogen_policy: false`` and reads
``.chalice/policy-<stage>.json``; those files are generated here, never edited
by hand (``python -m infra.policy --write``; ``tests/infra`` fails when they
drift). Least privilege: every action is named (no ``*`` in any action);
resources are the stage's own, with ``*`` only for account, region and name
suffixes (CloudFormation-generated names, secret ARN suffix, index names).

Usage (from the repository root)::

    python -m infra.policy --write          # regenerate every stage's file
    python -m infra.policy --check          # exit 1 if a file is stale
    python -m infra.policy --stage prod     # print one stage's policy
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chalicelib import resources
from infra.catalog import POLICY_STAGES, pascal, table_specs

ROOT = Path(__file__).resolve().parent.parent

TABLE_ACTIONS = (
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
    "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
)
# Append-only tables: entries are written once and read; never updated or deleted.
APPEND_ONLY_TABLES = frozenset({"audit"})
APPEND_ONLY_ACTIONS = (
    "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query",
    "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
)
INDEX_ACTIONS = ("dynamodb:Query",)
OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
QUEUE_ACTIONS = (
    "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
    "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility",
)
# Task tokens belong to an execution of one of the stage's machines.
TASK_RESPONSE_ACTIONS = ("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat")
# The one statement not scoped to the stage's resources (see policy_document).
SMS_SID = "SmsPublish"
LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")


def _statement(sid: str, actions: tuple[str, ...], arns: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": arns}


def policy_document(stage: str) -> dict[str, Any]:
    """The policy of the stage's Lambda functions (same for every function)."""
    prefix = resources.resource_prefix(stage)
    table_arn = "arn:aws:dynamodb:*:*:table/{}".format
    statements = []
    for spec in table_specs():
        arn = table_arn(resources.table_name(prefix, spec.logical))
        append_only = spec.logical in APPEND_ONLY_TABLES
        statements.append(_statement(pascal("table", spec.logical),
                                     APPEND_ONLY_ACTIONS if append_only else TABLE_ACTIONS, [arn]))
        if spec.indexes:
            statements.append(_statement(pascal("table", spec.logical, "indexes"), INDEX_ACTIONS, [f"{arn}/index/*"]))
    statements.append(_statement(
        "FilesObjects", OBJECT_ACTIONS, [f"arn:aws:s3:::{prefix}-{resources.BUCKET.logical}*/*"]))
    statements.append(_statement(
        "Queues", QUEUE_ACTIONS, [f"arn:aws:sqs:*:*:{resources.queue_name(prefix, q)}" for q in resources.QUEUES]))
    machines = [f"arn:aws:states:*:*:stateMachine:{resources.state_machine_name(prefix, sm)}"
                for sm in resources.STATE_MACHINES]
    executions = [f"arn:aws:states:*:*:execution:{resources.state_machine_name(prefix, sm)}:*"
                  for sm in resources.STATE_MACHINES]
    statements += [
        _statement("StartExecutions", ("states:StartExecution",), machines),
        _statement("ManageExecutions", ("states:DescribeExecution", "states:StopExecution"), executions),
        _statement("TaskResponses", TASK_RESPONSE_ACTIONS, machines),
        _statement("Topics", ("sns:Publish",),
                   [f"arn:aws:sns:*:*:{resources.topic_name(prefix, t)}" for t in resources.TOPICS]),
        # SMS to a phone number has no resource ARN: Publish on "*" is the only form AWS accepts.
        _statement(SMS_SID, ("sns:Publish",), ["*"]),
        _statement("AppSecret", ("secretsmanager:GetSecretValue",),
                   [f"arn:aws:secretsmanager:*:*:secret:{resources.secret_name(prefix)}-*"]),
        # Function names are "<stack name>-<function>-<suffix>"; the stack is named after the prefix.
        _statement("Logs", LOG_ACTIONS, [f"arn:aws:logs:*:*:log-group:/aws/lambda/{prefix}-*",
                                         f"arn:aws:logs:*:*:log-group:/aws/lambda/{prefix}-*:log-stream:*"]),
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def policy_path(stage: str) -> Path:
    return ROOT / ".chalice" / f"policy-{stage}.json"


def render(stage: str) -> str:
    return json.dumps(policy_document(stage), indent=2) + "\n"


def stale_files() -> list[Path]:
    """The checked-in policy files that differ from what the catalog generates."""
    return [policy_path(s) for s in POLICY_STAGES
            if not policy_path(s).exists() or policy_path(s).read_text() != render(s)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.policy", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write .chalice/policy-<stage>.json for every stage")
    mode.add_argument("--check", action="store_true", help="exit 1 if a policy file differs from the catalog")
    mode.add_argument("--stage", choices=POLICY_STAGES, help="print one stage's policy")
    args = parser.parse_args(argv)
    if args.write:
        for stage in POLICY_STAGES:
            policy_path(stage).write_text(render(stage))
            print(f"wrote {policy_path(stage).relative_to(ROOT)}")
        return 0
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run python -m infra.policy --write", file=sys.stderr)
        return 1 if stale else 0
    sys.stdout.write(render(args.stage or "dev"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
