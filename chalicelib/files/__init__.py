"""S3 adapter: the private, encrypted files bucket."""
from __future__ import annotations

from typing import Any

from chalicelib import aws
from chalicelib.config import get_settings

PRESIGNED_GET_TTL_S = 300


def put_bytes(key: str, data: bytes, content_type: str, *, disposition: str | None = None) -> None:
    extra: dict[str, Any] = {"ContentType": content_type, "ServerSideEncryption": "AES256"}
    if disposition:
        extra["ContentDisposition"] = disposition
    aws.client("s3").put_object(Bucket=get_settings().bucket, Key=key, Body=data, **extra)


def head(key: str) -> dict[str, Any]:
    return aws.client("s3").head_object(Bucket=get_settings().bucket, Key=key)


def delete(key: str) -> None:
    aws.client("s3").delete_object(Bucket=get_settings().bucket, Key=key)


def presigned_get(key: str, ttl_s: int = PRESIGNED_GET_TTL_S) -> str:
    return aws.client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().bucket, "Key": key}, ExpiresIn=ttl_s
    )
