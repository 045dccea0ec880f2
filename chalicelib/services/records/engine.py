"""The generic record lifecycle: create, edit, submit, withdraw, change,
decide (one or a batch), lists, detail and change history. Kind-specific
rules live in ``kinds.py``; the transition table in ``domain/review.py``."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from chalicelib import clock
from chalicelib.domain import review as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import RecordKind, ReviewAction, ReviewStatus
from chalicelib.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from chalicelib.schemas.records import (
    BatchResult, BatchResults, HistoryEntry, HistoryPage, QueueCount, QueueCounts, QueueItem, QueuePage,
    RecordDetail, RecordPage, RecordView, RevisionView,
)
from chalicelib.services.identity.common import by, entry, iso, new_id
from chalicelib.services.records import signals
from chalicelib.services.records.kinds import KINDS, KindSpec, Prepared
from chalicelib.store import audit
from chalicelib.store import records as store
from chalicelib.store.records import FileRefItem, HeadItem, RevisionItem, SignalItem
from chalicelib.store.uow import UnitOfWork

NO_RECORD = NotFound("记录不存在", code="record_not_found")


@dataclass
class Loaded:
    spec: KindSpec
    head: HeadItem
    rev: RevisionItem


def _spec(kind: RecordKind) -> KindSpec:
    if kind not in KINDS:
        raise NotFound(f"暂不支持{kind.label}", code="kind_not_supported")
    return KINDS[kind]


def _load(record_id: str, kind: RecordKind | None = None, org_id: str | None = None,
          revision: int | None = None) -> Loaded:
    head = store.get_head(record_id)
    if head is None or (kind is not None and head.kind != kind.value) or (org_id and head.org_id != org_id):
        raise NO_RECORD
    rev = store.get_revision(record_id, revision if revision is not None else int(head.current_rev))
    if rev is None:
        raise NO_RECORD
    return Loaded(KINDS[RecordKind(head.kind)], head, rev)


def view(head: HeadItem, rev: RevisionItem) -> RecordView:
    status = ReviewStatus(rev.status)
    kind = RecordKind(head.kind)
    return RecordView(
        record_id=head.record_id, kind=kind.value, kind_label=kind.label, org_id=head.org_id, title=head.title,
        status=status.value, status_label=status.label, tab=rules.TABS[status],
        current_revision=int(head.current_rev),
        effective_revision=int(head.effective_rev) if head.effective_rev is not None else None,
        data=rev.data_dict, file_ids=sorted(rev.file_ids or ()), submitted_at=rev.submitted_at, reason=rev.reason,
        updated_at=head.updated_at)


def _revision_view(rev: RevisionItem) -> RevisionView:
    status = ReviewStatus(rev.status)
    return RevisionView(revision=int(rev.revision), status=status.value, status_label=status.label,
                        data=rev.data_dict, file_ids=sorted(rev.file_ids or ()), submitted_at=rev.submitted_at,
                        decided_at=rev.decided_at, reason=rev.reason)


def _tab_keys(head: HeadItem, status: ReviewStatus, now) -> tuple[str, str]:
    """The head's gsi1 key: its organisation's tab of that kind, newest first."""
    return f"recs#{head.org_id}#{head.kind}#{rules.TABS[status]}", f"{iso(now)}#{head.record_id}"


def _queue_keys(status: ReviewStatus, kind: str, submitted_at: str, record_id: str) -> tuple[str, str]:
    """A pending revision's gsi2 key: the reviewers' queue of its kind and level, oldest first."""
    return f"queue#{kind}#{status.value}", f"{submitted_at}#{record_id}"


def _head_actions(head: HeadItem, status: ReviewStatus, now, **more) -> list:
    tab_pk, tab_sk = _tab_keys(head, status, now)
    actions = [HeadItem.current_status.set(status.value), HeadItem.updated_at.set(iso(now)),
               HeadItem.gsi1pk.set(tab_pk), HeadItem.gsi1sk.set(tab_sk)]
    return actions + [getattr(HeadItem, k).set(v) for k, v in more.items()]


def _queue_actions(status: ReviewStatus, kind: str, submitted_at: str, record_id: str) -> list:
    if status in rules.PENDING:
        queue_pk, queue_sk = _queue_keys(status, kind, submitted_at, record_id)
        return [RevisionItem.gsi2pk.set(queue_pk), RevisionItem.gsi2sk.set(queue_sk)]
    return [RevisionItem.gsi2pk.remove(), RevisionItem.gsi2sk.remove()]


def record_in_state(head: HeadItem, rev: RevisionItem, status: ReviewStatus, now, *, reason: str | None = None) -> None:
    """A new record's draft items (``draft_items``) as one submission and the review leave them at
    ``status`` (the province data generator, ops/province.py): tab, queue, effective revision."""
    head.current_status = rev.status = status.value
    head.gsi1pk, head.gsi1sk = _tab_keys(head, status, now)
    if status is ReviewStatus.DRAFT:
        return
    rev.submissions, rev.submitted_at = 1, iso(now)
    rev.execution_name = rules.execution_name(rev.record_id, 1, 1)
    if status in rules.PENDING:
        rev.gsi2pk, rev.gsi2sk = _queue_keys(status, head.kind, iso(now), head.record_id)
        return
    rev.decided_at, rev.reason = iso(now), reason
    if status is ReviewStatus.APPROVED:
        head.effective_rev = 1


def _file_refs(uow: UnitOfWork, prepared: Prepared, record_id: str) -> None:
    """"This file is referenced by that record": lets the record's reviewers download it."""
    for file_id in prepared.file_ids:
        uow.put(FileRefItem(pk=f"fileref#{file_id}", sk=f"rec#{record_id}", record_id=record_id))


