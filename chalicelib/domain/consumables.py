"""The national consumables catalog (国家医保耗材编码库) and the rules of the
enterprise records built on it (SPEC §3.3, Guangdong ch. 2). Pure: no AWS,
no clock.

- Codes: a single item (单件) has a 20-character code ``C`` + 19 digits; a
  product (规格型号) a 27-character code ``C`` + 26 digits whose first 20
  characters are its item's code.
- Registration certificate numbers (注册备案号) are kept as written
  (full-width ASCII made half-width, surrounding blanks dropped).
- Packaging: minimum usage unit 最小计量单位, minimum package unit 最小包装单位
  and their ratio (required); middle package unit and ratio (optional, both
  or neither). Specification strings are generated: ``10支/盒``, ``20盒/箱``.
- Entrustments (委托授权): the documents each type needs.

Every validator takes the raw value and the ``field`` to name in the error,
returns the normalised value and raises ``ValidationFailed.on(field, ...)``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping

from chalicelib.domain.enums import EntrustmentType
from chalicelib.domain.errors import Collector, ValidationFailed
from chalicelib.domain.identity.validators import _ascii_upper, _text

CODE20 = re.compile(r"C\d{19}")
CODE27 = re.compile(r"C\d{26}")
CERT_NO_MAX = 60
# '#' separates key parts, '/', '?' and '%' would break a URL path segment.
_CERT_NO_FORBIDDEN = set("#/?%\\")
MAX_RATIO = 100_000
MAX_CERTIFICATES_PER_ENTRUSTMENT = 50
DEVICE_CLASSES = ("I", "II", "III")
_CLASS_ALIASES = {"I": "I", "II": "II", "III": "III", "1": "I", "2": "II", "3": "III", "Ⅰ": "I", "Ⅱ": "II",
                  "Ⅲ": "III", "一类": "I", "二类": "II", "三类": "III", "第一类": "I", "第二类": "II", "第三类": "III"}
_CONTROL = ("Cc", "Cf", "Cs", "Co", "Cn")


# --------------------------------------------------------------------------- reference data

@dataclass(frozen=True)
class Certificate:
    """注册证 / 备案凭证 as the national catalog publishes it."""

    cert_no: str
    product_name: str
    registrant_name: str
    registrant_credit_code: str | None  # None: an overseas registrant has no Chinese credit code
    valid_until: date | None  # None: 长期 / not published
    device_class: str | None  # I | II | III


@dataclass(frozen=True)
class Item:
    """单件 (20-character code) under one certificate."""

    code20: str
    name: str
    cert_no: str


@dataclass(frozen=True)
class Product:
    """规格型号 (27-character code) of one item."""

    code27: str
    code20: str
    specification: str
    model: str


# --------------------------------------------------------------------------- formats

def code20(value: object, field: str = "code20") -> str:
    """A single item's code: ``C`` + 19 digits (upper-cased, half-width, stripped).

    Codes: ``required``, ``malformed``."""
    code = _ascii_upper(value, field)
    if not CODE20.fullmatch(code):
        hint = "（这是 27 位规格型号编码）" if CODE27.fullmatch(code) else ""
        raise ValidationFailed.on(field, f"单件编码须为字母 C 加 19 位数字，共 20 位{hint}", code="malformed")
    return code


def code27(value: object, field: str = "code27") -> str:
    """A product's code: ``C`` + 26 digits. Codes: ``required``, ``malformed``."""
    code = _ascii_upper(value, field)
    if not CODE27.fullmatch(code):
        hint = "（这是 20 位单件编码）" if CODE20.fullmatch(code) else ""
        raise ValidationFailed.on(field, f"规格型号编码须为字母 C 加 26 位数字，共 27 位{hint}", code="malformed")
    return code


def item_code_of(product_code: str) -> str:
    """The item (20-character) code a product (27-character) code belongs to."""
    return code27(product_code)[:20]


def check_product_of_item(product_code: str, item_code: str, field: str = "code20") -> None:
    """A product's code must start with its item's code. Code: ``code_mismatch``."""
    if code27(product_code)[:20] != code20(item_code, field):
        raise ValidationFailed.on(field, f"规格型号编码 {product_code} 的前 20 位须为其单件编码 {item_code}",
                                  code="code_mismatch")


