"""The institution's sheet (医疗机构分量): read, save a draft, submit before the deadline;
after a return (退回修改) the reason is on the sheet until the next submit. Every write
is conditional on the version the caller read (409 ``concurrent_update`` when stale)."""
from __future__ import annotations

import json
from typing import Any

from chalicelib import clock
from chalicelib.domain.access import Principal
from chalicelib.domain.allocation import chain
from chalicelib.domain.allocation.rule import validate_allocation
from chalicelib.domain.enums import AllocationAction, AllocationStatus, AllocationTaskStatus
from chalicelib.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from chalicelib.schemas.allocation import SheetSave, SheetView
from chalicelib.services.allocation.common import (
    dispatch, groups_by_code, instant, sheet_view, start_signal, task_or_404,
)
from chalicelib.services.identity.common import by, entry, iso
from chalicelib.store import allocation as store
from chalicelib.store.allocation import CityItem, SheetItem, TaskItem
from chalicelib.store.uow import STALE, UnitOfWork

NO_SHEET = NotFound("本机构不在该分量项目中", code="sheet_not_found")
CITY_SUBMITTED = Conflict("市医保已提交本市分量数据，不能再提交；请联系市医保", code="city_already_submitted")


def _load(p: Principal, task_id: str) -> tuple[TaskItem, SheetItem]:
    task = task_or_404(task_id, p)
    sheet = store.get_sheet(task_id, p.org_id)
    if sheet is None:
        raise NO_SHEET
    return task, sheet


def _check_open(task: TaskItem, now) -> None:
    if task.status != AllocationTaskStatus.FILLING.value:
        raise Conflict("分量项目不在填报中", code="task_not_filling")
    chain.check_before(instant(task.fill_deadline), now, "填报")


def _check_version(sheet: SheetItem, version: int) -> None:
    if int(sheet.version or 0) != version:
        raise STALE


def get(p: Principal, task_id: str) -> SheetView:
    task, sheet = _load(p, task_id)
    return sheet_view(sheet, groups_by_code(task.task_id))


def apply(sheet: SheetItem, groups: dict[str, store.GroupItem], allocations: dict[str, Any]
          ) -> tuple[dict[str, Any], int]:
    """The sheet's lines with ``allocations`` applied, and the total allocated; a 400 naming every problem."""
    lines = sheet.lines_dict
    errors: list[FieldError] = []
    for code, own in allocations.items():
        where = f"allocations.{code}"
        if code not in lines:
            errors.append(FieldError(where, "本机构在该竞标分组没有需求量"))
            continue
        codes = [w["credit_code"] for w in groups[code].winners_list] if code in groups else []
        try:
            lines[code]["own"] = validate_allocation(own, codes, int(lines[code]["remaining"]), where)
        except ValidationFailed as exc:
            errors += exc.details
    if errors:
        raise ValidationFailed("自主分配量有误", code="bad_allocation", details=errors)
    return lines, sum(sum(line["own"].values()) for line in lines.values() if line.get("own"))


def save(p: Principal, task_id: str, req: SheetSave) -> SheetView:
    task, sheet = _load(p, task_id)
    now = clock.now()
    _check_open(task, now)
    _check_version(sheet, req.version)
    current = AllocationStatus(sheet.status)
    target = chain.next_sheet(current, AllocationAction.SAVE)
    groups = groups_by_code(task_id)
    lines, allocated = apply(sheet, groups, req.allocations)
    uow = UnitOfWork()
    actions = [SheetItem.lines.set(json.dumps(lines, separators=(",", ":"))), SheetItem.allocated.set(allocated),
               SheetItem.status.set(target.value), SheetItem.gsi1sk.set(store.status_key(target.value, p.org_id))]
    uow.update(sheet, actions, condition=SheetItem.status == current.value)
    if target is not current:
        uow.update(CityItem(pk=store.city_pk(task_id, sheet.city), sk="city"),
                   [store.counter(CityItem, current.value).add(-1), store.counter(CityItem, target.value).add(1)],
                   condition=CityItem.pk.exists())
    uow.audit(entry(f"asheet#{task_id}#{p.org_id}", "allocation_saved", from_status=current.value,
                    to_status=target.value, at=now, after={"allocations": req.allocations}, **by(p)))
    uow.commit()
    return get(p, task_id)


def submit(p: Principal, task_id: str, version: int) -> SheetView:
    task, sheet = _load(p, task_id)
    now = clock.now()
    _check_open(task, now)
    _check_version(sheet, version)
    current = AllocationStatus(sheet.status)
    target = chain.next_sheet(current, AllocationAction.SUBMIT)
    missing = [FieldError(f"allocations.{code}", "剩余量尚未分配") for code, line in sheet.lines_dict.items()
               if line.get("own") is None and int(line["remaining"]) > 0]
    if missing:
        raise ValidationFailed("还有竞标分组的剩余量未分配，不能提交", code="allocation_incomplete", details=missing)
    city = store.get_city(task_id, sheet.city)
    if city is None or city.status not in {s.value for s in chain.LEVEL_WORKING}:
        raise CITY_SUBMITTED
    submission = int(sheet.submissions or 0) + 1
    unit = store.sheet_pk(task_id, p.org_id)
    uow = UnitOfWork()
    uow.update(sheet, [SheetItem.status.set(target.value), SheetItem.gsi1sk.set(store.status_key(target.value, p.org_id)),
                       SheetItem.submissions.set(submission), SheetItem.submitted_at.set(iso(now)),
                       SheetItem.handled_at.set(iso(now)), SheetItem.reason.remove()],
               condition=SheetItem.status == current.value)
    uow.update(city, [store.counter(CityItem, current.value).add(-1), store.counter(CityItem, target.value).add(1)],
               condition=CityItem.status.is_in(*[s.value for s in chain.LEVEL_WORKING]), conflict=CITY_SUBMITTED)
    signal = start_signal(uow, unit, "city", submission, now)
    uow.audit(entry(f"asheet#{task_id}#{p.org_id}", "allocation_submitted", from_status=current.value,
                    to_status=target.value, at=now, **by(p)))
    uow.commit()
    dispatch([signal])
    return get(p, task_id)
