from typing import Any

from pydantic import Field

from chalicelib.schemas.common import Model


class JobView(Model):
    job_id: str
    kind: str
    status: str
    status_label: str
    params: dict[str, Any]
    created_at: str
    updated_at: str
    attempts: int
    progress_done: int
    progress_total: int | None = None
    progress_percent: float | None = None
    error: str | None = None
    result_url: str | None = Field(None, description="short-lived presigned download link")
    result_filename: str | None = None


class ImportTemplate(Model):
    """An import template (XLSX) delivered inline."""

    filename: str
    content_type: str
    content_base64: str = Field(description="the XLSX file, base64-encoded")
