"""The project catalog (项目产品目录) import and project attachments: pure rules.

A catalog row names one product of the national catalog by its 27-character
code (规格型号编码) and the bid group (竞标分组) it competes in; the optional
specification and model, when given, must match the national catalog's (they
catch a wrong code). No AWS, no clock.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from chalicelib.domain import consumables
from chalicelib.domain.errors import Collector, ValidationFailed

BID_GROUP_MAX = 60
MAX_ATTACHMENTS = 10
TITLE_MAX = 100


@dataclass(frozen=True)
class CatalogRow:
    """One good row, as far as the file alone can tell."""

    code27: str
    bid_group: str
    specification: str | None
    model: str | None


def bid_group(value: object, field: str = "bid_group") -> str:
    """竞标分组: 1–60 printable characters, stripped, inner blanks collapsed.

    Codes: ``required``, ``malformed``."""
    return consumables.label(value, field, max_length=BID_GROUP_MAX)


def check_row(row: dict[str, str]) -> CatalogRow:
    """A row's fields (``code27``, ``bid_group``, optional ``specification``/``model``).
    Raises ``ValidationFailed`` naming every bad column at once."""
    c = Collector()
    code = c.run(lambda: consumables.code27(row.get("code27"), "code27"))
    group = c.run(lambda: bid_group(row.get("bid_group")))
    spec = c.run(lambda: consumables.label(row.get("specification"), "specification", required=False))
    model = c.run(lambda: consumables.label(row.get("model"), "model", required=False))
    c.raise_if_any()
    return CatalogRow(code, group, spec, model)


def _comparable(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def mismatches(row: CatalogRow, product: consumables.Product) -> list[tuple[str, str]]:
    """(column, message) for each given specification/model that differs from the national
    catalog's (compared after NFKC, blank collapsing and case folding: ``10ML`` equals ``10ml``)."""
    out = []
    for column, label, given, known in (("specification", "规格", row.specification, product.specification),
                                        ("model", "型号", row.model, product.model)):
        if given is not None and _comparable(given) != _comparable(known or ""):
            out.append((column, f"{label}与国家耗材目录不一致（目录为“{known or '空'}”），请核对规格型号编码"))
    return out


def attachment_title(value: object, field: str = "title") -> str:
    """An attachment's title (附件名称): 1–100 printable characters. Codes: ``required``, ``malformed``."""
    return consumables.label(value, field, max_length=TITLE_MAX)


def check_attachable(file_ids: list[str], file_id: str) -> None:
    """At most ``MAX_ATTACHMENTS`` attachments, each file once. Raises 400 on ``file_id``."""
    if file_id in file_ids:
        raise ValidationFailed.on("file_id", "该文件已是本项目的附件", code="already_attached")
    if len(file_ids) >= MAX_ATTACHMENTS:
        raise ValidationFailed.on("file_id", f"每个项目最多 {MAX_ATTACHMENTS} 个附件", code="too_many_attachments")
