"""Allocation tasks (分量项目) of the alliance office: create (bid groups given or taken from a
project's published results), list with the caller's status per level, detail, publish."""
from __future__ import annotations

import json
from typing import Any

from chalicelib import clock
from chalicelib.domain.access import Principal
from chalicelib.domain.allocation.rule import GroupPlan, Rule, Winner
from chalicelib.domain.enums import (
    ActorKind, AllocationLevelStatus, AllocationStatus, AllocationTaskStatus,
)
from chalicelib.domain.errors import Conflict, FieldError, ValidationFailed
from chalicelib.schemas.allocation import GroupIn, GroupView, TaskCreate, TaskDetail, TaskPage
from chalicelib.services.allocation.common import groups_by_code, province_of, task_or_404, task_view
from chalicelib.services.identity.common import by, entry, iso, new_id
from chalicelib.store import allocation as store
from chalicelib.store.allocation import GroupItem, TaskItem
from chalicelib.store.uow import UnitOfWork

MAX_GROUPS = 95  # the task, its groups and the audit entry in one transaction


def _check_deadlines(req: TaskCreate, now) -> list[FieldError]:
    errors = []
    order = ("fill_deadline", "city_deadline", "province_deadline", "alliance_deadline")
    if req.fill_deadline.tzinfo is None:
        return [FieldError("fill_deadline", "须带时区，如 2026-12-31T17:00:00+08:00")]
    if req.fill_deadline <= now:
        errors.append(FieldError("fill_deadline", "填报截止须晚于当前时间"))
    for earlier, later in zip(order, order[1:]):
        a, b = getattr(req, earlier), getattr(req, later)
        if b.tzinfo is None:
            errors.append(FieldError(later, "须带时区"))
        elif b < a:
            errors.append(FieldError(later, f"须不早于 {earlier}"))
    return errors


def _groups_from_project(project_id: str) -> list[GroupIn]:
    """The bid groups and winners of a project's published results (best rank per enterprise)."""
    from chalicelib.store import project_results

    head = project_results.get_head(project_id)
    if head is None or not head.published:
        raise ValidationFailed.on("source_project_id", "该项目没有已公布的中选结果", code="results_not_published")
    by_group: dict[str, dict[str, Any]] = {}
    for row in project_results.rows_of(project_id, head.batch_id):
        group = by_group.setdefault(row.bid_group, {"item_name": row.product_name, "winners": {}})
        best = group["winners"].get(row.credit_code)
        if best is None or int(row.rank) < best["rank"]:
            group["winners"][row.credit_code] = {"credit_code": row.credit_code, "rank": int(row.rank),
                                                 "name": row.enterprise_name or row.credit_code,
                                                 "price": str(row.price)}
    out = []
    for n, (name, group) in enumerate(sorted(by_group.items()), start=1):
        out.append(GroupIn(code=f"G{n:03d}", name=name, item_code=f"G{n:03d}", item_name=group["item_name"],
                           winners=sorted(group["winners"].values(), key=lambda w: w["rank"])))
    return out


def create(p: Principal, req: TaskCreate) -> TaskDetail:
    now = clock.now()
    errors = _check_deadlines(req, now)
    try:
        rule = Rule.parse(req.rule)
    except ValidationFailed as exc:
        rule, errors = None, errors + exc.details
    if (req.groups is None) == (req.source_project_id is None):
        errors.append(FieldError("groups", "须给出竞标分组，或给出来源项目（二选一）"))
    if errors:
        raise ValidationFailed("分量项目信息有误", details=errors)
    groups = req.groups if req.groups is not None else _groups_from_project(req.source_project_id)
    if not groups or len(groups) > MAX_GROUPS:
        raise ValidationFailed.on("groups", f"竞标分组须为 1–{MAX_GROUPS} 个", code="bad_groups")
    seen: set[str] = set()
    for i, group in enumerate(groups):
        if group.code in seen:
            errors.append(FieldError(f"groups.{i}.code", f"竞标分组编码 {group.code} 重复"))
        seen.add(group.code)
        try:
            GroupPlan([Winner(w.credit_code, w.rank) for w in group.winners], rule, f"groups.{i}.winners")
        except ValidationFailed as exc:
            errors += exc.details
    if errors:
        raise ValidationFailed("竞标分组有误", code="bad_groups", details=errors)
    task_id = new_id()
    task = TaskItem(pk=store.task_pk(task_id), sk="task", task_id=task_id, name=req.name,
                    status=AllocationTaskStatus.DRAFT.value, rule=json.dumps(rule.to_data()),
                    fill_deadline=iso(req.fill_deadline), city_deadline=iso(req.city_deadline),
                    province_deadline=iso(req.province_deadline), alliance_deadline=iso(req.alliance_deadline),
                    source_project=req.source_project_id, groups=len(groups), created_by=by(p)["actor"],
                    created_at=iso(now), updated_at=iso(now), gsi1pk=store.TASKS, gsi1sk=f"{iso(now)}#{task_id}")
    uow = UnitOfWork()
    uow.put(task, condition=TaskItem.pk.does_not_exist())
    for group in groups:
        winners = sorted((w.model_dump() for w in group.winners), key=lambda w: w["rank"])
        uow.put(GroupItem(pk=store.task_pk(task_id), sk=f"group#{group.code}", task_id=task_id, code=group.code,
                          name=group.name, item_code=group.item_code, item_name=group.item_name,
                          winners=json.dumps(winners, ensure_ascii=False)))
    uow.audit(entry(f"atask#{task_id}", "allocation_task_created", to_status=task.status, at=now,
                    after={"name": req.name, "groups": len(groups), "rule": rule.to_data()}, **by(p)))
    uow.commit()
    return detail(p, task_id)


