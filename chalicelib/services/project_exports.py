"""The center's view of a project's declarations (every enterprise's, with names), and the XLSX exports of
a project's declarations (申报明细) and results (中选结果) as jobs."""
from __future__ import annotations

import io
from itertools import islice
from typing import Iterable, Iterator

from chalicelib import clock
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import JobKind
from chalicelib.domain.errors import Conflict
from chalicelib.schemas.jobs import JobView
from chalicelib.schemas.projects import CenterDeclarationPage, CenterDeclarationQuery, CenterDeclarationView
from chalicelib.services import projects
from chalicelib.store import identity
from chalicelib.store import project_catalog as entries_store
from chalicelib.store import projects as store

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = 100  # BatchGetItem keys per look-up while exporting

DECLARATION_HEADER = ("企业名称 enterprise_name", "统一社会信用代码 credit_code", "规格型号编码 code27",
                      "竞标分组 bid_group", "规格 specification", "型号 model", "申报时间 declared_at")
RESULT_HEADER = ("竞标分组 bid_group", "组内排名 rank", "企业名称 enterprise_name", "统一社会信用代码 credit_code",
                 "产品名称 product_name", "规格 specification", "型号 model", "注册证号 cert_no", "中选价格 price",
                 "产品ID product_ref", "对码 code27")


def _described(project_id: str, items: list[store.DeclarationItem]) -> list[CenterDeclarationView]:
    """Declarations with their enterprise and catalog entry (two BatchGetItems)."""
    orgs = identity.get_orgs(i.org_id for i in items)
    entries = entries_store.entries(project_id, [i.code27 for i in items])
    views = []
    for item in items:
        org, catalog_entry = orgs.get(item.org_id), entries.get(item.code27)
        views.append(CenterDeclarationView(
            project_id=item.project_id, org_id=item.org_id, code27=item.code27, record_id=item.record_id,
            declared_at=store.parse_instant(item.declared_at).astimezone(clock.CHINA),
            bid_group=catalog_entry.bid_group if catalog_entry else None,
            specification=catalog_entry.specification if catalog_entry else None,
            model=catalog_entry.model if catalog_entry else None,
            enterprise_name=org.name if org else None, credit_code=org.credit_code if org else None))
    return views


def list_declarations(project_id: str, query: CenterDeclarationQuery) -> CenterDeclarationPage:
    """Every enterprise's declarations in a project (or one enterprise's), by enterprise then code."""
    projects.get_or_404(project_id)
    page = store.list_declarations(project_id, query.org_id, limit=query.limit, cursor=query.cursor)
    return CenterDeclarationPage(items=_described(project_id, page.items), next_cursor=page.next_cursor)


def request_export(p: Principal, project_id: str, what: str) -> JobView:
    from chalicelib.services import jobs

    project = projects.get_or_404(project_id)
    if what == "results":
        from chalicelib.store import project_results

        if project_results.get_head(project_id) is None:
            raise Conflict("该项目尚未导入结果", code="no_results")
    return jobs.submit(JobKind.PROJECT_EXPORT, {"project_id": project.project_id, "what": what},
                       owner=f"account#{p.account_id}", actor=f"account#{p.account_id}")


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _declaration_rows(project_id: str) -> Iterator[tuple]:
    for chunk in _chunks(store.iter_declarations(project_id), BATCH):
        for d in _described(project_id, chunk):
            yield (d.enterprise_name or "", d.credit_code or "", d.code27, d.bid_group or "",
                   d.specification or "", d.model or "", d.declared_at.isoformat())


def _result_rows(project_id: str) -> Iterator[tuple]:
    from chalicelib.store import project_results

    head = project_results.get_head(project_id)
    if head is None:
        return
    for r in project_results.rows_of(project_id, head.batch_id):
        yield (r.bid_group, int(r.rank), r.enterprise_name or "", r.credit_code, r.product_name,
               r.specification or "", r.model or "", r.cert_no or "", r.price, r.product_ref or "",
               r.match_code27 or "")


def export_job(ctx) -> object:
    """Job ``project_export``: the project's declarations or results as one XLSX sheet (xlsxwriter,
    constant memory), the project named in a first row."""
    import xlsxwriter

    from chalicelib.services.jobs import JobOutput

    project_id, what = ctx.params["project_id"], ctx.params["what"]
    project = projects.get_or_404(project_id)
    header, rows = ((DECLARATION_HEADER, _declaration_rows(project_id)) if what == "declarations"
                    else (RESULT_HEADER, _result_rows(project_id)))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet(what)
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, (f"项目 {project.name}", f"导出时间 {clock.now().astimezone(clock.CHINA).isoformat()}"))
    sheet.write_row(1, 0, header, bold)
    written = 0
    for written, row in enumerate(rows, start=1):
        sheet.write_row(written + 1, 0, row)
        ctx.progress(written)
    book.close()
    ctx.progress(written, written, force=True)
    label = "申报明细" if what == "declarations" else "中选结果"
    return JobOutput(f"{label}-{project_id}.xlsx", XLSX, buffer.getvalue())
