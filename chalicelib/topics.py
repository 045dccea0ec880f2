"""SNS adapter for the platform's topics (``resources.TOPICS``).

``publish`` sends one message to a topic named by its logical name; the ARN
comes from the settings (``MP_TOPIC_ARN_<TOPIC>``, set by CDK / the local
runner). The client is ``chalicelib.aws``'s, so under ``make run`` it talks to
moto through ``AWS_ENDPOINT_URL``.

``drain_tap`` reads the local/test-only tap queue subscribed to a topic
(``ops/provision.py``); it is for the dev routes and the tests, never for
dev/prod (where the tap does not exist).
"""
from __future__ import annotations

import json

from chalicelib import aws, resources
from chalicelib.config import get_settings


def publish(topic: str, body: str, attributes: dict[str, str]) -> str:
    """Publish ``body`` (a JSON text) with string message attributes; returns the SNS message id."""
    result = aws.client("sns").publish(
        TopicArn=get_settings().topic_arn(topic), Message=body,
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()})
    return result["MessageId"]


def drain_tap(topic: str, max_rounds: int = 20) -> list[dict[str, str]]:
    """Receive and delete what the topic's tap queue holds (up to ``10 * max_rounds`` messages), in the
    order received: ``message_id``, ``body``, ``attributes`` (a JSON object of string values)."""
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(
        QueueName=resources.tap_queue_name(get_settings().prefix, resources.topic_by_logical(topic)))["QueueUrl"]
    drained: list[dict[str, str]] = []
    for _ in range(max_rounds):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            break
        for m in messages:
            attributes = {k: v.get("StringValue", "") for k, v in (m.get("MessageAttributes") or {}).items()}
            drained.append({"message_id": m["MessageId"], "body": m["Body"],
                            "attributes": json.dumps(attributes, ensure_ascii=False, sort_keys=True)})
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for n, m in enumerate(messages)])
    return drained
