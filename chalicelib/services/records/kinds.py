"""The kinds of qualification record: each one's fields (a pydantic model),
who may keep one, whether an organisation has at most one, which fields hold
PDF files, and its own rules. The generic lifecycle is in ``engine.py``."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from pydantic import BaseModel, Field

from chalicelib import clock
from chalicelib.domain.access import ENTERPRISE_ROLES, Principal
from chalicelib.domain.enums import ActorKind, RecordKind, RegistryKind, UnitRole
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.identity.rules import DISTRIBUTOR_ROLES
from chalicelib.schemas.common import Strict
from chalicelib.schemas.validation import parse_model


@dataclass(frozen=True)
class Prepared:
    data: dict[str, Any]
    file_ids: list[str]
    title: str
    key: str | None = None  # the natural key within the organisation (e.g. a certificate number)


@dataclass(frozen=True)
class KindSpec:
    kind: RecordKind
    model: type[BaseModel]
    singleton: bool
    file_fields: tuple[str, ...]
    title: Callable[[Any], str]
    check: Callable[[Principal, Any], None] | None = None
    actors: frozenset[ActorKind] = frozenset({ActorKind.ENTERPRISE})
    # For kinds with one record per natural key and organisation (a certificate
    # number, a consumable code): the key, which also names the record.
    key: Callable[[Any], str] | None = None
    # Fields copied from a reference (e.g. the national catalog): extra data
    # merged into the record, never taken from the client.
    enrich: Callable[[Principal, Any], dict[str, Any]] | None = None

    def prepare(self, p: Principal, raw: dict[str, Any]) -> Prepared:
        """Validate fields, the kind's rules and every referenced file."""
        if p.org_kind not in self.actors:
            raise Forbidden(f"{p.org_kind.label if p.org_kind else ''}不能维护{self.kind.label}", code="actor_forbidden")
        model = parse_model(self.model, raw, prefix="data.")
        if self.check:
            self.check(p, model)
        from chalicelib.services import documents

        files = []
        for name in self.file_fields:
            file_id = getattr(model, name)
            if file_id:
                documents.require_verified(p.org_id, file_id, f"data.{name}")
                files.append(file_id)
        data = model.model_dump(mode="json")
        if self.enrich:
            data.update(self.enrich(p, model))
        return Prepared(data, sorted(set(files)), self.title(model), self.key(model) if self.key else None)

    def record_id(self, org_id: str, prepared: Prepared) -> str | None:
        """Deterministic ids make "one per organisation (and key)" a conditional put."""
        if self.singleton:
            return f"{self.kind.value}-{org_id}"
        if self.key:
            return f"{self.kind.value}-{org_id}-{prepared.key}"
        return None


# -- enterprise basic info (企业信息, Qinghai §五, §8.1.1) ----------------------

class EnterpriseInfo(Strict):
    org_type: UnitRole = Field(description="组织机构类型")
    address: str = Field(min_length=2, max_length=200)
    business_licence_no: str = Field(min_length=5, max_length=50, description="营业执照编号")
    business_licence_valid_until: date | None = Field(None, description="null = 长期")
    business_licence_file_id: str = Field(max_length=64, description="营业执照 PDF")
    operation_licence_no: str | None = Field(None, max_length=50, description="生产/经营许可证编号")
    operation_licence_file_id: str | None = Field(None, max_length=64)
    contact_name: str = Field(min_length=2, max_length=30)
    contact_phone: str = Field(min_length=7, max_length=20)


def _check_enterprise_info(p: Principal, m: EnterpriseInfo) -> None:
    if m.org_type not in ENTERPRISE_ROLES:
        raise ValidationFailed.on("data.org_type", "组织机构类型须为生产、代理或配送类企业")
    if m.business_licence_valid_until and m.business_licence_valid_until < clock.today_cn():
        raise ValidationFailed.on("data.business_licence_valid_until", "营业执照已过期", code="licence_expired")
    if bool(m.operation_licence_no) != bool(m.operation_licence_file_id):
        raise ValidationFailed.on("data.operation_licence_file_id", "许可证编号与许可证附件须同时填写",
                                  code="file_required")


