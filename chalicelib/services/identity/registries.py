"""Reference registries a platform admin imports: the national code registry
(国家医保信息业务编码库: who may certify as manufacturer / institution) and the
legacy provincial registry (原平台: who is associated at once).

Upload: a presigned POST for a CSV or XLSX file; then an import job validates
every row, keeps the good ones (batch writes, keyed by credit code, so a
re-import updates instead of duplicating) and returns an error workbook
(row, column, message) for the bad ones."""
from __future__ import annotations

from chalicelib import clock, files
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ActorKind, JobKind
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.identity import validators as v
from chalicelib.schemas.identity import UploadTicket
from chalicelib.schemas.organisation import RegistryImportRequest
from chalicelib.schemas.jobs import JobView
from chalicelib.services.identity.common import new_id
from chalicelib.services.tabular import error_report, read_rows
from chalicelib.store.identity import RegistryItem

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
CONTENT_TYPES = {"csv": "text/csv",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
COLUMNS = ("credit_code", "name", "kind", "national_code")
HEADER_ALIASES = {"统一社会信用代码": "credit_code", "单位名称": "name", "机构类型": "kind", "国家编码": "national_code"}


def upload_ticket(p: Principal, filename: str) -> UploadTicket:
    ext = filename.rsplit(".", 1)[-1].lower()
    key = f"imports/{p.org_id}/{new_id()}.{ext}"
    post = files.presigned_post(key, CONTENT_TYPES[ext], MAX_UPLOAD_BYTES)
    return UploadTicket(upload_key=key, url=post["url"], fields=post["fields"], max_bytes=MAX_UPLOAD_BYTES,
                        expires_in_s=600)


def start_import(p: Principal, req: RegistryImportRequest) -> JobView:
    from chalicelib.services import jobs

    if not req.upload_key.startswith(f"imports/{p.org_id}/"):
        raise ValidationFailed.on("upload_key", "只能导入本单位上传的文件", code="foreign_upload")
    try:
        files.head(req.upload_key)
    except Exception:  # botocore ClientError 404: not uploaded (yet)
        raise ValidationFailed.on("upload_key", "文件尚未上传或已过期", code="upload_not_found") from None
    return jobs.submit(JobKind.REGISTRY_IMPORT, {"registry": req.registry, "upload_key": req.upload_key},
                       owner=f"account#{p.account_id}", actor=f"account#{p.account_id}")


def import_job(ctx) -> object:
    """Job ``registry_import``."""
    from chalicelib.services.jobs import JobOutput

    registry, key = ctx.params["registry"], ctx.params["upload_key"]
    data = files.get_bytes(key, MAX_UPLOAD_BYTES)
    now = clock.now().isoformat()
    errors: list[tuple[int, str, str]] = []
    first_row: dict[str, int] = {}  # a batch may not hold one key twice: the first row of a code wins
    good = seen = 0
    with RegistryItem.batch_write() as batch:
        for number, row in read_rows(data, key, HEADER_ALIASES, ("credit_code", "name")):
            seen += 1
            problems = []
            code = None
            try:
                code = v.credit_code(row.get("credit_code"), "credit_code")
            except ValidationFailed as exc:
                problems.append(("credit_code", exc.details[0].message))
            if code is not None and code in first_row:
                problems.append(("credit_code", f"与第 {first_row[code]} 行的统一社会信用代码重复"))
            try:
                name = v.org_name(row.get("name"), "name")
            except ValidationFailed as exc:
                problems.append(("name", exc.details[0].message))
            kind = row.get("kind") or None
            if kind and kind not in {k.value for k in ActorKind}:
                problems.append(("kind", f"未知的机构类型 {kind}"))
            if problems:
                errors += [(number, column, message) for column, message in problems]
            else:
                first_row[code] = number
                batch.save(RegistryItem(pk=f"registry#{registry}#{code}", sk="entry", credit_code=code, name=name,
                                        kind=kind, national_code=row.get("national_code") or None, imported_at=now))
                good += 1
            ctx.progress(seen)
    ctx.progress(seen, seen, force=True)
    return JobOutput(f"{registry}-import-report.xlsx", CONTENT_TYPES["xlsx"], error_report(seen, good, errors))
