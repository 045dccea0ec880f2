"""Procurement projects (采购项目) run by the platform center: create, edit while
draft, publish, list, announcements (公告通知), and the schedule that moves each
project's stored status along its windows."""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.domain import access as access_rules
from chalicelib.domain import consumables
from chalicelib.domain import project_catalog as catalog_rules
from chalicelib.domain import projects as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ProjectKind, ProjectStatus, RecordKind
from chalicelib.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from chalicelib.logs import get_logger
from chalicelib.schemas.identity import Done
from chalicelib.schemas.projects import (
    AnnouncementPage, AnnouncementView, CatalogEntryPage, CatalogEntryPut, CatalogEntryQuery, CatalogEntryView,
    DeclarationBatch, DeclarationBatchResult, DeclarationCreate, DeclarationOutcome, DeclarationPage, DeclarationView,
    ProjectCreate, ProjectPage, ProjectPatch, ProjectQuery, ProjectView,
)
from chalicelib.services import project_events
from chalicelib.services.identity.common import by, entry, new_id
from chalicelib.services.project_attachments import attachment_views
from chalicelib.store import project_catalog
from chalicelib.store import projects as store
from chalicelib.store.projects import (
    AnnouncementItem, CatalogEntryItem, DeclarationCountItem, DeclarationItem, ProjectItem,
)
from chalicelib.store.uow import UnitOfWork

log = get_logger("projects")
CENTER = rules.CENTER
SCHEDULE_ACTOR = "system:schedule"
NOT_FOUND = NotFound("项目不存在", code="project_not_found")
NOT_DRAFT = Conflict("项目已发布，不能再修改", code="project_not_draft")


def _cn(value: str | None) -> datetime | None:
    return store.parse_instant(value).astimezone(clock.CHINA) if value else None


def is_center(principal: Principal | None) -> bool:
    try:
        access_rules.check(CENTER, principal)
    except DomainError:
        return False
    return True


def _snapshot(item: ProjectItem) -> dict:
    return {name: getattr(item, name) for name in ("kind", "name", "announcement", *rules.WINDOW_FIELDS)}


def _public(item: ProjectItem | AnnouncementItem, published: bool, now: datetime) -> dict:
    """The fields a project and its announcement show alike, the status computed at ``now``."""
    status = rules.status_at(item.windows, published, now)
    kind = ProjectKind(item.kind)
    return dict(project_id=item.project_id, kind=kind.value, kind_label=kind.label, name=item.name,
                announcement=item.announcement, **{f: _cn(getattr(item, f)) for f in rules.WINDOW_FIELDS},
                status=status.value, status_label=status.label, published_at=_cn(item.published_at),
                attachments=attachment_views(item.attachments))


def view(item: ProjectItem, now: datetime | None = None) -> ProjectView:
    now = now or clock.now()
    due = rules.next_due(item.windows, item.published, now)
    return ProjectView(**_public(item, item.published, now),
                       next_transition_at=due.astimezone(clock.CHINA) if due else None,
                       created_at=_cn(item.created_at), updated_at=_cn(item.updated_at))


def announcement_view(item: AnnouncementItem, now: datetime) -> AnnouncementView:
    return AnnouncementView(**_public(item, True, now))


def get_or_404(project_id: str) -> ProjectItem:
    item = store.get(project_id)
    if item is None:
        raise NOT_FOUND
    return item


def create(principal: Principal, body: ProjectCreate) -> ProjectView:
    windows = rules.Windows.of(body.declaration_start, body.declaration_end, body.publication_start,
                               body.publication_end)
    now = clock.now()
    project_id = new_id()
    at = store.key_instant(now)
    item = ProjectItem(
        pk=store.project_pk(project_id), sk="project", project_id=project_id, kind=body.kind.value,
        name=body.name, announcement=body.announcement,
        **{f: store.key_instant(getattr(windows, f)) for f in rules.WINDOW_FIELDS},
        status=ProjectStatus.DRAFT.value, created_at=at, created_by=f"account#{principal.account_id}",
        updated_at=at, version=1, gsi1pk=store.status_pk(ProjectStatus.DRAFT.value), gsi1sk=f"{at}#{project_id}")
    uow = UnitOfWork()
    uow.put(item, condition=ProjectItem.pk.does_not_exist())
    uow.audit(entry(f"project#{project_id}", "project_created", **by(principal), after=_snapshot(item),
                    to_status=ProjectStatus.DRAFT.value, at=now))
    uow.commit()
    return view(item, now)


