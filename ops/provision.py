"""Create every AWS resource the app uses, from the definitions ``infra/``
deploys (``chalicelib.resources`` and the PynamoDB table models).

Used by the local runner against moto in server mode and by the tests in
decorator mode. Idempotent: running it twice changes nothing. Returns the
environment variables the app needs to find what was created.
"""
from __future__ import annotations

import json
import secrets as pysecrets
from typing import Any

from chalicelib import resources
from chalicelib.store.tables import TableSpec, table_specs

LOCAL_ACCOUNT = "123456789012"


def _table_request(spec: TableSpec, prefix: str) -> dict[str, Any]:
    def keys(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
        schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        if range_key:
            schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
        return schema

    request: dict[str, Any] = {
        "TableName": spec.physical_name(prefix),
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": keys(spec.hash_key, spec.range_key),
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in spec.attribute_types.items()],
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = [
            {"IndexName": i.name, "KeySchema": keys(i.hash_key, i.range_key), "Projection": {"ProjectionType": "ALL"}}
            for i in spec.indexes
        ]
    return request


def create_tables(dynamodb: Any, prefix: str) -> list[str]:
    existing = set(dynamodb.list_tables()["TableNames"])
    names = []
    for spec in table_specs():
        name = spec.physical_name(prefix)
        names.append(name)
        if name in existing:
            continue
        dynamodb.create_table(**_table_request(spec, prefix))
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        if spec.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute})
    return names


def create_bucket(s3: Any, name: str, region: str, cors_origins: tuple[str, ...]) -> str:
    b = resources.BUCKET
    try:
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": list(cors_origins), "AllowedMethods": list(b.cors_allowed_methods),
        "AllowedHeaders": list(b.cors_allowed_headers), "ExposeHeaders": list(b.cors_exposed_headers),
        "MaxAgeSeconds": b.cors_max_age_s}]})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": "abort-incomplete-uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": b.abort_incomplete_upload_days}},
        {"ID": "expire-noncurrent-versions", "Status": "Enabled", "Filter": {"Prefix": ""},
         "NoncurrentVersionExpiration": {"NoncurrentDays": b.noncurrent_version_days}},
        {"ID": "expire-raw-uploads", "Status": "Enabled", "Filter": {"Prefix": b.upload_prefix},
         "Expiration": {"Days": b.upload_expiry_days}},
    ]})
    return name


def create_queues(sqs: Any, prefix: str) -> dict[str, str]:
    env = {}
    for q in resources.QUEUES:
        dlq_url = sqs.create_queue(QueueName=resources.queue_name(prefix, q, dlq=True),
                                   Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)})["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(QueueName=resources.queue_name(prefix, q), Attributes={
            "VisibilityTimeout": str(q.visibility_timeout_s),
            "MessageRetentionPeriod": str(q.retention_s),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(q.max_receive_count)}),
        })["QueueUrl"]
        env[q.env_var] = url
    return env


def render_asl(sm: resources.StateMachineDef, prefix: str, queue_urls: dict[str, str]) -> str:
    """The ASL with ``${Placeholder}`` resolved the way ``infra/`` resolves it."""
    text = sm.asl_path.read_text()
    for placeholder, ref in sm.substitutions.items():
        kind, _, logical = ref.partition(":")
        value = resources.table_name(prefix, logical) if kind == "table" else queue_urls[logical]
        text = text.replace("${" + placeholder + "}", value)
    return text


def create_state_machines(sfn: Any, prefix: str, queue_urls: dict[str, str]) -> dict[str, str]:
    existing = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    env = {}
    for sm in resources.STATE_MACHINES:
        name = resources.state_machine_name(prefix, sm)
        definition = render_asl(sm, prefix, queue_urls)
        if name in existing:
            sfn.update_state_machine(stateMachineArn=existing[name], definition=definition)
            arn = existing[name]
        else:
            arn = sfn.create_state_machine(
                name=name, definition=definition,
                roleArn=f"arn:aws:iam::{LOCAL_ACCOUNT}:role/{prefix}-states")["stateMachineArn"]
        env[sm.env_var] = arn
    return env


def create_topics(sns: Any, sqs: Any, prefix: str) -> dict[str, str]:
    """Every topic of the catalog, each with its tap: an SQS queue subscribed with raw
    delivery, so the dev routes and the tests can read what was published (local/test only)."""
    env = {}
    for topic in resources.TOPICS:
        arn = sns.create_topic(Name=resources.topic_name(prefix, topic))["TopicArn"]  # idempotent by name
        tap_url = sqs.create_queue(QueueName=resources.tap_queue_name(prefix, topic),
                                   Attributes={"MessageRetentionPeriod": str(24 * 3600)})["QueueUrl"]
        tap_arn = sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        subscribed = {s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]}
        if tap_arn not in subscribed:
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=tap_arn,
                          Attributes={"RawMessageDelivery": "true"})
        env[topic.env_var] = arn
    return env


def create_secret(secretsmanager: Any, prefix: str) -> str:
    name = resources.secret_name(prefix)
    try:
        return secretsmanager.describe_secret(SecretId=name)["ARN"]
    except secretsmanager.exceptions.ResourceNotFoundException:
        value = {key: pysecrets.token_urlsafe(32) for key in resources.SECRET_KEYS}
        return secretsmanager.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]


def provision(session: Any, prefix: str, region: str, cors_origins: tuple[str, ...] = ("*",)) -> dict[str, str]:
    """Create everything; returns the app's environment for these resources."""
    create_tables(session.client("dynamodb", region_name=region), prefix)
    bucket = create_bucket(session.client("s3", region_name=region), f"{prefix}-{resources.BUCKET.logical}",
                           region, cors_origins)
    env = {resources.BUCKET.env_var: bucket}
    env.update(create_queues(session.client("sqs", region_name=region), prefix))
    queue_urls = {q.logical: env[q.env_var] for q in resources.QUEUES}
    env.update(create_state_machines(session.client("stepfunctions", region_name=region), prefix, queue_urls))
    env.update(create_topics(session.client("sns", region_name=region), session.client("sqs", region_name=region),
                             prefix))
    env[resources.SECRET_ENV_VAR] = create_secret(session.client("secretsmanager", region_name=region), prefix)
    return env
