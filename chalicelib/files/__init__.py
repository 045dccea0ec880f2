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


# -- PDF documents (chalicelib.services.documents) ---------------------------------

def presigned_pdf_post(key: str, min_bytes: int, max_bytes: int, ttl_s: int) -> dict[str, Any]:
    """A browser upload of one PDF: the policy pins the exact key, the
    Content-Type ``application/pdf``, SSE-S3 and ``content-length-range``
    [min_bytes, max_bytes]. S3 enforces it; moto does not (the server verifies
    every object it is asked to accept)."""
    return aws.client("s3").generate_presigned_post(
        Bucket=get_settings().bucket, Key=key,
        Fields={"Content-Type": "application/pdf", "x-amz-server-side-encryption": "AES256"},
        # boto3 adds {"bucket": ...} and the exact {"key": key} (no ${filename}: no starts-with).
        Conditions=[{"Content-Type": "application/pdf"}, {"x-amz-server-side-encryption": "AES256"},
                    ["content-length-range", min_bytes, max_bytes]],
        ExpiresIn=ttl_s)


def head_or_none(key: str) -> dict[str, Any] | None:
    """The object's metadata, or None when there is none. Without
    ``s3:ListBucket`` S3 answers 403 rather than 404 for a missing key, so a
    403 also means "not there" here."""
    from botocore.exceptions import ClientError

    try:
        return aws.client("s3").head_object(Bucket=get_settings().bucket, Key=key)
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status in (403, 404) or exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "403"):
            return None
        raise


def read_bounded(key: str, max_bytes: int) -> bytes | None:
    """At most ``max_bytes + 1`` bytes of the object (so the caller sees an
    object that grew past the limit), or None when it is gone."""
    from botocore.exceptions import ClientError

    try:
        body = aws.client("s3").get_object(Bucket=get_settings().bucket, Key=key)["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "AccessDenied", "403"):
            return None
        raise
    try:
        return body.read(max_bytes + 1)
    finally:
        body.close()


def presigned_download(key: str, disposition: str, content_type: str,
                       ttl_s: int = PRESIGNED_GET_TTL_S) -> str:
    """A short-lived GET that makes the browser save the file under ``disposition``."""
    return aws.client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().bucket, "Key": key,
                              "ResponseContentDisposition": disposition, "ResponseContentType": content_type},
        ExpiresIn=ttl_s)