def update(principal: Principal, project_id: str, body: ProjectPatch) -> ProjectView:
    item = get_or_404(project_id)
    if item.status != ProjectStatus.DRAFT.value or item.published:
        raise NOT_DRAFT
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    current = item.windows
    windows = rules.Windows.of(*(changes.get(f, getattr(current, f)) for f in rules.WINDOW_FIELDS))
    before = _snapshot(item)
    after = {**before, **{k: v for k, v in changes.items() if k in ("name", "announcement")},
             **{f: store.key_instant(getattr(windows, f)) for f in rules.WINDOW_FIELDS}}
    if after == before:
        return view(item)
    now = clock.now()
    actions = [getattr(ProjectItem, k).set(v) for k, v in after.items() if v != before[k]]
    actions += [ProjectItem.updated_at.set(store.key_instant(now)), ProjectItem.version.add(1)]
    uow = UnitOfWork()
    uow.update(item, actions, condition=(ProjectItem.status == ProjectStatus.DRAFT.value)
               & (ProjectItem.version == item.version), conflict=NOT_DRAFT)
    uow.audit(entry(f"project#{project_id}", "project_updated", **by(principal), before=before, after=after, at=now))
    uow.commit()
    return view(get_or_404(project_id), now)


def publish(principal: Principal, project_id: str) -> ProjectView:
    """Publish a draft: the announcement appears, and the status follows the windows from now on."""
    item = get_or_404(project_id)
    windows = item.windows
    if item.status != ProjectStatus.DRAFT.value:
        raise NOT_DRAFT
    now = clock.now()
    rules.check_publishable(windows, item.published, now)
    target = rules.status_at(windows, True, now)
    due = rules.next_due(windows, True, now)
    at = store.key_instant(now)
    actions = [ProjectItem.status.set(target.value), ProjectItem.published_at.set(at),
               ProjectItem.updated_at.set(at), ProjectItem.version.add(1),
               ProjectItem.gsi1pk.set(store.status_pk(target.value))]
    if due is not None:
        actions += [ProjectItem.gsi2pk.set(store.DUE), ProjectItem.gsi2sk.set(store.due_sk(due, project_id))]
    uow = UnitOfWork()
    uow.update(item, actions, condition=(ProjectItem.status == ProjectStatus.DRAFT.value)
               & (ProjectItem.version == item.version), conflict=NOT_DRAFT)
    item.published_at = at
    uow.put(store.announcement_of(item), condition=AnnouncementItem.pk.does_not_exist(), conflict=NOT_DRAFT)
    subject = f"project#{project_id}"
    steps = rules.path(ProjectStatus.DRAFT, target)
    for index, (before, after) in enumerate(steps):
        action = "project_published" if before is ProjectStatus.DRAFT else "project_status_advanced"
        uow.audit(entry(subject, action, **by(principal), from_status=before.value, to_status=after.value,
                        at=now + timedelta(microseconds=index)))
    # one notification per transition, in this transaction (the outbox); published right after the commit
    project_events.record(uow, project_id, item.kind, item.name, steps, now, lambda s: rules.entered_at(windows, s))
    uow.commit()
    project_events.deliver_project(project_id)
    return view(get_or_404(project_id), now)


def get(principal: Principal, project_id: str) -> ProjectView:
    """The center sees any project; everyone else only published ones (a draft is not found)."""
    item = get_or_404(project_id)
    if not item.published and not is_center(principal):
        raise NOT_FOUND
    return view(item)


def list_projects(query: ProjectQuery) -> ProjectPage:
    page = store.list_by_status(query.status.value, limit=query.limit, cursor=query.cursor)
    now = clock.now()
    return ProjectPage(items=[view(i, now) for i in page.items], next_cursor=page.next_cursor)


