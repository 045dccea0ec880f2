"""What every allocation use case shares: who the caller is in the chain, loading with
scope checks, views, and the outbox signals of the review steps."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalicelib.domain.access import Principal
from chalicelib.domain.allocation.rule import Rule
from chalicelib.domain.enums import ActorKind, AllocationLevelStatus, AllocationStatus, AllocationTaskStatus
from chalicelib.domain.errors import Forbidden, NotFound
from chalicelib.schemas.allocation import LevelView, SheetLine, SheetView, TaskView
from chalicelib.services.records import signals
from chalicelib.store import allocation as store
from chalicelib.store.allocation import CityItem, ProvinceItem, SheetItem, TaskItem
from chalicelib.store.uow import UnitOfWork

MACHINE = "allocation_review"
NO_TASK = NotFound("分量项目不存在", code="task_not_found")
OUTSIDE = Forbidden("不在本辖区内", code="outside_region")
SHEET_STATUSES = tuple(s.value for s in AllocationStatus)
LEVEL_STATUSES = tuple(s.value for s in AllocationLevelStatus)


def province_of(region: str) -> str:
    return f"{region[:2]}0000"


def city_of(p: Principal) -> str:
    if p.org_kind is not ActorKind.CITY_BUREAU or not p.org_region or p.org_region.endswith("0000"):
        raise Forbidden("只有市医保局可以审核医疗机构分量", code="actor_forbidden")
    return p.org_region


def province_code(p: Principal) -> str:
    if p.org_kind is not ActorKind.PROVINCE_BUREAU or not p.org_region:
        raise Forbidden("只有省医保局可以审核地市分量", code="actor_forbidden")
    return province_of(p.org_region)


def task_or_404(task_id: str, p: Principal | None = None) -> TaskItem:
    task = store.get_task(task_id)
    if task is None:
        raise NO_TASK
    if p is not None and p.org_kind is not ActorKind.ALLIANCE_OFFICE and task.status == AllocationTaskStatus.DRAFT:
        raise NO_TASK  # a draft is the alliance office's own
    return task


def rule_of(task: TaskItem) -> Rule:
    return Rule.parse(task.rule_data)


def instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def may_see_sheet(p: Principal, sheet: SheetItem) -> bool:
    if p.org_kind is ActorKind.ALLIANCE_OFFICE:
        return True
    if p.org_kind is ActorKind.PROVINCE_BUREAU:
        return bool(p.org_region) and sheet.province == province_of(p.org_region)
    if p.org_kind is ActorKind.CITY_BUREAU:
        return sheet.city == p.org_region
    return p.org_kind is ActorKind.MEDICAL_INSTITUTION and sheet.inst_id == p.org_id


def task_view(task: TaskItem, my_status: str | None = None, label: str | None = None) -> TaskView:
    status = AllocationTaskStatus(task.status)
    return TaskView(
        task_id=task.task_id, name=task.name, status=status.value, status_label=status.label, rule=task.rule_data,
        fill_deadline=task.fill_deadline, city_deadline=task.city_deadline, province_deadline=task.province_deadline,
        alliance_deadline=task.alliance_deadline, source_project_id=task.source_project, groups=int(task.groups),
        institutions=int(task.institutions), provinces=int(task.provinces), demand=int(task.demand),
        base=int(task.base), remaining=int(task.remaining), allocated=int(task.allocated or 0),
        demand_imported_at=task.demand_imported_at,
        published_at=task.published_at, completed_at=task.completed_at,
        province_counts=store.counts(task, LEVEL_STATUSES), my_status=my_status, my_status_label=label)


def sheet_lines(sheet: SheetItem, groups: dict[str, store.GroupItem]) -> list[SheetLine]:
    out = []
    for code, line in sorted(sheet.lines_dict.items()):
        group = groups.get(code)
        own = line.get("own") or {}
        winners = []
        for w in (group.winners_list if group else []):
            base = int(line["base"].get(w["credit_code"], 0))
            mine = int(own.get(w["credit_code"], 0))
            winners.append({**w, "base": base, "own": mine, "agreement": base + mine})
        out.append(SheetLine(group_code=code, group_name=group.name if group else code,
                             item_code=group.item_code if group else "", item_name=group.item_name if group else "",
                             demand=int(line["demand"]), base_total=sum(line["base"].values()),
                             remaining=int(line["remaining"]), winners=winners))
    return out


def sheet_view(sheet: SheetItem, groups: dict[str, store.GroupItem] | None = None) -> SheetView:
    status = AllocationStatus(sheet.status)
    return SheetView(
        task_id=sheet.task_id, inst_id=sheet.inst_id, inst_name=sheet.inst_name, city=sheet.city,
        province=sheet.province, status=status.value, status_label=status.label, demand=int(sheet.demand),
        base=int(sheet.base), remaining=int(sheet.remaining), allocated=int(sheet.allocated or 0),
        reason=sheet.reason, submitted_at=sheet.submitted_at, handled_at=sheet.handled_at,
        version=int(sheet.version or 0), lines=sheet_lines(sheet, groups) if groups is not None else None)


def level_view(item: CityItem | ProvinceItem) -> LevelView:
    status = AllocationLevelStatus(item.status)
    below = SHEET_STATUSES if isinstance(item, CityItem) else LEVEL_STATUSES
    unit = item.city if isinstance(item, CityItem) else item.province
    return LevelView(
        task_id=item.task_id, unit=unit, unit_name=item.unit_name, province=item.province, status=status.value,
        status_label=status.label, institutions=int(item.institutions), demand=int(item.demand),
        base=int(item.base), remaining=int(item.remaining), allocated=int(item.allocated or 0),
        counts=store.counts(item, below), reason=item.reason, submitted_at=item.submitted_at,
        handled_at=item.handled_at)


def groups_by_code(task_id: str) -> dict[str, store.GroupItem]:
    return {g.code: g for g in store.groups(task_id)}


# -- the review steps' outbox --------------------------------------------------------

def start_signal(uow: UnitOfWork, unit_pk: str, level: str, submission: int, now) -> Any:
    token_pk, token_sk = store.token_key(unit_pk, submission)
    payload = {"unit": unit_pk, "level": level, "submission": submission, "token_pk": token_pk,
               "token_sk": token_sk}
    item = signals.outbox_item(f"asig#{unit_pk}", unit_pk, submission, "start", now, machine=MACHINE,
                               execution_name=store.execution_name(unit_pk, submission),
                               payload=json.dumps(payload), token_pk=token_pk, token_sk=token_sk)
    uow.put(item)
    return item


def decision_signal(uow: UnitOfWork, unit_pk: str, submission: int, outcome: str, now) -> Any:
    token_pk, token_sk = store.token_key(unit_pk, submission)
    item = signals.outbox_item(f"asig#{unit_pk}", unit_pk, submission, "decision", now, machine=MACHINE,
                               outcome=outcome, token_pk=token_pk, token_sk=token_sk)
    uow.put(item)
    return item


def dispatch(items: list[Any]) -> None:
    for item in items:
        signals.dispatch(item)
