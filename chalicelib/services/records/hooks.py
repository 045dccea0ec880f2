"""What qualification records add to other features (extension points in
``chalicelib/extensions.py``):
- role certification: distributor roles need enterprise basic info submitted;
- login: the self-distribution declaration is due, or was rejected;
- procurement entry: distribution enterprises must have submitted it first
  (Qinghai §六: "必须进行自配送填报后才能进入招采系统");
- documents: reviewers may download the files of records they review."""
from __future__ import annotations

from chalicelib.domain.enums import PendingAction, RecordKind, ReviewStatus, UnitRole
from chalicelib.domain.errors import Conflict
from chalicelib.domain.identity.rules import DISTRIBUTOR_ROLES
from chalicelib.store import records as store

SUBMITTED = frozenset({ReviewStatus.PENDING_FIRST, ReviewStatus.PENDING_FINAL, ReviewStatus.APPROVED})


def _status(kind: RecordKind, org_id: str) -> tuple[ReviewStatus | None, bool]:
    """(current revision's status, whether some revision is effective)."""
    head = store.get_head(f"{kind.value}-{org_id}")
    if head is None:
        return None, False
    return ReviewStatus(head.current_status), head.effective_rev is not None


def has_enterprise_basic_info(org_id: str) -> bool:
    status, effective = _status(RecordKind.ENTERPRISE_INFO, org_id)
    return effective or status in SUBMITTED


def _is_distributor(org) -> bool:
    return bool(org and org.certified_role and UnitRole(org.certified_role) in DISTRIBUTOR_ROLES)


def self_distribution_actions(account, org, now) -> list[PendingAction]:
    if not _is_distributor(org):
        return []
    status, effective = _status(RecordKind.SELF_DISTRIBUTION, org.org_id)
    if status is ReviewStatus.REJECTED:
        return [PendingAction.SELF_DISTRIBUTION_REJECTED]
    if status not in SUBMITTED and not effective:
        return [PendingAction.SELF_DISTRIBUTION_DUE]
    return []


def require_self_distribution(org) -> None:
    if not _is_distributor(org):
        return
    status, effective = _status(RecordKind.SELF_DISTRIBUTION, org.org_id)
    if status not in SUBMITTED and not effective:
        raise Conflict("配送类企业须先提交自配送填报，才能进入招采系统", code="self_distribution_required")