def _signal(uow: UnitOfWork, rev: RevisionItem, signal: str, now, **fields) -> SignalItem:
    item = signals.outbox_item(store.rec_pk(rev.record_id), rev.record_id, int(rev.revision), signal, now, **fields)
    uow.put(item)
    return item


# -- the enterprise side -----------------------------------------------------

def draft_items(kind: RecordKind, org_id: str, record_id: str, title: str, data: dict[str, Any],
                file_ids: Iterable[str], now) -> tuple[HeadItem, RevisionItem]:
    """A new record's head and first revision, a draft: what ``create`` writes (the product import too)."""
    head = HeadItem(pk=store.rec_pk(record_id), sk="head", record_id=record_id, kind=kind.value, org_id=org_id,
                    title=title, current_rev=1, current_status=ReviewStatus.DRAFT.value,
                    created_at=iso(now), updated_at=iso(now),
                    gsi1pk=f"recs#{org_id}#{kind.value}#draft", gsi1sk=f"{iso(now)}#{record_id}")
    rev = RevisionItem(pk=store.rec_pk(record_id), sk=store.rev_sk(1), record_id=record_id, kind=kind.value,
                       org_id=org_id, revision=1, status=ReviewStatus.DRAFT.value,
                       data=json.dumps(data, ensure_ascii=False, sort_keys=True),
                       file_ids=set(file_ids) or None, created_at=iso(now), updated_at=iso(now))
    return head, rev


def create(p: Principal, kind: RecordKind, data: dict[str, Any]) -> RecordView:
    spec = _spec(kind)
    prepared = spec.prepare(p, data)
    now = clock.now()
    record_id = spec.record_id(p.org_id, prepared) or new_id()
    head, rev = draft_items(kind, p.org_id, record_id, prepared.title, prepared.data, prepared.file_ids, now)
    uow = UnitOfWork()
    uow.put(head, condition=HeadItem.pk.does_not_exist(),
            conflict=Conflict(f"本单位已有该{kind.label}，请在原记录上修改或变更", code="record_exists"))
    uow.put(rev, condition=RevisionItem.pk.does_not_exist())
    _file_refs(uow, prepared, record_id)
    uow.audit(entry(f"rec#{record_id}", "record_created", after=prepared.data, to_status="draft", at=now, **by(p)))
    uow.commit()
    return view(head, rev)


