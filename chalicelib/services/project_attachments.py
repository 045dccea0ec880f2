"""Project attachments (附件, PDF): the center attaches verified PDFs of its own to a draft
project; publishing copies the list into the announcement, whose readers (anonymous
ones included) get a short-lived download link for each. See docs/projects.md.

The files come from the documents feature (``POST /files`` + complete, purpose
``project_attachment``); the verified bytes (``orgs/<org>/files/<id>.pdf``) never
change, so the announcement can keep pointing at them."""
from __future__ import annotations

from typing import Iterable

from chalicelib import clock, files
from chalicelib.domain import documents as doc_rules
from chalicelib.domain import project_catalog as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ProjectStatus
from chalicelib.domain.errors import NotFound
from chalicelib.schemas.projects import AnnouncementView, AttachmentCreate, AttachmentView, ProjectView
from chalicelib.services.identity.common import by, entry
from chalicelib.store import projects as store
from chalicelib.store.projects import Attachment, ProjectItem
from chalicelib.store.uow import UnitOfWork

PURPOSE = "project_attachment"  # the documents purpose to upload them with (not enforced: any verified PDF will do)
DOWNLOAD_TTL_S = 300


def attachment_views(attachments: Iterable[Attachment] | None) -> list[AttachmentView]:
    """The attachments, each with a presigned GET (signed locally: no AWS call)."""
    return [AttachmentView(
        file_id=a.file_id, title=a.title, filename=a.filename, size=int(a.size) if a.size is not None else None,
        pages=int(a.pages) if a.pages is not None else None,
        added_at=store.parse_instant(a.added_at).astimezone(clock.CHINA),
        url=files.presigned_download(a.key, doc_rules.content_disposition(a.filename), doc_rules.CONTENT_TYPE,
                                     DOWNLOAD_TTL_S),
        expires_in_s=DOWNLOAD_TTL_S) for a in attachments or ()]


def _draft(project_id: str) -> ProjectItem:
    from chalicelib.services import projects

    item = projects.get_or_404(project_id)
    if item.status != ProjectStatus.DRAFT.value or item.published:
        raise projects.NOT_DRAFT  # the announcement copy is written at publication and must not go stale
    return item


def _save(principal: Principal, item: ProjectItem, attachments: list[Attachment], action: str, change: dict
          ) -> ProjectView:
    from chalicelib.services import projects

    now = clock.now()
    actions = [ProjectItem.attachments.set(attachments) if attachments else ProjectItem.attachments.remove(),
               ProjectItem.updated_at.set(store.key_instant(now)), ProjectItem.version.add(1)]
    uow = UnitOfWork()
    # on the version read: a concurrent attach/detach/publish makes this one a 409 (concurrent_update)
    uow.update(item, actions, condition=(ProjectItem.status == ProjectStatus.DRAFT.value)
               & (ProjectItem.version == item.version))
    uow.audit(entry(f"project#{item.project_id}", action, **by(principal), **change, at=now))
    uow.commit()
    return projects.view(projects.get_or_404(item.project_id), now)


def attach(principal: Principal, project_id: str, body: AttachmentCreate) -> ProjectView:
    """Attach a verified PDF of the caller's organisation to a draft project (at most 10)."""
    from chalicelib.services import documents

    title = rules.attachment_title(body.title)
    item = _draft(project_id)
    current = list(item.attachments or [])
    rules.check_attachable([a.file_id for a in current], body.file_id)
    file = documents.require_verified(principal.org_id, body.file_id, "file_id")
    added = Attachment(file_id=file.file_id, title=title, filename=file.filename, key=file.key, size=file.size,
                       pages=file.pages, added_at=store.key_instant(clock.now()))
    return _save(principal, item, current + [added], "project_attachment_added",
                 {"after": {"file_id": file.file_id, "title": title, "filename": file.filename}})


def detach(principal: Principal, project_id: str, file_id: str) -> ProjectView:
    item = _draft(project_id)
    current = list(item.attachments or [])
    gone = [a for a in current if a.file_id == file_id]
    if not gone:
        raise NotFound("项目没有该附件", code="attachment_not_found")
    return _save(principal, item, [a for a in current if a.file_id != file_id], "project_attachment_deleted",
                 {"before": {"file_id": file_id, "title": gone[0].title}})


def get_announcement(project_id: str) -> AnnouncementView:
    """One published project's announcement, for anyone (no login)."""
    from chalicelib.services import projects

    item = store.get_announcement(project_id)
    if item is None:
        raise NotFound("公告不存在", code="announcement_not_found")
    return projects.announcement_view(item, clock.now())
