"""Writing project catalog entries (``project#<id>`` / ``catalog#<code27>``, see store/projects.py).

Entries are written with UpdateItem, never PutItem, so that the ``declarations``
counter the declare/withdraw transactions keep survives a re-group (PUT or
import); ``added_at`` is set only when the entry is new.
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


def entries(project_id: str, codes: Iterable[str]) -> dict[str, CatalogEntryItem]:
    """The existing entries among ``codes`` (BatchGetItem, 100 keys a request, consistent)."""
    keys = sorted({(project_pk(project_id), catalog_sk(code)) for code in codes})
    if not keys:
        return {}
    return {e.code27: e for e in CatalogEntryItem.batch_get(keys, consistent_read=True)}


def undeclared():
    """The condition under which an entry may be removed: nobody declared it."""
    return CatalogEntryItem.declarations.does_not_exist() | (CatalogEntryItem.declarations < 1)
