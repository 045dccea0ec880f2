"""infra/policy.py, infra/catalog.py and infra/secret_keys.py on their own:
no synth, no CDK import, milliseconds."""
from __future__ import annotations

import json
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from chalicelib import resources
from infra import policy, secret_keys
from infra.catalog import POLICY_STAGES, asl_placeholders, check_state_machine, table_specs

STAGES = pytest.mark.parametrize("stage", POLICY_STAGES)


def statements_on(document: dict, arn: str) -> list[dict]:
    """Statements scoped to ``arn`` (the unscoped SMS statement is checked on its own)."""
    return [s for s in document["Statement"]
            if s["Sid"] != policy.SMS_SID and any(fnmatchcase(arn, r) for r in s["Resource"])]


def actions_on(document: dict, arn: str) -> set[str]:
    return {a for s in statements_on(document, arn) for a in s["Action"]}


@STAGES
def test_checked_in_policy_file_is_what_the_catalog_generates(stage: str) -> None:
    path = policy.policy_path(stage)
    assert path.exists(), f"{path} is missing: run python -m infra.policy --write"
    assert json.loads(path.read_text()) == policy.policy_document(stage), \
        f"{path} drifted from the catalog: run python -m infra.policy --write"
    assert path.read_text() == policy.render(stage), f"{path} is not formatted as generated: run --write"


def test_check_mode_agrees() -> None:
    assert policy.main(["--check"]) == 0, "python -m infra.policy --check reports stale files"


def test_chalice_config_uses_the_generated_files() -> None:
    config = json.loads((policy.ROOT / ".chalice" / "config.json").read_text())
    assert config.get("autogen_policy") is False, "autogen_policy must be false: Chalice would widen the policy"
    for stage in POLICY_STAGES:
        assert config["stages"][stage].get("iam_policy_file") == policy.policy_path(stage).name, \
            f"stage {stage} does not read {policy.policy_path(stage).name}"


@STAGES
def test_every_statement_is_an_allow_of_named_actions(stage: str) -> None:
    for s in policy.policy_document(stage)["Statement"]:
        assert s["Effect"] == "Allow" and not {"NotAction", "NotResource"} & set(s), f"{stage}: {s['Sid']}"
        wild = [a for a in s["Action"] if "*" in a]
        assert not wild, f"{stage}: statement {s['Sid']} has wildcard actions {wild}"
        if s["Sid"] == policy.SMS_SID:
            # SMS to a phone number has no ARN; only sns:Publish may be unscoped.
            assert s["Action"] == ["sns:Publish"] and s["Resource"] == ["*"], f"{stage}: {s}"
            continue
        assert all(r.startswith("arn:aws:") and resources.resource_prefix(stage) in r for r in s["Resource"]), \
            f"{stage}: statement {s['Sid']} reaches beyond the stage's resources: {s['Resource']}"
        assert "*" not in s["Resource"], f"{stage}: statement {s['Sid']} on every resource"


