"""The rules a PDF must meet (chalicelib.domain.documents): names, sizes, magic, parse."""
from __future__ import annotations

import io
from urllib.parse import unquote

import pytest

from chalicelib.domain import documents as d
from chalicelib.domain.enums import FileStatus
from chalicelib.domain.errors import ValidationFailed


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf_bytes(user_password: str = "secret") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password, "owner", algorithm="RC4-128")  # pure pypdf: no cryptography needed
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_limits_are_what_the_docs_say():
    assert d.MAX_PDF_BYTES == 20 * 1024 * 1024
    assert d.MIN_PDF_BYTES == 100
    assert d.MAX_PAGES == 2000
    assert set(d.REASONS) == {"too_large", "too_small", "not_pdf", "unparseable", "encrypted", "too_many_pages",
                              "missing"}


@pytest.mark.parametrize("name", ["承诺书.pdf", "a.PDF", "Licence 2026 (scan).Pdf", "x" * 96 + ".pdf", "  a.pdf "])
def test_good_filenames(name):
    assert d.check_filename(name) == name.strip()


@pytest.mark.parametrize(("name", "why"), [
    ("", "empty"), ("   ", "blank"), (None, "missing"), (".pdf", "no stem"), ("a.pdfx", "wrong extension"),
    ("report.docx", "not pdf"), ("report", "no extension"), ("x" * 97 + ".pdf", "101 characters"),
    ("../etc/passwd.pdf", "slash"), ("dir\\a.pdf", "backslash"), ("a\x00.pdf", "NUL"), ("a\nb.pdf", "newline"),
    ("a\x7f.pdf", "DEL"), ("invoice\u202efdp.exe.pdf", "right-to-left override"),
])
def test_bad_filenames(name, why):
    with pytest.raises(ValidationFailed) as raised:
        d.check_filename(name)
    assert raised.value.details[0].field == "filename", why


def test_filenames_are_nfc_normalised():
    decomposed = "e\u0301.pdf"
    assert d.check_filename(decomposed) == "\u00e9.pdf"


@pytest.mark.parametrize("purpose", ["commitment_letter", "a", "licence2", "x" * 50])
def test_good_purposes(purpose):
    assert d.check_purpose(purpose) == purpose


@pytest.mark.parametrize("purpose", ["", None, "Commitment", "1st", "with space", "x" * 51, "a-b", "承诺书"])
def test_bad_purposes(purpose):
    with pytest.raises(ValidationFailed) as raised:
        d.check_purpose(purpose)
    assert raised.value.code == "bad_purpose"


def test_keys_are_namespaced_by_organisation():
    assert d.file_key("o1", "f1") == "orgs/o1/files/f1.pdf"
    assert d.upload_key("o1", "f1") == "uploads/o1/f1.pdf"
    assert d.valid_file_id("0" * 32) and d.valid_file_id("ab" * 16)
    assert not d.valid_file_id("../x") and not d.valid_file_id("A" * 32) and not d.valid_file_id("")


def test_content_disposition_keeps_the_name_and_an_ascii_fallback():
    value = d.content_disposition('承诺书 "v2".pdf')
    assert value.startswith('attachment; filename="')
    fallback = value.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and fallback.endswith(".pdf") and '"' not in fallback
    assert unquote(value.split("filename*=UTF-8''")[1]) == '承诺书 "v2".pdf'


def test_check_pdf_bytes_orders_reasons():
    assert d.check_pdf_bytes(b"%PDF-1.7", 5000) == []
    assert d.check_pdf_bytes(b"%PDF-1.7", d.MAX_PDF_BYTES) == []
    assert d.check_pdf_bytes(b"%PDF-1.7", d.MAX_PDF_BYTES + 1) == ["too_large"]
    assert d.check_pdf_bytes(b"%PDF-1.7", d.MIN_PDF_BYTES) == []
    assert d.check_pdf_bytes(b"%PDF-1.7", d.MIN_PDF_BYTES - 1) == ["too_small"]
    assert d.check_pdf_bytes(b"", 0) == ["too_small", "not_pdf"]
    assert d.check_pdf_bytes(b"<html>", 5000) == ["not_pdf"]
    assert d.check_pdf_bytes(b" %PDF-", 5000) == ["not_pdf"], "the header must be the very first bytes"


def test_a_valid_pdf_is_verified_with_its_page_count_and_digest():
    import hashlib

    data = pdf_bytes(3)
    verdict = d.verify_pdf(data)
    assert verdict.ok and verdict.reason is None
    assert (verdict.pages, verdict.size, verdict.sha256) == (3, len(data), hashlib.sha256(data).hexdigest())


def test_wrong_content_is_refused_with_a_stable_reason():
    good = pdf_bytes(2)
    assert d.verify_pdf(b"<!doctype html><html><body>" + b"x" * 200 + b"</body></html>").reason == "not_pdf"
    assert d.verify_pdf(good[: len(good) // 2]).reason == "unparseable"
    assert d.verify_pdf(b"%PDF-1.7\n" + b"garbage " * 50).reason == "unparseable"
    assert d.verify_pdf(b"").reason == "too_small"
    assert d.verify_pdf(encrypted_pdf_bytes()).reason == "encrypted"
    assert d.verify_pdf(encrypted_pdf_bytes(user_password="")).reason == "encrypted", \
        "a PDF anyone can open but that is still encrypted is refused too"


def test_page_cap_and_parse_budget():
    assert d.verify_pdf(pdf_bytes(5), max_pages=4).reason == "too_many_pages"
    assert d.verify_pdf(pdf_bytes(4), max_pages=4).ok
    ticks = iter(range(0, 1000, 5))  # each clock reading is 5 s later than the last
    assert d.verify_pdf(pdf_bytes(3), budget_s=7, monotonic=lambda: next(ticks)).reason == "unparseable"


def test_a_pdf_without_pages_is_unparseable():
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    assert d.verify_pdf(out.getvalue()).reason == "unparseable"


def test_status_transitions_and_record():
    assert d.TRANSITIONS[FileStatus.PENDING_UPLOAD] == {FileStatus.VERIFIED, FileStatus.REJECTED}
    assert not d.TRANSITIONS[FileStatus.VERIFIED] and not d.TRANSITIONS[FileStatus.REJECTED]
    record = d.FileRecord("f", "o", "a.pdf", "licence", FileStatus.VERIFIED, "orgs/o/files/f.pdf", "t", "account#a")
    assert record.verified and record.owned_by("o") and not record.owned_by("p") and not record.owned_by(None)