def cert_no(value: object, field: str = "cert_no") -> str:
    """注册备案号, e.g. ``国械注准20153460001``, ``国械注进20173461234``,
    ``粤穗械备20190001号``: 4–60 characters, no blanks, control characters or
    ``# / ? % \\``; full-width ASCII made half-width.

    Codes: ``required``, ``malformed``."""
    text = _text(value, field)
    if any(c.isspace() or unicodedata.category(c) in _CONTROL for c in text):
        raise ValidationFailed.on(field, "注册备案号不能包含空白或控制字符", code="malformed")
    bad = sorted(set(text) & _CERT_NO_FORBIDDEN)
    if bad:
        raise ValidationFailed.on(field, f"注册备案号不能包含字符 {bad[0]}", code="malformed")
    if not 4 <= len(text) <= CERT_NO_MAX:
        raise ValidationFailed.on(field, f"注册备案号须为 4 到 {CERT_NO_MAX} 个字符", code="malformed")
    return text


def label(value: object, field: str, *, max_length: int = 200, required: bool = True) -> str | None:
    """A display text (product name, specification, model): printable,
    stripped, inner blanks collapsed. Codes: ``required``, ``malformed``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed.on(field, "不能为空", code="required")
        return None
    if not isinstance(value, str):
        raise ValidationFailed.on(field, "须为字符串", code="malformed")
    if any(unicodedata.category(c) in _CONTROL for c in value if c not in "\t\n\r"):
        raise ValidationFailed.on(field, "不能包含控制字符或不可见字符", code="malformed")
    text = " ".join(value.split())
    if len(text) > max_length:
        raise ValidationFailed.on(field, f"不能超过 {max_length} 个字符", code="malformed")
    return text


def device_class(value: object, field: str = "device_class") -> str | None:
    """管理类别: ``I``/``II``/``III`` (also ``Ⅲ``, ``3``, ``三类``, ``第三类``); blank → None.

    Code: ``malformed``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValidationFailed.on(field, "须为字符串", code="malformed")
    text = _text(value, field).upper()
    found = _CLASS_ALIASES.get(text) or _CLASS_ALIASES.get(text.removesuffix("类"))
    if found is None:
        raise ValidationFailed.on(field, "管理类别须为 I、II 或 III", code="malformed")
    return found


# --------------------------------------------------------------------------- packaging

def ratio(value: object, field: str) -> int:
    """A conversion ratio: a positive integer (not a bool, not ``"10"``, not 2.5).

    Code: ``ratio_invalid``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.on(field, "转换比须为正整数", code="ratio_invalid")
    if not 1 <= value <= MAX_RATIO:
        raise ValidationFailed.on(field, f"转换比须为 1 到 {MAX_RATIO} 之间的整数", code="ratio_invalid")
    return value


def package_spec(count: int, small_unit_name: str, big_unit_name: str) -> str:
    """``package_spec(10, "支", "盒") == "10支/盒"``: ``count`` small units in one big unit."""
    count = ratio(count, "ratio")
    small, big = (small_unit_name or "").strip(), (big_unit_name or "").strip()
    if not small or not big:
        raise ValueError("unit names are required for a package specification")
    return f"{count}{small}/{big}"


@dataclass(frozen=True)
class Packaging:
    """A product's packaging as unit codes and ratios (validated by ``check_packaging``)."""

    min_usage_unit: str
    min_package_unit: str
    min_package_ratio: int
    middle_package_unit: str | None = None
    middle_package_ratio: int | None = None

    def specs(self, unit_names: Mapping[str, str]) -> tuple[str, str | None]:
        """(min package spec ``10支/盒``, middle package spec ``20盒/箱`` or None)."""
        smallest = package_spec(self.min_package_ratio, unit_names[self.min_usage_unit],
                                unit_names[self.min_package_unit])
        middle = None
        if self.middle_package_unit:
            middle = package_spec(self.middle_package_ratio, unit_names[self.min_package_unit],
                                  unit_names[self.middle_package_unit])
        return smallest, middle