def _group_view(g: GroupItem) -> GroupView:
    return GroupView(code=g.code, name=g.name, item_code=g.item_code, item_name=g.item_name, winners=g.winners_list)


def _my_keys(p: Principal, task_id: str) -> tuple[type, str, str] | None:
    if p.org_kind is ActorKind.MEDICAL_INSTITUTION:
        return store.SheetItem, store.sheet_pk(task_id, p.org_id), "sheet"
    if p.org_kind is ActorKind.CITY_BUREAU and p.org_region:
        return store.CityItem, store.city_pk(task_id, p.org_region), "city"
    if p.org_kind is ActorKind.PROVINCE_BUREAU and p.org_region:
        return store.ProvinceItem, store.province_pk(task_id, province_of(p.org_region)), "prov"
    return None


def _labels(model: type, status: str) -> str:
    return (AllocationStatus(status) if model is store.SheetItem else AllocationLevelStatus(status)).label


def detail(p: Principal, task_id: str) -> TaskDetail:
    task = task_or_404(task_id, p)
    mine = _my_keys(p, task_id)
    status = label = None
    if mine is not None:
        try:
            item = mine[0].get(mine[1], mine[2])
            status, label = item.status, _labels(mine[0], item.status)
        except mine[0].DoesNotExist:
            pass
    view = task_view(task, status, label)
    return TaskDetail(**view.model_dump(), bid_groups=[_group_view(g) for g in groups_by_code(task_id).values()])


def list_tasks(p: Principal, limit: int, cursor: str | None) -> TaskPage:
    """One Query a page (+ one BatchGetItem of the caller's own level items)."""
    page = store.tasks(limit=limit, cursor=cursor)
    items = [t for t in page.items if p.org_kind is ActorKind.ALLIANCE_OFFICE
             or t.status != AllocationTaskStatus.DRAFT.value]
    statuses: dict[str, tuple[str, str]] = {}
    probe = _my_keys(p, "x")
    if probe is not None and items:
        model = probe[0]
        keys = [_my_keys(p, t.task_id)[1:] for t in items]
        for item in model.batch_get(keys):
            statuses[item.task_id] = (item.status, _labels(model, item.status))
    return TaskPage(items=[task_view(t, *statuses.get(t.task_id, (None, None))) for t in items],
                    next_cursor=page.next_cursor)


def publish(p: Principal, task_id: str) -> TaskDetail:
    task = task_or_404(task_id)
    if task.status != AllocationTaskStatus.DRAFT.value:
        raise Conflict("分量项目已发布", code="wrong_state")
    if not task.demand_imported_at:
        raise Conflict("请先导入医疗机构需求量", code="demand_not_imported")
    now = clock.now()
    uow = UnitOfWork()
    uow.update(task, [TaskItem.status.set(AllocationTaskStatus.FILLING.value), TaskItem.published_at.set(iso(now)),
                      TaskItem.updated_at.set(iso(now))],
               condition=(TaskItem.status == AllocationTaskStatus.DRAFT.value)
               & TaskItem.demand_imported_at.exists(), conflict=Conflict("分量项目已发布", code="wrong_state"))
    uow.audit(entry(f"atask#{task_id}", "allocation_task_published", from_status=AllocationTaskStatus.DRAFT.value,
                    to_status=AllocationTaskStatus.FILLING.value, at=now, **by(p)))
    uow.commit()
    return detail(p, task_id)

