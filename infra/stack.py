"""One CloudFormation stack per stage: everything in ``chalicelib.resources``
and ``table_specs()``, created from the same definitions the local runner
(``ops/provision.py``) uses, plus the Chalice app wired to them.

Names are the catalog's (``medprocure-<stage>-...``) so the generated IAM
policy (``infra/policy.py``) matches them; the stack itself is named after the
prefix, so CloudFormation names the Lambda functions ``<prefix>-...`` too.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import (
    aws_dynamodb as dynamodb,
    aws_iam as iam,
    aws_kms as kms,
    aws_lambda as lambda_,
    aws_logs as logs,
    aws_s3 as s3,
    aws_secretsmanager as secretsmanager,
    aws_sns as sns,
    aws_sqs as sqs,
    aws_stepfunctions as sfn,
)
from constructs import Construct

from chalicelib import resources
from infra.catalog import DEPLOY_STAGES, check_state_machine, pascal, table_specs

ROOT = Path(__file__).resolve().parent.parent
# Bucket CORS origins when the ``cors_origins`` context value is not given: the
# portal's origin per stage. Override with ``-c cors_origins=https://a,https://b``.
DEFAULT_PORTAL_ORIGINS = {
    "dev": "https://dev.portal.medprocure.example",
    "prod": "https://portal.medprocure.example",
}
DLQ_RETENTION = cdk.Duration.days(14)
_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER,
                    "B": dynamodb.AttributeType.BINARY}


class MedProcureStack(cdk.Stack):
    """The stage ``stage`` (``dev`` or ``prod``); the construct id is the stage
    name because ``chalice.cdk.Chalice`` packages the Chalice stage named after
    its scope."""

    def __init__(self, scope: Construct, stage: str, *, cors_origins: tuple[str, ...],
                 env: cdk.Environment | None = None) -> None:
        if stage not in DEPLOY_STAGES:
            raise ValueError(f"stage must be one of {DEPLOY_STAGES}, not {stage!r}")
        self.stage = stage
        self.prefix = resources.resource_prefix(stage)
        super().__init__(scope, stage, stack_name=self.prefix, env=env,
                         description=f"MedProcure {stage}: API, data, files, queues, workflows")
        self.protected = stage != "dev"
        self.removal = cdk.RemovalPolicy.RETAIN if self.protected else cdk.RemovalPolicy.DESTROY
        cdk.Tags.of(self).add("app", resources.APP_NAME)
        cdk.Tags.of(self).add("stage", stage)

        self.tables = {spec.logical: self._table(spec) for spec in table_specs()}
        self.bucket = self._bucket(cors_origins)
        self.queues = {q.logical: self._queue(q) for q in resources.QUEUES}
        self.state_machines = {sm.logical: self._state_machine(sm) for sm in resources.STATE_MACHINES}
        self.topics = {t.logical: self._topic(t) for t in resources.TOPICS}
        self.secret, secret_keys = self._secret()
        # The functions refer to everything else they use (environment
        # variables), except the tables (by name) and the secret's keys.
        self.api = self._api(cors_origins, depends_on=[*self.tables.values(), secret_keys])
        self._gateway_responses(self.api)
        # The browser portal and the API under /api on one CloudFront distribution (infra/portal.py).
        from infra.portal import add_portal

        self.portal = add_portal(self, self.api, self.bucket, self.removal)

        cdk.CfnOutput(self, "ApiUrl", value=self.api.sam_template.get_output("EndpointURL").value,
                      description="Base URL of the REST API")
        cdk.CfnOutput(self, "BucketName", value=self.bucket.bucket_name)
        for logical, table in self.tables.items():
            cdk.CfnOutput(self, f"{pascal(logical)}TableName", value=table.table_name)
        cdk.CfnOutput(self, "SecretArn", value=self.secret.secret_arn)
        for logical, topic in self.topics.items():
            cdk.CfnOutput(self, f"{pascal(logical)}TopicArn", value=topic.topic_arn)

    # -- data ---------------------------------------------------------------

    def _table(self, spec: Any) -> dynamodb.Table:
        def attribute(name: str) -> dynamodb.Attribute:
            return dynamodb.Attribute(name=name, type=_ATTRIBUTE_TYPES[spec.attribute_types[name]])

        table = dynamodb.Table(
            self, f"{pascal(spec.logical)}Table",
            table_name=spec.physical_name(self.prefix),
            partition_key=attribute(spec.hash_key),
            sort_key=attribute(spec.range_key) if spec.range_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            time_to_live_attribute=spec.ttl_attribute,
            # KMS with the AWS-managed key (aws/dynamodb): key use is in CloudTrail; no grant needed.
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=self.protected,
            removal_policy=self.removal,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name, partition_key=attribute(index.hash_key),
                sort_key=attribute(index.range_key) if index.range_key else None,
                projection_type=dynamodb.ProjectionType.ALL)
        return table

    def _bucket(self, cors_origins: tuple[str, ...]) -> s3.Bucket:
        b = resources.BUCKET
        return s3.Bucket(
            self, "FilesBucket",
            # Bucket names are global: the account id keeps them unique; the
            # IAM policy allows "<prefix>-files*".
            bucket_name=f"{self.prefix}-{b.logical}-{self.account}",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            enforce_ssl=True,
            cors=[s3.CorsRule(
                allowed_origins=list(cors_origins),
                allowed_methods=[s3.HttpMethods(m) for m in b.cors_allowed_methods],
                allowed_headers=list(b.cors_allowed_headers),
                exposed_headers=list(b.cors_exposed_headers),
                max_age=b.cors_max_age_s)],
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(b.abort_incomplete_upload_days)),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=cdk.Duration.days(b.noncurrent_version_days)),
                s3.LifecycleRule(
                    id="expire-raw-uploads", prefix=b.upload_prefix,
                    expiration=cdk.Duration.days(b.upload_expiry_days)),
            ],
            # Never auto_delete_objects: its custom resource grants s3:DeleteObject*.
            removal_policy=self.removal,
        )

    # -- messaging and workflows -------------------------------------------

    def _queue(self, q: resources.QueueDef) -> sqs.Queue:
        dlq = sqs.Queue(
            self, f"{pascal(q.logical)}DeadLetterQueue",
            queue_name=resources.queue_name(self.prefix, q, dlq=True),
            retention_period=DLQ_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED)
        return sqs.Queue(
            self, f"{pascal(q.logical)}Queue",
            queue_name=resources.queue_name(self.prefix, q),
            visibility_timeout=cdk.Duration.seconds(q.visibility_timeout_s),
            retention_period=cdk.Duration.seconds(q.retention_s),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=q.max_receive_count, queue=dlq))

    def _topic(self, t: resources.TopicDef) -> sns.Topic:
        # Subscribers (mail, SMS gateways, other systems' queues) are added per deployment;
        # the app only publishes (sns:Publish on this topic, infra/policy.py).
        # Encrypted at rest with the AWS-managed key (aws/sns), which lets SNS publishers in the account use it.
        return sns.Topic(self, f"{pascal(t.logical)}Topic", topic_name=resources.topic_name(self.prefix, t),
                         display_name=t.description[:100] or None, enforce_ssl=True,
                         master_key=kms.Alias.from_alias_name(self, f"{pascal(t.logical)}TopicKey", "alias/aws/sns"))

    def _reference(self, ref: str) -> tuple[str, list[str]]:
        """(substitution value, IAM resources) of a catalog reference ``table:<logical>`` / ``queue:<logical>``."""
        kind, _, logical = ref.partition(":")
        if kind == "table":
            table = self.tables[logical]
            return table.table_name, [table.table_arn, f"{table.table_arn}/index/*"]
        if kind == "queue":
            queue = self.queues[logical]
            return queue.queue_url, [queue.queue_arn]
        raise ValueError(f"unknown resource reference {ref!r}")  # check_state_machine() rejects it first

    def _state_machine(self, sm: resources.StateMachineDef) -> sfn.StateMachine:
        name = resources.state_machine_name(self.prefix, sm)
        text = sm.asl_path.read_text()
        check_state_machine(sm, text)
        role = iam.Role(self, f"{pascal(sm.logical)}StateMachineRole",
                        assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
                        description=f"State machine {name}: only the catalog's grants")
        for action, ref in sm.grants:
            role.add_to_policy(iam.PolicyStatement(actions=[action], resources=self._reference(ref)[1]))
        log_group = logs.LogGroup(
            self, f"{pascal(sm.logical)}StateMachineLogs", log_group_name=f"/aws/vendedlogs/states/{name}",
            retention=logs.RetentionDays.ONE_MONTH if self.protected else logs.RetentionDays.ONE_WEEK,
            removal_policy=self.removal)
        machine = sfn.StateMachine(
            self, f"{pascal(sm.logical)}StateMachine",
            state_machine_name=name,
            # The ASL text as is; CloudFormation resolves ${Placeholder}
            # (DefinitionSubstitutions) the way ops.provision.render_asl does.
            definition_body=sfn.DefinitionBody.from_string(text),
            definition_substitutions={p: self._reference(ref)[0] for p, ref in sm.substitutions.items()} or None,
            role=role,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ERROR, include_execution_data=False),
        )
        _accept_role_depends_on(machine)
        return machine

    # -- secret -------------------------------------------------------------

    def _secret(self) -> tuple[secretsmanager.Secret, cdk.CustomResource]:
        first, *others = resources.SECRET_KEYS
        secret = secretsmanager.Secret(
            self, "AppSecret",
            secret_name=resources.secret_name(self.prefix),
            description=f"MedProcure {self.stage}: JSON object with {', '.join(resources.SECRET_KEYS)}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({}), generate_string_key=first,
                exclude_punctuation=True, password_length=64),
            removal_policy=self.removal)
        # CloudFormation generates one key; a small custom resource adds the
        # others (infra/secret_keys.py): on every deploy it fills in the keys
        # that are missing and never touches existing ones.
        log_group = logs.LogGroup(self, "AppSecretKeysLogs", retention=logs.RetentionDays.ONE_MONTH,
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        role = iam.Role(self, "AppSecretKeysRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description="Completes the app secret's keys")
        role.add_to_policy(iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
            resources=[secret.secret_arn]))
        role.add_to_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]))
        function = lambda_.Function(
            self, "AppSecretKeysFunction",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline((Path(__file__).parent / "secret_keys.py").read_text()),
            timeout=cdk.Duration.seconds(60),
            role=role,
            log_group=log_group,
            description="CloudFormation custom resource: completes the app secret's keys")
        _accept_role_depends_on(function)
        keys = cdk.CustomResource(
            self, "AppSecretKeys", service_token=function.function_arn, resource_type="Custom::AppSecretKeys",
            properties={"SecretId": secret.secret_arn, "Keys": [first, *others]})
        return secret, keys

    # -- the Chalice app ------------------------------------------------------

    def app_environment(self, cors_origins: tuple[str, ...]) -> dict[str, str]:
        """What ``chalicelib.config`` reads, pointing at this stack's resources."""
        env = {
            "MP_STAGE": self.stage,
            "MP_PREFIX": self.prefix,
            resources.BUCKET.env_var: self.bucket.bucket_name,
            resources.SECRET_ENV_VAR: self.secret.secret_arn,
            "MP_CORS_ORIGINS": ",".join(cors_origins),
        }
        env.update({q.env_var: self.queues[q.logical].queue_url for q in resources.QUEUES})
        env.update({sm.env_var: self.state_machines[sm.logical].state_machine_arn for sm in resources.STATE_MACHINES})
        env.update({t.env_var: self.topics[t.logical].topic_arn for t in resources.TOPICS})
        return env

    def _api(self, cors_origins: tuple[str, ...], depends_on: list[Construct]) -> Any:
        from chalice.cdk import Chalice

        stage_config = {
            "environment_variables": self.app_environment(cors_origins),
            # Dependencies in a Chalice-managed Lambda layer, rebuilt only when
            # requirements.txt changes; the function package is just the app
            # code (without it, every code change re-downloads every wheel).
            "automatic_layer": True,
        }
        with _isolated_app_import(Path(self.node.root.outdir)):
            api = Chalice(self, "Api", source_dir=str(ROOT), stage_config=stage_config)
        # The functions start only once everything they use exists.
        for child in api.sam_template.node.children:
            if isinstance(child, cdk.CfnResource) and child.cfn_resource_type == "AWS::Serverless::Function":
                child.node.add_dependency(*depends_on)
                self._function_log_group(child)
        return api

    def _function_log_group(self, function: cdk.CfnResource) -> None:
        """Each function logs into a group of its own with a retention (the group Lambda would make
        itself keeps logs forever), named inside the Lambda policy's ``/aws/lambda/<prefix>-*``."""
        logical = function.node.id
        group = logs.LogGroup(
            self, f"{logical}Logs", log_group_name=f"/aws/lambda/{self.prefix}-{logical}",
            retention=logs.RetentionDays.ONE_MONTH if self.protected else logs.RetentionDays.ONE_WEEK,
            removal_policy=self.removal)
        function.add_property_override("LoggingConfig", {"LogGroup": group.log_group_name})  # a Ref: ordered

    @staticmethod
    def _gateway_responses(api: Any) -> None:
        # In the API definition (not separate GatewayResponse resources), so the
        # stage deployment SAM makes from the definition always includes them.
        api.get_resource("RestAPI").add_property_override(
            "DefinitionBody.x-amazon-apigateway-gateway-responses", gateway_responses())