def list_announcements(limit: int, cursor: str | None) -> AnnouncementPage:
    page = store.list_announcements(limit=limit, cursor=cursor)
    now = clock.now()
    return AnnouncementPage(items=[announcement_view(i, now) for i in page.items], next_cursor=page.next_cursor)


# -- the schedule --------------------------------------------------------------

def advance_one(item: ProjectItem, now: datetime) -> list[tuple[ProjectStatus, ProjectStatus]]:
    """Move one project to the status its windows say at ``now``; returns the transitions made.

    Conditional on the stored status and version, so two runs (or a run racing
    an edit) never apply a transition twice."""
    windows = item.windows
    current = ProjectStatus(item.status)
    target = rules.status_at(windows, item.published, now)
    steps = rules.path(current, target)
    due = rules.next_due(windows, item.published, now)
    actions = [ProjectItem.version.add(1)]
    if steps:
        actions += [ProjectItem.status.set(target.value), ProjectItem.updated_at.set(store.key_instant(now)),
                    ProjectItem.gsi1pk.set(store.status_pk(target.value))]
    if due is None:
        actions += [ProjectItem.gsi2pk.remove(), ProjectItem.gsi2sk.remove()]
    else:
        actions.append(ProjectItem.gsi2sk.set(store.due_sk(due, item.project_id)))
    uow = UnitOfWork()
    uow.update(item, actions, condition=(ProjectItem.status == item.status) & (ProjectItem.version == item.version),
               conflict=Conflict("项目已被其他进程更新", code="project_changed"))
    for index, (before, after) in enumerate(steps):
        due_at = rules.entered_at(windows, after)
        reason = f"按时间窗口于 {due_at.astimezone(clock.CHINA).isoformat()} 到期" if due_at else None
        # one microsecond apart, so the audit log keeps the transitions in order
        uow.audit(entry(f"project#{item.project_id}", "project_status_advanced", actor=SCHEDULE_ACTOR,
                        from_status=before.value, to_status=after.value, reason=reason,
                        at=now + timedelta(microseconds=index)))
    project_events.record(uow, item.project_id, item.kind, item.name, steps, now,
                          lambda s: rules.entered_at(windows, s))
    uow.commit()
    if steps:
        project_events.deliver_project(item.project_id)
    return steps


def advance_due(now: datetime | None = None) -> int:
    """Advance every project whose next due instant has passed (the scheduled function).

    Idempotent and safe to run late: each project jumps straight to the status
    its windows say now, with every transition in between audited and notified
    (one SNS message each, through the outbox: services/project_events.py)."""
    now = now or clock.now()
    # first what earlier runs (or requests) could not publish, so it goes out before newer transitions
    resent = project_events.sweep(now)
    if resent:
        log.warning("project events published by the schedule's sweep", extra={"count": resent})
    moved = 0
    for item in store.due(now):
        try:
            steps = advance_one(item, now)
        except Conflict:
            log.info("project changed concurrently; left for the next run", extra={"project_id": item.project_id})
            continue
        moved += len(steps)
        for before, after in steps:
            log.info("project status advanced", extra={"project_id": item.project_id, "from": before.value,
                                                       "to": after.value})
    return moved


# -- project catalog -------------------------------------------------------------

def _visible_or_404(principal: Principal, project_id: str) -> ProjectItem:
    item = get_or_404(project_id)
    if not item.published and not is_center(principal):
        raise NOT_FOUND
    return item


def catalog_view(entry_item: CatalogEntryItem) -> CatalogEntryView:
    return CatalogEntryView(project_id=entry_item.project_id, code27=entry_item.code27,
                            bid_group=entry_item.bid_group, specification=entry_item.specification,
                            model=entry_item.model, item_name=entry_item.item_name, cert_no=entry_item.cert_no,
                            added_at=_cn(entry_item.added_at))


