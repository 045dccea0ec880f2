"""PDF documents (SPEC §3.2): presigned upload, server-side verification,
references from other features, short-lived downloads. See docs/documents.md.

Flow: ``request_upload`` creates a ``pending_upload`` record and a presigned
POST for ``uploads/<org>/<id>.pdf``; the browser uploads there; then
``complete_upload`` reads that object (bounded), verifies it, and either writes
the very bytes it verified to ``orgs/<org>/files/<id>.pdf`` and marks the
record ``verified``, or deletes the upload and marks the record ``rejected``
with the reason. Nothing ever reads the upload key after that, so a second
POST with a still-valid policy cannot swap the content of a verified file.

Other features reference files with ``require_verified`` / ``require_all``;
the review feature grants its reviewers downloads by appending a hook to
``REVIEWER_ACCESS``.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

from chalicelib import clock, files
from chalicelib.domain import documents as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import FileStatus
from chalicelib.domain.errors import Collector, Conflict, FieldError, NotFound, ValidationFailed
from chalicelib.logs import get_logger
from chalicelib.schemas.documents import DownloadLink, FilePage, FileUploadTicket, FileView, UploadForm
from chalicelib.services.identity.common import by, entry, iso, new_id
from chalicelib.store import documents as store
from chalicelib.store.documents import FileItem
from chalicelib.store.uow import STALE, UnitOfWork

log = get_logger("documents")

UPLOAD_TTL_S = 900  # how long the presigned POST may be used
PENDING_TTL = timedelta(days=1)  # a record never completed disappears (DynamoDB TTL)
REJECTED_TTL = timedelta(days=30)  # a rejected record stays long enough for the client to see why
DOWNLOAD_TTL_S = 300

# Hooks deciding whether a principal who is not of the owning organisation may
# download a file: ``hook(principal, file_id) -> bool``. Empty by default (owners
# only); the review feature appends "reviewers of a record referencing the file".
REVIEWER_ACCESS: list[Callable[[Principal, str], bool]] = []


def _not_found() -> NotFound:
    return NotFound("文件不存在", code="file_not_found")


def view(item: FileItem) -> FileView:
    status = FileStatus(item.status)
    return FileView(file_id=item.file_id, filename=item.filename, purpose=item.purpose, status=status.value,
                    status_label=status.label, size=int(item.size) if item.size is not None else None,
                    sha256=item.sha256, pages=int(item.pages) if item.pages is not None else None,
                    reason=item.reason, reason_label=rules.reason_label(item.reason), created_at=item.created_at,
                    verified_at=item.verified_at, uploaded_by=item.uploaded_by)


def _load(file_id: str) -> FileItem | None:
    return store.get(file_id) if rules.valid_file_id(file_id) else None


def _own(p: Principal, file_id: str) -> FileItem:
    """The file if it belongs to the caller's organisation; otherwise 404 (never 403: existence must not leak)."""
    item = _load(file_id)
    if item is None or p.org_id is None or item.org_id != p.org_id:
        raise _not_found()
    return item


# -- upload ------------------------------------------------------------------------

def request_upload(p: Principal, filename: str, purpose: str) -> FileUploadTicket:
    c = Collector()
    name = c.run(lambda: rules.check_filename(filename))
    label = c.run(lambda: rules.check_purpose(purpose))
    c.raise_if_any()
    now = clock.now()
    file_id = new_id()
    item = store.new_item(file_id, p.org_id, key=rules.file_key(p.org_id, file_id),
                          upload_key=rules.upload_key(p.org_id, file_id), filename=name, purpose=label,
                          created_at=iso(now), uploaded_by=f"account#{p.account_id}")
    item.expires_at = now + PENDING_TTL
    uow = UnitOfWork()
    uow.put(item, condition=FileItem.pk.does_not_exist())
    uow.audit(entry(f"file#{file_id}", "file_upload_requested", to_status=FileStatus.PENDING_UPLOAD.value, at=now,
                    after={"filename": name, "purpose": label}, **by(p)))
    uow.commit()
    post = files.presigned_pdf_post(item.upload_key, rules.MIN_PDF_BYTES, rules.MAX_PDF_BYTES, UPLOAD_TTL_S)
    return FileUploadTicket(file=view(item), upload=UploadForm(
        url=post["url"], fields=post["fields"], min_bytes=rules.MIN_PDF_BYTES, max_bytes=rules.MAX_PDF_BYTES,
        expires_in_s=UPLOAD_TTL_S))


def _upload_missing() -> Conflict:
    return Conflict("文件尚未上传或上传未完成，请上传后重试", code="upload_missing",
                    details=[FieldError("reason", rules.MISSING)])


def _rejected(reason: str | None) -> Conflict:
    return Conflict(f"文件校验未通过：{rules.reason_label(reason) or reason}", code="file_rejected",
                    details=[FieldError("reason", reason or "")])


def _inspect(item: FileItem) -> tuple[rules.Verification, bytes | None]:
    head = files.head_or_none(item.upload_key)
    if head is None:
        raise _upload_missing()
    size = int(head.get("ContentLength", 0))
    if size > rules.MAX_PDF_BYTES:  # refused on its size alone: never read
        return rules.Verification((rules.TOO_LARGE,), size), None
    data = files.read_bounded(item.upload_key, rules.MAX_PDF_BYTES)
    if data is None:
        raise _upload_missing()
    return rules.verify_pdf(data), data


