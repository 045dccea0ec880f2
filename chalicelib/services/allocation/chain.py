"""The review chain: the city reviews its institutions' sheets, the province its cities'
submissions, the alliance office its provinces' submissions and finalises the task
(docs/allocation.md). One generic implementation for the three levels: each level
decides the units below it (batch approve, return with a reason), submits upwards when
every unit below that submitted is approved, and withdraws while the level above has not
acted. Counters on the level's head make those rules conditions of the writes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from chalicelib import clock
from chalicelib.domain import errors as E
from chalicelib.domain.access import Principal
from chalicelib.domain.allocation import chain as rules
from chalicelib.domain.enums import (
    ActorKind, AllocationAction, AllocationLevelStatus as L, AllocationStatus as S, AllocationTaskStatus,
)
from chalicelib.schemas.allocation import DecisionResult, DecisionResults, LevelPage, SheetPage, SheetView
from chalicelib.services.allocation.common import (
    LEVEL_STATUSES, OUTSIDE, SHEET_STATUSES, city_of, decision_signal, dispatch, groups_by_code, instant,
    level_view, may_see_sheet, province_code, sheet_view, start_signal, task_or_404,
)
from chalicelib.services.identity.common import by, entry, iso
from chalicelib.store import allocation as store
from chalicelib.store.allocation import CityItem, ProvinceItem, SheetItem, TaskItem
from chalicelib.store.uow import UnitOfWork

CHUNK = 30  # units per transaction: N updates + the head + N signals + N audits ≤ 100
NOT_FILLING = E.Conflict("分量项目不在进行中", code="task_not_filling")


@dataclass(frozen=True)
class Level:
    """One reviewing level: what it reviews (``below``) and where its own counters live (``head``)."""

    name: str
    below: type
    head: type
    pending: str            # the status of a unit below waiting for this level
    approved: str           # the status of an approved unit below
    statuses: tuple[str, ...]
    blocking: tuple
    what: str               # the units below, in messages
    next_status: Callable[..., Any]
    unit_pk: Callable[[str, str], str]
    unit_of: Callable[[Any], str]
    cast: Callable[[str], Any]


CITY = Level("city", SheetItem, CityItem, S.PENDING_CITY.value, S.CITY_APPROVED.value, SHEET_STATUSES,
             rules.SHEET_BLOCKING, "医疗机构", rules.next_sheet, store.sheet_pk, lambda i: i.inst_id, S)
PROVINCE = Level("province", CityItem, ProvinceItem, L.SUBMITTED.value, L.APPROVED.value, LEVEL_STATUSES,
                 rules.LEVEL_BLOCKING, "地市", rules.next_level, store.city_pk, lambda i: i.city, L)
ALLIANCE = Level("alliance", ProvinceItem, TaskItem, L.SUBMITTED.value, L.APPROVED.value, LEVEL_STATUSES,
                 rules.LEVEL_BLOCKING, "省份", rules.next_level, store.province_pk, lambda i: i.province, L)


def _head(level: Level, p: Principal, task: TaskItem):
    """The reviewing level's own head item (its counters), scoped by the caller's region."""
    if level is CITY:
        head = store.get_city(task.task_id, city_of(p))
    elif level is PROVINCE:
        head = store.get_province(task.task_id, province_code(p))
    else:
        return task
    if head is None:
        raise E.NotFound("本辖区没有参与该分量项目的机构", code="not_in_task")
    return head


def _working(level: Level, head) -> None:
    if level is ALLIANCE:
        if head.status != AllocationTaskStatus.FILLING.value:
            raise NOT_FILLING
    else:
        rules.check_working(L(head.status), "本级分量数据")


def _head_condition(level: Level, head):
    if level is ALLIANCE:
        return TaskItem.status == AllocationTaskStatus.FILLING.value
    return level.head.status.is_in(*[s.value for s in rules.LEVEL_WORKING])


def _load_below(level: Level, task_id: str, units: list[str]) -> dict[str, Any]:
    if level is CITY:
        return store.get_sheets(task_id, units)
    keys = [(level.unit_pk(task_id, u), "city" if level is PROVINCE else "prov") for u in dict.fromkeys(units)]
    return {level.unit_of(i): i for i in level.below.batch_get(keys, consistent_read=True)}


def _in_scope(level: Level, head, item) -> bool:
    if level is CITY:
        return item.city == head.city
    if level is PROVINCE:
        return item.province == head.province
    return True


def _contribution(level: Level, item) -> int:
    """What an approved unit adds to the level's allocated total (a submitted sheet allocates its remaining)."""
    return int(item.remaining) if level is CITY else int(item.allocated or 0)


