"""The consumable qualification records built on the national catalog
(Guangdong ch. 2, SPEC §3.3): entrustments 委托授权, registration
certificates 注册证, single items 单件 and products 产品. ``kinds.KINDS``
adds them on first use (a request about other kinds never imports them); rules and error codes in
docs/catalog.md.

The national fields of a record (a certificate's name and registrant, an
item's name, a product's specification and model) are copied from the
catalog by ``enrich`` and are read-only: values a client sends for them are
dropped and replaced by the catalog's (so a saved record, which holds them,
validates again on submit); any other unknown field is refused."""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, Field, PrivateAttr, field_validator, model_validator

from chalicelib.domain import consumables as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import EntrustmentType, RecordKind, ReviewStatus
from chalicelib.domain.errors import Collector, Conflict, ValidationFailed
from chalicelib.domain.identity import validators as v
from chalicelib.schemas.common import Strict
from chalicelib.services.records.kinds import KindSpec

SUBMITTED = frozenset({ReviewStatus.PENDING_FIRST, ReviewStatus.PENDING_FINAL, ReviewStatus.APPROVED})
CERT_FIELDS = ("product_name", "registrant_name", "registrant_credit_code", "valid_until", "device_class")
ITEM_FIELDS = ("name", "cert_no")
PRODUCT_FIELDS = ("code20", "specification", "model", "min_usage_unit_name", "min_package_unit_name",
                  "middle_package_unit_name", "min_package_spec", "middle_package_spec")
ENTRUSTMENT_FIELDS = ("certificates",)


def _drop(data: Any, names: tuple[str, ...]) -> Any:
    return {k: val for k, val in data.items() if k not in names} if isinstance(data, dict) else data


def _as_value_error(check, value, field: str):
    """Run a domain validator inside a pydantic validator (its message, pydantic's field path)."""
    try:
        return check(value, field)
    except ValidationFailed as exc:
        raise ValueError(exc.details[0].message if exc.details else exc.message) from None


def _national(check, field: str) -> AfterValidator:
    """A pydantic validator running the domain's format rule for a national-catalog key."""
    return AfterValidator(lambda value: _as_value_error(check, value, field))


class _NationalData(Strict):
    """Record data naming one national-catalog entry by its key: the entry's own fields are filled in by
    ``enrich`` and read-only, so values a client sends for them (``READ_ONLY``) are dropped."""

    READ_ONLY: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _national_fields_are_read_only(cls, data: Any) -> Any:
        return _drop(data, cls.READ_ONLY)


def not_in_catalog(field: str, what: str) -> ValidationFailed:
    return ValidationFailed.on(field, f"国家耗材目录中没有{what}，请先确认已在国家医保编码平台公示",
                               code="not_in_catalog")


def cert_key(cert_no: str) -> str:
    """A registration certificate record's key: a digest of the number (12 hex
    characters), not the number itself, which is non-ASCII (awkward in a URL
    path) and may be long: the record id (70 characters with this key) also
    names its Step Functions executions, ``<id>-r<rev>-s<submission>``, at most
    80 characters."""
    return hashlib.sha256(cert_no.encode("utf-8")).hexdigest()[:12]


def cert_record_id(org_id: str, cert_no: str) -> str:
    return f"{RecordKind.REGISTRATION_CERTIFICATE.value}-{org_id}-{cert_key(cert_no)}"


def item_record_id(org_id: str, code20: str) -> str:
    return f"{RecordKind.CONSUMABLE_ITEM.value}-{org_id}-{code20}"


def submitted_or_effective(record_id: str) -> bool:
    """The record is under review or approved, or an approved revision of it is
    effective (while a change is drafted)."""
    from chalicelib.store import records

    head = records.get_head(record_id)
    return head is not None and (head.effective_rev is not None or ReviewStatus(head.current_status) in SUBMITTED)


def entrusted(org_id: str, cert_no: str) -> bool:
    """Some entrustment of the organisation that links ``cert_no`` is submitted,
    approved, or has an effective (approved) revision."""
    from chalicelib.store import records
    from chalicelib.store.records import HeadItem, RevisionItem

    wanted = []
    for tab in ("pending", "approved", "draft", "rejected"):
        for head in HeadItem.gsi1.query(f"recs#{org_id}#{RecordKind.ENTRUSTMENT.value}#{tab}"):
            if ReviewStatus(head.current_status) in SUBMITTED:
                wanted.append((head.pk, records.rev_sk(int(head.current_rev))))
            if head.effective_rev is not None:
                wanted.append((head.pk, records.rev_sk(int(head.effective_rev))))
    if not wanted:
        return False
    revisions = RevisionItem.batch_get(sorted(set(wanted)))
    return any(cert_no in rev.data_dict.get("certificate_nos", ()) for rev in revisions)


# -- 注册证 registration certificate ------------------------------------------

