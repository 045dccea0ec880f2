"""SQS adapter for the platform's queues."""
from __future__ import annotations

import json
from typing import Any

from chalicelib import aws
from chalicelib.config import get_settings


def send(queue: str, message: dict[str, Any]) -> str:
    result = aws.client("sqs").send_message(
        QueueUrl=get_settings().queue_url(queue), MessageBody=json.dumps(message, ensure_ascii=False)
    )
    return result["MessageId"]


def receive(queue: str, *, max_messages: int = 10, wait_s: int = 1) -> list[dict[str, Any]]:
    result = aws.client("sqs").receive_message(
        QueueUrl=get_settings().queue_url(queue), MaxNumberOfMessages=max_messages,
        WaitTimeSeconds=wait_s, AttributeNames=["All"],
    )
    return result.get("Messages", [])


def delete(queue: str, receipt_handle: str) -> None:
    aws.client("sqs").delete_message(QueueUrl=get_settings().queue_url(queue), ReceiptHandle=receipt_handle)
