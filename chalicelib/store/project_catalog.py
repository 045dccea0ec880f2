"""Writing project catalog entries (``project#<id>`` / ``catalog#<code27>``, see store/projects.py).

An existing entry is written with UpdateItem, never PutItem, so that the ``declarations``
counter the declare/withdraw transactions keep survives a re-group (PUT or import);
``added_at`` is set only when the entry is new. The import puts entries it found absent
with BatchWriteItem (``put_new``): an absent entry has no declarations to keep.
"""
from __future__ import annotations

from typing import Iterable

from chalicelib.domain import consumables
from chalicelib.store.projects import CatalogEntryItem, catalog_sk, group_pk, project_pk


def entry_key(project_id: str, code27: str) -> CatalogEntryItem:
    """An item holding only the key (what an update or a delete needs)."""
    return CatalogEntryItem(pk=project_pk(project_id), sk=catalog_sk(code27))


def entry_actions(project_id: str, product: consumables.Product, item: consumables.Item | None, bid_group: str,
                  at: str) -> list:
    """The SET actions that add or re-group an entry (``added_at`` kept if present)."""
    actions = [CatalogEntryItem.project_id.set(project_id), CatalogEntryItem.code27.set(product.code27),
               CatalogEntryItem.bid_group.set(bid_group), CatalogEntryItem.specification.set(product.specification),
               CatalogEntryItem.model.set(product.model), CatalogEntryItem.added_at.set(CatalogEntryItem.added_at | at),
               CatalogEntryItem.gsi1pk.set(group_pk(project_id, bid_group)),
               CatalogEntryItem.gsi1sk.set(product.code27)]
    if item is not None:
        actions += [CatalogEntryItem.item_name.set(item.name), CatalogEntryItem.cert_no.set(item.cert_no)]
    return actions


def new_entry(project_id: str, product: consumables.Product, item: consumables.Item | None, bid_group: str,
              at: str) -> CatalogEntryItem:
    """The whole item ``entry_actions`` would create for an absent entry."""
    return CatalogEntryItem(pk=project_pk(project_id), sk=catalog_sk(product.code27), project_id=project_id,
                            code27=product.code27, bid_group=bid_group, specification=product.specification,
                            model=product.model, added_at=at, item_name=item.name if item else None,
                            cert_no=item.cert_no if item else None, gsi1pk=group_pk(project_id, bid_group),
                            gsi1sk=product.code27)


def put_new(items: list[CatalogEntryItem]) -> None:
    """BatchWriteItem (25 a request, unprocessed items retried by PynamoDB): no condition, no transaction."""
    with CatalogEntryItem.batch_write() as batch:
        for item in items:
            batch.save(item)


def entries(project_id: str, codes: Iterable[str]) -> dict[str, CatalogEntryItem]:
    """The existing entries among ``codes`` (BatchGetItem, 100 keys a request, consistent)."""
    keys = sorted({(project_pk(project_id), catalog_sk(code)) for code in codes})
    if not keys:
        return {}
    return {e.code27: e for e in CatalogEntryItem.batch_get(keys, consistent_read=True)}


def undeclared():
    """The condition under which an entry may be removed: nobody declared it."""
    return CatalogEntryItem.declarations.does_not_exist() | (CatalogEntryItem.declarations < 1)