def put_catalog_entry(principal: Principal, project_id: str, code27: str, body: CatalogEntryPut) -> CatalogEntryView:
    """Add (or re-group) one product of the national catalog in the project catalog, until declarations end."""
    from chalicelib.store import catalog

    code = consumables.code27(code27)
    project = get_or_404(project_id)
    now = clock.now()
    if now >= project.windows.declaration_end:
        raise Conflict("申报已截止，项目目录不能再修改", code="declaration_window_passed")
    product = catalog.get_product(code)
    if product is None:
        raise ValidationFailed.on("code27", "国家耗材目录中没有该规格型号编码", code="not_in_catalog")
    group = catalog_rules.bid_group(body.bid_group)  # normalised as the import does
    existing = store.get_catalog_entry(project_id, code)
    # an update, not a put: the entry's declarations counter survives a re-group
    key = project_catalog.entry_key(project_id, code)
    uow = UnitOfWork()
    uow.update(key, project_catalog.entry_actions(project_id, product, catalog.get_item(product.code20),
                                                  group, store.key_instant(now)))
    uow.audit(entry(f"project#{project_id}", "project_catalog_entry_put", **by(principal),
                    before={"code27": code, "bid_group": existing.bid_group} if existing else None,
                    after={"code27": code, "bid_group": group}, at=now))
    uow.commit()
    return catalog_view(store.get_catalog_entry(project_id, code))


def list_catalog(principal: Principal, project_id: str, query: CatalogEntryQuery) -> CatalogEntryPage:
    _visible_or_404(principal, project_id)
    page = store.list_catalog(project_id, limit=query.limit, cursor=query.cursor, bid_group=query.bid_group,
                              code27_prefix=query.code27_prefix)
    return CatalogEntryPage(items=[catalog_view(i) for i in page.items], next_cursor=page.next_cursor)


# -- declarations (产品申报) ----------------------------------------------------------

def _declaration_view(item: DeclarationItem, bid_group: str | None = None) -> DeclarationView:
    return DeclarationView(project_id=item.project_id, org_id=item.org_id, code27=item.code27, bid_group=bid_group,
                           record_id=item.record_id, declared_at=_cn(item.declared_at))


def product_record_id(org_id: str, code27: str) -> str:
    """The enterprise's own product record for a code (records are keyed by organisation and code)."""
    return f"{RecordKind.PRODUCT.value}-{org_id}-{code27}"


def is_approved_own(head, org_id: str) -> bool:
    """A product record approved (it has an effective revision) in the enterprise's own library."""
    return head is not None and head.org_id == org_id and head.effective_rev is not None


def _still_passes_entry_checks(org_id: str) -> None:
    """The gates of entering the procurement subsystem hold at each declaration too: a distribution enterprise
    whose self-distribution declaration was rejected since it entered may not declare (409
    self_distribution_required) until it submits again."""
    from chalicelib.services.identity import organisation
    from chalicelib.store import identity

    organisation.check_entry(identity.get_org(org_id))


def _count_item(project_id: str, org_id: str) -> DeclarationCountItem:
    return DeclarationCountItem(pk=store.project_pk(project_id), sk=store.count_sk(org_id))


def _count_actions(project_id: str, org_id: str, delta: int) -> list:
    return [DeclarationCountItem.declarations.add(delta), DeclarationCountItem.project_id.set(project_id),
            DeclarationCountItem.org_id.set(org_id)]


def published_or_404(project_id: str) -> ProjectItem:
    """A published project (a draft is not found for anyone but the center)."""
    project = get_or_404(project_id)
    if not project.published:
        raise NOT_FOUND
    return project


def _declarable(project_id: str, now: datetime) -> ProjectItem:
    project = published_or_404(project_id)
    rules.check_declarable(project.windows, True, now)  # at the moment of the request, whatever the schedule did
    return project


