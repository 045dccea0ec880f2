"""Project results (结果公布): the center imports the winning products as the national / alliance joint
procurement office published them (a job; an import replaces the previous unpublished results as a whole),
publishes them, and the results are queried by whoever may see them when (docs/projects.md "Results").

An import writes its rows under a new batch id, then switches the results head to that batch (conditional on
the head's version and on the results being unpublished), then deletes the rows of the replaced batch. Publishing
first indexes every row as a listed product of its enterprise (gsi1, for 对码), then sets
``results_published_at`` on the head (conditional again)."""
from __future__ import annotations

import base64
import io
import json
from typing import Any

from chalicelib import clock, files
from chalicelib.domain import access as access_rules
from chalicelib.domain import project_results as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ActorKind, JobKind, OrgStatus, Permission
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.logs import get_logger
from chalicelib.schemas.identity import UploadTicket
from chalicelib.schemas.jobs import JobView
from chalicelib.schemas.project_results import ResultPage, ResultQuery, ResultRowView, ResultsPublished
from chalicelib.services.identity.common import by, entry, new_id
from chalicelib.services.projects import NOT_FOUND, get_or_404 as _project, is_center
from chalicelib.store import project_results as store
from chalicelib.store import projects as project_store
from chalicelib.store.project_results import ResultRowItem, ResultsHeadItem
from chalicelib.store.uow import UnitOfWork

log = get_logger("project_results")
RESULT_QUERY = access_rules.business(Permission.RESULT_QUERY)
NOT_PUBLISHED = Conflict("项目尚未发布", code="project_not_published")
CHANGED = Conflict("项目结果已被其他操作更新，请刷新后重试", code="results_changed")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# a header cell may be the Chinese label, the English name, or both ("竞标分组 bid_group", as in the template)
ALIASES = {**{zh: col for col, zh in rules.LABELS.items()},
           **{f"{zh} {col}": col for col, zh in rules.LABELS.items()},
           **{f"{zh}\n{col}": col for col, zh in rules.LABELS.items()},
           "中选价格(元)": "price", "企业统一社会信用代码": "credit_code", "统一社会信用代码": "credit_code",
           "注册证编号": "cert_no", "注册备案号": "cert_no"}
SAMPLE = ("A组", "91630100MA7B2C3D49", "某某医疗器械有限公司", "冠脉药物洗脱支架", "2.5mm×18mm", "FIREHAWK",
          "国械注准20153460001", "590.00", 1, "P0001")


def _published(head: ResultsHeadItem | None) -> bool:
    return bool(head and head.published)


# -- the template and the upload -------------------------------------------------

def template_bytes() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet("results")
    sheet.write_row(0, 0, [f"{rules.LABELS[c]} {c}" for c in rules.COLUMNS], bold)
    for column, value in enumerate(SAMPLE):
        if isinstance(value, int):
            sheet.write_number(1, column, value)
        else:
            sheet.write_string(1, column, value, text)  # text: prices and codes must not become numbers
    sheet.set_column(0, len(rules.COLUMNS) - 1, 22, text)
    notes = book.add_worksheet("notes")
    for i, line in enumerate((
            "每行一个中选产品；第一行为表头，请勿修改。必填：竞标分组、企业统一社会信用代码、产品名称、中选价格、组内排名；"
            "规格和型号至少填写一项。",
            "竞标分组须为本项目产品目录中的分组；企业须已在本平台注册（按统一社会信用代码匹配）。",
            "中选价格须大于 0，最多 4 位小数（请以文本填写，如 590.00）；组内排名为从 1 开始的整数。",
            "同一分组、企业、产品名称、规格、型号重复出现时，以第一行为准。",
            "每次导入替换本项目此前导入（尚未公布）的全部结果；结果公布后不能再导入。")):
        notes.write_string(i, 0, line)
    book.close()
    return buffer.getvalue()


def template() -> dict[str, Any]:
    return {"filename": "project-results-template.xlsx", "content_type": XLSX,
            "content_base64": base64.b64encode(template_bytes()).decode("ascii")}


def upload_ticket(p: Principal, filename: str) -> UploadTicket:
    from chalicelib.services.identity import registries

    return registries.upload_ticket(p, filename)


# -- import ----------------------------------------------------------------------

def _importable(project_id: str):
    """The project and its results head, if results may be imported now (else 404 / 409)."""
    project = _project(project_id)
    if not project.published:
        raise NOT_PUBLISHED
    head = store.get_head(project_id)
    rules.check_importable(project.windows, _published(head), clock.now())
    return project, head


def start_import(p: Principal, project_id: str, upload_key: str) -> JobView:
    from chalicelib.services import jobs
    from chalicelib.services.identity.registries import CONTENT_TYPES
    from chalicelib.services.tabular import check_upload

    _importable(project_id)
    check_upload(p.org_id, upload_key, CONTENT_TYPES)
    return jobs.submit(JobKind.PROJECT_RESULTS_IMPORT,
                       {"project_id": project_id, "upload_key": upload_key, "org_id": p.org_id,
                        "account_id": p.account_id},
                       owner=f"account#{p.account_id}", actor=f"account#{p.account_id}")


