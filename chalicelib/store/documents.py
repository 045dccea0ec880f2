"""Uploaded files (table ``main``).

- ``pk = file#<file_id>``, ``sk = file``
- ``gsi1``: ``files#<org_id>`` / ``<created_at>#<file_id>``: an organisation's files, newest first
- ``expires_at`` (TTL): set while ``pending_upload`` (1 day) and on ``rejected`` (30 days);
  removed when verified.

Items carry a ``VersionAttribute``: every change is conditional on the version read.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.documents import FileRecord
from chalicelib.domain.enums import FileStatus
from chalicelib.store.paging import Page, query_page
from chalicelib.store.tables import MainTable

GSI1_KEY = ("pk", "sk", "gsi1pk", "gsi1sk")


def file_pk(file_id: str) -> str:
    return f"file#{file_id}"


def org_files_pk(org_id: str) -> str:
    return f"files#{org_id}"


class FileItem(MainTable):
    file_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    key = UnicodeAttribute()  # orgs/<org>/files/<id>.pdf: the verified bytes
    upload_key = UnicodeAttribute()  # uploads/<org>/<id>.pdf: where the presigned POST puts them
    filename = UnicodeAttribute()
    purpose = UnicodeAttribute()
    status = UnicodeAttribute()
    size = NumberAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
    pages = NumberAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    verified_at = UnicodeAttribute(null=True)
    uploaded_by = UnicodeAttribute()
    version = VersionAttribute()

    def record(self) -> FileRecord:
        return FileRecord(
            file_id=self.file_id, org_id=self.org_id, filename=self.filename, purpose=self.purpose,
            status=FileStatus(self.status), key=self.key, created_at=self.created_at, uploaded_by=self.uploaded_by,
            size=int(self.size) if self.size is not None else None, sha256=self.sha256,
            pages=int(self.pages) if self.pages is not None else None, reason=self.reason,
            verified_at=self.verified_at)


def new_item(file_id: str, org_id: str, *, key: str, upload_key: str, filename: str, purpose: str,
             created_at: str, uploaded_by: str) -> FileItem:
    return FileItem(pk=file_pk(file_id), sk="file", file_id=file_id, org_id=org_id, key=key, upload_key=upload_key,
                    filename=filename, purpose=purpose, status=FileStatus.PENDING_UPLOAD.value,
                    created_at=created_at, uploaded_by=uploaded_by, gsi1pk=org_files_pk(org_id),
                    gsi1sk=f"{created_at}#{file_id}")


def get(file_id: str) -> FileItem | None:
    try:
        return FileItem.get(file_pk(file_id), "file", consistent_read=True)
    except DoesNotExist:
        return None


def of_org(org_id: str, *, limit: int, cursor: str | None) -> Page[FileItem]:
    pk = org_files_pk(org_id)
    return query_page(FileItem.gsi1.query, scope=pk, key_names=GSI1_KEY, limit=limit, cursor=cursor, hash_key=pk,
                      scan_index_forward=False)
