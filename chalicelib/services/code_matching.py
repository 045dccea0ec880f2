"""Product code matching (产品对码, Jilin §6): an enterprise maps each of its listed products (挂网产品 = its rows
in published project results) to a national base product record (国家医保耗材编码库, code27).

The mapping lives on the result row (``match_*``, ``match_version``); every change is one conditional update
plus an audit entry on ``listing#<listing_id>`` (the history). See docs/projects.md "Product code matching"."""
from __future__ import annotations

from chalicelib import clock
from chalicelib.domain import consumables
from chalicelib.domain import project_results as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ProjectKind
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.schemas.project_results import (
    CandidateList, CandidateView, ListingPage, ListingQuery, ListingView, MatchDelete, MatchPut, MatchView, ProjectRef,
)
from chalicelib.schemas.records import HistoryPage
from chalicelib.services.identity.common import by, entry
from chalicelib.store import project_results as store
from chalicelib.store import projects as project_store
from chalicelib.store.project_results import ResultRowItem, ResultsHeadItem
from chalicelib.store.projects import ProjectItem
from chalicelib.store.uow import UnitOfWork

# A certified enterprise in the procurement subsystem, through an operator or sub-account holding 产品对码.
# (The route declares the permission and the actor; role and entry are checked here, as services.projects.DECLARER.)
NOT_FOUND = NotFound("挂网产品不存在", code="listing_not_found")
CHANGED = Conflict("该挂网产品的对码已被他人修改，请刷新后重试", code="listing_changed")
MAX_CANDIDATE_ITEMS = 20
MATCH_FIELDS = ("code27", "specification", "model", "item_name", "cert_no")


def _subject(listing_id: str) -> str:
    return f"listing#{listing_id}"


def _listing(p: Principal, listing_id: str) -> tuple[ResultRowItem, ResultsHeadItem]:
    """The caller's listed product: a row of the published batch of its project, of the caller's enterprise."""
    parsed = rules.parse_listing_id(listing_id)
    if parsed is None:
        raise NOT_FOUND
    project_id, seq = parsed
    head = store.get_head(project_id)
    if head is None or not head.published:
        raise NOT_FOUND
    row = store.get_row(project_id, head.batch_id, seq)
    if row is None or row.org_id != p.org_id:
        raise NOT_FOUND
    return row, head


def _project_ref(project: ProjectItem | None, project_id: str) -> ProjectRef:
    if project is None:  # never for a published head; kept total for the view
        return ProjectRef(project_id=project_id, name="", kind="", kind_label="")
    kind = ProjectKind(project.kind)
    return ProjectRef(project_id=project.project_id, name=project.name, kind=kind.value, kind_label=kind.label)


def _match(row: ResultRowItem) -> dict | None:
    if row.match_code27 is None:
        return None
    return {"code27": row.match_code27, "specification": row.match_specification, "model": row.match_model,
            "item_name": row.match_item_name, "cert_no": row.match_cert_no}


def view(row: ResultRowItem, project: ProjectItem | None) -> ListingView:
    match = _match(row)
    return ListingView(
        listing_id=rules.listing_id(row.project_id, int(row.seq)), project=_project_ref(project, row.project_id),
        bid_group=row.bid_group, rank=int(row.rank), price=row.price, enterprise_name=row.enterprise_name,
        product_name=row.product_name, specification=row.specification, model=row.model, cert_no=row.cert_no,
        product_ref=row.product_ref, version=int(row.match_version or 0),
        match=MatchView(**match, matched_at=project_store.parse_instant(row.matched_at).astimezone(clock.CHINA))
        if match else None)


def list_listings(p: Principal, q: ListingQuery) -> ListingPage:
    """The caller's listed products: one Query on gsi1, then two BatchGets (the projects and their results
    heads) to name the projects and to drop rows of a batch that is not (or no longer) the published one."""
    page = store.page_listings(p.org_id, q.matched, limit=q.limit, cursor=q.cursor)
    heads, projects = store.heads_and_projects(r.project_id for r in page.items)
    items = [view(r, projects.get(r.project_id)) for r in page.items
             if r.project_id in heads and heads[r.project_id].published
             and heads[r.project_id].batch_id == r.batch_id]
    return ListingPage(items=items, next_cursor=page.next_cursor)


