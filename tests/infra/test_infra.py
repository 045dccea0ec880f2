"""The synthesised CloudFormation templates (dev and prod): lint-clean, every
catalog resource present and configured as specified, least-privilege IAM,
and the Lambda functions wired to the stack's resources.

The templates cannot be deployed from here; these checks are what we have.
"""
from __future__ import annotations

import json
import subprocess
from fnmatch import fnmatchcase
from typing import Any, Iterator

import pytest

from chalicelib import resources
from infra.catalog import DEPLOY_STAGES, pascal, table_specs
from infra.policy import policy_document
from tests.infra.conftest import ACCOUNT, REGION, Synth, venv_tool

STAGES = pytest.mark.parametrize("stage", DEPLOY_STAGES)
# What CDK grants a state machine's role so it can deliver its logs (these
# actions only exist on resource "*").
SFN_LOG_DELIVERY = {
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}


# -- helpers -------------------------------------------------------------------

def resources_of(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == type_}


def one(template: dict[str, Any], type_: str, what: str, **props: Any) -> tuple[str, dict[str, Any]]:
    """The single resource of ``type_`` whose properties include ``props``."""
    found = [(lid, r) for lid, r in resources_of(template, type_).items()
             if all(r.get("Properties", {}).get(k) == v for k, v in props.items())]
    assert len(found) == 1, f"expected exactly one {type_} for {what} with {props}, found {[lid for lid, _ in found]}"
    return found[0]


def prefix(stage: str) -> str:
    return resources.resource_prefix(stage)


def chalice_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    functions = {lid: r for lid, r in resources_of(template, "AWS::Serverless::Function").items()
                 if r["Properties"]["Handler"].startswith("app.")}
    assert functions, "no Lambda function from app.py (AWS::Serverless::Function, handler app.*) in the template"
    return functions


def function_for(template: dict[str, Any], handler: str) -> dict[str, Any]:
    found = [r for r in chalice_functions(template).values() if r["Properties"]["Handler"] == f"app.{handler}"]
    assert len(found) == 1, f"expected one Lambda function with handler app.{handler}, found {len(found)}"
    return found[0]


