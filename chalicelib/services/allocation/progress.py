"""The progress dashboard of a task for the caller's level (docs/allocation.md "Progress"): how many
institutions are in each sheet status, per unit the caller sees — the city bureau its own city,
the province bureau each of its cities, the alliance office each province. Computed from the
counters the city heads already keep: one GetItem (city), one Query (province), one Query for the
provinces plus one per province (alliance office); never a Scan."""
from __future__ import annotations

from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ActorKind, AllocationLevelStatus
from chalicelib.domain.errors import NotFound
from chalicelib.schemas.allocation import ProgressUnit, ProgressView
from chalicelib.services.allocation.common import SHEET_STATUSES, city_of, province_code, task_or_404
from chalicelib.store import allocation as store
from chalicelib.store.allocation import CityItem, ProvinceItem

NOT_IN_TASK = NotFound("本辖区没有参与该分量项目的机构", code="not_in_task")


def _unit(item: CityItem | ProvinceItem, cities: list[CityItem]) -> ProgressUnit:
    status = AllocationLevelStatus(item.status)
    per_city = [store.counts(c, SHEET_STATUSES) for c in cities]
    counts = {s: sum(c[s] for c in per_city) for s in SHEET_STATUSES}
    return ProgressUnit(unit=item.city if isinstance(item, CityItem) else item.province, unit_name=item.unit_name,
                        status=status.value, status_label=status.label,
                        institutions=sum(int(c.institutions) for c in cities), counts=counts)


def progress(p: Principal, task_id: str) -> ProgressView:
    task = task_or_404(task_id, p)
    if p.org_kind is ActorKind.CITY_BUREAU:
        level, deadline = "city", task.city_deadline
        city = store.get_city(task_id, city_of(p))
        if city is None:
            raise NOT_IN_TASK
        units = [_unit(city, [city])]
    elif p.org_kind is ActorKind.PROVINCE_BUREAU:
        level, deadline = "province", task.province_deadline
        units = [_unit(c, [c]) for c in store.iter_province_cities(task_id, province_code(p))]
        if not units:
            raise NOT_IN_TASK
    else:
        level, deadline = "alliance", task.alliance_deadline
        units = [_unit(prov, list(store.iter_province_cities(task_id, prov.province)))
                 for prov in store.iter_task_provinces(task_id)]
    totals = {s: sum(u.counts[s] for u in units) for s in SHEET_STATUSES}
    return ProgressView(task_id=task.task_id, level=level, fill_deadline=task.fill_deadline, deadline=deadline,
                        units=units, totals=totals)