def _enterprises(credit_codes: set[str]) -> dict[str, str]:
    """credit code → org id of the active enterprises registered with those codes."""
    from chalicelib.store.identity import orgs_by_credit_code

    return {code: org.org_id for code, org in orgs_by_credit_code(credit_codes).items()
            if org.kind == ActorKind.ENTERPRISE.value and org.status == OrgStatus.ACTIVE.value}


def _catalog_groups(project_id: str) -> set[str]:
    from chalicelib.store.projects import CatalogEntryItem

    return {e.bid_group for e in CatalogEntryItem.query(
        project_store.project_pk(project_id), CatalogEntryItem.sk.startswith("catalog#"),
        attributes_to_get=["pk", "sk", "bid_group"])}


def judge(rows, project_id: str) -> tuple[list[tuple[rules.ResultRow, str]], list[tuple[int, str, str]]]:
    """The good rows (with their enterprise's org id) in listing order, and the errors by row."""
    groups = _catalog_groups(project_id)
    judged, errors = [], []
    for number, row in rows:
        result, problems = rules.judge_row(number, row, groups)
        errors += [(number, column, message) for column, message in problems]
        if result is not None:
            judged.append(result)
    kept, repeats = rules.first_rows_win(judged)
    errors += repeats
    orgs = _enterprises({r.credit_code for r in kept})
    good = []
    for r in kept:
        if r.credit_code in orgs:
            good.append(r)
        else:
            errors.append((r.number, "credit_code", f"平台上没有统一社会信用代码为 {r.credit_code} 的企业"))
    ordered = rules.ordered(good)
    errors.sort(key=lambda e: e[0])
    return [(r, orgs[r.credit_code]) for r in ordered], errors


def _row_item(project_id: str, batch_id: str, seq: int, r: rules.ResultRow, org_id: str) -> ResultRowItem:
    return ResultRowItem(
        pk=project_store.project_pk(project_id), sk=store.row_sk(batch_id, seq), project_id=project_id,
        batch_id=batch_id, seq=seq, source_row=r.number, bid_group=r.bid_group, rank=r.rank, org_id=org_id,
        credit_code=r.credit_code, enterprise_name=r.enterprise_name, product_name=r.product_name,
        specification=r.specification, model=r.model, cert_no=r.cert_no, price=r.price, product_ref=r.product_ref,
        match_version=0, gsi2pk=store.own_pk(project_id, org_id), gsi2sk=f"{batch_id}#{store.seq_key(seq)}")


def replace_results(project_id: str, good: list[tuple[rules.ResultRow, str]], rejected: int, actor: dict,
                    progress=lambda done, total: None) -> int:
    """Write the rows as a new batch, switch the head to it, delete the replaced batch's rows.
    Returns how many rows were replaced. A lost race (published or imported meanwhile) deletes the new rows."""
    project, head = _importable(project_id)  # again, at the moment the job runs
    now = clock.now()
    batch_id = new_id()[:16]
    rows = [r for r, _ in good]
    ranges = rules.group_ranges(rows)
    items = [_row_item(project_id, batch_id, seq, r, org_id) for seq, (r, org_id) in enumerate(good, start=1)]
    for start in range(0, len(items), 500):
        store.write_rows(items[start:start + 500])
        progress(min(start + 500, len(items)), len(items))
    at = project_store.key_instant(now)
    new_head = ResultsHeadItem(pk=project_store.project_pk(project_id), sk=store.HEAD_SK, project_id=project_id,
                               batch_id=batch_id, rows=len(items), groups=json.dumps(ranges, ensure_ascii=False),
                               imported_at=at, imported_by=actor["actor"],
                               version=int(head.version) + 1 if head else 1)
    condition = ResultsHeadItem.pk.does_not_exist() if head is None else (
        (ResultsHeadItem.version == head.version) & ResultsHeadItem.results_published_at.does_not_exist())
    uow = UnitOfWork()
    uow.put(new_head, condition=condition, conflict=CHANGED)
    uow.audit(entry(f"project#{project_id}", "project_results_imported", **actor, at=now,
                    before={"batch_id": head.batch_id, "rows": int(head.rows)} if head else None,
                    after={"batch_id": batch_id, "rows": len(items), "rejected": rejected,
                           "bid_groups": len(ranges)}))
    try:
        uow.commit()
    except DomainError:
        store.delete_batch(project_id, batch_id)
        raise
    return store.delete_batch(project_id, head.batch_id) if head else 0