class RegistrationCertificateData(_NationalData):
    READ_ONLY: ClassVar[tuple[str, ...]] = CERT_FIELDS
    cert_no: Annotated[str, _national(rules.cert_no, "cert_no")] = Field(
        max_length=200, description="注册备案号（须在国家耗材目录中）")
    remarks: str | None = Field(None, max_length=500, description="企业备注")
    _cert: rules.Certificate | None = PrivateAttr(None)


def _check_certificate(p: Principal, m: RegistrationCertificateData) -> None:
    from chalicelib.store import catalog, identity

    cert = catalog.get_cert(m.cert_no)
    if cert is None:
        raise not_in_catalog("data.cert_no", f"注册证 {m.cert_no}")
    m._cert = cert
    org = identity.get_org(p.org_id)
    if cert.registrant_credit_code and org is not None and cert.registrant_credit_code == org.credit_code:
        return
    if not entrusted(p.org_id, cert.cert_no):
        raise Conflict(f"注册证 {cert.cert_no} 的注册人不是本企业（委托生产或境外代理），"
                       "须先维护委托授权信息并关联该注册证后提交", code="entrustment_required")


def _enrich_certificate(p: Principal, m: RegistrationCertificateData) -> dict[str, Any]:
    c = m._cert
    return {"product_name": c.product_name, "registrant_name": c.registrant_name,
            "registrant_credit_code": c.registrant_credit_code,
            "valid_until": c.valid_until.isoformat() if c.valid_until else None, "device_class": c.device_class}


def _certificate_title(m: RegistrationCertificateData) -> str:
    return f"注册证 {m.cert_no}（{m._cert.product_name}）" if m._cert else f"注册证 {m.cert_no}"


# -- 委托授权 entrustment -------------------------------------------------------

class EntrustmentData(Strict):
    type: EntrustmentType = Field(description="委托授权类型")
    valid_from: date = Field(description="委托授权有效期起")
    valid_to: date = Field(description="委托授权有效期止")
    certificate_nos: list[str] = Field(min_length=1, max_length=rules.MAX_CERTIFICATES_PER_ENTRUSTMENT,
                                       description="关联注册证（1–50 个，须在国家耗材目录中，不可重复）")
    authorization_letter_file_id: str | None = Field(None, max_length=64, description="授权书 PDF（本企业代理）")
    agreement_file_id: str | None = Field(None, max_length=64, description="委托生产协议 PDF（委托生产）")
    production_licence_file_id: str | None = Field(None, max_length=64, description="生产许可证 PDF（委托生产）")
    product_registration_file_id: str | None = Field(None, max_length=64,
                                                     description="产品注册登记表或备案凭证 PDF（委托生产）")
    authorization_letter_en_file_id: str | None = Field(None, max_length=64,
                                                        description="代理授权书（英文）PDF（境外代理）")
    authorization_letter_zh_file_id: str | None = Field(None, max_length=64,
                                                        description="代理授权书（中文翻译件）PDF（境外代理，可与英文为同一文件）")
    _certs: dict[str, rules.Certificate] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _derived_fields_are_read_only(cls, data: Any) -> Any:
        return _drop(data, ENTRUSTMENT_FIELDS)


def _check_entrustment(p: Principal, m: EntrustmentData) -> None:
    from chalicelib.store import catalog

    c = Collector()
    c.run(lambda: rules.check_entrustment_documents(
        m.type, {name: getattr(m, name) for name in rules.ALL_DOCUMENT_FIELDS}, prefix="data."))
    c.run(lambda: v.date_range(m.valid_from, m.valid_to, "data.valid_from", "data.valid_to"))
    numbers = c.run(lambda: rules.check_certificate_list(m.certificate_nos, "data.certificate_nos"))
    c.raise_if_any()
    m.certificate_nos = numbers
    found = catalog.get_certs(numbers)
    for i, no in enumerate(numbers):
        if no not in found:
            c.add(not_in_catalog(f"data.certificate_nos.{i}", f"注册证 {no}"))
    c.raise_if_any()
    m._certs = found


def _enrich_entrustment(p: Principal, m: EntrustmentData) -> dict[str, Any]:
    return {"certificates": [{"cert_no": no, "product_name": m._certs[no].product_name,
                              "registrant_name": m._certs[no].registrant_name} for no in m.certificate_nos]}


def _entrustment_title(m: EntrustmentData) -> str:
    return f"委托授权：{m.type.label}（{len(m.certificate_nos)} 个注册证，{m.valid_from.isoformat()} 至 " \
           f"{m.valid_to.isoformat()}）"


# -- 单件 consumable single item ----------------------------------------------

class ConsumableItemData(_NationalData):
    READ_ONLY: ClassVar[tuple[str, ...]] = ITEM_FIELDS
    code20: Annotated[str, _national(rules.code20, "code20")] = Field(
        max_length=40, description="20 位耗材医保编码（须在国家耗材目录中）")
    _item: rules.Item | None = PrivateAttr(None)


