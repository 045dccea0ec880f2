"""Regions and units in the ``main`` table.

- region: ``pk = dict#region#<parent code | root>``, ``sk = <code>``; a
  region is fetched by code because its parent follows from the code.
- unit: ``pk = dict#unit``, ``sk = <code>``; ``gsi1pk = dict#unit#<category>``.
"""
from __future__ import annotations

from typing import Iterable

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.domain import dictionaries as rules
from chalicelib.domain.enums import RegionLevel, UnitCategory
from chalicelib.store.paging import Page, query_page
from chalicelib.store.tables import MainTable

MAIN_KEY = ("pk", "sk")
GSI1_KEY = ("pk", "sk", "gsi1pk", "gsi1sk")


class RegionItem(MainTable):
    name = UnicodeAttribute()
    level = UnicodeAttribute()
    parent_code = UnicodeAttribute(null=True)

    def to_domain(self) -> rules.Region:
        return rules.Region(self.sk, self.name, RegionLevel(self.level), self.parent_code)


class UnitItem(MainTable):
    name = UnicodeAttribute()
    name_en = UnicodeAttribute()
    category = UnicodeAttribute()

    def to_domain(self) -> rules.Unit:
        return rules.Unit(self.sk, self.name, self.name_en, UnitCategory(self.category))


def _region_pk(parent: str | None) -> str:
    return f"dict#region#{parent or rules.ROOT}"


def put_regions(regions: Iterable[rules.Region]) -> int:
    count = 0
    with RegionItem.batch_write() as batch:
        for r in regions:
            batch.save(RegionItem(pk=_region_pk(r.parent_code), sk=r.code, name=r.name,
                                  level=r.level.value, parent_code=r.parent_code))
            count += 1
    return count


def put_units(units: Iterable[rules.Unit]) -> int:
    count = 0
    with UnitItem.batch_write() as batch:
        for u in units:
            batch.save(UnitItem(pk="dict#unit", sk=u.code, name=u.name, name_en=u.name_en,
                                category=u.category.value, gsi1pk=f"dict#unit#{u.category.value}", gsi1sk=u.code))
            count += 1
    return count


def get_region(code: str) -> rules.Region | None:
    try:
        return RegionItem.get(_region_pk(rules.parent_of(code)), code).to_domain()
    except DoesNotExist:
        return None


def list_regions(parent: str | None, *, limit: int, cursor: str | None) -> Page[rules.Region]:
    pk = _region_pk(parent)
    page = query_page(RegionItem.query, scope=pk, key_names=MAIN_KEY, limit=limit, cursor=cursor, hash_key=pk)
    return Page([i.to_domain() for i in page.items], page.next_cursor)


def get_unit(code: str) -> rules.Unit | None:
    try:
        return UnitItem.get("dict#unit", code).to_domain()
    except DoesNotExist:
        return None


def list_units(category: UnitCategory | None, *, limit: int, cursor: str | None) -> Page[rules.Unit]:
    if category is None:
        page = query_page(UnitItem.query, scope="dict#unit", key_names=MAIN_KEY, limit=limit,
                          cursor=cursor, hash_key="dict#unit")
    else:
        pk = f"dict#unit#{category.value}"
        page = query_page(UnitItem.gsi1.query, scope=pk, key_names=GSI1_KEY, limit=limit,
                          cursor=cursor, hash_key=pk)
    return Page([i.to_domain() for i in page.items], page.next_cursor)


def iter_all_regions() -> Iterable[rules.Region]:
    """Every region, province by province (for exports, never for a request)."""
    for province in RegionItem.query(_region_pk(None)):
        yield province.to_domain()
        for city in RegionItem.query(_region_pk(province.sk)):
            yield city.to_domain()


def iter_all_units() -> Iterable[rules.Unit]:
    for item in UnitItem.query("dict#unit"):
        yield item.to_domain()