def edit(p: Principal, kind: RecordKind, record_id: str, data: dict[str, Any]) -> RecordView:
    loaded = _load(record_id, kind, p.org_id)
    rules.next_status(ReviewStatus(loaded.rev.status), ReviewAction.EDIT, rules.REVIEW_LEVELS[kind])
    prepared = loaded.spec.prepare(p, data)
    if prepared.key is not None and loaded.spec.record_id(p.org_id, prepared) != record_id:
        raise ValidationFailed("记录的编号不能修改，请新增一条记录", code="key_immutable")
    now = clock.now()
    before = loaded.rev.data_dict
    uow = UnitOfWork()
    uow.update(loaded.rev, [RevisionItem.data.set(json.dumps(prepared.data, ensure_ascii=False, sort_keys=True)),
                            RevisionItem.file_ids.set(set(prepared.file_ids)) if prepared.file_ids
                            else RevisionItem.file_ids.remove(), RevisionItem.updated_at.set(iso(now))])
    uow.update(loaded.head, [HeadItem.title.set(prepared.title), HeadItem.updated_at.set(iso(now))])
    _file_refs(uow, prepared, record_id)
    uow.audit(entry(f"rec#{record_id}", "record_edited", before=before, after=prepared.data, at=now, **by(p)))
    uow.commit()
    return get(p, kind, record_id)


def submit(p: Principal, kind: RecordKind, record_id: str) -> RecordView:
    loaded = _load(record_id, kind, p.org_id)
    levels = rules.REVIEW_LEVELS[kind]
    current = ReviewStatus(loaded.rev.status)
    target = rules.next_status(current, ReviewAction.SUBMIT, levels)
    loaded.spec.prepare(p, loaded.rev.data_dict)  # the rules may have changed since it was saved
    now = clock.now()
    submission = int(loaded.rev.submissions or 0) + 1
    name = rules.execution_name(record_id, int(loaded.rev.revision), submission)
    uow = UnitOfWork()
    uow.update(loaded.rev, [RevisionItem.status.set(target.value), RevisionItem.submissions.set(submission),
                            RevisionItem.submitted_at.set(iso(now)), RevisionItem.reason.remove(),
                            RevisionItem.first_approved_by.remove(),
                            RevisionItem.execution_name.set(name), RevisionItem.updated_at.set(iso(now)),
                            *_queue_actions(target, kind.value, iso(now), record_id)])
    uow.update(loaded.head, _head_actions(loaded.head, target, now))
    payload = {"record_id": record_id, "revision": int(loaded.rev.revision), "submission": submission,
               "kind": kind.value, "levels": {level: level in levels for level in (rules.FIRST, rules.FINAL)}}
    signal = _signal(uow, loaded.rev, "start", now, execution_name=name, payload=json.dumps(payload))
    uow.audit(entry(f"rec#{record_id}", "submitted", from_status=current.value, to_status=target.value, at=now,
                    **by(p)))
    uow.commit()
    signals.dispatch(signal)
    return get(p, kind, record_id)


def withdraw(p: Principal, kind: RecordKind, record_id: str) -> RecordView:
    loaded = _load(record_id, kind, p.org_id)
    current = ReviewStatus(loaded.rev.status)
    target = rules.next_status(current, ReviewAction.WITHDRAW, rules.REVIEW_LEVELS[kind])
    now = clock.now()
    uow = UnitOfWork()
    uow.update(loaded.rev, [RevisionItem.status.set(target.value), RevisionItem.updated_at.set(iso(now)),
                            *_queue_actions(target, kind.value, "", record_id)],
               conflict=Conflict("记录已被审核，不能撤回", code="withdraw_not_allowed"))
    uow.update(loaded.head, _head_actions(loaded.head, target, now))
    signal = _signal(uow, loaded.rev, "decision", now, level=rules.FIRST, outcome="withdraw")
    uow.audit(entry(f"rec#{record_id}", "withdrawn", from_status=current.value, to_status=target.value, at=now,
                    **by(p)))
    uow.commit()
    signals.dispatch(signal)
    return get(p, kind, record_id)


