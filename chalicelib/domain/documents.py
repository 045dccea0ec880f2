"""Uploaded PDF documents: the rules a file must meet before a record may
reference it (SPEC §3.2). Pure: no AWS here; pypdf parses bytes in memory.

Limits
- ``MAX_PDF_BYTES`` = 20 MiB. A scanned licence or commitment letter at
  300 dpi is 0.5–5 MiB a page; 20 MiB leaves room for a multi-page scan while
  keeping what the verifier holds in a Lambda's memory (the object, then a
  re-write of the same bytes) and parses within seconds bounded. The same
  number is pinned in the presigned POST policy (``content-length-range``).
- ``MIN_PDF_BYTES`` = 100: the smallest well-formed one-page PDF is a few
  hundred bytes; anything below 100 cannot be one.
- ``MAX_PAGES`` = 2000 and ``PARSE_BUDGET_S``: parsing stops past either.

Verification outcome reasons are stable codes (``REASONS``), stored on a
rejected record and returned to the client.
"""
from __future__ import annotations

import hashlib
import io
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote

from chalicelib.domain.enums import FileStatus
from chalicelib.domain.errors import ValidationFailed

MAX_PDF_BYTES = 20 * 1024 * 1024
MIN_PDF_BYTES = 100
MAX_PAGES = 2000
PARSE_BUDGET_S = 10.0
PDF_MAGIC = b"%PDF-"
CONTENT_TYPE = "application/pdf"
FILENAME_MAX = 100
PURPOSE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
FILE_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")

# -- outcome reasons (stable codes) ----------------------------------------------

TOO_LARGE = "too_large"
TOO_SMALL = "too_small"
NOT_PDF = "not_pdf"
UNPARSEABLE = "unparseable"
ENCRYPTED = "encrypted"
TOO_MANY_PAGES = "too_many_pages"
MISSING = "missing"  # nothing uploaded: not a rejection, the client may still upload

REASONS: dict[str, str] = {
    TOO_LARGE: f"文件超过 {MAX_PDF_BYTES // (1024 * 1024)} MB",
    TOO_SMALL: f"文件小于 {MIN_PDF_BYTES} 字节（空文件或不完整）",
    NOT_PDF: "文件不是 PDF（文件头不是 %PDF-）",
    UNPARSEABLE: "PDF 文件已损坏或无法解析",
    ENCRYPTED: "PDF 文件已加密，请上传未加密的文件",
    TOO_MANY_PAGES: f"PDF 超过 {MAX_PAGES} 页",
    MISSING: "文件尚未上传",
}


def reason_label(reason: str | None) -> str | None:
    return REASONS.get(reason) if reason else None


# -- names and keys --------------------------------------------------------------

def valid_file_id(file_id: str) -> bool:
    return bool(FILE_ID_PATTERN.match(file_id or ""))


def upload_key(org_id: str, file_id: str) -> str:
    """Where the browser uploads (the presigned POST pins it). Never read after verification."""
    return f"uploads/{org_id}/{file_id}.pdf"


def file_key(org_id: str, file_id: str) -> str:
    """Where the verified bytes live; only the server writes here."""
    return f"orgs/{org_id}/files/{file_id}.pdf"


def check_filename(raw: str | None, field: str = "filename") -> str:
    """1–100 characters ending in ``.pdf`` (any case), no path separators, no
    control or format characters (a right-to-left override can disguise an
    extension). Returned NFC-normalised."""
    if raw is None:
        raise ValidationFailed.on(field, "请填写文件名")
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise ValidationFailed.on(field, "请填写文件名")
    if len(name) > FILENAME_MAX:
        raise ValidationFailed.on(field, f"文件名不能超过 {FILENAME_MAX} 个字符", code="bad_filename")
    if "/" in name or "\\" in name:
        raise ValidationFailed.on(field, "文件名不能包含路径分隔符", code="bad_filename")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ValidationFailed.on(field, "文件名不能包含控制字符", code="bad_filename")
    if not name.lower().endswith(".pdf") or len(name) == len(".pdf") or name.startswith("."):
        raise ValidationFailed.on(field, "只能上传 PDF 文件（文件名须以 .pdf 结尾）", code="bad_filename")
    return name


