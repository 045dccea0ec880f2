"""Reading uploaded CSV/XLSX tables and writing import reports, for every import job
(registries, national catalog, products)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Iterable, Iterator

from chalicelib.domain.errors import ValidationFailed


def read_rows(data: bytes, key: str, aliases: dict[str, str], required: Iterable[str]
              ) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: stripped text}) for each non-blank row of a CSV
    (UTF-8, with or without BOM) or the first sheet of an XLSX. Header cells are
    mapped through ``aliases`` (else lower-cased); missing ``required`` columns
    are a 400 ``bad_header``."""
    if key.endswith(".xlsx"):
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        lines = ([_cell(c) for c in row] for row in sheet.iter_rows(values_only=True))
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("文件须为 UTF-8 编码的 CSV", code="bad_encoding") from None
        lines = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for number, cells in enumerate(lines, start=1):
        if header is None:
            header = [aliases.get(c.strip(), c.strip().lower()) for c in cells]
            missing = [c for c in required if c not in header]
            if missing:
                raise ValidationFailed(f"表头缺少列：{', '.join(missing)}", code="bad_header")
            continue
        if not any(c.strip() for c in cells):
            continue
        yield number, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}


def check_upload(org_id: str | None, upload_key: str, extensions: Iterable[str] = ("csv", "xlsx")) -> None:
    """An import file must be one the caller's organisation uploaded (``imports/<org>/``), of one of
    ``extensions``, and be there: else a 400 on ``upload_key`` (``foreign_upload``, ``upload_not_found``)."""
    from chalicelib import files

    if org_id is None or not upload_key.startswith(f"imports/{org_id}/") or ".." in upload_key:
        raise ValidationFailed.on("upload_key", "只能导入本单位上传的文件", code="foreign_upload")
    if not upload_key.endswith(tuple(f".{ext}" for ext in extensions)):
        raise ValidationFailed.on("upload_key", "只能导入 CSV 或 XLSX 文件", code="foreign_upload")
    try:
        files.head(upload_key)
    except Exception:  # botocore ClientError 404: not uploaded (yet)
        raise ValidationFailed.on("upload_key", "文件尚未上传或已过期", code="upload_not_found") from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def error_report(seen: int, good: int, errors: list[tuple[int, str, str]], extra: dict[str, int] | None = None
                 ) -> bytes:
    """The import report workbook: ``summary`` (rows, imported, rejected, …) and
    ``errors`` (row, column, message)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    summary = book.add_worksheet("summary")
    extra = extra or {}
    summary.write_row(0, 0, ("导入行数 rows", "成功 imported", "失败 rejected", *extra))
    summary.write_row(1, 0, (seen, good, seen - good, *extra.values()))
    sheet = book.add_worksheet("errors")
    sheet.write_row(0, 0, ("行号 row", "列 column", "错误 message"))
    for i, error in enumerate(errors, start=1):
        sheet.write_row(i, 0, error)
    book.close()
    return buffer.getvalue()
