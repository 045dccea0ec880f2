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


def get_bytes(key: str, max_bytes: int) -> bytes:
    """Read an object, refusing anything larger than ``max_bytes``."""
    s3 = aws.client("s3")
    bucket = get_settings().bucket
    size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    if size > max_bytes:
        raise ValueError(f"object {key} is {size} bytes, more than {max_bytes}")
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def presigned_post(key: str, content_type: str, max_bytes: int, ttl_s: int = 600) -> dict[str, Any]:
    """A browser upload straight to S3 whose policy pins the key, the content
    type and the size range (moto does not enforce policies: the server
    verifies the object afterwards)."""
    return aws.client("s3").generate_presigned_post(
        Bucket=get_settings().bucket, Key=key,
        Fields={"Content-Type": content_type, "x-amz-server-side-encryption": "AES256"},
        Conditions=[{"Content-Type": content_type}, {"x-amz-server-side-encryption": "AES256"},
                    ["content-length-range", 1, max_bytes], {"key": key}],
        ExpiresIn=ttl_s)
