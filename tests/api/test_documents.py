"""PDF documents over HTTP: presigned upload, verification, references, downloads.

moto stores presigned-POST uploads without enforcing the policy, so the policy
is checked here as a document, and every "upload" that reaches S3 (whatever it
holds) is verified by the server.
"""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from tests.api.conftest import assert_error, assert_ok
from tests.domain.test_documents import encrypted_pdf_bytes, pdf_bytes

MAX = 20 * 1024 * 1024


@pytest.fixture
def world(aws):
    from tests import factory

    a, b = factory.make_org(), factory.make_org()
    return {"a": a, "b": b, "op_a": factory.operator_token(a), "op_b": factory.operator_token(b),
            "unit_a": factory.unit_token(a)}


def s3():
    from chalicelib import aws

    return aws.client("s3")


def bucket():
    from chalicelib.config import get_settings

    return get_settings().bucket


def exists(key: str) -> bool:
    from chalicelib import files

    return files.head_or_none(key) is not None


def start(api, token, filename="承诺书.pdf", purpose="commitment_letter", **headers) -> dict:
    return assert_ok(api.post("/files", {"filename": filename, "purpose": purpose}, token=token, **headers),
                     "POST /files", 201)


def put_at_pinned_key(ticket: dict, data: bytes) -> None:
    """What a browser's POST leaves in S3 (moto would not enforce the policy anyway)."""
    s3().put_object(Bucket=bucket(), Key=ticket["upload"]["fields"]["key"], Body=data, ContentType="application/pdf")


def item_of(file_id: str):
    from chalicelib.store import documents as store

    return store.get(file_id)


# -- the upload ticket -----------------------------------------------------------

def test_the_presigned_post_policy_pins_key_type_size_and_encryption(api, world):
    ticket = start(api, world["op_a"])
    file_id, upload = ticket["file"]["file_id"], ticket["upload"]
    assert ticket["file"]["status"] == "pending_upload" and ticket["file"]["status_label"] == "待上传"
    assert (upload["min_bytes"], upload["max_bytes"], upload["content_type"]) == (100, MAX, "application/pdf")
    key = f"uploads/{world['a'].org_id}/{file_id}.pdf"
    fields = upload["fields"]
    assert fields["key"] == key and fields["Content-Type"] == "application/pdf"
    assert fields["x-amz-server-side-encryption"] == "AES256"

    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"key": key} in conditions, "the key is pinned exactly"
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"], "no prefix conditions"
    assert {"Content-Type": "application/pdf"} in conditions
    assert ["content-length-range", 100, MAX] in conditions
    assert {"x-amz-server-side-encryption": "AES256"} in conditions
    assert {"bucket": bucket()} in conditions
    expiry = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)
    assert now < expiry <= now + timedelta(seconds=upload["expires_in_s"] + 60)
    assert upload["expires_in_s"] <= 900

    item = item_of(file_id)
    assert item.org_id == world["a"].org_id and item.key == f"orgs/{world['a'].org_id}/files/{file_id}.pdf"
    assert item.expires_at is not None and item.expires_at - now <= timedelta(days=1, minutes=1), \
        "a pending record expires within a day"


def test_upload_requests_are_validated(api, world):
    bad = api.post("/files", {"filename": "a.exe", "purpose": "licence"}, token=world["op_a"])
    assert assert_error(bad, 400, "bad_filename", "a non-PDF name")["details"][0]["field"] == "filename"
    both = assert_error(api.post("/files", {"filename": "../a.pdf", "purpose": "Bad Label"}, token=world["op_a"]),
                        400, "validation_failed", "two bad fields")
    assert {d["field"] for d in both["details"]} == {"filename", "purpose"}
    assert_error(api.post("/files", {"filename": "a.pdf", "purpose": "x", "size": 5}, token=world["op_a"]),
                 400, "validation_failed", "an unknown field")
    # the unit account files the procurement registration, with attachments
    assert_ok(api.post("/files", {"filename": "a.pdf", "purpose": "x"}, token=world["unit_a"]),
              "a unit account uploading", 201)