def import_job(ctx) -> object:
    """Job ``project_results_import``."""
    from chalicelib.services.identity.registries import CONTENT_TYPES, MAX_UPLOAD_BYTES
    from chalicelib.services.jobs import JobOutput
    from chalicelib.services.tabular import error_report, read_rows

    project_id, key = ctx.params["project_id"], ctx.params["upload_key"]
    _importable(project_id)  # before reading the file: a closed window fails the job with its message
    data = files.get_bytes(key, MAX_UPLOAD_BYTES)
    rows = list(read_rows(data, key, ALIASES, rules.REQUIRED_COLUMNS))
    good, errors = judge(rows, project_id)
    seen = len(rows)
    replaced = 0
    if good:  # a file without a single good row replaces nothing
        actor = {"actor": f"account#{ctx.params['account_id']}", "actor_org": ctx.params["org_id"]}
        replaced = replace_results(project_id, good, seen - len(good), actor,
                                   lambda done, total: ctx.progress(done, total))
    ctx.progress(seen, seen, force=True)
    report = error_report(seen, len(good), errors, {"竞标分组 bid_groups": len({r.bid_group for r, _ in good}),
                                                   "替换旧结果行 replaced": replaced})
    return JobOutput("project-results-import-report.xlsx", CONTENT_TYPES["xlsx"], report)


# -- publish ---------------------------------------------------------------------

def publish(p: Principal, project_id: str) -> ResultsPublished:
    """Publish the imported results: index each row as a listed product of its enterprise, then set
    ``results_published_at`` (conditional on the head's version and batch)."""
    project = _project(project_id)
    head = store.get_head(project_id)
    now = clock.now()
    rules.check_publishable(project.windows, int(head.rows) if head else 0, _published(head), now)
    rows = list(store.rows_of(project_id, head.batch_id))
    for row in rows:  # puts by key: a publish retried after a lost race writes the same keys again
        row.gsi1pk = store.listings_pk(row.org_id)
        row.gsi1sk = store.listing_sk(row.match_code27 is not None, project_id, int(row.seq))
    store.write_rows(rows)
    at = project_store.key_instant(now)
    uow = UnitOfWork()
    uow.update(head, [ResultsHeadItem.results_published_at.set(at), ResultsHeadItem.published_by.set(by(p)["actor"]),
                      ResultsHeadItem.version.add(1)],
               condition=(ResultsHeadItem.version == head.version) & (ResultsHeadItem.batch_id == head.batch_id)
               & ResultsHeadItem.results_published_at.does_not_exist(), conflict=CHANGED)
    uow.audit(entry(f"project#{project_id}", "project_results_published", **by(p), at=now,
                    after={"batch_id": head.batch_id, "rows": int(head.rows)}))
    try:
        uow.commit()
    except Conflict as lost:
        current = store.get_head(project_id)
        if current is None or current.batch_id != head.batch_id:
            # a re-import replaced the batch meanwhile (and deletes its rows): the puts above may have
            # re-created some of them after that delete, so remove the whole old batch again
            store.delete_batch(project_id, head.batch_id)
        raise lost
    return ResultsPublished(project_id=project_id, rows=int(head.rows), results_published_at=now.astimezone(clock.CHINA))


# -- query -----------------------------------------------------------------------

def row_view(item: ResultRowItem) -> ResultRowView:
    return ResultRowView(
        listing_id=rules.listing_id(item.project_id, int(item.seq)), bid_group=item.bid_group, rank=int(item.rank),
        price=item.price, credit_code=item.credit_code, org_id=item.org_id, enterprise_name=item.enterprise_name,
        product_name=item.product_name, specification=item.specification, model=item.model, cert_no=item.cert_no,
        product_ref=item.product_ref)


def list_results(p: Principal, project_id: str, q: ResultQuery) -> ResultPage:
    """The rows the caller may see now (rules.visibility), by bid group then rank."""
    project = _project(project_id)
    center = is_center(p)
    if not center:
        access_rules.check(RESULT_QUERY, p)
        if not project.published:
            raise NOT_FOUND
    head = store.get_head(project_id)
    published = _published(head)
    scope = rules.visibility(project.windows, published, clock.now(), center=center,
                             enterprise=p.org_kind is ActorKind.ENTERPRISE)
    published_at = project_store.parse_instant(head.results_published_at).astimezone(clock.CHINA) \
        if published else None
    empty = ResultPage(project_id=project_id, published=published, results_published_at=published_at, scope=scope,
                       items=[])
    if head is None:
        return empty
    seqs = None
    if q.bid_group is not None:
        seqs = head.group_ranges.get(q.bid_group)
        if seqs is None:
            return empty
    if scope == rules.ALL:
        page = store.page_rows(project_id, head.batch_id, seqs, limit=q.limit, cursor=q.cursor)
    else:
        page = store.page_own_rows(project_id, p.org_id, head.batch_id, seqs, limit=q.limit, cursor=q.cursor)
    return empty.model_copy(update={"items": [row_view(i) for i in page.items], "next_cursor": page.next_cursor})
