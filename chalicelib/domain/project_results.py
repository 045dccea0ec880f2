"""Results of a procurement project (中选结果) and their product code matching (对码). Pure: no AWS, no clock.

- A result row describes a winning product **as published** by the national / alliance joint procurement
  office: bid group 竞标分组, enterprise (credit code and name), product name, specification / model,
  registration certificate number, winning price 中选价格, rank in group 组内排名, optional published id.
- Prices are decimal strings (never floats): more than 0, at most 4 decimal places.
- Visibility (``visibility``): who sees which rows when, relative to the publication window.
- Code matching: an enterprise maps each of its listed rows (挂网产品) to one national product (code27);
  ``match_change`` says whether a request sets, changes or leaves a mapping alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Iterable, Mapping

from chalicelib.domain import consumables
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.identity import validators as v
from chalicelib.domain.project_catalog import bid_group
from chalicelib.domain.projects import Windows

MAX_PRICE = Decimal("10000000000")  # 百亿: far above any consumable's price, keeps typos out
PRICE_DECIMALS = 4
MAX_RANK = 1000
_PRICE = re.compile(r"\d+(\.\d+)?")
_RANK = re.compile(r"\d+")
COLUMNS = ("bid_group", "credit_code", "enterprise_name", "product_name", "specification", "model", "cert_no",
           "price", "rank", "product_ref")
LABELS = {"bid_group": "竞标分组", "credit_code": "企业统一社会信用代码", "enterprise_name": "企业名称",
          "product_name": "产品名称", "specification": "规格", "model": "型号", "cert_no": "注册证号",
          "price": "中选价格", "rank": "组内排名", "product_ref": "产品ID"}
REQUIRED_COLUMNS = ("bid_group", "credit_code", "product_name", "price", "rank")


# --------------------------------------------------------------------------- cells

def _cell(value: object, field: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed.on(field, "不能为空", code="required")
    if not isinstance(value, str):
        raise ValidationFailed.on(field, "须为文本", code="malformed")
    return v._halfwidth(value).strip()


def price(value: object, field: str = "price") -> str:
    """中选价格: a decimal more than 0 with at most 4 decimal places, returned as its canonical string
    (``"12.50"`` stays ``"12.50"``; full-width ``"１２"`` becomes ``"12"``). Never a float.

    Codes: ``required``, ``malformed`` (not a plain decimal: ``abc``, ``-1``, ``1e3``, ``.5``),
    ``price_not_positive``, ``too_many_decimals``, ``price_too_large``."""
    text = _cell(value, field)
    if text.startswith("-") and _PRICE.fullmatch(text[1:]):
        raise ValidationFailed.on(field, "中选价格须大于 0", code="price_not_positive")
    if not _PRICE.fullmatch(text):
        raise ValidationFailed.on(field, "中选价格须为数字（如 12.5），最多 4 位小数", code="malformed")
    amount = Decimal(text)
    if amount <= 0:
        raise ValidationFailed.on(field, "中选价格须大于 0", code="price_not_positive")
    if "." in text and len(text.split(".", 1)[1]) > PRICE_DECIMALS:
        raise ValidationFailed.on(field, f"中选价格最多 {PRICE_DECIMALS} 位小数", code="too_many_decimals")
    if amount >= MAX_PRICE:
        raise ValidationFailed.on(field, "中选价格超出合理范围", code="price_too_large")
    integer, _, fraction = text.partition(".")
    return f"{int(integer)}.{fraction}" if fraction else str(int(integer))


def rank(value: object, field: str = "rank") -> int:
    """组内排名: a whole number from 1 (``"1.5"``, ``"0"``, ``"-1"`` are refused). Code: ``rank_invalid``."""
    text = _cell(value, field)
    if not _RANK.fullmatch(text) or not 1 <= int(text) <= MAX_RANK:
        raise ValidationFailed.on(field, f"组内排名须为 1 到 {MAX_RANK} 之间的整数", code="rank_invalid")
    return int(text)


# --------------------------------------------------------------------------- rows

@dataclass(frozen=True)
class ResultRow:
    """One winning product as published (the credit code not yet resolved to an organisation)."""

    number: int  # the row in the file (the header is row 1)
    bid_group: str
    credit_code: str
    enterprise_name: str | None
    product_name: str
    specification: str | None
    model: str | None
    cert_no: str | None
    price: str
    rank: int
    product_ref: str | None

    @property
    def key(self) -> tuple:
        """What makes two rows the same winning product: the first such row of a file wins."""
        return (self.bid_group, self.credit_code, self.product_name, self.specification or "", self.model or "")


def judge_row(number: int, row: Mapping[str, str], bid_groups: Iterable[str]) -> tuple[ResultRow | None,
                                                                                      list[tuple[str, str]]]:
    """Check one row (every column, every failure); returns the row or the (column, message) problems.
    ``bid_groups``: the bid groups of the project catalog."""
    problems: list[tuple[str, str]] = []

    def run(column: str, check):
        try:
            return check()
        except ValidationFailed as exc:
            problems.extend((column, d.message) for d in exc.details)
            return None

    group = run("bid_group", lambda: bid_group(row.get("bid_group")))
    if group is not None and group not in set(bid_groups):
        problems.append(("bid_group", f"项目目录中没有竞标分组 {group}"))
    credit = run("credit_code", lambda: v.credit_code(row.get("credit_code") or None, "credit_code"))
    name = run("enterprise_name", lambda: consumables.label(row.get("enterprise_name"), "enterprise_name",
                                                            required=False))
    product = run("product_name", lambda: consumables.label(row.get("product_name"), "product_name"))
    spec = run("specification", lambda: consumables.label(row.get("specification"), "specification",
                                                          required=False))
    model = run("model", lambda: consumables.label(row.get("model"), "model", required=False))
    if spec is None and model is None and not any(c in ("specification", "model") for c, _ in problems):
        problems.append(("specification", "规格和型号至少填写一项"))
    cert = run("cert_no", lambda: consumables.cert_no(row["cert_no"], "cert_no")
               if (row.get("cert_no") or "").strip() else None)
    amount = run("price", lambda: price(row.get("price"), "price"))
    position = run("rank", lambda: rank(row.get("rank"), "rank"))
    ref = run("product_ref", lambda: consumables.label(row.get("product_ref"), "product_ref", max_length=100,
                                                       required=False))
    if problems:
        return None, problems
    return ResultRow(number, group, credit, name, product, spec, model, cert, amount, position, ref), []


def first_rows_win(rows: Iterable[ResultRow]) -> tuple[list[ResultRow], list[tuple[int, str, str]]]:
    """Drop repeats of a winning product (same bid group, enterprise, name, specification, model): the first
    row wins, each later one is an error row."""
    seen: dict[tuple, int] = {}
    kept, errors = [], []
    for row in rows:
        if row.key in seen:
            errors.append((row.number, "product_name", f"与第 {seen[row.key]} 行重复"))
            continue
        seen[row.key] = row.number
        kept.append(row)
    return kept, errors


def ordered(rows: Iterable[ResultRow]) -> list[ResultRow]:
    """Bid group, then rank, then the row's place in the file: the order rows are listed in (their ``seq``)."""
    return sorted(rows, key=lambda r: (r.bid_group, r.rank, r.number))