def _check_item(p: Principal, m: ConsumableItemData) -> None:
    from chalicelib.store import catalog

    item = catalog.get_item(m.code20)
    if item is None:
        raise not_in_catalog("data.code20", f"单件 {m.code20}")
    m._item = item
    if not submitted_or_effective(cert_record_id(p.org_id, item.cert_no)):
        raise Conflict(f"只可选择已提交注册证下的单件：请先提交注册证 {item.cert_no}",
                       code="certificate_not_submitted")


def _enrich_item(p: Principal, m: ConsumableItemData) -> dict[str, Any]:
    return {"name": m._item.name, "cert_no": m._item.cert_no}


# -- 产品 product (规格型号 with packaging) --------------------------------------

class ProductData(_NationalData):
    READ_ONLY: ClassVar[tuple[str, ...]] = PRODUCT_FIELDS
    code27: Annotated[str, _national(rules.code27, "code27")] = Field(
        max_length=40, description="27 位耗材医保编码（须在国家耗材目录中）")
    min_usage_unit: str = Field(max_length=10, description="最小计量单位（单位字典编码，如 U001 支）")
    min_package_unit: str = Field(max_length=10, description="最小包装单位（单位字典编码，如 U016 盒）")
    # Any, not int: the domain's ratio rule judges the value (``ratio_invalid`` for "10", 2.5, 0, -1, true).
    min_package_ratio: Any = Field(description="最小包装转换比（正整数）")
    middle_package_unit: str | None = Field(None, max_length=10, description="中包装单位（如 U017 箱）")
    middle_package_ratio: Any = Field(None, description="中包装转换比（正整数）")
    _product: rules.Product | None = PrivateAttr(None)
    _units: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("min_usage_unit", "min_package_unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        code = v._halfwidth(value).strip().upper()
        if not code:
            raise ValueError("不能为空")
        return code

    @field_validator("middle_package_unit")
    @classmethod
    def _middle_unit(cls, value: str | None) -> str | None:
        return (v._halfwidth(value).strip().upper() or None) if value is not None else None

    @property
    def packaging(self) -> rules.Packaging:
        return rules.Packaging(self.min_usage_unit, self.min_package_unit, self.min_package_ratio,
                               self.middle_package_unit, self.middle_package_ratio)


UNIT_FIELDS = ("min_usage_unit", "min_package_unit", "middle_package_unit")


def _check_product(p: Principal, m: ProductData) -> None:
    from chalicelib.store import catalog, dictionaries

    product = catalog.get_product(m.code27)
    if product is None:
        raise not_in_catalog("data.code27", f"规格型号 {m.code27}")
    m._product = product
    rules.check_packaging(m.packaging, prefix="data.")
    c = Collector()
    for name in UNIT_FIELDS:
        code = getattr(m, name)
        if code is None:
            continue
        unit = dictionaries.get_unit(code)
        if unit is None:
            c.add(ValidationFailed.on(f"data.{name}", f"单位字典中没有单位 {code}", code="unit_not_found"))
        else:
            m._units[code] = unit.name
    c.raise_if_any()
    if not submitted_or_effective(item_record_id(p.org_id, product.code20)):
        raise Conflict(f"请先新增并提交单件 {product.code20}，再维护其产品信息", code="item_not_submitted")


def _enrich_product(p: Principal, m: ProductData) -> dict[str, Any]:
    smallest, middle = m.packaging.specs(m._units)
    return {"code20": m._product.code20, "specification": m._product.specification, "model": m._product.model,
            "min_usage_unit_name": m._units[m.min_usage_unit], "min_package_unit_name": m._units[m.min_package_unit],
            "middle_package_unit_name": m._units.get(m.middle_package_unit) if m.middle_package_unit else None,
            "min_package_spec": smallest, "middle_package_spec": middle}


def _product_title(m: ProductData) -> str:
    shown = " ".join(x for x in (m._product.specification, m._product.model) if x) if m._product else ""
    return f"产品 {m.code27}（{shown}）" if shown else f"产品 {m.code27}"


CATALOG_KINDS: dict[RecordKind, KindSpec] = {
    RecordKind.ENTRUSTMENT: KindSpec(
        RecordKind.ENTRUSTMENT, EntrustmentData, False, rules.ALL_DOCUMENT_FIELDS,
        title=_entrustment_title, check=_check_entrustment, enrich=_enrich_entrustment),
    RecordKind.REGISTRATION_CERTIFICATE: KindSpec(
        RecordKind.REGISTRATION_CERTIFICATE, RegistrationCertificateData, False, (),
        title=_certificate_title, check=_check_certificate, key=lambda m: cert_key(m.cert_no),
        enrich=_enrich_certificate),
    RecordKind.CONSUMABLE_ITEM: KindSpec(
        RecordKind.CONSUMABLE_ITEM, ConsumableItemData, False, (),
        title=lambda m: f"单件 {m.code20}（{m._item.name}）" if m._item else f"单件 {m.code20}",
        check=_check_item, key=lambda m: m.code20, enrich=_enrich_item),
    RecordKind.PRODUCT: KindSpec(
        RecordKind.PRODUCT, ProductData, False, (),
        title=_product_title, check=_check_product, key=lambda m: m.code27, enrich=_enrich_product),
}
