"""One page of a DynamoDB Query behind an opaque cursor.

Reads ``limit + 1`` items so the last page never comes with a cursor to an
empty page; the cursor is the key of the last item returned, signed for the
list's scope (``chalicelib.domain.paging``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from chalicelib.domain.paging import CursorCodec
from chalicelib.secrets import app_secret

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def cursor_codec() -> CursorCodec:
    return CursorCodec(app_secret("cursor_key").encode())


def query_page(
    query: Callable[..., Any],
    *,
    scope: str,
    key_names: tuple[str, ...],
    limit: int,
    cursor: str | None,
    **query_kwargs: Any,
) -> Page[Any]:
    """Run ``query`` (a PynamoDB ``Model.query`` or ``Index.query``) for one page.

    ``key_names`` are the attributes of the table key and, for an index, the
    index key: together they make DynamoDB's ``ExclusiveStartKey``.
    """
    codec = cursor_codec()
    start = codec.decode(scope, cursor)
    results = query(limit=limit + 1, last_evaluated_key=start, **query_kwargs)
    items = list(results)
    if len(items) <= limit:
        return Page(items, None)
    items = items[:limit]
    serialized = items[-1].serialize()
    last_key = {name: serialized[name] for name in key_names}
    return Page(items, codec.encode(scope, last_key))
