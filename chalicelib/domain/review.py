"""The review lifecycle of qualification records (SPEC §3.3), as an explicit
transition table. Pure: services apply it with conditional writes."""
from __future__ import annotations

from chalicelib.domain.enums import RecordKind, ReviewAction, ReviewStatus
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed

FIRST, FINAL = "first", "final"
LEVEL_STATUS = {FIRST: ReviewStatus.PENDING_FIRST, FINAL: ReviewStatus.PENDING_FINAL}

# Which review levels each kind passes through: data, read by the service and
# passed to the state machine in its input.
REVIEW_LEVELS: dict[RecordKind, tuple[str, ...]] = {kind: (FIRST, FINAL) for kind in RecordKind}
REVIEW_LEVELS[RecordKind.SELF_DISTRIBUTION] = (FIRST,)

EDITABLE = frozenset({ReviewStatus.DRAFT, ReviewStatus.REJECTED})
PENDING = frozenset({ReviewStatus.PENDING_FIRST, ReviewStatus.PENDING_FINAL})
TABS = {ReviewStatus.DRAFT: "draft", ReviewStatus.PENDING_FIRST: "pending", ReviewStatus.PENDING_FINAL: "pending",
        ReviewStatus.APPROVED: "approved", ReviewStatus.REJECTED: "rejected"}
TAB_LABELS = {"draft": "待提交", "pending": "待审核", "approved": "审核通过", "rejected": "审核不通过"}


def level_of(status: ReviewStatus) -> str:
    for level, pending in LEVEL_STATUS.items():
        if pending is status:
            return level
    raise Conflict(f"{status.label}的记录不在审核中", code="wrong_state")


def next_status(current: ReviewStatus, action: ReviewAction, levels: tuple[str, ...],
                reason: str | None = None) -> ReviewStatus:
    """The status after ``action``, or a Conflict/ValidationFailed saying why not."""
    if action is ReviewAction.SUBMIT:
        if current not in EDITABLE:
            raise Conflict(f"{current.label}的记录不能提交", code="wrong_state")
        return LEVEL_STATUS[levels[0]]
    if action is ReviewAction.WITHDRAW:
        if current is not ReviewStatus.PENDING_FIRST:
            raise Conflict("只有待初审的记录可以撤回", code="withdraw_not_allowed")
        return ReviewStatus.DRAFT
    if action is ReviewAction.EDIT:
        if current not in EDITABLE:
            raise Conflict(f"{current.label}的记录不能修改", code="not_editable")
        return current
    if action is ReviewAction.CHANGE:
        if current is not ReviewStatus.APPROVED:
            raise Conflict("只有审核通过（已生效）的记录可以变更", code="change_not_allowed")
        return ReviewStatus.DRAFT
    if action in (ReviewAction.APPROVE, ReviewAction.REJECT):
        level = level_of(current)
        if level not in levels:
            raise Conflict("该类记录没有此审核级别", code="wrong_state")
        if action is ReviewAction.REJECT:
            if not (reason or "").strip():
                raise ValidationFailed.on("reason", "审核不通过须填写原因", code="reason_required")
            return ReviewStatus.REJECTED
        position = levels.index(level)
        return LEVEL_STATUS[levels[position + 1]] if position + 1 < len(levels) else ReviewStatus.APPROVED
    raise Conflict(f"不支持的操作 {action.value}", code="wrong_state")


def check_four_eyes(level: str, action: ReviewAction, first_approver: str | None, reviewer: str) -> None:
    """Four eyes (issue 13): whoever approved a submission at the first level may not approve it
    at the final level; another reviewer must. (Rejecting stays open to anyone.)"""
    if level == FINAL and action is ReviewAction.APPROVE and first_approver is not None and first_approver == reviewer:
        raise Forbidden("初审通过人不能复审通过同一记录，请由其他审核人复审", code="four_eyes_required")


def outcome_for_state_machine(action: ReviewAction) -> str:
    """What the waiting Step Functions task is told."""
    return {ReviewAction.APPROVE: "approve", ReviewAction.REJECT: "reject",
            ReviewAction.WITHDRAW: "withdraw"}[action]


MAX_EXECUTION_NAME = 80  # Step Functions' limit


def execution_name(record_id: str, revision: int, submission: int) -> str:
    """Unique per submission of a revision; long record ids are shortened by a hash."""
    import hashlib

    suffix = f"-r{revision}-s{submission}"
    if len(record_id) + len(suffix) > MAX_EXECUTION_NAME:
        record_id = record_id[:40] + "-" + hashlib.sha256(record_id.encode()).hexdigest()[:16]
    return record_id + suffix