def _error(exc: E.DomainError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message,
            "details": [{"field": d.field, "message": d.message} for d in exc.details]}


def decide(level: Level, p: Principal, task_id: str, units: list[str], decision: str,
           reason: str | None) -> DecisionResults:
    """Batch approve or return units below; a result per unit (approved ones cannot be decided again)."""
    action = AllocationAction(decision)
    if action is AllocationAction.RETURN:
        level.next_status(level.cast(level.pending), action, reason)  # a missing reason is a 400 for all
    task = task_or_404(task_id, p)
    head = _head(level, p, task)
    _working(level, head)
    items = _load_below(level, task_id, units)
    now = clock.now()
    results: dict[str, DecisionResult] = {}
    valid: list[tuple[Any, str, str]] = []
    for unit in dict.fromkeys(units):
        item = items.get(unit)
        try:
            if item is None:
                raise E.NotFound(f"{level.what} {unit} 不在该分量项目中", code="unit_not_found")
            if not _in_scope(level, head, item):
                raise OUTSIDE
            current = item.status
            target = level.next_status(level.cast(current), action, reason).value
            valid.append((item, current, target))
        except E.DomainError as exc:
            results[unit] = DecisionResult(unit=unit, ok=False, error=_error(exc))
    for start in range(0, len(valid), CHUNK):
        chunk = valid[start:start + CHUNK]
        signals = []
        uow = UnitOfWork()
        deltas: dict[str, int] = {}
        allocated = 0
        for item, current, target in chunk:
            unit = level.unit_of(item)
            actions = [level.below.status.set(target), level.below.handled_at.set(iso(now)),
                       level.below.gsi1sk.set(store.status_key(target, unit))]
            actions.append(level.below.reason.set(reason.strip()) if action is AllocationAction.RETURN
                           else level.below.reason.remove())
            uow.update(item, actions, condition=level.below.status == current)
            deltas[current] = deltas.get(current, 0) - 1
            deltas[target] = deltas.get(target, 0) + 1
            if target == level.approved:
                allocated += _contribution(level, item)
            elif current == level.approved:
                allocated -= _contribution(level, item)
            if current == level.pending:  # its review step is waiting for this decision
                signals.append(decision_signal(uow, level.unit_pk(task_id, unit), int(item.submissions or 0),
                                               action.value, now))
            uow.audit(entry(f"a{level.unit_pk(task_id, unit)}", f"allocation_{level.name}_{action.value}",
                            from_status=current, to_status=target, reason=reason if action is
                            AllocationAction.RETURN else None, at=now, **by(p)))
        head_actions = [store.counter(level.head, s).add(n) for s, n in deltas.items() if n]
        if allocated:
            head_actions.append(level.head.allocated.add(allocated))
        uow.update(_bare(level.head, head), head_actions, condition=_head_condition(level, head),
                   conflict=E.Conflict("本级分量数据已提交上级", code="already_submitted"))
        try:
            uow.commit()
        except E.DomainError as exc:
            for item, _, _ in chunk:
                results[level.unit_of(item)] = DecisionResult(unit=level.unit_of(item), ok=False, error=_error(exc))
            continue
        dispatch(signals)
        for item, _, target in chunk:
            results[level.unit_of(item)] = DecisionResult(unit=level.unit_of(item), ok=True, status=target)
    return DecisionResults(results=[results[u] for u in dict.fromkeys(units)])


def _bare(model: type, item):
    """A key-only copy for an update of counters (no version condition)."""
    return model(pk=item.pk, sk=item.sk)


def _above(level: Level, task: TaskItem, head):
    """The item that counts the reviewing level's submission (the level above's head)."""
    if level is CITY:
        return ProvinceItem(pk=store.province_pk(task.task_id, head.province), sk="prov"), ProvinceItem
    return TaskItem(pk=task.pk, sk="task"), TaskItem


DEADLINES = {"city": "city_deadline", "province": "province_deadline"}


