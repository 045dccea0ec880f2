"""Procurement projects in the ``main`` table.

- project: ``pk = project#<id>``, ``sk = project``
  - ``gsi1``: ``projects#status#<stored status>`` / ``<created_at>#<id>``: the center's list by status
  - ``gsi2``: ``projects#due`` / ``<next due instant>#<id>``: sparse, only while a status change is
    ahead (published and not finished), so the schedule finds due projects with one Query
- announcement (公告): ``pk = project#<id>``, ``sk = announcement``, written when the project is
  published; ``gsi1``: ``announcements`` / ``<published_at>#<id>``: the public list, newest first.
  The windows cannot change after publication, so the copy never goes stale.

Instants in keys use one fixed UTC format (``2026-03-01T01:00:00.000000Z``) so they sort as strings.
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.projects import Windows
from chalicelib.store.paging import Page, cursor_codec, query_page
from chalicelib.store.tables import MainTable

DUE = "projects#due"
ANNOUNCEMENTS = "announcements"


def key_instant(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def project_pk(project_id: str) -> str:
    return f"project#{project_id}"


def status_pk(status: str) -> str:
    return f"projects#status#{status}"


def due_sk(at: datetime, project_id: str) -> str:
    return f"{key_instant(at)}#{project_id}"


class Attachment(MapAttribute):
    """A PDF attached to a project (附件): a verified file of the center, copied into the announcement."""

    file_id = UnicodeAttribute()
    title = UnicodeAttribute()
    filename = UnicodeAttribute()
    key = UnicodeAttribute()  # the verified bytes: orgs/<org>/files/<file_id>.pdf
    size = NumberAttribute(null=True)
    pages = NumberAttribute(null=True)
    added_at = UnicodeAttribute()


class _PublicFields:
    """What a project and its announcement copy share: the public fields and the windows."""

    project_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    announcement = UnicodeAttribute()
    declaration_start = UnicodeAttribute()
    declaration_end = UnicodeAttribute()
    publication_start = UnicodeAttribute()
    publication_end = UnicodeAttribute()
    attachments = ListAttribute(of=Attachment, null=True)

    @property
    def windows(self) -> Windows:
        return Windows(parse_instant(self.declaration_start), parse_instant(self.declaration_end),
                       parse_instant(self.publication_start), parse_instant(self.publication_end))


class ProjectItem(_PublicFields, MainTable):
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    published_at = UnicodeAttribute(null=True)
    # Moved by hand (ADD 1) in every conditional update, which also names the version it read; a PynamoDB
    # VersionAttribute would add its own condition and increment to each transaction item.
    version = NumberAttribute(default=1)

    @property
    def published(self) -> bool:
        return self.published_at is not None


class AnnouncementItem(_PublicFields, MainTable):
    """The public copy written at publication (attachments as they were then)."""

    published_at = UnicodeAttribute()


def get(project_id: str) -> ProjectItem | None:
    try:
        return ProjectItem.get(project_pk(project_id), "project", consistent_read=True)
    except DoesNotExist:
        return None


def get_announcement(project_id: str) -> AnnouncementItem | None:
    try:
        return AnnouncementItem.get(project_pk(project_id), "announcement")
    except DoesNotExist:
        return None


def announcement_of(item: ProjectItem) -> AnnouncementItem:
    return AnnouncementItem(
        pk=project_pk(item.project_id), sk="announcement", project_id=item.project_id, kind=item.kind,
        name=item.name, announcement=item.announcement, declaration_start=item.declaration_start,
        declaration_end=item.declaration_end, publication_start=item.publication_start,
        publication_end=item.publication_end, published_at=item.published_at, attachments=item.attachments,
        gsi1pk=ANNOUNCEMENTS, gsi1sk=f"{item.published_at}#{item.project_id}")


def list_by_status(status: str, *, limit: int, cursor: str | None) -> Page[ProjectItem]:
    pk = status_pk(status)
    return query_page(ProjectItem.gsi1.query, scope=pk, key_names=("pk", "sk", "gsi1pk", "gsi1sk"),
                      limit=limit, cursor=cursor, hash_key=pk, scan_index_forward=False)


def list_announcements(*, limit: int, cursor: str | None) -> Page[AnnouncementItem]:
    return query_page(AnnouncementItem.gsi1.query, scope=ANNOUNCEMENTS,
                      key_names=("pk", "sk", "gsi1pk", "gsi1sk"), limit=limit, cursor=cursor,
                      hash_key=ANNOUNCEMENTS, scan_index_forward=False)


def due(now: datetime, limit: int = 100):
    """Projects whose next status change is at or before ``now`` (one Query on gsi2, paged by DynamoDB)."""
    # '~' sorts after every character of a project id, so a project due exactly at ``now`` is included.
    return ProjectItem.gsi2.query(DUE, ProjectItem.gsi2sk <= f"{key_instant(now)}#~", page_size=limit)


# -- project catalog and declarations --------------------------------------------
# - catalog entry: ``project#<id>`` / ``catalog#<code27>``
# - declaration:   ``project#<id>`` / ``decl#<org_id>#<code27>`` (one per enterprise and product: the key
#   itself refuses duplicates)

def catalog_sk(code27: str) -> str:
    return f"catalog#{code27}"


def declaration_sk(org_id: str, code27: str) -> str:
    return f"decl#{org_id}#{code27}"


def group_pk(project_id: str, bid_group: str) -> str:
    return f"project#{project_id}#group#{bid_group}"


class CatalogEntryItem(MainTable):
    """gsi1: ``project#<id>#group#<bid_group>`` / ``<code27>`` (the catalog by bid group). Written with
    UpdateItem (``store.project_catalog.entry_actions``) so that ``declarations`` survives a re-group."""

    project_id = UnicodeAttribute()
    code27 = UnicodeAttribute()
    bid_group = UnicodeAttribute()
    specification = UnicodeAttribute()
    model = UnicodeAttribute()
    added_at = UnicodeAttribute()
    item_name = UnicodeAttribute(null=True)  # the national catalog's 单件名称
    cert_no = UnicodeAttribute(null=True)  # its 注册备案号
    declarations = NumberAttribute(null=True)  # how many enterprises declared it (kept by declare/withdraw)


class DeclarationItem(MainTable):
    project_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    code27 = UnicodeAttribute()
    record_id = UnicodeAttribute()
    declared_at = UnicodeAttribute()
    declared_by = UnicodeAttribute()


def get_catalog_entry(project_id: str, code27: str) -> CatalogEntryItem | None:
    try:
        return CatalogEntryItem.get(project_pk(project_id), catalog_sk(code27), consistent_read=True)
    except DoesNotExist:
        return None


def get_declaration(project_id: str, org_id: str, code27: str) -> DeclarationItem | None:
    try:
        return DeclarationItem.get(project_pk(project_id), declaration_sk(org_id, code27), consistent_read=True)
    except DoesNotExist:
        return None


def list_catalog(project_id: str, *, limit: int, cursor: str | None, bid_group: str | None = None,
                 code27_prefix: str = "") -> Page[CatalogEntryItem]:
    """By code; with ``bid_group``, one Query on gsi1 (that group's entries by code)."""
    if bid_group is not None:
        gpk = group_pk(project_id, bid_group)
        return query_page(CatalogEntryItem.gsi1.query, scope=f"{gpk}#{code27_prefix}",
                          key_names=("pk", "sk", "gsi1pk", "gsi1sk"), limit=limit, cursor=cursor, hash_key=gpk,
                          range_key_condition=CatalogEntryItem.gsi1sk.startswith(code27_prefix)
                          if code27_prefix else None)
    pk = project_pk(project_id)
    prefix = catalog_sk(code27_prefix)
    return query_page(CatalogEntryItem.query, scope=f"{pk}#{prefix}", key_names=("pk", "sk"), limit=limit,
                      cursor=cursor, hash_key=pk, range_key_condition=CatalogEntryItem.sk.startswith(prefix))


def list_declarations(project_id: str, org_id: str | None, *, limit: int,
                      cursor: str | None) -> Page[DeclarationItem]:
    """One enterprise's declarations in a project (``org_id``), or every enterprise's (None), by key."""
    pk = project_pk(project_id)
    prefix = f"decl#{org_id}#" if org_id else "decl#"
    return query_page(DeclarationItem.query, scope=f"{pk}#{prefix}", key_names=("pk", "sk"), limit=limit,
                      cursor=cursor, hash_key=pk, range_key_condition=DeclarationItem.sk.startswith(prefix))


# -- the enterprise workbench (我的工作台) --------------------------------------------
# - declaration count: ``project#<id>`` / ``count#<org_id>``, ``declarations`` moved by ADD in the same
#   transaction as each declaration and deletion, so the workbench reads one item per project instead of
#   counting declarations.

def count_sk(org_id: str) -> str:
    return f"count#{org_id}"


class DeclarationCountItem(MainTable):
    project_id = UnicodeAttribute(null=True)
    org_id = UnicodeAttribute(null=True)
    declarations = NumberAttribute(default=0)


def declaration_counts(project_ids: list[str], org_id: str) -> dict[str, int]:
    """The enterprise's declaration count in each project (one BatchGetItem; absent = 0)."""
    keys = [(project_pk(p), count_sk(org_id)) for p in dict.fromkeys(project_ids)]
    found = {i.pk.removeprefix("project#"): int(i.declarations or 0)
             for i in DeclarationCountItem.batch_get(keys)} if keys else {}
    return {p: found.get(p, 0) for p in project_ids}


def list_open_announcements(now: datetime, *, limit: int, cursor: str | None,
                            include_finished: bool) -> Page[AnnouncementItem]:
    """Published projects, newest first; unless ``include_finished``, only those whose publication has not
    ended (a filter on the stored UTC instant, which sorts as a string)."""
    extra = {} if include_finished else {"filter_condition": AnnouncementItem.publication_end > key_instant(now)}
    return query_page(AnnouncementItem.gsi1.query, scope=f"{ANNOUNCEMENTS}#workbench#{int(include_finished)}",
                      key_names=("pk", "sk", "gsi1pk", "gsi1sk"), limit=limit, cursor=cursor,
                      hash_key=ANNOUNCEMENTS, scan_index_forward=False, **extra)


def catalog_batches(project_id: str, *, batch: int, cursor: str | None):
    """The project catalog in batches from ``cursor`` on: yields (entries, key of each entry) per DynamoDB page,
    for lists that keep only some entries and must resume at the exact entry they stopped at."""
    scope = f"{project_pk(project_id)}#candidates"
    codec = cursor_codec()
    start = codec.decode(scope, cursor)
    results = CatalogEntryItem.query(project_pk(project_id), CatalogEntryItem.sk.startswith("catalog#"),
                                     last_evaluated_key=start, page_size=batch)
    chunk: list[CatalogEntryItem] = []
    for item in results:
        chunk.append(item)
        if len(chunk) == batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def catalog_cursor(project_id: str, entry: CatalogEntryItem) -> str | None:
    serialized = entry.serialize()
    return cursor_codec().encode(f"{project_pk(project_id)}#candidates", {k: serialized[k] for k in ("pk", "sk")})


def declared_codes(project_id: str, org_id: str, codes: list[str]) -> set[str]:
    """Which of ``codes`` the enterprise has declared in the project (one BatchGetItem, at most 100 codes)."""
    keys = [(project_pk(project_id), declaration_sk(org_id, c)) for c in dict.fromkeys(codes)]
    return {i.code27 for i in DeclarationItem.batch_get(keys)} if keys else set()


def iter_declarations(project_id: str):
    """Every declaration of a project, by enterprise then code (DynamoDB pages followed; for exports)."""
    return DeclarationItem.query(project_pk(project_id), DeclarationItem.sk.startswith("decl#"))