def test_starting_an_upload_is_idempotent(api, world):
    first = start(api, world["op_a"], **{"Idempotency-Key": "upload-0001-abcdef"})
    again = api.post("/files", {"filename": "承诺书.pdf", "purpose": "commitment_letter"}, token=world["op_a"],
                     **{"Idempotency-Key": "upload-0001-abcdef"})
    assert assert_ok(again, "replay", 201)["file"]["file_id"] == first["file"]["file_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"


# -- verification ----------------------------------------------------------------

def test_a_browser_upload_through_the_form_is_verified(api, world):
    import requests

    from chalicelib.store import audit

    ticket = start(api, world["op_a"], filename="资质证明.PDF")
    file_id, data = ticket["file"]["file_id"], pdf_bytes(2)
    posted = requests.post(ticket["upload"]["url"], data=ticket["upload"]["fields"],
                           files={"file": ("资质证明.PDF", data, "application/pdf")})
    assert posted.status_code in (200, 201, 204), posted.text

    done = assert_ok(api.post(f"/files/{file_id}/complete", token=world["op_a"]), "complete")
    assert (done["status"], done["pages"], done["size"]) == ("verified", 2, len(data))
    assert done["sha256"] == hashlib.sha256(data).hexdigest() and done["verified_at"] and done["reason"] is None
    assert assert_ok(api.get(f"/files/{file_id}", token=world["op_a"]), "GET") == done

    org = world["a"].org_id
    kept = s3().get_object(Bucket=bucket(), Key=f"orgs/{org}/files/{file_id}.pdf")
    assert kept["Body"].read() == data and kept["ServerSideEncryption"] == "AES256"
    assert kept["ContentType"] == "application/pdf"
    assert not exists(f"uploads/{org}/{file_id}.pdf"), "the upload is discarded once its bytes are kept"
    item = item_of(file_id)
    assert item.expires_at is None and item.version == 2
    actions = [e["action"] for e in audit.history(f"file#{file_id}", limit=10, cursor=None).items]
    assert actions == ["file_verified", "file_upload_requested"]

    twice = assert_ok(api.post(f"/files/{file_id}/complete", token=world["op_a"]), "complete again")
    assert twice == done, "completing a verified file again changes nothing"


def test_completing_before_uploading_leaves_the_record_pending(api, world):
    ticket = start(api, world["op_a"])
    file_id = ticket["file"]["file_id"]
    error = assert_error(api.post(f"/files/{file_id}/complete", token=world["op_a"]), 409, "upload_missing",
                         "complete before upload")
    assert error["details"] == [{"field": "reason", "message": "missing"}]
    assert item_of(file_id).status == "pending_upload"
    put_at_pinned_key(ticket, pdf_bytes(1))
    assert assert_ok(api.post(f"/files/{file_id}/complete", token=world["op_a"]), "retry")["status"] == "verified"


def _truncated() -> bytes:
    data = pdf_bytes(4)
    return data[: len(data) // 2]


WRONG_FILES = {
    "html named .pdf": (lambda: b"<!DOCTYPE html><html><head><title>x</title></head><body>" + b"<p>hi</p>" * 40
                        + b"</body></html>", "not_pdf"),
    "truncated pdf": (_truncated, "unparseable"),
    "empty object": (lambda: b"", "too_small"),
    "tiny pdf header": (lambda: b"%PDF-1.7\n%%EOF\n", "too_small"),
    "encrypted pdf": (encrypted_pdf_bytes, "encrypted"),
    "oversized": (lambda: b"%PDF-1.7\n" + bytes(MAX + 1 - 9), "too_large"),
}


@pytest.mark.parametrize("case", list(WRONG_FILES))
def test_wrong_files_that_arrive_are_rejected_and_deleted(api, world, case):
    make, reason = WRONG_FILES[case]
    ticket = start(api, world["op_a"])
    file_id = ticket["file"]["file_id"]
    data = make()
    put_at_pinned_key(ticket, data)
    del data

    error = assert_error(api.post(f"/files/{file_id}/complete", token=world["op_a"]), 400, "pdf_rejected", case)
    assert error["details"] == [{"field": "reason", "message": reason}], case
    org = world["a"].org_id
    assert not exists(f"uploads/{org}/{file_id}.pdf"), f"{case}: the rejected object is deleted"
    assert not exists(f"orgs/{org}/files/{file_id}.pdf"), f"{case}: nothing is kept"
    shown = assert_ok(api.get(f"/files/{file_id}", token=world["op_a"]), "GET rejected")
    assert (shown["status"], shown["reason"]) == ("rejected", reason) and shown["reason_label"]
    assert shown["verified_at"] is None and shown["pages"] is None
    item = item_of(file_id)
    assert item.expires_at is not None, "a rejected record is kept for a while, not forever"

    again = assert_error(api.post(f"/files/{file_id}/complete", token=world["op_a"]), 409, "file_rejected",
                         f"{case}: completing a rejected file")
    assert again["details"][0]["message"] == reason
    assert_error(api.get(f"/files/{file_id}/download", token=world["op_a"]), 409, "file_not_verified",
                 f"{case}: downloading a rejected file")


def test_a_second_upload_after_verification_cannot_swap_the_content(api, world):
    import requests

    ticket = start(api, world["op_a"])
    file_id, data = ticket["file"]["file_id"], pdf_bytes(1)
    put_at_pinned_key(ticket, data)
    assert_ok(api.post(f"/files/{file_id}/complete", token=world["op_a"]), "complete")
    put_at_pinned_key(ticket, b"<html>" + b"x" * 500)  # the policy is still valid for a few minutes
    assert assert_ok(api.post(f"/files/{file_id}/complete", token=world["op_a"]), "again")["sha256"] == \
        hashlib.sha256(data).hexdigest()
    link = assert_ok(api.get(f"/files/{file_id}/download", token=world["op_a"]), "download")
    assert requests.get(link["url"]).content == data


# -- ownership, references, downloads --------------------------------------------

def _verified(api, token, pages=1, filename="承诺书.pdf") -> tuple[str, bytes]:
    ticket = start(api, token, filename=filename)
    data = pdf_bytes(pages)
    put_at_pinned_key(ticket, data)
    file_id = ticket["file"]["file_id"]
    assert_ok(api.post(f"/files/{file_id}/complete", token=token), "complete")
    return file_id, data


def test_another_organisation_cannot_complete_see_or_download(api, world):
    from tests import factory

    verified, _ = _verified(api, world["op_a"])
    pending = start(api, world["op_a"])["file"]["file_id"]
    for file_id in (verified, pending, "f" * 32, "not-an-id"):
        assert_error(api.post(f"/files/{file_id}/complete", token=world["op_b"]), 404, "file_not_found",
                     f"org B completing {file_id}")
        assert_error(api.get(f"/files/{file_id}", token=world["op_b"]), 404, "file_not_found", "org B reading")
        assert_error(api.get(f"/files/{file_id}/download", token=world["op_b"]), 404, "file_not_found",
                     "org B downloading")
    assert item_of(pending).status == "pending_upload"
    # everyone acting for org A may read it: its unit account and its sub-accounts too
    assert assert_ok(api.get(f"/files/{verified}", token=world["unit_a"]), "unit account")["status"] == "verified"
    assert_ok(api.get(f"/files/{verified}/download", token=factory.unit_token(world["a"])), "unit download")


def test_require_verified_refuses_foreign_unknown_and_unverified_files(api, world):
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import documents

    org_a, org_b = world["a"].org_id, world["b"].org_id
    verified, _ = _verified(api, world["op_a"])
    pending = start(api, world["op_a"])["file"]["file_id"]
    assert documents.require_verified(org_a, verified, "letter").file_id == verified

    def code_of(org_id, file_id):
        with pytest.raises(ValidationFailed) as raised:
            documents.require_verified(org_id, file_id, "letter")
        assert raised.value.details[0].field == "letter"
        return raised.value.code

    assert code_of(org_b, verified) == "file_not_found", "another organisation's file"
    assert code_of(org_a, "e" * 32) == "file_not_found", "an unknown file: the same answer"
    assert code_of(org_a, "../../x") == "file_not_found"
    assert code_of(org_a, pending) == "file_not_verified"

    assert set(documents.require_all(org_a, {"letter": verified})) == {"letter"}
    with pytest.raises(ValidationFailed) as raised:
        documents.require_all(org_a, {"letter": verified, "licence": pending, "extra": "e" * 32})
    assert {(d.field) for d in raised.value.details} == {"licence", "extra"}


def test_download_links_go_to_the_owner_and_to_vouched_reviewers(api, world):
    import requests

    from chalicelib.services import documents

    file_id, data = _verified(api, world["op_a"], filename='营业执照 "2026".pdf')
    link = assert_ok(api.get(f"/files/{file_id}/download", token=world["op_a"]), "owner download")
    assert link["expires_in_s"] == 300 and link["filename"] == '营业执照 "2026".pdf'
    query = parse_qs(urlparse(link["url"]).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert urlparse(link["url"]).path.endswith(f"orgs/{world['a'].org_id}/files/{file_id}.pdf")
    disposition = query["response-content-disposition"][0]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == '营业执照 "2026".pdf'
    fetched = requests.get(link["url"])
    assert fetched.status_code == 200 and fetched.content == data
    assert fetched.headers["content-type"] == "application/pdf"

    assert_error(api.get(f"/files/{file_id}/download", token=world["op_b"]), 404, "file_not_found", "no hook")
    reviewer_b = world["b"].org_id
    seen = []

    def hook(principal, fid):
        seen.append((principal.org_id, fid))
        return principal.org_id == reviewer_b and fid == file_id

    documents.REVIEWER_ACCESS.append(hook)
    try:
        assert_ok(api.get(f"/files/{file_id}/download", token=world["op_b"]), "vouched reviewer")
        assert (reviewer_b, file_id) in seen
        assert_error(api.get(f"/files/{file_id}", token=world["op_b"]), 404, "file_not_found",
                     "a reviewer downloads but does not list or read the owner's metadata")
    finally:
        documents.REVIEWER_ACCESS.remove(hook)
    assert_error(api.get(f"/files/{file_id}/download", token=world["op_b"]), 404, "file_not_found", "hook removed")

    # the service's keyword hook (what a feature calling download_url directly passes)
    from chalicelib.domain.access import Principal
    from chalicelib.domain.enums import AccountKind
    from chalicelib.domain.errors import NotFound

    principal = Principal(world["b"].operators[0], AccountKind.OPERATOR, "op-b", world["b"].org_id)
    with pytest.raises(NotFound) as refused:
        documents.download_url(principal, file_id, reviewer_check=lambda p, f: False)
    assert refused.value.code == "file_not_found"
    assert documents.download_url(principal, file_id, reviewer_check=lambda p, f: True).url

    pending = start(api, world["op_a"])["file"]["file_id"]
    assert_error(api.get(f"/files/{pending}/download", token=world["op_a"]), 409, "file_not_verified",
                 "a pending file has nothing to download")


def test_list_pages_through_own_files_only(api, world):
    ids = [start(api, world["op_a"], filename=f"f{i}.pdf")["file"]["file_id"] for i in range(3)]
    start(api, world["op_b"])
    first = assert_ok(api.get("/files?limit=2", token=world["op_a"]), "page 1")
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = assert_ok(api.get(f"/files?limit=2&cursor={first['next_cursor']}", token=world["op_a"]), "page 2")
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    listed = [f["file_id"] for f in first["items"] + second["items"]]
    assert sorted(listed) == sorted(ids), "exactly org A's files"
    created = [f["created_at"] for f in first["items"] + second["items"]]
    assert created == sorted(created, reverse=True), "newest first"
    assert_error(api.get(f"/files?limit=2&cursor={first['next_cursor']}", token=world["op_b"]), 400,
                 "invalid_cursor", "org A's cursor in org B's list")
    assert assert_ok(api.get("/files", token=world["op_b"]), "org B")["items"][0]["file_id"] not in ids