def submit(level: Level, p: Principal, task_id: str) -> Any:
    """Submit the level's data upwards (city → province, province → alliance office)."""
    task = task_or_404(task_id, p)
    if task.status != AllocationTaskStatus.FILLING.value:
        raise NOT_FILLING
    head = _head(level, p, task)
    now = clock.now()
    rules.check_before(instant(getattr(task, DEADLINES[level.name])), now, "本级审核")
    rules.check_submittable(store.counts(head, level.statuses), level.blocking, level.approved, level.what)
    current = head.status
    target = rules.next_level(L(current), AllocationAction.SUBMIT).value
    unit = store.city_pk(task_id, head.city) if level is CITY else store.province_pk(task_id, head.province)
    submission = int(head.submissions or 0) + 1
    uow = UnitOfWork()
    blocked = E.Conflict(f"还有{level.what}未审核通过，不能提交", code="unapproved_below")
    condition = (level.head.status == current) & (store.counter(level.head, level.approved) > 0)
    for s in level.blocking:
        condition &= store.counter(level.head, s.value) == 0
    uow.update(head, [level.head.status.set(target), level.head.submissions.set(submission),
                      level.head.submitted_at.set(iso(now)), level.head.handled_at.set(iso(now)),
                      level.head.reason.remove(), level.head.gsi1sk.set(store.status_key(target, _unit_code(head)))],
               condition=condition, conflict=blocked)
    above, model = _above(level, task, head)
    above_condition = (TaskItem.status == AllocationTaskStatus.FILLING.value if model is TaskItem
                       else ProvinceItem.status.is_in(*[s.value for s in rules.LEVEL_WORKING]))
    uow.update(above, [store.counter(model, current).add(-1), store.counter(model, target).add(1)],
               condition=above_condition, conflict=E.Conflict("上级已提交，不能再提交", code="above_already_submitted"))
    signal = start_signal(uow, unit, "province" if level is CITY else "alliance", submission, now)
    uow.audit(entry(f"a{unit}", f"allocation_{level.name}_submitted", from_status=current, to_status=target, at=now,
                    **by(p)))
    uow.commit()
    dispatch([signal])
    return level_view(_head(level, p, task))


def _unit_code(head) -> str:
    return head.city if isinstance(head, CityItem) else head.province


def withdraw(level: Level, p: Principal, task_id: str) -> Any:
    task = task_or_404(task_id, p)
    head = _head(level, p, task)
    current = head.status
    target = rules.next_level(L(current), AllocationAction.WITHDRAW).value
    now = clock.now()
    unit = store.city_pk(task_id, head.city) if level is CITY else store.province_pk(task_id, head.province)
    uow = UnitOfWork()
    uow.update(head, [level.head.status.set(target), level.head.handled_at.set(iso(now)),
                      level.head.gsi1sk.set(store.status_key(target, _unit_code(head)))],
               condition=level.head.status == L.SUBMITTED.value,
               conflict=E.Conflict("上级已处理，不能撤回", code="withdraw_not_allowed"))
    above, model = _above(level, task, head)
    uow.update(above, [store.counter(model, current).add(-1), store.counter(model, target).add(1)])
    signal = decision_signal(uow, unit, int(head.submissions or 0), "withdraw", now)
    uow.audit(entry(f"a{unit}", f"allocation_{level.name}_withdrawn", from_status=current, to_status=target, at=now,
                    **by(p)))
    uow.commit()
    dispatch([signal])
    return level_view(_head(level, p, task))


def finalise(p: Principal, task_id: str):
    """The alliance office closes the task: every province that submitted is approved; agreements are final."""
    from chalicelib.services.allocation.tasks import detail

    task = task_or_404(task_id, p)
    if task.status != AllocationTaskStatus.FILLING.value:
        raise NOT_FILLING
    rules.check_submittable(store.counts(task, LEVEL_STATUSES), rules.LEVEL_BLOCKING, L.APPROVED.value, "省份")
    now = clock.now()
    condition = (TaskItem.status == AllocationTaskStatus.FILLING.value) & (TaskItem.n_approved > 0) \
        & (TaskItem.n_submitted == 0) & (TaskItem.n_returned == 0)
    uow = UnitOfWork()
    uow.update(task, [TaskItem.status.set(AllocationTaskStatus.COMPLETED.value), TaskItem.completed_at.set(iso(now)),
                      TaskItem.updated_at.set(iso(now))], condition=condition,
               conflict=E.Conflict("还有省份未审核通过，不能完成", code="unapproved_below"))
    uow.audit(entry(f"atask#{task_id}", "allocation_task_finalised", from_status=task.status,
                    to_status=AllocationTaskStatus.COMPLETED.value, at=now, **by(p)))
    uow.commit()
    return detail(p, task_id)