def gateway_responses() -> dict[str, Any]:
    """``x-amazon-apigateway-gateway-responses`` for what API Gateway answers
    itself (``chalicelib.api.gateway``: authorizer refusals, unknown paths,
    throttling…) in our error body, with the request id."""
    from chalicelib.api.gateway import KEEP_STATUS, REFUSALS

    out: dict[str, Any] = {}
    for refusal in REFUSALS:
        response: dict[str, Any] = {
            "responseParameters": {
                "gatewayresponse.header.X-Request-Id": "context.requestId",  # no CORS: one origin
            },
            "responseTemplates": {"application/json": refusal.template()},
        }
        if refusal.response_type not in KEEP_STATUS:
            response["statusCode"] = str(refusal.status)
        out[refusal.response_type] = response
    return out


def _accept_role_depends_on(construct: Construct) -> None:
    """Silence cfn-lint W3005 on this resource only.

    CDK makes a resource that uses a role depend on the role construct, so the
    template says ``DependsOn: [<role>, <role's DefaultPolicy>]``; the policy
    entry is needed (the policy must exist before the resource runs), the role
    entry duplicates the ``Fn::GetAtt`` on the role's ARN, which W3005 flags.
    Harmless and not removable from outside the construct.
    """
    cfn = construct.node.default_child
    assert isinstance(cfn, cdk.CfnResource)
    cfn.cfn_options.metadata = {**(cfn.cfn_options.metadata or {}),
                                "cfn-lint": {"config": {"ignore_checks": ["W3005"]}}}


@contextmanager
def _isolated_app_import(workdir: Path) -> Iterator[None]:
    """Let ``chalice package`` import ``app.py`` afresh for this stage.

    Chalice copies the stage's environment variables into ``os.environ`` and
    imports ``app`` (which reads the settings once, at import time, to name the
    queue its consumer listens to), and writes ``chalice.out/`` into the
    working directory. So: forget any earlier import of the app, run in the
    CDK output directory, and restore the environment afterwards (several
    stages can be synthesised in one process).
    """
    def forget() -> None:
        for name in [n for n in sys.modules if n == "app" or n == "chalicelib" or n.startswith("chalicelib.")]:
            del sys.modules[name]

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    workdir.mkdir(parents=True, exist_ok=True)
    forget()
    os.chdir(workdir)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        forget()