def check_packaging(p: Packaging, prefix: str = "") -> None:
    """The ratio rules, every failed field reported at once.

    - both ratios positive integers (``ratio_invalid``);
    - a middle ratio needs a middle unit and vice versa (``middle_package_incomplete``);
    - the minimum package unit is not the minimum usage unit, nor the middle
      package unit the minimum package unit (``units_identical``)."""
    c = Collector()
    c.run(lambda: ratio(p.min_package_ratio, f"{prefix}min_package_ratio"))
    if p.middle_package_ratio is not None:
        c.run(lambda: ratio(p.middle_package_ratio, f"{prefix}middle_package_ratio"))
    if p.middle_package_unit and p.middle_package_ratio is None:
        c.add(ValidationFailed.on(f"{prefix}middle_package_ratio", "填写中包装单位时须填写中包装转换比",
                                  code="middle_package_incomplete"))
    if p.middle_package_ratio is not None and not p.middle_package_unit:
        c.add(ValidationFailed.on(f"{prefix}middle_package_unit", "填写中包装转换比时须填写中包装单位",
                                  code="middle_package_incomplete"))
    if p.min_package_unit and p.min_package_unit == p.min_usage_unit:
        c.add(ValidationFailed.on(f"{prefix}min_package_unit", "最小包装单位不能与最小计量单位相同",
                                  code="units_identical"))
    if p.middle_package_unit and p.middle_package_unit == p.min_package_unit:
        c.add(ValidationFailed.on(f"{prefix}middle_package_unit", "中包装单位不能与最小包装单位相同",
                                  code="units_identical"))
    c.raise_if_any()


# --------------------------------------------------------------------------- entrustments

DOCUMENT_FIELDS: dict[EntrustmentType, tuple[str, ...]] = {
    EntrustmentType.SELF_PRODUCED: (),
    EntrustmentType.AGENCY: ("authorization_letter_file_id",),
    EntrustmentType.ENTRUSTED_PRODUCTION: ("agreement_file_id", "production_licence_file_id",
                                           "product_registration_file_id"),
    EntrustmentType.OVERSEAS_AGENT: ("authorization_letter_en_file_id", "authorization_letter_zh_file_id"),
}
ALL_DOCUMENT_FIELDS: tuple[str, ...] = tuple(f for fields in DOCUMENT_FIELDS.values() for f in fields)
DOCUMENT_LABELS = {
    "authorization_letter_file_id": "授权书",
    "agreement_file_id": "委托生产协议",
    "production_licence_file_id": "生产许可证",
    "product_registration_file_id": "产品注册登记表或备案凭证",
    "authorization_letter_en_file_id": "代理授权书（英文）",
    "authorization_letter_zh_file_id": "代理授权书（中文翻译件）",
}


def check_entrustment_documents(kind: EntrustmentType, files: Mapping[str, str | None], prefix: str = "") -> None:
    """Each type's documents, no more, no fewer (the same file may serve as the
    English letter and its translation).

    Codes: ``document_not_for_type`` for a document of another type,
    ``file_required`` for a missing one; every bad field is reported."""
    wanted = DOCUMENT_FIELDS[kind]
    c = Collector()
    for name in ALL_DOCUMENT_FIELDS:
        if files.get(name) and name not in wanted:
            c.add(ValidationFailed.on(f"{prefix}{name}", f"{kind.label}无需上传{DOCUMENT_LABELS[name]}",
                                      code="document_not_for_type"))
    for name in wanted:
        if not files.get(name):
            c.add(ValidationFailed.on(f"{prefix}{name}", f"{kind.label}须上传{DOCUMENT_LABELS[name]}（PDF）",
                                      code="file_required"))
    c.raise_if_any()


def check_certificate_list(numbers: Iterable[str], field: str = "certificate_nos") -> list[str]:
    """1 to 50 certificate numbers, each well-formed and listed once.

    Codes: ``required``, ``too_many``, ``malformed``, ``duplicate_certificate``."""
    numbers = list(numbers)
    if not numbers:
        raise ValidationFailed.on(field, "请至少关联一个注册证", code="required")
    if len(numbers) > MAX_CERTIFICATES_PER_ENTRUSTMENT:
        raise ValidationFailed.on(field, f"一次最多关联 {MAX_CERTIFICATES_PER_ENTRUSTMENT} 个注册证",
                                  code="too_many")
    c = Collector()
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(numbers):
        no = c.run(lambda r=raw, i=i: cert_no(r, f"{field}.{i}"))
        if no is None:
            continue
        if no in seen:
            c.add(ValidationFailed.on(f"{field}.{i}", f"注册证 {no} 与第 {seen[no] + 1} 项重复",
                                      code="duplicate_certificate"))
            continue
        seen[no] = i
        out.append(no)
    c.raise_if_any()
    return out
