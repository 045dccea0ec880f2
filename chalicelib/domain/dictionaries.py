"""Reference dictionaries: administrative regions (GB/T 2260 codes) and units."""
from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain.enums import RegionLevel, UnitCategory
from chalicelib.domain.errors import ValidationFailed

REGION_CODE = re.compile(r"^[1-9]\d{5}$")
UNIT_CODE = re.compile(r"^[A-Z]\d{3}$")
ROOT = "root"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: RegionLevel
    parent_code: str | None


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    name_en: str
    category: UnitCategory


def check_region_code(code: str, field: str = "code") -> str:
    if not REGION_CODE.match(code or ""):
        raise ValidationFailed.on(field, "行政区划代码须为 6 位数字")
    return code


def region_level(code: str) -> RegionLevel:
    """Provinces end in 0000; prefecture-level cities in 00 (GB/T 2260)."""
    check_region_code(code)
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    raise ValidationFailed.on("code", "只支持省级和地市级行政区划代码")


def parent_of(code: str) -> str | None:
    """The province of a city; ``None`` for a province."""
    return None if region_level(code) is RegionLevel.PROVINCE else code[:2] + "0000"


def make_region(code: str, name: str) -> Region:
    if not name or len(name) > 50:
        raise ValidationFailed.on("name", "名称须为 1 到 50 个字符")
    return Region(code=code, name=name, level=region_level(code), parent_code=parent_of(code))


def make_unit(code: str, name: str, name_en: str, category: str) -> Unit:
    if not UNIT_CODE.match(code or ""):
        raise ValidationFailed.on("code", "单位编码格式为 1 个大写字母加 3 位数字")
    if not name or len(name) > 10:
        raise ValidationFailed.on("name", "单位名称须为 1 到 10 个字符")
    try:
        cat = UnitCategory(category)
    except ValueError:
        raise ValidationFailed.on("category", f"未知的单位类别 {category!r}") from None
    return Unit(code=code, name=name, name_en=name_en, category=cat)
