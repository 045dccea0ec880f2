"""Bulk entry of products 产品 (规格型号 with packaging) from an Excel file
(SPEC §3.3): a downloadable template, an upload, a job that keeps the good
rows as draft product records and returns the bad ones in an error report
(row, column, message). Format and rules in docs/catalog.md ("产品导入").

The rows are judged by the same rules as ``POST /records/product``
(``ProductData``, ``rules.check_packaging``, the unit dictionary, the national
catalog, "the item is submitted"), but in chunks of ``CHUNK`` rows with batch
reads (no DynamoDB read per row), and new records are written with
BatchWriteItem. The record is keyed ``product-<org>-<code27>``, so importing
the same file again writes nothing new:

- no record yet → a draft (head + revision 1 + ``record_created`` audit entry,
  the items ``engine.create`` writes) — counted ``created``;
- a draft/rejected record with the same data → ``unchanged``;
- a draft/rejected record with other data → updated like ``engine.edit`` (one
  transaction: the revision and head conditioned on their versions, plus the
  ``record_edited`` entry) — ``updated``;
- a pending/approved record → an error row (use 变更).

Known gap: batch puts cannot carry a condition, so a record created through
the API for the same code *between* this chunk's read and its write would be
overwritten (a window of milliseconds, same organisation only)."""
from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from chalicelib import clock, files
from chalicelib.domain import consumables as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import JobKind, RecordKind, ReviewStatus
from chalicelib.domain.errors import DomainError, ValidationFailed
from chalicelib.schemas.validation import parse_model
from chalicelib.services.records.catalog_kinds import (
    SUBMITTED, UNIT_FIELDS, ProductData, _enrich_product, _product_title, item_record_id,
)

CHUNK = 100
KIND = RecordKind.PRODUCT
COLUMNS = ("code27", "min_usage_unit", "min_package_unit", "min_package_ratio", "middle_package_unit",
           "middle_package_ratio")
LABELS = {"code27": "耗材代码27位", "min_usage_unit": "最小计量单位", "min_package_unit": "最小包装单位",
          "min_package_ratio": "最小包装转换比", "middle_package_unit": "中包装单位",
          "middle_package_ratio": "中包装转换比"}
REQUIRED = COLUMNS[:4]
# a header cell may be the Chinese label, the English name, or both ("耗材代码27位 code27", as in the template)
ALIASES = {**{zh: col for col, zh in LABELS.items()},
           **{f"{zh} {col}": col for col, zh in LABELS.items()},
           **{f"{zh}\n{col}": col for col, zh in LABELS.items()},
           "27位耗材医保编码": "code27", "规格型号编码": "code27"}
SAMPLE = ("C14010100100001000010000002", "支", "U016", 10, "箱", 20)
EDITABLE = frozenset({ReviewStatus.DRAFT, ReviewStatus.REJECTED})
INTEGER = re.compile(r"[+-]?\d+")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- the template ------------------------------------------------------------

def template_bytes() -> bytes:
    """The import template: headers, one sample row, and the unit dictionary on a second sheet."""
    import xlsxwriter

    from chalicelib.store import dictionaries

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("products")
    sheet.write_row(0, 0, [f"{LABELS[c]} {c}" for c in COLUMNS], bold)
    sheet.write_string(1, 0, SAMPLE[0])  # text: 27 digits must not become a number
    sheet.write_row(1, 1, SAMPLE[1:])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, len(COLUMNS) - 1, 24)
    units = book.add_worksheet("units")
    units.write_row(0, 0, ("编码 code", "名称 name", "英文 name_en", "类别 category"), bold)
    for i, unit in enumerate(dictionaries.iter_all_units(), start=1):
        units.write_row(i, 0, (unit.code, unit.name, unit.name_en, unit.category.value))
    notes = book.add_worksheet("notes")
    for i, line in enumerate((
            "每行一个产品（规格型号）；第一行为表头，请勿修改。",
            "单位可填单位字典编码（如 U001）或名称（如 支），见 units 表。",
            "转换比须为正整数；填写中包装单位时须填写中包装转换比，反之亦然。",
            "只能导入本企业已提交（或已生效）单件下的规格型号；导入结果为草稿，须再提交审核。",
            "同一文件再次导入不会重复新增：未变的行计为“未变”，草稿/被退回的记录按新数据更新。")):
        notes.write_string(i, 0, line)
    book.close()
    return buffer.getvalue()


def template() -> dict[str, Any]:
    return {"filename": "product-import-template.xlsx", "content_type": XLSX,
            "content_base64": base64.b64encode(template_bytes()).decode("ascii")}


# -- starting the job --------------------------------------------------------

def start_import(p: Principal, upload_key: str):
    from chalicelib.services import jobs
    from chalicelib.services.identity.registries import CONTENT_TYPES

    from chalicelib.services.tabular import check_upload

    check_upload(p.org_id, upload_key, CONTENT_TYPES)
    return jobs.submit(JobKind.PRODUCT_IMPORT,
                       {"upload_key": upload_key, "org_id": p.org_id, "account_id": p.account_id},
                       owner=f"account#{p.account_id}", actor=f"account#{p.account_id}")