def declare(principal: Principal, project_id: str, body: DeclarationCreate) -> DeclarationView:
    """Declare a product that is in the project catalog and approved in the enterprise's own library."""
    from chalicelib.store import records

    code = consumables.code27(body.code27)
    now = clock.now()
    _declarable(project_id, now)
    _still_passes_entry_checks(principal.org_id)
    catalog_entry = store.get_catalog_entry(project_id, code)
    if catalog_entry is None:
        raise ValidationFailed.on("code27", "该产品不在本项目的产品目录中", code="not_in_project_catalog")
    record_id = product_record_id(principal.org_id, code)
    if not is_approved_own(records.get_head(record_id), principal.org_id):
        raise ValidationFailed.on("code27", "该产品未在本企业产品库中审核通过", code="product_not_approved")
    item = DeclarationItem(pk=store.project_pk(project_id), sk=store.declaration_sk(principal.org_id, code),
                           project_id=project_id, org_id=principal.org_id, code27=code, record_id=record_id,
                           declared_at=store.key_instant(now), declared_by=f"account#{principal.account_id}")
    uow = UnitOfWork()
    uow.put(item, condition=DeclarationItem.pk.does_not_exist(),
            conflict=Conflict("该产品已申报，不能重复申报", code="already_declared"))
    # counted on the entry, so that the center cannot remove a declared product from the catalog
    uow.update(project_catalog.entry_key(project_id, code), [CatalogEntryItem.declarations.add(1)],
               condition=CatalogEntryItem.pk.exists(),
               conflict=ValidationFailed.on("code27", "该产品不在本项目的产品目录中", code="not_in_project_catalog"))
    uow.update(_count_item(project_id, principal.org_id), _count_actions(project_id, principal.org_id, +1))
    uow.audit(entry(f"project#{project_id}", "declaration_added", **by(principal),
                    after={"org_id": principal.org_id, "code27": code}, at=now))
    uow.commit()
    return _declaration_view(item, catalog_entry.bid_group)


def withdraw(principal: Principal, project_id: str, code27: str) -> Done:
    """Delete one of the enterprise's declarations, only while the window is open."""
    code = consumables.code27(code27)
    now = clock.now()
    _declarable(project_id, now)
    item = store.get_declaration(project_id, principal.org_id, code)
    missing = NotFound("申报记录不存在", code="declaration_not_found")
    if item is None:
        raise missing
    uow = UnitOfWork()
    uow.delete(item, condition=DeclarationItem.pk.exists(), conflict=missing)
    uow.update(project_catalog.entry_key(project_id, code), [CatalogEntryItem.declarations.add(-1)],
               condition=CatalogEntryItem.pk.exists())
    uow.update(_count_item(project_id, principal.org_id), _count_actions(project_id, principal.org_id, -1))
    uow.audit(entry(f"project#{project_id}", "declaration_deleted", **by(principal),
                    before={"org_id": principal.org_id, "code27": code}, at=now))
    uow.commit()
    return Done(message="已删除申报")


def list_declarations(principal: Principal, project_id: str, limit: int, cursor: str | None) -> DeclarationPage:
    """The caller's own declarations in a published project."""
    published_or_404(project_id)
    page = store.list_declarations(project_id, principal.org_id, limit=limit, cursor=cursor)
    return DeclarationPage(items=[_declaration_view(i) for i in page.items], next_cursor=page.next_cursor)


def declare_many(principal: Principal, project_id: str, body: DeclarationBatch) -> DeclarationBatchResult:
    """Declare each picked product in its own transaction (as ``declare`` does, all rules included) and report
    each outcome; a refusal of one never undoes another. The window is checked first for the whole batch, so a
    closed window is still a 409 for the request."""
    _declarable(project_id, clock.now())
    outcomes = []
    for code in dict.fromkeys(c.strip().upper() for c in body.code27s):
        try:
            made = declare(principal, project_id, DeclarationCreate(code27=code))
        except (ValidationFailed, Conflict) as error:
            if error.code in ("declaration_window_closed", "declaration_window_not_open"):
                raise  # the window closed during the batch: the rest would be refused too
            outcomes.append(DeclarationOutcome(code27=code, declared=False, error_code=error.code,
                                               message=error.message))
        else:
            outcomes.append(DeclarationOutcome(code27=made.code27, declared=True, declaration=made))
    declared = sum(o.declared for o in outcomes)
    return DeclarationBatchResult(declared=declared, refused=len(outcomes) - declared, items=outcomes)


def history(project_id: str, limit: int, cursor: str | None):
    """The project's audit log, newest first: creation, edits, publication, each status transition, catalog
    changes and imports, declarations added and deleted, results imported and published."""
    from chalicelib.services import history as audit_history

    get_or_404(project_id)
    return audit_history.page(f"project#{project_id}", limit, cursor)
