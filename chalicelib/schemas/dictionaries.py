from typing import Literal

from pydantic import Field

from chalicelib.domain.enums import UnitCategory
from chalicelib.schemas.common import Model, PageQuery, Strict

DictionaryName = Literal["regions", "units", "enums"]


class RegionView(Model):
    code: str
    name: str
    level: str
    level_label: str
    parent_code: str | None


class RegionQuery(PageQuery):
    parent: str | None = Field(None, pattern=r"^[1-9]\d{5}$", description="province code; omit for provinces")


class UnitView(Model):
    code: str
    name: str
    name_en: str
    category: str
    category_label: str


class UnitQuery(PageQuery):
    category: UnitCategory | None = None


class RegionPage(Model):
    items: list[RegionView]
    next_cursor: str | None = None


class UnitPage(Model):
    items: list[UnitView]
    next_cursor: str | None = None


class EnumMember(Model):
    code: str
    label: str


class EnumView(Model):
    name: str
    members: list[EnumMember]


class EnumList(Model):
    items: list[EnumView]


class DictionaryInfo(Model):
    name: str
    label: str
    path: str


class DictionaryList(Model):
    items: list[DictionaryInfo]


class ExportRequest(Strict):
    dictionary: DictionaryName
    format: Literal["xlsx"] = "xlsx"
