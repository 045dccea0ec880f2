"""Reference dictionaries: regions, units of measure, and the status/kind enums."""
from __future__ import annotations

import io

from chalicelib.domain import dictionaries as rules
from chalicelib.domain.enums import ALL_ENUMS, JobKind, UnitCategory
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.schemas.dictionaries import (
    DictionaryInfo, DictionaryList, EnumList, EnumMember, EnumView, RegionPage, RegionView, UnitPage, UnitView,
)
from chalicelib.schemas.jobs import JobView
from chalicelib.store import dictionaries as store

DICTIONARIES = {
    "regions": ("行政区划", "/dictionaries/regions"),
    "units": ("计量单位", "/dictionaries/units"),
    "enums": ("状态与类型", "/dictionaries/enums"),
}


def catalog() -> DictionaryList:
    return DictionaryList(items=[DictionaryInfo(name=n, label=label, path=path)
                                 for n, (label, path) in DICTIONARIES.items()])


def _region_view(r: rules.Region) -> RegionView:
    return RegionView(code=r.code, name=r.name, level=r.level.value, level_label=r.level.label,
                      parent_code=r.parent_code)


def _unit_view(u: rules.Unit) -> UnitView:
    return UnitView(code=u.code, name=u.name, name_en=u.name_en, category=u.category.value,
                    category_label=u.category.label)


def list_regions(parent: str | None, limit: int, cursor: str | None) -> RegionPage:
    if parent is not None and rules.region_level(parent) is not rules.RegionLevel.PROVINCE:
        raise ValidationFailed.on("parent", "上级须为省级行政区划代码")
    page = store.list_regions(parent, limit=limit, cursor=cursor)
    return RegionPage(items=[_region_view(r) for r in page.items], next_cursor=page.next_cursor)


def get_region(code: str) -> RegionView:
    rules.check_region_code(code)
    region = store.get_region(code)
    if region is None:
        raise NotFound(f"行政区划 {code} 不存在", code="region_not_found")
    return _region_view(region)


def list_units(category: UnitCategory | None, limit: int, cursor: str | None) -> UnitPage:
    page = store.list_units(category, limit=limit, cursor=cursor)
    return UnitPage(items=[_unit_view(u) for u in page.items], next_cursor=page.next_cursor)


def get_unit(code: str) -> UnitView:
    unit = store.get_unit(code)
    if unit is None:
        raise NotFound(f"计量单位 {code} 不存在", code="unit_not_found")
    return _unit_view(unit)


def _enum_view(name: str) -> EnumView:
    return EnumView(name=name, members=[EnumMember(**m) for m in ALL_ENUMS[name].describe()])


def enums() -> EnumList:
    return EnumList(items=[_enum_view(name) for name in ALL_ENUMS])


def enum(name: str) -> EnumView:
    if name not in ALL_ENUMS:
        raise NotFound(f"枚举 {name} 不存在", code="enum_not_found")
    return _enum_view(name)


def request_export(name: str, owner: str, actor: str) -> JobView:
    from chalicelib.services import jobs

    return jobs.submit(JobKind.DICTIONARY_EXPORT, {"dictionary": name}, owner=owner, actor=actor)


def _rows(name: str):
    if name == "regions":
        yield ("代码 code", "名称 name", "级别 level", "上级代码 parent_code")
        for r in store.iter_all_regions():
            yield (r.code, r.name, r.level.label, r.parent_code or "")
    elif name == "units":
        yield ("代码 code", "名称 name", "英文 name_en", "类别 category")
        for u in store.iter_all_units():
            yield (u.code, u.name, u.name_en, u.category.label)
    else:
        yield ("枚举 enum", "代码 code", "标签 label")
        for enum_name, cls in ALL_ENUMS.items():
            for member in cls:
                yield (enum_name, member.value, member.label)


def export_job(ctx) -> "object":
    """Job ``dictionary_export``: one dictionary as an XLSX workbook.

    xlsxwriter in constant-memory mode: the fastest writer measured here
    (ENGINEERING §1)."""
    import xlsxwriter

    from chalicelib.services.jobs import JobOutput

    name = ctx.params["dictionary"]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True})
    written = 0
    for index, row in enumerate(_rows(name)):
        sheet.write_row(index, 0, row, bold if index == 0 else None)
        written = index
        ctx.progress(written)
    book.close()
    ctx.progress(written, written, force=True)
    return JobOutput(f"{name}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     buffer.getvalue())
