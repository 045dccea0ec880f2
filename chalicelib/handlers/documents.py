"""/files: PDF uploads (presigned POST), their verification, metadata, downloads."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import ANY_ORG_ACCOUNT
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_classes

(DownloadLink, FileListQuery, FilePage, FileUploadRequest, FileUploadTicket, FileView) = lazy_classes(
    "chalicelib.schemas.documents",
    "DownloadLink FileListQuery FilePage FileUploadRequest FileUploadTicket FileView")

service = lazy("chalicelib.services.documents")

bp = Blueprint(__name__)
TAGS = ("files",)
# Business records are filed by authorised operators and sub-accounts; the unit
# account files the organisation's registration into the procurement subsystem.
UPLOADS = ANY_ORG_ACCOUNT


@endpoint(bp, "/files", "POST", access=UPLOADS, summary="Start a PDF upload: a record and a presigned POST",
          tags=TAGS, body=FileUploadRequest, response=FileUploadTicket, status=201, idempotent=True)
def request_upload(ctx: RequestContext):
    return service.request_upload(ctx.principal, ctx.body.filename, ctx.body.purpose)


@endpoint(bp, "/files/{file_id}/complete", "POST", access=UPLOADS,
          summary="Verify the uploaded PDF (size, %PDF- header, parse); 400 pdf_rejected with the reason",
          tags=TAGS, response=FileView, errors=(400, 404, 409))
def complete_upload(ctx: RequestContext, file_id: str):
    return service.complete_upload(ctx.principal, file_id)


@endpoint(bp, "/files", access=ANY_ORG_ACCOUNT, summary="The organisation's files, newest first", tags=TAGS,
          query=FileListQuery, response=FilePage)
def list_files(ctx: RequestContext):
    return service.list_files(ctx.principal, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/files/{file_id}", access=ANY_ORG_ACCOUNT, summary="A file's metadata (own organisation)",
          tags=TAGS, response=FileView, errors=(404,))
def get_file(ctx: RequestContext, file_id: str):
    return service.get_file(ctx.principal, file_id)


@endpoint(bp, "/files/{file_id}/download", access=ANY_ORG_ACCOUNT,
          summary="A short-lived download link (owner, or a reviewer of a record referencing the file)",
          tags=TAGS, response=DownloadLink, errors=(404, 409))
def download(ctx: RequestContext, file_id: str):
    return service.download_url(ctx.principal, file_id)