# -- judging rows ------------------------------------------------------------

@dataclass
class Units:
    """The unit dictionary, loaded once: codes, and names mapped to codes."""

    names: dict[str, str]  # code -> name
    by_name: dict[str, str | None]  # name -> code (None when two units share the name)

    @classmethod
    def load(cls) -> "Units":
        from chalicelib.store import dictionaries

        names, by_name = {}, {}
        for unit in dictionaries.iter_all_units():
            names[unit.code] = unit.name
            by_name[unit.name] = None if unit.name in by_name else unit.code
        return cls(names, by_name)

    def code_of(self, text: str) -> str:
        """A code stays a code; a unique name becomes its code; anything else is
        passed on unchanged (and refused as ``unit_not_found``)."""
        upper = text.strip().upper()
        if upper in self.names:
            return upper
        return self.by_name.get(text.strip()) or text


def _ratio(text: str) -> Any:
    """A cell's text as the JSON value the API would get: an integer when it
    is one ("10", "-1", "0"), else the text itself ("2.5", "abc"), which the
    domain's ratio rule refuses (``ratio_invalid``)."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if INTEGER.fullmatch(text) else text


def _column(field_name: str) -> str:
    name = field_name.split(".")[-1]
    return name if name in COLUMNS else field_name


@dataclass
class Candidate:
    number: int
    model: ProductData


@dataclass
class Outcome:
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def good(self) -> int:
        return self.created + self.updated + self.unchanged


def judge_row(number: int, row: dict[str, str], units: Units, seen_codes: dict[str, int],
              errors: list[tuple[int, str, str]]) -> Candidate | None:
    """The checks that need no database: fields, packaging, units, repeats in the file."""
    raw: dict[str, Any] = {"code27": row.get("code27", "")}
    for name in UNIT_FIELDS:
        text = (row.get(name) or "").strip()
        raw[name] = units.code_of(text) if text else (None if name == "middle_package_unit" else "")
    raw["min_package_ratio"] = _ratio(row.get("min_package_ratio", ""))
    raw["middle_package_ratio"] = _ratio(row.get("middle_package_ratio", ""))
    problems: list[tuple[str, str]] = []
    try:
        model = parse_model(ProductData, raw)
    except ValidationFailed as exc:
        errors += [(number, _column(d.field), d.message) for d in exc.details]
        return None
    try:
        rules.check_packaging(model.packaging)
    except ValidationFailed as exc:
        problems += [(d.field, d.message) for d in exc.details]
    for name in UNIT_FIELDS:
        code = getattr(model, name)
        if code is None:
            continue
        if code in units.names:
            model._units[code] = units.names[code]
        elif name not in {f for f, _ in problems}:
            problems.append((name, f"单位字典中没有单位 {code}"))
    if problems:
        errors += [(number, _column(f), m) for f, m in problems]
        return None
    # a repeated code is an error on the later row; a row with errors of its own claims no code
    if model.code27 in seen_codes:
        errors.append((number, "code27", f"与第 {seen_codes[model.code27]} 行重复"))
        return None
    seen_codes[model.code27] = number
    return Candidate(number, model)


# -- writing -----------------------------------------------------------------

def _record_id(org_id: str, code27: str) -> str:
    return f"{KIND.value}-{org_id}-{code27}"


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def new_record_items(org_id: str, record_id: str, title: str, data: dict[str, Any], now, actor: dict[str, str]):
    """The head, revision 1 and audit entry ``engine.create`` writes for a new draft (no files)."""
    from chalicelib.services.identity.common import entry
    from chalicelib.services.records.engine import draft_items

    head, rev = draft_items(KIND, org_id, record_id, title, data, (), now)
    # BatchWriteItem puts are not versioned by PynamoDB as a transaction's are: start the versions by hand
    head.version = rev.version = 1
    audit_entry = entry(f"rec#{record_id}", "record_created", after=data, to_status="draft", at=now,
                        reason="产品导入", **actor)
    return head, rev, audit_entry


def _update(head, rev, title: str, data: dict[str, Any], now, actor: dict[str, str]) -> None:
    """What ``engine.edit`` writes: one transaction, conditioned on both versions."""
    from chalicelib.services.identity.common import entry, iso
    from chalicelib.store.records import HeadItem, RevisionItem
    from chalicelib.store.uow import UnitOfWork

    uow = UnitOfWork()
    uow.update(rev, [RevisionItem.data.set(_dumps(data)), RevisionItem.updated_at.set(iso(now))])
    uow.update(head, [HeadItem.title.set(title), HeadItem.updated_at.set(iso(now))])
    uow.audit(entry(f"rec#{head.record_id}", "record_edited", before=rev.data_dict, after=data, at=now,
                    reason="产品导入", **actor))
    uow.commit()


def process_chunk(org_id: str, actor: dict[str, str], chunk: list[Candidate], out: Outcome, writer) -> None:
    """Three batch reads for the chunk, then the writes."""
    from chalicelib.store import catalog, records
    from chalicelib.store.catalog import ProductItem
    from chalicelib.store.records import HeadItem, RevisionItem

    if not chunk:
        return
    codes = [c.model.code27 for c in chunk]
    products = {i.code27: i.to_domain() for i in ProductItem.batch_get(
        sorted({(catalog.product_pk(code), "product") for code in codes}),
        attributes_to_get=["pk", "sk", "code27", "code20", "specification", "model", "imported_at"])}
    head_keys = {(records.rec_pk(item_record_id(org_id, code[:20])), "head") for code in codes} | \
        {(records.rec_pk(_record_id(org_id, code)), "head") for code in codes}
    heads = {h.record_id: h for h in HeadItem.batch_get(sorted(head_keys), consistent_read=True)}
    wanted = sorted({(h.pk, records.rev_sk(int(h.current_rev))) for h in heads.values() if h.kind == KIND.value})
    revs = {r.record_id: r for r in RevisionItem.batch_get(wanted, consistent_read=True)} if wanted else {}
    now = clock.now()
    for c in chunk:
        m = c.model
        product = products.get(m.code27)
        if product is None:
            out.errors.append((c.number, "code27", f"国家耗材目录中没有规格型号 {m.code27}，请先确认已在国家医保编码平台公示"))
            continue
        item = heads.get(item_record_id(org_id, product.code20))
        if item is None or (item.effective_rev is None and ReviewStatus(item.current_status) not in SUBMITTED):
            out.errors.append((c.number, "code27", f"请先新增并提交单件 {product.code20}，再维护其产品信息"))
            continue
        m._product = product
        data = {**m.model_dump(mode="json"), **_enrich_product(None, m)}
        title = _product_title(m)
        record_id = _record_id(org_id, m.code27)
        head = heads.get(record_id)
        if head is None:
            writer.add(*new_record_items(org_id, record_id, title, data, now, actor))
            out.created += 1
            continue
        rev = revs.get(record_id)
        if ReviewStatus(head.current_status) not in EDITABLE or rev is None \
                or ReviewStatus(rev.status) not in EDITABLE:
            out.errors.append((c.number, "code27", "审核中或已生效的产品请使用变更"))
            continue
        if rev.data_dict == data and head.title == title:
            out.unchanged += 1
            continue
        try:
            _update(head, rev, title, data, now, actor)
            out.updated += 1
        except DomainError as exc:
            out.errors.append((c.number, "code27", exc.message))


class BatchWriter:
    """Heads, revisions and audit entries, flushed with BatchWriteItem (25 per request)."""

    def __init__(self):
        self.items: list = []
        self.audits: list = []

    def add(self, head, rev, audit_entry) -> None:
        self.items += [head, rev]
        self.audits.append(audit_entry)

    def flush(self) -> int:
        from chalicelib.store import audit
        from chalicelib.store.records import HeadItem
        from chalicelib.store.tables import AuditTable

        written = len(self.items) + len(self.audits)
        if self.items:
            with HeadItem.batch_write() as batch:
                for item in self.items:
                    batch.save(item)
        if self.audits:
            with AuditTable.batch_write() as batch:
                for e in self.audits:
                    batch.save(audit._record(e))
        self.items, self.audits = [], []
        return written


def run_import(rows: Iterable[tuple[int, dict[str, str]]], org_id: str, account_id: str,
               progress=lambda done, total: None) -> Outcome:
    rows = list(rows)
    total = len(rows)
    units = Units.load()
    actor = {"actor": f"account#{account_id}", "actor_org": org_id}
    out = Outcome(seen=total)
    seen_codes: dict[str, int] = {}
    writer = BatchWriter()
    for start in range(0, total, CHUNK):
        chunk = []
        for number, row in rows[start:start + CHUNK]:
            candidate = judge_row(number, row, units, seen_codes, out.errors)
            if candidate is not None:
                chunk.append(candidate)
        process_chunk(org_id, actor, chunk, out, writer)
        writer.flush()
        progress(min(start + CHUNK, total), total)
    out.errors.sort(key=lambda e: e[0])
    return out


def import_job(ctx) -> object:
    """Job ``product_import``."""
    from chalicelib.services.catalog import error_report, read_rows
    from chalicelib.services.identity.registries import CONTENT_TYPES, MAX_UPLOAD_BYTES
    from chalicelib.services.jobs import JobOutput

    key = ctx.params["upload_key"]
    data = files.get_bytes(key, MAX_UPLOAD_BYTES)
    out = run_import(read_rows(data, key, ALIASES, REQUIRED), ctx.params["org_id"], ctx.params["account_id"],
                     lambda done, total: ctx.progress(done, total))
    ctx.progress(out.seen, out.seen, force=True)
    report = error_report(out.seen, out.good, out.errors,
                          {"新增 created": out.created, "更新 updated": out.updated, "未变 unchanged": out.unchanged})
    return JobOutput("product-import-report.xlsx", CONTENT_TYPES["xlsx"], report)