def group_ranges(rows: list[ResultRow]) -> dict[str, list[int]]:
    """Each bid group's first and last ``seq`` (1-based) in ``ordered(rows)``: a group is one key range."""
    ranges: dict[str, list[int]] = {}
    for seq, row in enumerate(rows, start=1):
        ranges.setdefault(row.bid_group, [seq, seq])[1] = seq
    return ranges


# --------------------------------------------------------------------------- the windows

def check_importable(windows: Windows, published: bool, now: datetime) -> None:
    """Results may be (re)imported from the declaration end until the publication end, while unpublished."""
    if published:
        raise Conflict("结果已公布，不能再导入", code="results_published")
    if now < windows.declaration_end:
        raise Conflict("申报尚未截止，不能导入结果", code="declaration_window_open")
    if now >= windows.publication_end:
        raise Conflict("结果公示期已结束，不能再导入结果", code="publication_window_passed")


def check_publishable(windows: Windows, rows: int, published: bool, now: datetime) -> None:
    if not rows:
        raise Conflict("尚未导入结果", code="no_results")
    if published:
        raise Conflict("结果已公布", code="results_published")
    if now >= windows.publication_end:
        raise Conflict("结果公示期已结束，不能再公布", code="publication_window_passed")


ALL = "all"
OWN = "own"
NOT_PUBLIC = Conflict("结果不在公布期内，暂不能查询", code="results_not_public")


def visibility(windows: Windows, published: bool, now: datetime, *, center: bool, enterprise: bool) -> str:
    """Which rows a caller sees now: ``ALL`` or ``OWN`` (the enterprise's own rows), or 409 ``results_not_public``.

    - the center: every row, always (published or not);
    - anyone else holding 结果查询: every row while ``publication_start <= now < publication_end`` and the
      results are published;
    - after the publication end: an enterprise its own rows (of published results); nobody else."""
    if center:
        return ALL
    if not published or now < windows.publication_start:
        raise NOT_PUBLIC
    if now < windows.publication_end:
        return ALL
    if enterprise:
        return OWN
    raise NOT_PUBLIC


# --------------------------------------------------------------------------- code matching (对码)

SET = "code_match_set"
CHANGED = "code_match_changed"
UNMATCHED = "code_match_removed"
LISTING_ID = re.compile(r"([0-9a-f]{32})-(\d{6})")


def listing_id(project_id: str, seq: int) -> str:
    """A listed product (挂网产品) is a row of published results: ``<project_id>-<seq, 6 digits>``."""
    return f"{project_id}-{seq:06d}"


def parse_listing_id(value: str) -> tuple[str, int] | None:
    found = LISTING_ID.fullmatch(value or "")
    return (found.group(1), int(found.group(2))) if found else None


def match_change(current: str | None, wanted: str, reason: str | None) -> str | None:
    """The audit action a mapping request is (``SET``, ``CHANGED``), or None when it changes nothing.
    Changing an existing mapping needs a reason (400 ``reason_required``)."""
    if current == wanted:
        return None
    if current is None:
        return SET
    if not (reason or "").strip():
        raise ValidationFailed.on("reason", "更改已有的对码须填写原因", code="reason_required")
    return CHANGED


def check_certificate(listing_cert_no: str | None, product_cert_no: str) -> None:
    """A listing published with a certificate number maps only to a product registered under it."""
    if listing_cert_no is not None and listing_cert_no != product_cert_no:
        raise ValidationFailed.on("code27", f"该规格型号属于注册证 {product_cert_no}，与挂网产品的注册证 "
                                            f"{listing_cert_no} 不一致", code="certificate_mismatch")
