"""The allocation chain's statuses per level as explicit transition tables
(docs/allocation.md "Statuses per level"). Pure: the services apply them with
conditional writes and keep the counters the submit rules read."""
from __future__ import annotations

from datetime import datetime
from typing import Mapping

from chalicelib.domain.enums import AllocationAction as A
from chalicelib.domain.enums import AllocationLevelStatus as L
from chalicelib.domain.enums import AllocationStatus as S
from chalicelib.domain.errors import Conflict, ValidationFailed

SHEET: dict[tuple[S, A], S] = {
    (S.NOT_FILLED, A.SAVE): S.DRAFT,
    (S.DRAFT, A.SAVE): S.DRAFT,
    (S.RETURNED, A.SAVE): S.RETURNED,
    (S.NOT_FILLED, A.SUBMIT): S.PENDING_CITY,
    (S.DRAFT, A.SUBMIT): S.PENDING_CITY,
    (S.RETURNED, A.SUBMIT): S.PENDING_CITY,
    (S.PENDING_CITY, A.APPROVE): S.CITY_APPROVED,
    (S.PENDING_CITY, A.RETURN): S.RETURNED,
    # after the province returned the city, the city may send an approved sheet back
    (S.CITY_APPROVED, A.RETURN): S.RETURNED,
}
LEVEL: dict[tuple[L, A], L] = {
    (L.OPEN, A.SUBMIT): L.SUBMITTED,
    (L.RETURNED, A.SUBMIT): L.SUBMITTED,
    (L.SUBMITTED, A.WITHDRAW): L.OPEN,
    (L.SUBMITTED, A.APPROVE): L.APPROVED,
    (L.SUBMITTED, A.RETURN): L.RETURNED,
    (L.APPROVED, A.RETURN): L.RETURNED,
}
# A level may act on what is below it only while it has not passed it up (or got it back).
LEVEL_WORKING = frozenset({L.OPEN, L.RETURNED})
# What blocks a level's submit: counters of what is below it.
SHEET_BLOCKING = (S.PENDING_CITY, S.RETURNED)
LEVEL_BLOCKING = (L.SUBMITTED, L.RETURNED)
REASON_MAX = 500


def _next(table, current, action: A, reason: str | None, what: str):
    target = table.get((current, action))
    if target is None:
        if action is A.WITHDRAW:
            raise Conflict("上级已处理，不能撤回", code="withdraw_not_allowed")
        raise Conflict(f"{what}{current.label}，不能{action.label}", code="wrong_state")
    if action is A.RETURN:
        text = (reason or "").strip()
        if not text:
            raise ValidationFailed.on("reason", "退回修改须填写原因", code="reason_required")
        if len(text) > REASON_MAX:
            raise ValidationFailed.on("reason", f"原因不能超过 {REASON_MAX} 字", code="reason_too_long")
    return target


def next_sheet(current: S, action: A, reason: str | None = None) -> S:
    return _next(SHEET, current, action, reason, "分量数据")


def next_level(current: L, action: A, reason: str | None = None) -> L:
    return _next(LEVEL, current, action, reason, "提交")


def check_working(status: L, what: str) -> None:
    """The level may still act on what is below it (it has not submitted it upwards)."""
    if status not in LEVEL_WORKING:
        raise Conflict(f"{what}已提交上级，请先撤回或等待上级退回", code="already_submitted")


def check_submittable(counts: Mapping[str, int], blocking: tuple, approved: str, what: str) -> None:
    """Every unit below that submitted is approved, and at least one is."""
    waiting = sum(int(counts.get(s.value, 0)) for s in blocking)
    if waiting:
        raise Conflict(f"还有 {waiting} 个{what}未审核通过，不能提交", code="unapproved_below")
    if not int(counts.get(approved, 0)):
        raise Conflict(f"没有审核通过的{what}，不能提交", code="nothing_approved")


def check_before(deadline: datetime | None, now: datetime, what: str) -> None:
    if deadline is not None and now > deadline:
        raise Conflict(f"{what}截止时间已过", code="deadline_passed")