def _check_version(row: ResultRowItem, version: int | None) -> None:
    if version is not None and version != int(row.match_version or 0):
        raise CHANGED


def _write(p: Principal, row: ResultRowItem, action: str, actions: list, before: dict | None, after: dict | None,
           reason: str | None) -> None:
    listing_id = rules.listing_id(row.project_id, int(row.seq))
    now = clock.now()
    actions += [ResultRowItem.match_version.add(1),
                ResultRowItem.gsi1sk.set(store.listing_sk(after is not None, row.project_id, int(row.seq)))]
    uow = UnitOfWork()
    uow.update(row, actions, condition=(ResultRowItem.match_version == int(row.match_version or 0))
               & (ResultRowItem.org_id == p.org_id), conflict=CHANGED)
    uow.audit(entry(_subject(listing_id), action, **by(p), before=before, after=after,
                    reason=(reason or "").strip() or None, at=now))
    uow.commit()


def set_match(p: Principal, listing_id: str, body: MatchPut) -> ListingView:
    """Confirm (or change, with a reason) the national product a listed product is."""
    from chalicelib.store import catalog

    row, _ = _listing(p, listing_id)
    code = consumables.code27(body.code27)
    product = catalog.get_product(code)
    item = catalog.get_item(product.code20) if product else None
    if product is None or item is None:
        raise ValidationFailed.on("code27", "国家耗材目录中没有该规格型号编码", code="not_in_catalog")
    rules.check_certificate(row.cert_no, item.cert_no)
    _check_version(row, body.version)
    action = rules.match_change(row.match_code27, code, body.reason)
    project = project_store.get(row.project_id)
    if action is None:
        return view(row, project)
    after = {"code27": code, "specification": product.specification, "model": product.model,
             "item_name": item.name, "cert_no": item.cert_no}
    now = project_store.key_instant(clock.now())
    actions = [getattr(ResultRowItem, f"match_{k}").set(v) for k, v in after.items()]
    actions += [ResultRowItem.matched_at.set(now), ResultRowItem.matched_by.set(by(p)["actor"])]
    _write(p, row, action, actions, _match(row), after, body.reason)
    return view(store.get_row(row.project_id, row.batch_id, int(row.seq)), project)


def remove_match(p: Principal, listing_id: str, body: MatchDelete) -> ListingView:
    """Unmatch a listed product (a reason is required)."""
    row, _ = _listing(p, listing_id)
    if row.match_code27 is None:
        raise Conflict("该挂网产品尚未对码", code="not_matched")
    _check_version(row, body.version)
    actions = [getattr(ResultRowItem, f"match_{k}").remove() for k in MATCH_FIELDS]
    actions += [ResultRowItem.matched_at.remove(), ResultRowItem.matched_by.remove()]
    _write(p, row, rules.UNMATCHED, actions, _match(row), None, body.reason)
    return view(store.get_row(row.project_id, row.batch_id, int(row.seq)), project_store.get(row.project_id))


def history(p: Principal, listing_id: str, limit: int, cursor: str | None) -> HistoryPage:
    """The mapping history of a listed product, newest first (its audit entries)."""
    from chalicelib.services import history as audit_history

    _listing(p, listing_id)
    return audit_history.page(_subject(listing_id), limit, cursor)


def candidates(p: Principal, listing_id: str) -> CandidateList:
    """The national products registered under the listing's certificate (none without a certificate number):
    one Query for the certificate's items, one per item for its products."""
    from chalicelib.store import catalog

    row, _ = _listing(p, listing_id)
    if row.cert_no is None:
        return CandidateList(listing_id=listing_id, cert_no=None, items=[])
    items = catalog.items_of(row.cert_no, limit=MAX_CANDIDATE_ITEMS, cursor=None)
    truncated = items.next_cursor is not None
    found = []
    for item in items.items:
        products = catalog.products_of(item.code20, limit=100, cursor=None)
        truncated = truncated or products.next_cursor is not None
        found += [CandidateView(code27=x.code27, code20=x.code20, item_name=item.name, specification=x.specification,
                                model=x.model) for x in products.items]
    return CandidateList(listing_id=listing_id, cert_no=row.cert_no, items=found, truncated=truncated)
