"""Security assertions on the synthesised templates (issue 13 item 5), beside tests/infra/test_infra.py,
which already checks the files bucket (private: public-access block, SSE, TLS only), point-in-time
recovery on every table, and IAM without a wildcard action (the TLS deny excepted). Here: encryption
at rest of every store and channel, a retention on every log group and every function logging into
one, and no secret value in a template."""
from __future__ import annotations

import json
from typing import Any

import pytest

from infra.catalog import DEPLOY_STAGES
from tests.infra.conftest import Synth

STAGES = pytest.mark.parametrize("stage", DEPLOY_STAGES)
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def of_type(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] in types}


@STAGES
def test_every_store_and_channel_is_encrypted_at_rest(synth: Synth, stage: str) -> None:
    template = synth.templates[stage]
    problems = []
    for lid, table in of_type(template, "AWS::DynamoDB::Table").items():
        if table["Properties"].get("SSESpecification", {}).get("SSEEnabled") is not True:
            problems.append(f"table {lid}: SSESpecification {table['Properties'].get('SSESpecification')}")
    for lid, queue in of_type(template, "AWS::SQS::Queue").items():
        p = queue["Properties"]
        if not (p.get("SqsManagedSseEnabled") or p.get("KmsMasterKeyId")):
            problems.append(f"queue {lid}: neither SQS-managed SSE nor a KMS key")
    for lid, topic in of_type(template, "AWS::SNS::Topic").items():
        if not topic["Properties"].get("KmsMasterKeyId"):
            problems.append(f"topic {lid}: no KmsMasterKeyId")
    for lid, bucket in of_type(template, "AWS::S3::Bucket").items():
        if not bucket["Properties"].get("BucketEncryption"):
            problems.append(f"bucket {lid}: no BucketEncryption")
    assert not problems, f"{stage}: stored unencrypted:\n" + "\n".join(problems)


@STAGES
def test_every_log_group_has_a_retention_and_every_function_logs_into_one(synth: Synth, stage: str) -> None:
    template = synth.templates[stage]
    groups = of_type(template, "AWS::Logs::LogGroup")
    endless = [lid for lid, g in groups.items() if not g["Properties"].get("RetentionInDays")]
    assert not endless, f"{stage}: log groups kept forever: {endless}"
    problems = []
    for lid, function in of_type(template, *FUNCTION_TYPES).items():
        target = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
        ref = target.get("Ref") if isinstance(target, dict) else None
        if ref not in groups:
            problems.append(f"{lid}: LoggingConfig.LogGroup {target!r} is not a log group of the stack "
                            "(Lambda would make /aws/lambda/<name> itself, kept forever)")
    assert not problems, f"{stage}:\n" + "\n".join(problems)
    assert len(of_type(template, *FUNCTION_TYPES)) >= 6, "the app's functions are missing from the template"


@STAGES
def test_no_secret_value_in_the_template(synth: Synth, stage: str) -> None:
    template = synth.templates[stage]
    for lid, secret in of_type(template, "AWS::SecretsManager::Secret").items():
        assert "SecretString" not in secret["Properties"], f"{stage}: {lid} carries its value in the template"
        assert "GenerateSecretString" in secret["Properties"], f"{stage}: {lid} is not generated at deploy time"
    text = json.dumps(template)
    from ops.seed import DEMO_PASSWORD

    for needle in (DEMO_PASSWORD, "jwt_key\": \"", "cursor_key\": \"", "BEGIN PRIVATE KEY", "AKIA"):
        assert needle not in text, f"{stage}: the template contains {needle!r}"
