from pydantic import Field

from chalicelib.schemas.common import Model, PageQuery, Strict


class FileUploadRequest(Strict):
    filename: str = Field(max_length=300, description="the file's name, ending in .pdf (1–100 characters)")
    purpose: str = Field(max_length=100, description="what the file is for, e.g. `commitment_letter` "
                                                     "(lower-case letters, digits, `_`; ≤ 50)")


class FileView(Model):
    file_id: str
    filename: str
    purpose: str
    status: str = Field(description="pending_upload | verified | rejected")
    status_label: str
    size: int | None = Field(None, description="bytes, once verified or rejected")
    sha256: str | None = None
    pages: int | None = None
    reason: str | None = Field(None, description="why it was rejected: too_large | too_small | not_pdf | "
                                                 "unparseable | encrypted | too_many_pages")
    reason_label: str | None = None
    created_at: str
    verified_at: str | None = None
    uploaded_by: str


class UploadForm(Model):
    """POST ``fields`` (in order, then the file as the last field ``file``) as multipart/form-data to ``url``."""

    url: str
    fields: dict[str, str]
    content_type: str = "application/pdf"
    min_bytes: int
    max_bytes: int
    expires_in_s: int


class FileUploadTicket(Model):
    file: FileView
    upload: UploadForm


class FilePage(Model):
    items: list[FileView]
    next_cursor: str | None = None


class FileListQuery(PageQuery):
    pass


class DownloadLink(Model):
    url: str = Field(description="short-lived presigned GET")
    expires_in_s: int
    filename: str