# -- self-distribution declaration (自配送填报, Qinghai §六) --------------------

class SelfDistribution(Strict):
    self_distributing: bool = Field(description="是否自配送企业")
    proof_file_id: str | None = Field(None, max_length=64, description="自配送证明 PDF（是自配送时必填）")


def _check_self_distribution(p: Principal, m: SelfDistribution) -> None:
    if p.certified_role not in DISTRIBUTOR_ROLES:
        raise Conflict("只有配送类企业需要填报自配送", code="not_a_distributor")
    if m.self_distributing and not m.proof_file_id:
        raise ValidationFailed.on("data.proof_file_id", "选择自配送时须上传 PDF 证明附件", code="file_required")
    if not m.self_distributing and m.proof_file_id:
        raise ValidationFailed.on("data.proof_file_id", "非自配送企业无需上传证明附件")


# -- credit commitment letter (承诺书, Qinghai §7.1) ----------------------------

class CommitmentLetter(Strict):
    signed_on: date = Field(description="落款时间")
    letter_file_id: str = Field(max_length=64, description="承诺书 PDF")


def legacy_exempt(org_id: str) -> bool:
    """Enterprises that kept a commitment letter on the legacy platform are exempt."""
    from chalicelib.store import identity

    org = identity.get_org(org_id)
    return org is not None and identity.get_registry(RegistryKind.LEGACY.value, org.credit_code) is not None


def _check_commitment(p: Principal, m: CommitmentLetter) -> None:
    if m.signed_on > clock.today_cn():
        raise ValidationFailed.on("data.signed_on", "落款时间不能晚于今天", code="date_in_future")
    if legacy_exempt(p.org_id):
        raise Conflict("本企业已在原平台维护过信用承诺书，无需再次维护", code="commitment_exempt")


_OWN_KINDS: dict[RecordKind, KindSpec] = {
    RecordKind.ENTERPRISE_INFO: KindSpec(
        RecordKind.ENTERPRISE_INFO, EnterpriseInfo, True, ("business_licence_file_id", "operation_licence_file_id"),
        title=lambda m: f"企业信息（{m.org_type.label}）", check=_check_enterprise_info),
    RecordKind.SELF_DISTRIBUTION: KindSpec(
        RecordKind.SELF_DISTRIBUTION, SelfDistribution, True, ("proof_file_id",),
        title=lambda m: "自配送：" + ("是" if m.self_distributing else "否"), check=_check_self_distribution),
    RecordKind.COMMITMENT_LETTER: KindSpec(
        RecordKind.COMMITMENT_LETTER, CommitmentLetter, True, ("letter_file_id",),
        title=lambda m: f"信用承诺书（{m.signed_on.isoformat()}）", check=_check_commitment),
}


class _Kinds(Mapping):
    """Every record kind. The catalog kinds (``catalog_kinds``: the consumables rules and their models)
    join on first use of one of them, or of the whole registry, so a request about the enterprise's own
    records does not import them (cold start, docs/benchmarks.md). Thread-safe: the import system makes
    the catalog kinds one module, and adding them twice adds the same specs."""

    def __init__(self, own: dict[RecordKind, KindSpec]) -> None:
        self._kinds = dict(own)
        self._complete = False

    def _all(self) -> dict[RecordKind, KindSpec]:
        if not self._complete:
            from chalicelib.services.records.catalog_kinds import CATALOG_KINDS

            self._kinds.update(CATALOG_KINDS)
            self._complete = True
        return self._kinds

    def __getitem__(self, kind: RecordKind) -> KindSpec:
        spec = self._kinds.get(kind)
        return spec if spec is not None else self._all()[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._kinds or kind in self._all()

    def __iter__(self) -> Iterator[RecordKind]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


KINDS: Mapping[RecordKind, KindSpec] = _Kinds(_OWN_KINDS)