def change(p: Principal, kind: RecordKind, record_id: str) -> RecordView:
    """变更: a new draft revision; the approved one stays effective until the new one is approved."""
    loaded = _load(record_id, kind, p.org_id)
    rules.next_status(ReviewStatus(loaded.rev.status), ReviewAction.CHANGE, rules.REVIEW_LEVELS[kind])
    now = clock.now()
    number = int(loaded.rev.revision) + 1
    rev = RevisionItem(pk=store.rec_pk(record_id), sk=store.rev_sk(number), record_id=record_id, kind=kind.value,
                       org_id=p.org_id, revision=number, status=ReviewStatus.DRAFT.value, data=loaded.rev.data,
                       file_ids=loaded.rev.file_ids, created_at=iso(now), updated_at=iso(now))
    uow = UnitOfWork()
    uow.put(rev, condition=RevisionItem.pk.does_not_exist(),
            conflict=Conflict("已有进行中的变更", code="change_in_progress"))
    uow.update(loaded.head, _head_actions(loaded.head, ReviewStatus.DRAFT, now, current_rev=number))
    uow.audit(entry(f"rec#{record_id}", "change_started", from_status="approved", to_status="draft",
                    at=now, **by(p)))
    uow.commit()
    return get(p, kind, record_id)


def get(p: Principal, kind: RecordKind, record_id: str) -> RecordView:
    loaded = _load(record_id, kind, p.org_id)
    return view(loaded.head, loaded.rev)


def detail(record_id: str, org_id: str | None = None, kind: RecordKind | None = None) -> RecordDetail:
    loaded = _load(record_id, kind, org_id)
    revs = store.revisions(record_id)
    effective = next((r for r in revs if loaded.head.effective_rev is not None
                      and int(r.revision) == int(loaded.head.effective_rev)), None)
    return RecordDetail(record=view(loaded.head, loaded.rev), revisions=[_revision_view(r) for r in revs],
                        effective=_revision_view(effective) if effective else None)


def list_records(p: Principal, kind: RecordKind, tab: str, limit: int, cursor: str | None,
                 keyword: str | None = None) -> RecordPage:
    _spec(kind)
    page = store.heads_for(p.org_id, kind.value, tab, limit=limit, cursor=cursor, keyword=keyword)
    revs = {(r.record_id, int(r.revision)): r for r in RevisionItem.batch_get(
        [(h.pk, store.rev_sk(int(h.current_rev))) for h in page.items])} if page.items else {}
    return RecordPage(items=[view(h, revs[(h.record_id, int(h.current_rev))]) for h in page.items
                             if (h.record_id, int(h.current_rev)) in revs], next_cursor=page.next_cursor)


def history(record_id: str, limit: int, cursor: str | None, org_id: str | None = None) -> HistoryPage:
    from chalicelib.services import history as audit_history

    _load(record_id, None, org_id)
    return audit_history.page(f"rec#{record_id}", limit, cursor)


# -- the reviewer side -------------------------------------------------------