# -- lists and details -------------------------------------------------------------

def _status(value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise E.ValidationFailed.on("query.status", f"须为 {', '.join(allowed)} 之一", code="bad_status")
    return value


def city_sheets(p: Principal, task_id: str, status: str | None, limit: int, cursor: str | None) -> SheetPage:
    """One paged Query: the city's institutions with totals and status (未填报 included)."""
    task = task_or_404(task_id, p)
    page = store.city_sheets(task.task_id, city_of(p), _status(status, SHEET_STATUSES), limit=limit, cursor=cursor)
    return SheetPage(items=[sheet_view(s) for s in page.items], next_cursor=page.next_cursor)


def province_cities(p: Principal, task_id: str, status: str | None, limit: int, cursor: str | None) -> LevelPage:
    task = task_or_404(task_id, p)
    page = store.province_cities(task.task_id, province_code(p), _status(status, LEVEL_STATUSES), limit=limit,
                                 cursor=cursor)
    return LevelPage(items=[level_view(c) for c in page.items], next_cursor=page.next_cursor)


def province_sheets(p: Principal, task_id: str, city: str, status: str | None, limit: int,
                    cursor: str | None) -> SheetPage:
    """A province drills down to one of its cities' institutions."""
    task = task_or_404(task_id, p)
    if city[:2] != province_code(p)[:2]:
        raise OUTSIDE
    page = store.city_sheets(task.task_id, city, _status(status, SHEET_STATUSES), limit=limit, cursor=cursor)
    return SheetPage(items=[sheet_view(s) for s in page.items], next_cursor=page.next_cursor)


def alliance_provinces(p: Principal, task_id: str, status: str | None, limit: int, cursor: str | None) -> LevelPage:
    task = task_or_404(task_id, p)
    page = store.task_provinces(task.task_id, _status(status, LEVEL_STATUSES), limit=limit, cursor=cursor)
    return LevelPage(items=[level_view(v) for v in page.items], next_cursor=page.next_cursor)


def alliance_sheets(p: Principal, task_id: str, province: str, status: str | None, limit: int,
                    cursor: str | None) -> SheetPage:
    """The alliance office drills down to one province's institutions (one Query a page, by city)."""
    task = task_or_404(task_id, p)
    if not (len(province) == 6 and province.isdigit() and province.endswith("0000")):
        raise E.ValidationFailed.on("province", "须为省级行政区划代码（如 630000）", code="bad_province")
    page = store.task_sheets(task.task_id, province[:2], _status(status, SHEET_STATUSES), limit=limit, cursor=cursor)
    return SheetPage(items=[sheet_view(s) for s in page.items], next_cursor=page.next_cursor)


def level_detail(p: Principal, task_id: str, unit: str):
    """A city's or a province's submission, for itself and the levels above."""
    task = task_or_404(task_id, p)
    item = store.get_city(task_id, unit) if not unit.endswith("0000") else store.get_province(task_id, unit)
    if item is None:
        raise E.NotFound("该地区不在分量项目中", code="unit_not_found")
    region = p.org_region or ""
    if p.org_kind is ActorKind.ALLIANCE_OFFICE or (p.org_kind is ActorKind.PROVINCE_BUREAU
                                                  and item.province[:2] == region[:2]) \
            or (p.org_kind is ActorKind.CITY_BUREAU and unit == region):
        return level_view(item)
    raise OUTSIDE


def sheet_detail(p: Principal, task_id: str, inst_id: str) -> SheetView:
    """查看详情: an institution's sheet with 标的划分, 竞标分组, 申报企业, 组内排名, 中标价格, 基础量,
    已自主分配剩余量, 协议采购量 — for its city, province and the alliance office."""
    task = task_or_404(task_id, p)
    sheet = store.get_sheet(task.task_id, inst_id)
    if sheet is None:
        raise E.NotFound("该医疗机构不在分量项目中", code="sheet_not_found")
    if not may_see_sheet(p, sheet):
        raise OUTSIDE
    return sheet_view(sheet, groups_by_code(task_id))