@STAGES
def test_tables_get_item_actions_and_the_audit_log_stays_append_only(stage: str) -> None:
    document = policy.policy_document(stage)
    prefix = resources.resource_prefix(stage)
    for spec in table_specs():
        arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{spec.physical_name(prefix)}"
        expected = policy.APPEND_ONLY_ACTIONS if spec.logical in policy.APPEND_ONLY_TABLES else policy.TABLE_ACTIONS
        assert actions_on(document, arn) == set(expected), f"{stage}: {spec.logical} gets {actions_on(document, arn)}"
        index_actions = actions_on(document, f"{arn}/index/{spec.indexes[0].name}") if spec.indexes else set()
        assert index_actions == ({"dynamodb:Query"} if spec.indexes else set()), \
            f"{stage}: {spec.logical} indexes get {index_actions}"
    audit = f"arn:aws:dynamodb:us-east-1:123456789012:table/{prefix}-audit"
    forbidden = {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & actions_on(document, audit)
    assert not forbidden, f"{stage}: the append-only audit table allows {forbidden}"


@STAGES
def test_files_queues_workflows_secret_and_logs(stage: str) -> None:
    document = policy.policy_document(stage)
    prefix = resources.resource_prefix(stage)
    arn = "arn:aws:{}:us-east-1:123456789012:{}".format
    assert actions_on(document, f"arn:aws:s3:::{prefix}-files-123456789012/a/b.pdf") == set(policy.OBJECT_ACTIONS)
    assert not actions_on(document, f"arn:aws:s3:::{prefix}-files-123456789012"), "bucket-level actions granted"
    for q in resources.QUEUES:
        assert actions_on(document, arn("sqs", resources.queue_name(prefix, q))) == set(policy.QUEUE_ACTIONS), q
        assert not actions_on(document, arn("sqs", resources.queue_name(prefix, q, dlq=True))), \
            f"{stage}: the app may touch the DLQ of {q.logical}"
    for sm in resources.STATE_MACHINES:
        name = resources.state_machine_name(prefix, sm)
        assert actions_on(document, arn("states", f"stateMachine:{name}")) == \
            {"states:StartExecution", *policy.TASK_RESPONSE_ACTIONS}, f"{stage}: {name}"
        assert actions_on(document, arn("states", f"execution:{name}:run-1")) == \
            {"states:DescribeExecution", "states:StopExecution"}, f"{stage}: executions of {name}"
    assert actions_on(document, arn("secretsmanager", f"secret:{prefix}/app-AbC123")) == \
        {"secretsmanager:GetSecretValue"}
    assert not actions_on(document, arn("secretsmanager", f"secret:{prefix}/other-AbC123"))
    for t in resources.TOPICS:
        assert actions_on(document, arn("sns", resources.topic_name(prefix, t))) == {"sns:Publish"}, t
    assert not actions_on(document, arn("sns", f"{prefix}-other")), f"{stage}: publish on any topic of the stage"
    assert actions_on(document, arn("logs", f"log-group:/aws/lambda/{prefix}-APIHandler-X1:log-stream:s")) == \
        set(policy.LOG_ACTIONS)
    other = "prod" if stage != "prod" else "dev"
    assert not actions_on(document, arn("sqs", f"medprocure-{other}-jobs")), f"{stage} reaches {other}'s queue"


# -- the catalog checks infra/stack.py runs before building a state machine -----

def test_catalog_state_machines_are_consistent() -> None:
    for sm in resources.STATE_MACHINES:
        check_state_machine(sm, sm.asl_path.read_text())


def test_placeholders_must_match_the_catalog() -> None:
    sm = resources.StateMachineDef("probe", "probe.asl.json", substitutions={"TableName": "table:main"})
    assert asl_placeholders('{"T": "${TableName}", "Q": "${QueueUrl}"}') == {"TableName", "QueueUrl"}
    check_state_machine(sm, '{"T": "${TableName}"}')
    with pytest.raises(ValueError, match="QueueUrl"):
        check_state_machine(sm, '{"T": "${TableName}", "Q": "${QueueUrl}"}')
    with pytest.raises(ValueError, match="placeholders"):
        check_state_machine(sm, '{"T": "literal"}')


def test_references_and_grants_are_checked() -> None:
    sm = resources.StateMachineDef("probe", "probe.asl.json", substitutions={"T": "table:nope"})
    with pytest.raises(ValueError, match="table:nope"):
        check_state_machine(sm, '"${T}"')
    sm = replace(sm, substitutions={}, grants=(("dynamodb:*", "table:main"),))
    with pytest.raises(ValueError, match="one action"):
        check_state_machine(sm, "{}")


# -- the secret-completing custom resource ----------------------------------------

def test_secret_keys_fills_only_missing_keys() -> None:
    keys = list(resources.SECRET_KEYS)
    first = secret_keys.complete(json.dumps({keys[0]: "kept"}), keys)
    assert first[keys[0]] == "kept" and all(len(first[k]) >= 40 for k in keys[1:]), first
    assert secret_keys.complete(json.dumps(first), keys) is None, "a complete secret must not be rewritten"
    fresh = secret_keys.complete("not json", keys)
    assert set(fresh) == set(keys) and len(set(fresh.values())) == len(keys), "keys must be distinct random values"
    assert set(secret_keys.complete(None, keys)) == set(keys)


def test_secret_keys_handler_fits_inline_lambda_code() -> None:
    source = Path(secret_keys.__file__).read_text()
    assert len(source.encode()) < 4096, "CloudFormation inline Lambda code (ZipFile) is limited to 4 KiB"