def decide(p: Principal, record_id: str, revision: int, level: str, decision: str,
           reason: str | None) -> RecordView:
    loaded = _load(record_id, revision=revision)
    if int(loaded.head.current_rev) != revision:
        raise Conflict("该修订已不是当前修订", code="wrong_state")
    kind = RecordKind(loaded.head.kind)
    levels = rules.REVIEW_LEVELS[kind]
    current = ReviewStatus(loaded.rev.status)
    action = ReviewAction.APPROVE if decision == "approve" else ReviewAction.REJECT
    if current not in rules.PENDING or rules.level_of(current) != level:
        raise Conflict(f"该记录当前为{current.label}，不在{'初审' if level == rules.FIRST else '复审'}环节",
                       code="wrong_state")
    target = rules.next_status(current, action, levels, reason=reason)
    rules.check_four_eyes(level, action, loaded.rev.first_approved_by, p.account_id)
    now = clock.now()
    reason = (reason or "").strip() or None
    uow = UnitOfWork()
    rev_actions = [RevisionItem.status.set(target.value), RevisionItem.updated_at.set(iso(now)),
                   *_queue_actions(target, kind.value, loaded.rev.submitted_at or iso(now), record_id)]
    if level == rules.FIRST and action is ReviewAction.APPROVE:  # the revision's version guards this read
        rev_actions.append(RevisionItem.first_approved_by.set(p.account_id))
    if target in (ReviewStatus.APPROVED, ReviewStatus.REJECTED):
        rev_actions.append(RevisionItem.decided_at.set(iso(now)))
    rev_actions.append(RevisionItem.reason.set(reason) if reason else RevisionItem.reason.remove())
    uow.update(loaded.rev, rev_actions, conflict=Conflict("该记录已被其他审核人处理", code="concurrent_update"))
    extra = {"effective_rev": revision} if target is ReviewStatus.APPROVED else {}
    uow.update(loaded.head, _head_actions(loaded.head, target, now, **extra),
               conflict=Conflict("该记录已被其他审核人处理", code="concurrent_update"))
    signal = _signal(uow, loaded.rev, "decision", now, level=level, outcome=rules.outcome_for_state_machine(action))
    uow.audit(entry(f"rec#{record_id}", f"{level}_review_{action.value}", from_status=current.value,
                    to_status=target.value, reason=reason, at=now, **by(p)))
    uow.commit()
    signals.dispatch(signal)
    return view(store.get_head(record_id), store.get_revision(record_id, revision))


def decide_many(p: Principal, items: Iterable) -> BatchResults:
    results = []
    for item in items:
        try:
            done = decide(p, item.record_id, item.revision, item.level, item.decision, item.reason)
            results.append(BatchResult(record_id=item.record_id, revision=item.revision, ok=True, status=done.status))
        except DomainError as exc:
            results.append(BatchResult(record_id=item.record_id, revision=item.revision, ok=False,
                                       error_code=exc.code, error_message=exc.message))
    ok = sum(r.ok for r in results)
    return BatchResults(items=results, succeeded=ok, failed=len(results) - ok)


def queue(kind: RecordKind, level: str, limit: int, cursor: str | None) -> QueuePage:
    status = rules.LEVEL_STATUS[level]
    page = store.queue(kind.value, status.value, limit=limit, cursor=cursor)
    heads = {h.record_id: h for h in HeadItem.batch_get([(r.pk, "head") for r in page.items])} if page.items else {}
    return QueuePage(items=[QueueItem(record_id=r.record_id, revision=int(r.revision), kind=kind.value,
                                      kind_label=kind.label, org_id=r.org_id,
                                      title=heads[r.record_id].title if r.record_id in heads else "",
                                      status=r.status, submitted_at=r.submitted_at) for r in page.items],
                     next_cursor=page.next_cursor)


def counts() -> QueueCounts:
    return QueueCounts(items=[QueueCount(kind=k.value, kind_label=k.label,
                                         pending_first=store.queue_count(k.value, "pending_first"),
                                         pending_final=store.queue_count(k.value, "pending_final"))
                              for k in KINDS])


def my_decisions(p: Principal, limit: int, cursor: str | None) -> HistoryPage:
    page = audit.by_actor(f"account#{p.account_id}", limit=limit, cursor=cursor)
    return HistoryPage(items=[HistoryEntry(at=e["at"], action=e["action"], actor=e["subject"],
                                           from_status=e["from_status"], to_status=e["to_status"],
                                           reason=e["reason"], diff=e["diff"]) for e in page.items
                              if e["subject"].startswith("rec#")], next_cursor=page.next_cursor)


def file_referenced_for_review(p: Principal, file_id: str) -> bool:
    """Reviewers may download the files the records they review reference."""
    from chalicelib.domain.enums import ActorKind, Permission

    if p.org_kind is not ActorKind.PLATFORM or Permission.QUALIFICATION_REVIEW not in p.permissions:
        return False
    return any(True for _ in FileRefItem.query(f"fileref#{file_id}", limit=1))