def policy_statements(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM policy statement anywhere in the template, with where it is."""
    if isinstance(node, dict):
        statements = node.get("Statement")
        if isinstance(statements, list) and all(isinstance(s, dict) and "Effect" in s for s in statements):
            for i, statement in enumerate(statements):
                yield f"{path}/Statement/{i}", statement
        for key, value in node.items():
            yield from policy_statements(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from policy_statements(value, f"{path}/{i}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def is_enforce_tls_deny(statement: dict[str, Any]) -> bool:
    """``enforce_ssl`` on a bucket: deny every S3 action on a non-TLS request.

    The one wildcard action allowed anywhere: it is a Deny, so it takes rights
    away, and naming actions one by one would leave new ones open.
    """
    return (statement.get("Effect") == "Deny" and statement.get("Action") == "s3:*"
            and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}})


def definition_text(definition: Any) -> str:
    """A DefinitionString as CloudFormation would send it, tokens shown as <ref>."""
    if isinstance(definition, str):
        return definition
    if isinstance(definition, dict) and "Fn::Join" in definition:
        sep, parts = definition["Fn::Join"]
        return sep.join(p if isinstance(p, str) else "<ref>" for p in parts)
    raise AssertionError(f"unexpected DefinitionString form: {json.dumps(definition)[:200]}")


# -- lint ----------------------------------------------------------------------

def test_cfn_lint_passes_on_every_stage(synth: Synth) -> None:
    # No warning is accepted here. The only suppression lives in the templates:
    # W3005 on two CDK-made resources (see infra/stack.py:_accept_role_depends_on);
    # test_only_known_cfn_lint_suppressions keeps it that way.
    paths = [str(p) for p in synth.template_paths.values()]
    proc = subprocess.run([venv_tool("cfn-lint"), "--", *paths], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"cfn-lint reported problems (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"


def test_only_known_cfn_lint_suppressions(synth: Synth) -> None:
    for stage, template in synth.templates.items():
        assert "cfn-lint" not in template.get("Metadata", {}), f"{stage}: template-wide cfn-lint suppression"
        for lid, r in template["Resources"].items():
            ignored = r.get("Metadata", {}).get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
            assert set(ignored) <= {"W3005"}, f"{stage}: {lid} suppresses cfn-lint checks {ignored}"


# -- tables ----------------------------------------------------------------------

@STAGES
@pytest.mark.parametrize("spec", table_specs(), ids=lambda s: s.logical)
def test_table_matches_its_spec(synth: Synth, stage: str, spec: Any) -> None:
    name = spec.physical_name(prefix(stage))
    _, table = one(synth.templates[stage], "AWS::DynamoDB::Table", f"table {spec.logical}", TableName=name)
    p = table["Properties"]

    def keys(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
        return [{"AttributeName": hash_key, "KeyType": "HASH"}] + (
            [{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else [])

    assert p["KeySchema"] == keys(spec.hash_key, spec.range_key), f"{name}: key schema {p['KeySchema']}"
    attributes = {a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]}
    assert attributes == spec.attribute_types, f"{name}: attribute types {attributes} != spec {spec.attribute_types}"
    indexes = {i["IndexName"]: i for i in p.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {i.name for i in spec.indexes}, f"{name}: GSIs {sorted(indexes)}"
    for index in spec.indexes:
        got = indexes[index.name]
        assert got["KeySchema"] == keys(index.hash_key, index.range_key), f"{name}/{index.name}: {got['KeySchema']}"
        assert got["Projection"] == {"ProjectionType": "ALL"}, f"{name}/{index.name}: projection {got['Projection']}"
    assert p.get("BillingMode") == "PAY_PER_REQUEST", f"{name}: billing mode {p.get('BillingMode')}"
    assert p.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is True, \
        f"{name}: point-in-time recovery is off"
    if spec.ttl_attribute:
        assert p.get("TimeToLiveSpecification") == {"AttributeName": spec.ttl_attribute, "Enabled": True}, \
            f"{name}: TTL {p.get('TimeToLiveSpecification')} (spec: {spec.ttl_attribute})"
    else:
        assert "TimeToLiveSpecification" not in p, f"{name}: TTL set but the spec has none"
    protected = stage != "dev"
    assert p.get("DeletionProtectionEnabled", False) is protected, \
        f"{name}: deletion protection {p.get('DeletionProtectionEnabled')} (expected {protected})"
    policy = "Retain" if protected else "Delete"
    assert (table.get("DeletionPolicy"), table.get("UpdateReplacePolicy")) == (policy, policy), \
        f"{name}: DeletionPolicy/UpdateReplacePolicy {table.get('DeletionPolicy')}/{table.get('UpdateReplacePolicy')}"


@STAGES
def test_no_table_outside_the_specs(synth: Synth, stage: str) -> None:
    names = {r["Properties"]["TableName"] for r in resources_of(synth.templates[stage], "AWS::DynamoDB::Table").values()}
    assert names == {s.physical_name(prefix(stage)) for s in table_specs()}, f"{stage}: tables {sorted(names)}"


# -- bucket ----------------------------------------------------------------------

@STAGES
def test_files_bucket_is_private_encrypted_versioned_with_cors_and_lifecycle(synth: Synth, stage: str) -> None:
    b = resources.BUCKET
    template = synth.templates[stage]
    # The portal's bucket (infra/portal.py, tests/infra/test_portal_infra.py) is not the files bucket.
    buckets = {lid: r for lid, r in resources_of(template, "AWS::S3::Bucket").items() if not lid.startswith("Portal")}
    assert len(buckets) == 1, f"{stage}: expected one files bucket, found {sorted(buckets)}"
    (bucket_id, bucket), = buckets.items()
    p = bucket["Properties"]
    name = p["BucketName"]
    assert name == f"{prefix(stage)}-{b.logical}-{ACCOUNT}", f"{stage}: bucket name {name}"
    s3_pattern = next(s["Resource"][0] for s in policy_document(stage)["Statement"] if s["Sid"] == "FilesObjects")
    assert fnmatchcase(f"arn:aws:s3:::{name}/uploads/x.pdf", s3_pattern), \
        f"{stage}: bucket {name} is outside the Lambda policy's {s3_pattern}"
    assert p.get("PublicAccessBlockConfiguration") == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }, f"{stage}: public access not fully blocked: {p.get('PublicAccessBlockConfiguration')}"
    sse = p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
    assert [r["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in sse] == ["AES256"], \
        f"{stage}: bucket encryption {sse}"
    assert p.get("VersioningConfiguration") == {"Status": "Enabled"}, f"{stage}: versioning off"
    rules = p.get("CorsConfiguration", {}).get("CorsRules", [])
    assert len(rules) == 1, f"{stage}: CORS rules {rules}"
    rule = rules[0]
    assert rule["AllowedMethods"] == list(b.cors_allowed_methods), f"{stage}: CORS methods {rule['AllowedMethods']}"
    assert rule["AllowedHeaders"] == list(b.cors_allowed_headers), f"{stage}: CORS headers {rule['AllowedHeaders']}"
    assert rule["ExposedHeaders"] == list(b.cors_exposed_headers), f"{stage}: CORS exposed {rule['ExposedHeaders']}"
    assert rule["MaxAge"] == b.cors_max_age_s, f"{stage}: CORS max age {rule['MaxAge']}"
    assert rule["AllowedOrigins"] and "*" not in rule["AllowedOrigins"], \
        f"{stage}: CORS origins must be the portal's, not {rule['AllowedOrigins']}"
    aborts = [r for r in p.get("LifecycleConfiguration", {}).get("Rules", [])
              if r.get("Status") == "Enabled" and "AbortIncompleteMultipartUpload" in r]
    assert [r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] for r in aborts] == \
        [b.abort_incomplete_upload_days], f"{stage}: no enabled abort-incomplete-upload rule: {aborts}"
    rules_by_id = {r.get("Id"): r for r in p.get("LifecycleConfiguration", {}).get("Rules", [])}
    assert rules_by_id["expire-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == \
        b.noncurrent_version_days, f"{stage}: noncurrent versions never expire"
    raw = rules_by_id["expire-raw-uploads"]
    assert raw["Prefix"] == b.upload_prefix and raw["ExpirationInDays"] == b.upload_expiry_days, \
        f"{stage}: raw uploads do not expire: {raw}"
    deny_plain_http = [s for s in policy_statements(resources_of(template, "AWS::S3::BucketPolicy"))
                       if is_enforce_tls_deny(s[1])]
    assert deny_plain_http, f"{stage}: bucket {bucket_id} does not deny plain-HTTP requests (enforce_ssl)"
    policy = "Retain" if stage != "dev" else "Delete"
    assert bucket.get("DeletionPolicy") == policy, f"{stage}: bucket DeletionPolicy {bucket.get('DeletionPolicy')}"


# -- queues ----------------------------------------------------------------------

@STAGES
@pytest.mark.parametrize("queue", resources.QUEUES, ids=lambda q: q.logical)
def test_queue_has_its_dead_letter_queue_and_settings(synth: Synth, stage: str, queue: resources.QueueDef) -> None:
    template = synth.templates[stage]
    name = resources.queue_name(prefix(stage), queue)
    _, q = one(template, "AWS::SQS::Queue", f"queue {queue.logical}", QueueName=name)
    p = q["Properties"]
    dlq_id, dlq = one(template, "AWS::SQS::Queue", f"DLQ of {queue.logical}",
                      QueueName=resources.queue_name(prefix(stage), queue, dlq=True))
    redrive = p.get("RedrivePolicy")
    assert redrive == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                       "maxReceiveCount": queue.max_receive_count}, f"{name}: redrive policy {redrive}"
    assert p.get("VisibilityTimeout") == queue.visibility_timeout_s, f"{name}: visibility {p.get('VisibilityTimeout')}"
    assert p.get("MessageRetentionPeriod") == queue.retention_s, f"{name}: retention {p.get('MessageRetentionPeriod')}"
    for what, props in ((name, p), (f"{name}-dlq", dlq["Properties"])):
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, f"{what}: not encrypted"


@STAGES
@pytest.mark.parametrize("queue", [q for q in resources.QUEUES if q.consumer], ids=lambda q: q.logical)
def test_queue_consumer_listens_to_the_created_queue(synth: Synth, stage: str, queue: resources.QueueDef) -> None:
    name = resources.queue_name(prefix(stage), queue)
    function = function_for(synth.templates[stage], queue.consumer)["Properties"]
    sources = [e["Properties"]["Queue"] for e in function.get("Events", {}).values() if e["Type"] == "SQS"]
    arns = [s.get("Fn::Sub", "") if isinstance(s, dict) else s for s in sources]
    assert len(arns) == 1 and arns[0].endswith(f":{name}"), \
        f"{stage}: app.{queue.consumer} consumes {arns}, not the created queue {name}"
    assert function["Timeout"] <= queue.visibility_timeout_s, \
        f"{stage}: app.{queue.consumer} timeout {function['Timeout']} s exceeds {name}'s visibility timeout"


@STAGES
@pytest.mark.parametrize("schedule", resources.SCHEDULES, ids=lambda s: s.handler)
def test_schedule_is_an_event_of_its_function(synth: Synth, stage: str, schedule: resources.ScheduleDef) -> None:
    function = function_for(synth.templates[stage], schedule.handler)["Properties"]
    rates = [e["Properties"]["Schedule"] for e in function.get("Events", {}).values() if e["Type"] == "Schedule"]
    expected = f"rate({schedule.rate_minutes} minute{'s' if schedule.rate_minutes != 1 else ''})"
    assert rates == [expected], f"{stage}: app.{schedule.handler} schedules {rates}, expected {expected}"


# -- topics ----------------------------------------------------------------------

@STAGES
@pytest.mark.parametrize("topic", resources.TOPICS, ids=lambda t: t.logical)
def test_topic_exists_requires_tls_and_only_the_app_publishes(synth: Synth, stage: str,
                                                              topic: resources.TopicDef) -> None:
    template = synth.templates[stage]
    name = resources.topic_name(prefix(stage), topic)
    topic_id, _ = one(template, "AWS::SNS::Topic", f"topic {topic.logical}", TopicName=name)
    assert not resources_of(template, "AWS::SNS::Subscription"), \
        f"{stage}: subscriptions are per deployment, not in the stack (the tap is local/test only)"
    tls = [s for r in resources_of(template, "AWS::SNS::TopicPolicy").values()
           if {"Ref": topic_id} in r["Properties"]["Topics"] for _, s in policy_statements(r)
           if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    assert tls, f"{stage}: topic {name} does not deny plain-HTTP publishing (enforce_ssl)"
    granted = [s for s in policy_document(stage)["Statement"] if "sns:Publish" in s["Action"]
               and any(fnmatchcase(f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}", r) for r in s["Resource"])]
    assert [s["Sid"] for s in granted] == ["Topics", "SmsPublish"], f"{stage}: publish on {name} by {granted}"
    others = {s["Sid"] for s in policy_document(stage)["Statement"] if any(a.startswith("sns:") for a in s["Action"])}
    assert others == {"Topics", "SmsPublish"}, f"{stage}: SNS actions in {others}"
    topics_statement = next(s for s in policy_document(stage)["Statement"] if s["Sid"] == "Topics")
    assert topics_statement["Action"] == ["sns:Publish"], topics_statement
    assert not fnmatchcase(f"arn:aws:sns:{REGION}:{ACCOUNT}:medprocure-other-{topic.logical}",
                           topics_statement["Resource"][0]), "the grant reaches another stage's topic"


# -- state machines --------------------------------------------------------------

@STAGES
@pytest.mark.parametrize("sm", resources.STATE_MACHINES, ids=lambda s: s.logical)
def test_state_machine_definition_is_the_asl_with_every_placeholder_resolved(
        synth: Synth, stage: str, sm: resources.StateMachineDef) -> None:
    template = synth.templates[stage]
    name = resources.state_machine_name(prefix(stage), sm)
    _, machine = one(template, "AWS::StepFunctions::StateMachine", f"state machine {sm.logical}",
                     StateMachineName=name)
    p = machine["Properties"]
    assert "DefinitionString" in p, f"{name}: definition not inline ({sorted(p)}), cannot be checked"
    substitutions = p.get("DefinitionSubstitutions", {})
    assert set(substitutions) == set(sm.substitutions), \
        f"{name}: DefinitionSubstitutions {sorted(substitutions)} != catalog {sorted(sm.substitutions)}"
    for placeholder, ref in sm.substitutions.items():
        kind, _, logical = ref.partition(":")
        if kind == "table":
            target, _ = one(template, "AWS::DynamoDB::Table", ref, TableName=resources.table_name(prefix(stage), logical))
        else:
            target, _ = one(template, "AWS::SQS::Queue", ref,
                            QueueName=resources.queue_name(prefix(stage), resources.queue_by_logical(logical)))
        assert substitutions[placeholder] == {"Ref": target}, \
            f"{name}: ${{{placeholder}}} -> {substitutions[placeholder]}, expected Ref {target} ({ref})"
    text = definition_text(p["DefinitionString"])
    for placeholder in substitutions:  # what CloudFormation does at deploy time
        text = text.replace("${" + placeholder + "}", "<resolved>")
    assert "${" not in text, f"{name}: unresolved placeholder in the definition: {text[text.index('${'):][:80]}"
    expected = sm.asl_path.read_text()
    for placeholder in sm.substitutions:
        expected = expected.replace("${" + placeholder + "}", "<resolved>")
    assert json.loads(text) == json.loads(expected), f"{name}: definition differs from {sm.asl_file}"


@STAGES
@pytest.mark.parametrize("sm", resources.STATE_MACHINES, ids=lambda s: s.logical)
def test_state_machine_role_has_only_its_grants(synth: Synth, stage: str, sm: resources.StateMachineDef) -> None:
    template = synth.templates[stage]
    name = resources.state_machine_name(prefix(stage), sm)
    _, machine = one(template, "AWS::StepFunctions::StateMachine", f"state machine {sm.logical}",
                     StateMachineName=name)
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    role = template["Resources"][role_id]["Properties"]
    assert not role.get("ManagedPolicyArns") and not role.get("Policies"), f"{name}: role has extra policies"
    policies = [r for r in resources_of(template, "AWS::IAM::Policy").values()
                if {"Ref": role_id} in r["Properties"]["Roles"]]
    actions = {a for policy in policies for _, s in policy_statements(policy) for a in as_list(s["Action"])}
    allowed = SFN_LOG_DELIVERY | {action for action, _ in sm.grants}
    assert actions <= allowed, f"{name}: role grants {sorted(actions - allowed)} beyond its catalog grants"
    assert {action for action, _ in sm.grants} <= actions, f"{name}: role lacks catalog grants"


# -- secret ----------------------------------------------------------------------

@STAGES
def test_app_secret_exists_and_gets_every_key(synth: Synth, stage: str) -> None:
    template = synth.templates[stage]
    name = resources.secret_name(prefix(stage))
    secret_id, secret = one(template, "AWS::SecretsManager::Secret", "app secret", Name=name)
    generated = secret["Properties"].get("GenerateSecretString", {})
    assert json.loads(generated.get("SecretStringTemplate", "null")) == {} and \
        generated.get("GenerateStringKey") in resources.SECRET_KEYS, f"{name}: generator {generated}"
    completers = [r for r in resources_of(template, "Custom::AppSecretKeys").values()
                  if r["Properties"].get("SecretId") == {"Ref": secret_id}]
    assert [c["Properties"]["Keys"] for c in completers] == [list(resources.SECRET_KEYS)], \
        f"{name}: no custom resource completing the keys {resources.SECRET_KEYS}"
    pattern = next(s["Resource"][0] for s in policy_document(stage)["Statement"] if s["Sid"] == "AppSecret")
    assert fnmatchcase(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbC123", pattern), \
        f"{name} is outside the Lambda policy's {pattern}"
    policy = "Retain" if stage != "dev" else "Delete"
    assert secret.get("DeletionPolicy") == policy, f"{name}: DeletionPolicy {secret.get('DeletionPolicy')}"


# -- IAM -------------------------------------------------------------------------

@STAGES
def test_no_policy_statement_has_a_wildcard_action(synth: Synth, stage: str) -> None:
    problems = []
    for where, statement in policy_statements(synth.templates[stage]):
        if "NotAction" in statement:
            problems.append(f"{where}: NotAction {statement['NotAction']}")
        if is_enforce_tls_deny(statement):
            continue
        wild = [a for a in as_list(statement.get("Action", [])) if not isinstance(a, str) or "*" in a]
        if wild:
            problems.append(f"{where}: {statement['Effect']} {wild}")
    assert not problems, f"{stage}: wildcard actions:\n" + "\n".join(problems)


@STAGES
def test_lambda_roles_carry_exactly_the_generated_policy(synth: Synth, stage: str) -> None:
    template = synth.templates[stage]
    for lid, function in chalice_functions(template).items():
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        role = template["Resources"][role_id]["Properties"]
        documents = [p["PolicyDocument"] for p in role.get("Policies", [])]
        assert documents == [policy_document(stage)], \
            f"{stage}: {lid}'s role {role_id} does not carry exactly .chalice/policy-{stage}.json"
        assert not role.get("ManagedPolicyArns"), f"{stage}: {role_id} has managed policies {role['ManagedPolicyArns']}"


@STAGES
def test_stack_name_is_the_prefix_the_log_policy_expects(synth: Synth, stage: str) -> None:
    stack_name = synth.stack_names[stage]
    assert stack_name == prefix(stage), f"{stage}: stack name {stack_name}"
    patterns = next(s["Resource"] for s in policy_document(stage)["Statement"] if s["Sid"] == "Logs")
    # CloudFormation names the functions "<stack>-<logical id>-<suffix>".
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{stack_name}-APIHandler-Ab12Cd34"
    assert any(fnmatchcase(group, p) for p in patterns), f"{stage}: {group} outside {patterns}"


@STAGES
def test_functions_wait_for_tables_and_secret_keys_and_use_the_managed_layer(synth: Synth, stage: str) -> None:
    template = synth.templates[stage]
    tables = set(resources_of(template, "AWS::DynamoDB::Table"))
    keys = set(resources_of(template, "Custom::AppSecretKeys"))
    layers = set(resources_of(template, "AWS::Serverless::LayerVersion"))
    assert len(layers) == 1, f"{stage}: expected Chalice's managed layer (automatic_layer), found {sorted(layers)}"
    for lid, function in chalice_functions(template).items():
        missing = (tables | keys) - set(function.get("DependsOn", []))
        assert not missing, f"{stage}: {lid} may start before {sorted(missing)} exist"
        assert function["Properties"].get("Layers") == [{"Ref": next(iter(layers))}], \
            f"{stage}: {lid} does not use the dependencies layer"


# -- the app's environment ----------------------------------------------------------

def variables_the_app_reads() -> set[str]:
    """Every MP_* variable chalicelib.config reads, found by loading settings
    from a mapping that records what is asked of it."""
    from chalicelib.config import load_settings

    class Recorder(dict):
        def __init__(self) -> None:
            super().__init__()
            self.read: set[str] = set()

        def get(self, key: str, default: Any = None) -> str:
            self.read.add(key)
            return "dev" if key == "MP_STAGE" else "x"

        def __getitem__(self, key: str) -> str:
            return self.get(key)

    recorder = Recorder()
    load_settings(recorder)
    return {k for k in recorder.read if k.startswith("MP_")}


def test_recorder_sees_the_catalog_variables() -> None:
    catalog = {resources.BUCKET.env_var, resources.SECRET_ENV_VAR, *(q.env_var for q in resources.QUEUES),
               *(sm.env_var for sm in resources.STATE_MACHINES), *(t.env_var for t in resources.TOPICS)}
    assert catalog <= variables_the_app_reads(), "load_settings no longer reads the catalog's variables"


@STAGES
def test_lambda_environment_has_every_variable_the_app_reads(synth: Synth, stage: str) -> None:
    template = synth.templates[stage]
    required = variables_the_app_reads()
    globals_ = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    bucket_id, bucket = one(template, "AWS::S3::Bucket", "files bucket",
                            BucketName=f"{prefix(stage)}-{resources.BUCKET.logical}-{ACCOUNT}")
    secret_id, _ = one(template, "AWS::SecretsManager::Secret", "app secret",
                       Name=resources.secret_name(prefix(stage)))
    expected = {
        "MP_STAGE": stage, "MP_PREFIX": prefix(stage),
        resources.BUCKET.env_var: {"Ref": bucket_id}, resources.SECRET_ENV_VAR: {"Ref": secret_id},
        "MP_CORS_ORIGINS": ",".join(bucket["Properties"]["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"]),
    }
    for q in resources.QUEUES:
        qid, _ = one(template, "AWS::SQS::Queue", q.logical, QueueName=resources.queue_name(prefix(stage), q))
        expected[q.env_var] = {"Ref": qid}
    for sm in resources.STATE_MACHINES:
        sid, _ = one(template, "AWS::StepFunctions::StateMachine", sm.logical,
                     StateMachineName=resources.state_machine_name(prefix(stage), sm))
        expected[sm.env_var] = {"Ref": sid}
    for t in resources.TOPICS:
        tid, _ = one(template, "AWS::SNS::Topic", t.logical, TopicName=resources.topic_name(prefix(stage), t))
        expected[t.env_var] = {"Ref": tid}
    for lid, function in chalice_functions(template).items():
        variables = {**globals_, **function["Properties"].get("Environment", {}).get("Variables", {})}
        missing = sorted(required - set(variables))
        assert not missing, f"{stage}: function {lid} lacks {missing}"
        wrong = {k: variables[k] for k, v in expected.items() if variables[k] != v}
        assert not wrong, f"{stage}: function {lid} has wrong values {wrong}; expected {[expected[k] for k in wrong]}"


# -- outputs -----------------------------------------------------------------------

@STAGES
def test_outputs_name_the_api_url_bucket_and_tables(synth: Synth, stage: str) -> None:
    outputs = synth.templates[stage].get("Outputs", {})
    expected = {"ApiUrl", "BucketName", *(f"{pascal(s.logical)}TableName" for s in table_specs())}
    assert expected <= set(outputs), f"{stage}: missing outputs {sorted(expected - set(outputs))}"
    assert "execute-api" in json.dumps(outputs["ApiUrl"]["Value"]), f"{stage}: ApiUrl {outputs['ApiUrl']}"
