"""The national consumables catalog (国家医保耗材编码库): public look-ups and the
platform's import job.

Import: the platform uploads one CSV or XLSX file through ``POST /admin/uploads``
(the ticket of the registry import), then ``POST /admin/catalog-imports``
starts a job. One row per catalog entry, its kind in the ``record_type``
column (``cert`` | ``item`` | ``product``); the format is in docs/catalog.md.
Every row is validated; references (an item's certificate, a product's item)
may be in the same file or already in the catalog. Good rows are written by
key (a re-import overwrites, never duplicates); bad rows come back in an
error workbook (row, column, message)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable, Iterable
from urllib.parse import unquote

from chalicelib import clock, files
from chalicelib.domain import consumables as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import JobKind
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.identity import validators as v
from chalicelib.services.tabular import check_upload, error_report, read_rows  # noqa: F401 (used by other imports too)
from chalicelib.schemas.catalog import (
    CatalogCertPage, CatalogCertQuery, CatalogCertView, CatalogImportRequest, CatalogItemPage, CatalogItemView,
    CatalogProductPage, CatalogProductView,
)
from chalicelib.schemas.jobs import JobView
from chalicelib.services.identity.registries import CONTENT_TYPES, MAX_UPLOAD_BYTES
from chalicelib.store import catalog as store

NO_CERT = NotFound("国家耗材目录中没有该注册证", code="certificate_not_found")
NO_ITEM = NotFound("国家耗材目录中没有该单件", code="item_not_found")
NO_PRODUCT = NotFound("国家耗材目录中没有该规格型号", code="product_not_found")

# -- views and look-ups ------------------------------------------------------


def cert_view(c: rules.Certificate) -> CatalogCertView:
    return CatalogCertView(cert_no=c.cert_no, product_name=c.product_name, registrant_name=c.registrant_name,
                           registrant_credit_code=c.registrant_credit_code,
                           valid_until=c.valid_until.isoformat() if c.valid_until else None,
                           device_class=c.device_class)


def item_view(i: rules.Item) -> CatalogItemView:
    return CatalogItemView(code20=i.code20, name=i.name, cert_no=i.cert_no)


def product_view(p: rules.Product) -> CatalogProductView:
    return CatalogProductView(code27=p.code27, code20=p.code20, specification=p.specification, model=p.model)


def _path_cert_no(raw: str) -> str:
    # API Gateway (REST) hands path parameters over still percent-encoded;
    # a certificate number never holds '%', so decoding is safe either way.
    return rules.cert_no(unquote(raw), "cert_no")


def list_certificates(q: CatalogCertQuery) -> CatalogCertPage:
    filters = [f for f in ("cert_no_prefix", "name_prefix", "registrant_credit_code") if getattr(q, f)]
    if len(filters) > 1:
        raise ValidationFailed.on(f"query.{filters[1]}", "一次只能按一个条件查询", code="one_filter_only")
    if q.name_prefix:
        page = store.certs_by_name(" ".join(q.name_prefix.split()), limit=q.limit, cursor=q.cursor)
    elif q.registrant_credit_code:
        code = v.credit_code(q.registrant_credit_code, "query.registrant_credit_code")
        page = store.certs_of_registrant(code, limit=q.limit, cursor=q.cursor)
    else:
        prefix = v._halfwidth(q.cert_no_prefix).strip() if q.cert_no_prefix else None
        page = store.list_certs(prefix, limit=q.limit, cursor=q.cursor)
    return CatalogCertPage(items=[cert_view(c) for c in page.items], next_cursor=page.next_cursor)


def get_certificate(raw_cert_no: str) -> CatalogCertView:
    cert = store.get_cert(_path_cert_no(raw_cert_no))
    if cert is None:
        raise NO_CERT
    return cert_view(cert)


def items_of_certificate(raw_cert_no: str, limit: int, cursor: str | None) -> CatalogItemPage:
    no = _path_cert_no(raw_cert_no)
    if store.get_cert(no) is None:
        raise NO_CERT
    page = store.items_of(no, limit=limit, cursor=cursor)
    return CatalogItemPage(items=[item_view(i) for i in page.items], next_cursor=page.next_cursor)


def get_item(raw_code: str) -> CatalogItemView:
    item = store.get_item(rules.code20(raw_code, "code20"))
    if item is None:
        raise NO_ITEM
    return item_view(item)


def products_of_item(raw_code: str, limit: int, cursor: str | None) -> CatalogProductPage:
    code = rules.code20(raw_code, "code20")
    if store.get_item(code) is None:
        raise NO_ITEM
    page = store.products_of(code, limit=limit, cursor=cursor)
    return CatalogProductPage(items=[product_view(p) for p in page.items], next_cursor=page.next_cursor)


def get_product(raw_code: str) -> CatalogProductView:
    product = store.get_product(rules.code27(raw_code, "code27"))
    if product is None:
        raise NO_PRODUCT
    return product_view(product)


# -- reading a CSV / XLSX upload ---------------------------------------------

COLUMNS = ("record_type", "cert_no", "product_name", "registrant_name", "registrant_credit_code", "valid_until",
           "device_class", "code20", "item_name", "code27", "specification", "model")
HEADER_ALIASES = {
    "记录类型": "record_type", "类型": "record_type",
    "注册备案号": "cert_no", "注册证编号": "cert_no", "注册证号": "cert_no",
    "注册备案产品名称": "product_name", "产品名称": "product_name",
    "注册人名称": "registrant_name", "注册人/备案人名称": "registrant_name", "备案人名称": "registrant_name",
    "注册人统一社会信用代码": "registrant_credit_code", "统一社会信用代码": "registrant_credit_code",
    "有效期至": "valid_until", "管理类别": "device_class",
    "单件编码": "code20", "20位耗材医保编码": "code20",
    "单件名称": "item_name",
    "规格型号编码": "code27", "27位耗材医保编码": "code27",
    "规格": "specification", "型号": "model",
}
RECORD_TYPES = {"cert": "cert", "certificate": "cert", "注册证": "cert", "item": "item", "单件": "item",
                "product": "product", "规格型号": "product", "产品": "product"}


def _valid_until(raw: str, column: str) -> date | None:
    text = v._halfwidth(raw or "").strip()
    if not text or text in ("长期", "/", "-", "无"):
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationFailed.on(column, "日期格式须为 YYYY-MM-DD（或填“长期”）", code="malformed")


@dataclass
class Parsed:
    """The rows of one upload, validated; ``rows`` maps each kept key to its row number."""

    seen: int = 0
    certs: dict[str, rules.Certificate] = field(default_factory=dict)
    items: dict[str, rules.Item] = field(default_factory=dict)
    products: dict[str, rules.Product] = field(default_factory=dict)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def good(self) -> int:
        return len(self.certs) + len(self.items) + len(self.products)


def _collect(problems: list[tuple[str, str]], check: Callable[[], object]):
    try:
        return check()
    except ValidationFailed as exc:
        problems += [(d.field, d.message) for d in exc.details]
        return None


def _parse_row(row: dict[str, str]) -> tuple[str | None, object, list[tuple[str, str]]]:
    """(record type, domain entry or None, [(column, message)])."""
    problems: list[tuple[str, str]] = []
    kind = RECORD_TYPES.get((row.get("record_type") or "").strip().lower())
    if kind is None:
        return None, None, [("record_type", f"记录类型须为 cert、item 或 product，而不是 {row.get('record_type')!r}")]
    g = row.get
    if kind == "cert":
        no = _collect(problems, lambda: rules.cert_no(g("cert_no"), "cert_no"))
        name = _collect(problems, lambda: rules.label(g("product_name"), "product_name"))
        registrant = _collect(problems, lambda: rules.label(g("registrant_name"), "registrant_name"))
        code = _collect(problems, lambda: v.credit_code(g("registrant_credit_code"), "registrant_credit_code")
                        if (g("registrant_credit_code") or "").strip() else None)
        until = _collect(problems, lambda: _valid_until(g("valid_until"), "valid_until"))
        klass = _collect(problems, lambda: rules.device_class(g("device_class"), "device_class"))
        entry = None if problems else rules.Certificate(no, name, registrant, code, until, klass)
        return kind, entry, problems
    if kind == "item":
        code = _collect(problems, lambda: rules.code20(g("code20"), "code20"))
        name = _collect(problems, lambda: rules.label(g("item_name"), "item_name"))
        no = _collect(problems, lambda: rules.cert_no(g("cert_no"), "cert_no"))
        return kind, None if problems else rules.Item(code, name, no), problems
    code = _collect(problems, lambda: rules.code27(g("code27"), "code27"))
    if code and (g("code20") or "").strip():
        _collect(problems, lambda: rules.check_product_of_item(code, g("code20"), "code20"))
    spec = _collect(problems, lambda: rules.label(g("specification"), "specification", required=False))
    model = _collect(problems, lambda: rules.label(g("model"), "model", required=False))
    if not problems and not spec and not model:
        problems.append(("specification", "规格和型号至少填写一项"))
    entry = None if problems else rules.Product(code, code[:20], spec or "", model or "")
    return kind, entry, problems


KEY_OF = {"cert": lambda e: e.cert_no, "item": lambda e: e.code20, "product": lambda e: e.code27}
KEY_COLUMN = {"cert": "cert_no", "item": "code20", "product": "code27"}


def parse(rows: Iterable[tuple[int, dict[str, str]]], progress: Callable[[int], None] = lambda n: None) -> Parsed:
    """Validate each row and resolve its references (in the file or the catalog)."""
    out = Parsed()
    for number, row in rows:
        out.seen += 1
        kind, entry, problems = _parse_row(row)
        if entry is not None:
            key = KEY_OF[kind](entry)
            if (kind, key) in out.rows:
                problems.append((KEY_COLUMN[kind], f"与第 {out.rows[(kind, key)]} 行重复"))
            else:
                out.rows[(kind, key)] = number
                {"cert": out.certs, "item": out.items, "product": out.products}[kind][key] = entry
        out.errors += [(number, column, message) for column, message in problems]
        progress(out.seen)
    # an item's certificate, then a product's item: in this file or already in the catalog
    known_certs = set(out.certs) | set(store.get_certs({i.cert_no for i in out.items.values()} - set(out.certs)))
    for code, item in list(out.items.items()):
        if item.cert_no not in known_certs:
            del out.items[code]
            out.errors.append((out.rows.pop(("item", code)), "cert_no",
                               f"注册证 {item.cert_no} 不在目录中，也不在本文件的有效行中"))
    known_items = set(out.items) | set(store.get_items({p.code20 for p in out.products.values()} - set(out.items)))
    for code, product in list(out.products.items()):
        if product.code20 not in known_items:
            del out.products[code]
            out.errors.append((out.rows.pop(("product", code)), "code27",
                               f"单件 {product.code20} 不在目录中，也不在本文件的有效行中"))
    out.errors.sort(key=lambda e: e[0])
    return out


def write(parsed: Parsed) -> int:
    return store.put_all(parsed.certs.values(), parsed.items.values(), parsed.products.values(),
                         clock.now().isoformat())


# -- the import job ----------------------------------------------------------

def start_import(p: Principal, req: CatalogImportRequest) -> JobView:
    from chalicelib.services import jobs

    check_upload(p.org_id, req.upload_key, CONTENT_TYPES)
    return jobs.submit(JobKind.CATALOG_IMPORT, {"upload_key": req.upload_key},
                       owner=f"account#{p.account_id}", actor=f"account#{p.account_id}")


def import_job(ctx) -> object:
    """Job ``catalog_import``."""
    from chalicelib.services.jobs import JobOutput

    key = ctx.params["upload_key"]
    data = files.get_bytes(key, MAX_UPLOAD_BYTES)
    parsed = parse(read_rows(data, key, HEADER_ALIASES, ("record_type",)), ctx.progress)
    write(parsed)
    ctx.progress(parsed.seen, parsed.seen, force=True)
    report = error_report(parsed.seen, parsed.good, parsed.errors,
                          {"注册证 certs": len(parsed.certs), "单件 items": len(parsed.items),
                           "规格型号 products": len(parsed.products)})
    return JobOutput("catalog-import-report.xlsx", CONTENT_TYPES["xlsx"], report)
