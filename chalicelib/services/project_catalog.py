"""The project catalog (项目产品目录) imported by the center as a job, and entries removed.

Import: ``GET /projects/catalog-import-template``, an upload ticket, then
``POST /projects/{id}/catalog-imports {upload_key}`` starts a
``project_catalog_import`` job. Each row names a product of the national
catalog by ``code27`` and its ``bid_group``; optional ``specification`` and
``model`` must match the national catalog's. Rows are judged in chunks of
``CHUNK``: one BatchGetItem for the products, one for their items, one for the
entries already in the project. Before writing, a consistent read of the
project checks that its declaration window has not ended; the chunk's new
entries are then put with BatchWriteItem (an absent entry has no declarations
to keep), and its re-grouped entries updated in one transaction together with a
ConditionCheck on the window, so ``added_at`` and the ``declarations`` counter
survive a re-import. One audit entry per import
on ``project#<id>`` with the counts. Format and rules in docs/projects.md.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from chalicelib import clock, files
from chalicelib.domain import consumables
from chalicelib.domain import project_catalog as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import JobKind
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.schemas.identity import Done
from chalicelib.services.identity.common import by, entry
from chalicelib.store import project_catalog as entries_store
from chalicelib.store import projects as store
from chalicelib.store.projects import CatalogEntryItem, ProjectItem
from chalicelib.store.uow import STALE, UnitOfWork

CHUNK = 99  # re-grouped entries a transaction may write, plus the ConditionCheck on the project: DynamoDB's 100
ATTEMPTS = 3  # a chunk's transaction is retried when it collides with a declaration on the same entry
COLUMNS = ("code27", "bid_group", "specification", "model")
LABELS = {"code27": "规格型号编码", "bid_group": "竞标分组", "specification": "规格", "model": "型号"}
REQUIRED = ("code27", "bid_group")
ALIASES = {**{zh: col for col, zh in LABELS.items()},
           **{f"{zh} {col}": col for col, zh in LABELS.items()},
           **{f"{zh}\n{col}": col for col, zh in LABELS.items()},
           "27位耗材医保编码": "code27", "耗材代码27位": "code27", "竞价分组": "bid_group", "分组": "bid_group"}
SAMPLE = ("C14010100100001000010000001", "A组 1ml 注射器", "1ml", "带针 0.45×16")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WINDOW_PASSED = Conflict("申报已截止，项目目录不能再修改", code="declaration_window_passed")
NOT_FOUND = NotFound("项目不存在", code="project_not_found")


# -- the template --------------------------------------------------------------

def template_bytes() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("catalog")
    sheet.write_row(0, 0, [f"{LABELS[c]} {c}" for c in COLUMNS], bold)
    for col, value in enumerate(SAMPLE):
        sheet.write_string(1, col, value)  # text: 27 digits must not become a number
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, len(COLUMNS) - 1, 24)
    notes = book.add_worksheet("notes")
    for i, line in enumerate((
            "每行一个规格型号；第一行为表头，请勿修改。必填：规格型号编码、竞标分组。",
            "规格型号编码为字母 C 加 26 位数字，须在国家耗材目录中。",
            f"竞标分组 1–{rules.BID_GROUP_MAX} 个字符。",
            "规格、型号可不填；填写时须与国家耗材目录一致（用于核对编码）。",
            "同一编码在文件中出现多次时，以第一条有效行为准，其余行报错。",
            "再次导入同一编码会按新的竞标分组重新分组；申报截止后不能再导入。")):
        notes.write_string(i, 0, line)
    book.close()
    return buffer.getvalue()


def template() -> dict[str, Any]:
    return {"filename": "project-catalog-import-template.xlsx", "content_type": XLSX,
            "content_base64": base64.b64encode(template_bytes()).decode("ascii")}


# -- starting the job ----------------------------------------------------------

def _open_project(project_id: str, now: datetime) -> ProjectItem:
    """The project, while its catalog may still change (before the declaration end)."""
    project = store.get(project_id)
    if project is None:
        raise NOT_FOUND
    if now >= project.windows.declaration_end:
        raise WINDOW_PASSED
    return project


def start_import(p: Principal, project_id: str, upload_key: str):
    from chalicelib.services import jobs
    from chalicelib.services.identity.registries import CONTENT_TYPES
    from chalicelib.services.tabular import check_upload

    _open_project(project_id, clock.now())
    check_upload(p.org_id, upload_key, CONTENT_TYPES)
    return jobs.submit(JobKind.PROJECT_CATALOG_IMPORT,
                       {"project_id": project_id, "upload_key": upload_key, "org_id": p.org_id,
                        "account_id": p.account_id},
                       owner=f"account#{p.account_id}", actor=f"account#{p.account_id}")


# -- judging and writing rows --------------------------------------------------

@dataclass
class Outcome:
    seen: int = 0
    added: int = 0
    regrouped: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def good(self) -> int:
        return self.added + self.regrouped + self.unchanged

    def counts(self) -> dict[str, int]:
        return {"rows": self.seen, "added": self.added, "regrouped": self.regrouped, "unchanged": self.unchanged,
                "rejected": self.seen - self.good}


def _judge(number: int, row: dict[str, str], errors: list) -> tuple[int, rules.CatalogRow] | None:
    try:
        return number, rules.check_row(row)
    except ValidationFailed as exc:
        errors += [(number, d.field, d.message) for d in exc.details]
        return None


def _write(project_id: str, writes: list, now: datetime) -> None:
    """One transaction: the chunk's entries, if the project's declaration has not ended at ``now``."""
    for attempt in range(ATTEMPTS):
        uow = UnitOfWork()
        uow.check(ProjectItem, store.project_pk(project_id), "project",
                  ProjectItem.declaration_end > store.key_instant(now), conflict=WINDOW_PASSED)
        for key_item, actions in writes:
            uow.update(key_item, actions)
        try:
            uow.commit()
            return
        except Conflict as exc:
            if exc is not STALE or attempt == ATTEMPTS - 1:
                raise


def _current(entry_item: CatalogEntryItem, product: consumables.Product, item: consumables.Item | None) -> bool:
    """The entry already shows what the national catalog says now (and is in its group's index)."""
    return (entry_item.gsi1pk == store.group_pk(entry_item.project_id, entry_item.bid_group)
            and (entry_item.specification, entry_item.model) == (product.specification, product.model)
            and (item is None or (entry_item.item_name, entry_item.cert_no) == (item.name, item.cert_no)))


def process_chunk(project_id: str, chunk: list[tuple[int, rules.CatalogRow]], claimed: dict[str, int],
                  out: Outcome) -> None:
    """Three batch reads for the chunk, the checks that need them, then the window read again, a
    BatchWriteItem of the new entries and one transaction of the re-grouped ones."""
    from chalicelib.store import catalog

    if not chunk:
        return
    codes = {r.code27 for _, r in chunk}
    products = {i.code27: i.to_domain() for i in catalog.ProductItem.batch_get(
        sorted((catalog.product_pk(code), "product") for code in codes))}
    items = catalog.get_items({p.code20 for p in products.values()})
    existing = entries_store.entries(project_id, codes)
    now = clock.now()
    at = store.key_instant(now)
    added: list[CatalogEntryItem] = []
    writes = []
    for number, row in chunk:
        product = products.get(row.code27)
        if product is None:
            out.errors.append((number, "code27", f"国家耗材目录中没有规格型号编码 {row.code27}"))
            continue
        problems = rules.mismatches(row, product)
        if problems:
            out.errors += [(number, column, message) for column, message in problems]
            continue
        if row.code27 in claimed:  # the first good row of a code wins
            out.errors.append((number, "code27", f"与第 {claimed[row.code27]} 行重复"))
            continue
        claimed[row.code27] = number
        before = existing.get(row.code27)
        item = items.get(product.code20)
        if before is None:
            out.added += 1
        elif before.bid_group != row.bid_group:
            out.regrouped += 1
        else:
            out.unchanged += 1
            if _current(before, product, item):
                continue  # nothing to write
        if before is None:
            added.append(entries_store.new_entry(project_id, product, item, row.bid_group, at))
        else:
            writes.append((entries_store.entry_key(project_id, row.code27),
                           entries_store.entry_actions(project_id, product, item, row.bid_group, at)))
    if added or writes:
        _open_project(project_id, clock.now())  # the window, read again just before writing
    if added:
        entries_store.put_new(added)
    if writes:
        _write(project_id, writes, now)


def run_import(project_id: str, rows: Iterable[tuple[int, dict[str, str]]],
               progress=lambda done, total: None) -> Outcome:
    rows = list(rows)
    out = Outcome(seen=len(rows))
    claimed: dict[str, int] = {}
    for start in range(0, len(rows), CHUNK):
        judged = [_judge(number, row, out.errors) for number, row in rows[start:start + CHUNK]]
        process_chunk(project_id, [j for j in judged if j is not None], claimed, out)
        progress(min(start + CHUNK, len(rows)), len(rows))
    out.errors.sort(key=lambda e: e[0])
    return out


def import_job(ctx) -> object:
    """Job ``project_catalog_import``. Fails (nothing written) if the declaration window has ended
    or the header lacks a required column; a window ending mid-way stops it after the chunks written."""
    from chalicelib.services.identity.registries import CONTENT_TYPES, MAX_UPLOAD_BYTES
    from chalicelib.services.jobs import JobOutput
    from chalicelib.services.tabular import error_report, read_rows

    params = ctx.params
    project_id, key = params["project_id"], params["upload_key"]
    _open_project(project_id, clock.now())
    data = files.get_bytes(key, MAX_UPLOAD_BYTES)
    rows = list(read_rows(data, key, ALIASES, REQUIRED))
    out = run_import(project_id, rows, lambda done, total: ctx.progress(done, total))
    uow = UnitOfWork()
    uow.audit(entry(f"project#{project_id}", "project_catalog_imported", actor=f"account#{params['account_id']}",
                    actor_org=params["org_id"], after={"upload_key": key, **out.counts()}, at=clock.now()))
    uow.commit()
    ctx.progress(out.seen, out.seen, force=True)
    report = error_report(out.seen, out.good, out.errors, {"新增 added": out.added, "重新分组 regrouped": out.regrouped,
                                                           "未变 unchanged": out.unchanged})
    return JobOutput("project-catalog-import-report.xlsx", CONTENT_TYPES["xlsx"], report)


# -- removing an entry ---------------------------------------------------------

def delete_entry(principal: Principal, project_id: str, code27: str) -> Done:
    """Remove one entry, before the declaration end and only if no enterprise has declared it."""
    code = consumables.code27(code27)
    now = clock.now()
    _open_project(project_id, now)
    missing = NotFound("项目目录中没有该产品", code="catalog_entry_not_found")
    declared = Conflict("已有企业申报该产品，不能从项目目录中删除", code="catalog_entry_declared")
    current = store.get_catalog_entry(project_id, code)
    if current is None:
        raise missing
    if int(current.declarations or 0) > 0:
        raise declared
    uow = UnitOfWork()
    uow.delete(current, condition=CatalogEntryItem.pk.exists() & entries_store.undeclared(), conflict=declared)
    uow.check(ProjectItem, store.project_pk(project_id), "project",
              ProjectItem.declaration_end > store.key_instant(now), conflict=WINDOW_PASSED)
    uow.audit(entry(f"project#{project_id}", "project_catalog_entry_deleted", **by(principal),
                    before={"code27": code, "bid_group": current.bid_group}, at=now))
    try:
        uow.commit()
    except Conflict as exc:
        if exc is declared and store.get_catalog_entry(project_id, code) is None:
            raise missing from None  # removed concurrently
        raise
    return Done(message="已从项目目录中删除")