def check_purpose(raw: str | None, field: str = "purpose") -> str:
    """A free machine label for what the file is for, e.g. ``commitment_letter``."""
    value = (raw or "").strip()
    if not PURPOSE_PATTERN.match(value):
        raise ValidationFailed.on(field, "用途须为 1–50 位小写字母、数字或下划线，以字母开头", code="bad_purpose")
    return value


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name in RFC 5987 form."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename)
    if not fallback.lower().endswith(".pdf"):
        fallback = "document.pdf"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# -- verification ----------------------------------------------------------------

def check_pdf_bytes(head: bytes, size: int) -> list[str]:
    """The reasons (most important first) that the size and first bytes alone
    refuse an object for; empty when they pass. ``head`` is at least the first
    five bytes when the object has them."""
    reasons = []
    if size > MAX_PDF_BYTES:
        reasons.append(TOO_LARGE)
    if size < MIN_PDF_BYTES:
        reasons.append(TOO_SMALL)
    if not head.startswith(PDF_MAGIC):
        reasons.append(NOT_PDF)
    return reasons


@dataclass(frozen=True)
class Verification:
    """What the verifier concluded about one object's bytes."""

    reasons: tuple[str, ...]
    size: int
    sha256: str | None = None
    pages: int | None = None

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str | None:
        return self.reasons[0] if self.reasons else None


def verify_pdf(data: bytes, *, max_pages: int = MAX_PAGES, budget_s: float = PARSE_BUDGET_S,
               monotonic: Callable[[], float] = time.monotonic) -> Verification:
    """Size, magic, then a bounded parse with pypdf (``strict=False``): refuses
    encrypted documents, more than ``max_pages`` pages, and anything pypdf
    cannot read (every exception it raises is ``unparseable``). Each page is
    resolved, so a file cut short fails even when its header and trailer survive.
    The parse budget is checked between pages (cooperative: the Lambda timeout
    is the hard stop)."""
    size = len(data)
    reasons = check_pdf_bytes(data[:len(PDF_MAGIC)], size)
    if reasons:
        return Verification(tuple(reasons), size)
    digest = hashlib.sha256(data).hexdigest()
    deadline = monotonic() + budget_s
    try:
        import logging

        from pypdf import PdfReader

        logging.getLogger("pypdf").setLevel(logging.ERROR)  # "EOF marker not found" etc. are our verdicts
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return Verification((ENCRYPTED,), size, digest)
        count = len(reader.pages)
        if count > max_pages:
            return Verification((TOO_MANY_PAGES,), size, digest)
        if count < 1:
            return Verification((UNPARSEABLE,), size, digest)
        for index in range(count):
            page = reader.pages[index]
            _ = page.mediabox  # resolves the page object and its inherited box
            if monotonic() > deadline:
                return Verification((UNPARSEABLE,), size, digest)
    except Exception:  # noqa: BLE001 - pypdf raises many types on hostile input; all mean "cannot read"
        return Verification((UNPARSEABLE,), size, digest)
    return Verification((), size, digest, count)


# -- the record ------------------------------------------------------------------

TRANSITIONS: dict[FileStatus, frozenset[FileStatus]] = {
    FileStatus.PENDING_UPLOAD: frozenset({FileStatus.VERIFIED, FileStatus.REJECTED}),
    FileStatus.VERIFIED: frozenset(),
    FileStatus.REJECTED: frozenset(),
}


@dataclass(frozen=True)
class FileRecord:
    """An uploaded file as the other features see it."""

    file_id: str
    org_id: str
    filename: str
    purpose: str
    status: FileStatus
    key: str
    created_at: str
    uploaded_by: str
    size: int | None = None
    sha256: str | None = None
    pages: int | None = None
    reason: str | None = None
    verified_at: str | None = None

    @property
    def verified(self) -> bool:
        return self.status is FileStatus.VERIFIED

    def owned_by(self, org_id: str | None) -> bool:
        return org_id is not None and self.org_id == org_id