def complete_upload(p: Principal, file_id: str) -> FileView:
    """Verify what was uploaded. Verified: idempotent. Rejected: 409 ``file_rejected``.
    Raises 409 ``upload_missing`` (record left pending) or 400 ``pdf_rejected``."""
    item = _own(p, file_id)
    status = FileStatus(item.status)
    if status is FileStatus.VERIFIED:
        return view(item)
    if status is FileStatus.REJECTED:
        raise _rejected(item.reason)
    verdict, data = _inspect(item)
    now = clock.now()
    subject = f"file#{item.file_id}"
    uow = UnitOfWork()
    if verdict.ok:
        # The bytes verified are the bytes kept: written by the server to a key no policy lets a browser touch.
        files.put_bytes(item.key, data, rules.CONTENT_TYPE)
        after = {"size": verdict.size, "sha256": verdict.sha256, "pages": verdict.pages}
        uow.update(item, [FileItem.status.set(FileStatus.VERIFIED.value), FileItem.size.set(verdict.size),
                          FileItem.sha256.set(verdict.sha256), FileItem.pages.set(verdict.pages),
                          FileItem.verified_at.set(iso(now)), FileItem.expires_at.remove()])
        uow.audit(entry(subject, "file_verified", from_status=status.value, to_status=FileStatus.VERIFIED.value,
                        at=now, after=after, **by(p)))
        try:
            uow.commit()
        except Conflict as exc:
            if exc is not STALE:
                raise
            again = store.get(item.file_id)  # a concurrent completion of the same upload won
            if again is not None and again.status == FileStatus.VERIFIED.value:
                return view(again)
            raise
        _discard_upload(item)
        return view(store.get(item.file_id))
    reason = verdict.reason
    actions = [FileItem.status.set(FileStatus.REJECTED.value), FileItem.reason.set(reason),
               FileItem.size.set(verdict.size), FileItem.expires_at.set(now + REJECTED_TTL)]
    if verdict.sha256:
        actions.append(FileItem.sha256.set(verdict.sha256))
    uow.update(item, actions)
    uow.audit(entry(subject, "file_rejected", from_status=status.value, to_status=FileStatus.REJECTED.value,
                    reason=reason, at=now, after={"size": verdict.size, "reason": reason}, **by(p)))
    uow.commit()
    _discard_upload(item)
    raise ValidationFailed(f"文件校验未通过：{rules.reason_label(reason)}", code="pdf_rejected",
                           details=[FieldError("reason", reason)])


def _discard_upload(item: FileItem) -> None:
    try:
        files.delete(item.upload_key)
    except Exception:  # noqa: BLE001 - the record is settled; nothing reads the upload key again
        log.warning("could not delete an upload", extra={"file_id": item.file_id})


# -- reads -------------------------------------------------------------------------

def get_file(p: Principal, file_id: str) -> FileView:
    return view(_own(p, file_id))


def list_files(p: Principal, limit: int, cursor: str | None) -> FilePage:
    page = store.of_org(p.org_id, limit=limit, cursor=cursor)
    return FilePage(items=[view(i) for i in page.items], next_cursor=page.next_cursor)


def download_url(p: Principal, file_id: str, *,
                 reviewer_check: Callable[[Principal, str], bool] | None = None) -> DownloadLink:
    """A presigned GET for the owning organisation, or for a caller a reviewer
    hook (``reviewer_check`` or any of ``REVIEWER_ACCESS``) vouches for; anyone
    else gets 404, as for a file that does not exist."""
    item = _load(file_id)
    if item is None:
        raise _not_found()
    if p.org_id is None or item.org_id != p.org_id:
        from chalicelib import extensions

        hooks = ([reviewer_check] if reviewer_check else []) + list(REVIEWER_ACCESS) + \
            list(extensions.load("file_reviewer_access"))
        if not any(hook(p, item.file_id) for hook in hooks):
            raise _not_found()
    if item.status != FileStatus.VERIFIED.value:
        raise Conflict("文件尚未通过校验，不能下载", code="file_not_verified")
    url = files.presigned_download(item.key, rules.content_disposition(item.filename), rules.CONTENT_TYPE,
                                   DOWNLOAD_TTL_S)
    return DownloadLink(url=url, expires_in_s=DOWNLOAD_TTL_S, filename=item.filename)


# -- for other features ------------------------------------------------------------

def _verified_or_error(org_id: str, file_id: str, field: str) -> FileItem:
    item = _load(file_id) if isinstance(file_id, str) else None
    if item is None or item.org_id != org_id:
        raise ValidationFailed.on(field, "文件不存在", code="file_not_found")
    if item.status != FileStatus.VERIFIED.value:
        raise ValidationFailed.on(field, "文件尚未通过校验", code="file_not_verified")
    return item


def require_verified(org_id: str, file_id: str, field: str) -> FileItem:
    """The file, if it is verified and belongs to ``org_id``; else a 400 on
    ``field``: ``file_not_found`` (unknown, or another organisation's: the two
    are not told apart) or ``file_not_verified``."""
    return _verified_or_error(org_id, file_id, field)


def require_all(org_id: str, file_ids: dict[str, str]) -> dict[str, FileItem]:
    """``require_verified`` for each ``field: file_id``, reporting every bad field at once."""
    c = Collector()
    found = {}
    for field, file_id in file_ids.items():
        item = c.run(lambda f=field, i=file_id: _verified_or_error(org_id, i, f))
        if item is not None:
            found[field] = item
    c.raise_if_any()
    return found
