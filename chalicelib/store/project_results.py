"""Project results (中选结果) and their code matching (对码) in the ``main`` table.

- results head: ``project#<id>`` / ``results``: the current import batch, its row count, each bid group's
  ``seq`` range, when it was imported and published (``results_published_at``), a version.
- result row: ``project#<id>`` / ``result#<batch_id>#<seq>`` (``seq``: 6 digits, the row's place in bid group
  then rank order, so one partition range is the ordered list and one bid group is one key range);
  - ``gsi2``: ``results#<project_id>#<org_id>`` / ``<batch_id>#<seq>``: an enterprise's own rows of a project;
  - ``gsi1`` (sparse, written when the results are published): ``listings#<org_id>`` /
    ``<m|u>#<project_id>#<seq>`` (``m``: matched, ``u``: not yet): the enterprise's listed products (挂网产品)
    across projects, matched or not as a key prefix.
  The code matching of a listed product lives on its row (``match_*`` attributes, ``match_version``).
"""
from __future__ import annotations

import json
from typing import Iterable, Iterator

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.store.paging import Page, query_page
from chalicelib.store.projects import ProjectItem, project_pk
from chalicelib.store.tables import MainTable

HEAD_SK = "results"
MAIN_KEY = ("pk", "sk")
GSI1_KEY = ("pk", "sk", "gsi1pk", "gsi1sk")
GSI2_KEY = ("pk", "sk", "gsi2pk", "gsi2sk")
MATCHED, UNMATCHED = "m", "u"


def seq_key(seq: int) -> str:
    return f"{seq:06d}"


def row_sk(batch_id: str, seq: int) -> str:
    return f"result#{batch_id}#{seq_key(seq)}"


def own_pk(project_id: str, org_id: str) -> str:
    return f"results#{project_id}#{org_id}"


def listings_pk(org_id: str) -> str:
    return f"listings#{org_id}"


def listing_sk(matched: bool, project_id: str, seq: int) -> str:
    return f"{MATCHED if matched else UNMATCHED}#{project_id}#{seq_key(seq)}"


class ResultsHeadItem(MainTable):
    project_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    rows = NumberAttribute()
    groups = UnicodeAttribute()  # JSON {bid_group: [first seq, last seq]}
    imported_at = UnicodeAttribute()
    imported_by = UnicodeAttribute()
    results_published_at = UnicodeAttribute(null=True)
    published_by = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)

    @property
    def published(self) -> bool:
        return self.results_published_at is not None

    @property
    def group_ranges(self) -> dict[str, list[int]]:
        return json.loads(self.groups)


class ResultRowItem(MainTable):
    project_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    seq = NumberAttribute()
    source_row = NumberAttribute()
    bid_group = UnicodeAttribute()
    rank = NumberAttribute()
    org_id = UnicodeAttribute()
    credit_code = UnicodeAttribute()
    enterprise_name = UnicodeAttribute(null=True)
    product_name = UnicodeAttribute()
    specification = UnicodeAttribute(null=True)
    model = UnicodeAttribute(null=True)
    cert_no = UnicodeAttribute(null=True)
    price = UnicodeAttribute()  # a decimal string, never a float
    product_ref = UnicodeAttribute(null=True)
    # the code matching (对码) of the listed product
    match_code27 = UnicodeAttribute(null=True)
    match_specification = UnicodeAttribute(null=True)
    match_model = UnicodeAttribute(null=True)
    match_item_name = UnicodeAttribute(null=True)
    match_cert_no = UnicodeAttribute(null=True)
    matched_at = UnicodeAttribute(null=True)
    matched_by = UnicodeAttribute(null=True)
    match_version = NumberAttribute(default=0)


def _get(model, pk: str, sk: str):
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def get_head(project_id: str) -> ResultsHeadItem | None:
    return _get(ResultsHeadItem, project_pk(project_id), HEAD_SK)


def get_row(project_id: str, batch_id: str, seq: int) -> ResultRowItem | None:
    return _get(ResultRowItem, project_pk(project_id), row_sk(batch_id, seq))


def heads_and_projects(project_ids: Iterable[str]) -> tuple[dict[str, ResultsHeadItem], dict[str, ProjectItem]]:
    """The results heads and project items of several projects: two BatchGetItem calls."""
    ids = sorted(set(project_ids))
    if not ids:
        return {}, {}
    heads = {h.project_id: h for h in ResultsHeadItem.batch_get([(project_pk(i), HEAD_SK) for i in ids])}
    projects = {p.project_id: p for p in ProjectItem.batch_get([(project_pk(i), "project") for i in ids])}
    return heads, projects


def write_rows(items: Iterable[ResultRowItem]) -> int:
    """BatchWriteItem, 25 a request (puts by key: writing a row again overwrites it)."""
    count = 0
    with ResultRowItem.batch_write() as batch:
        for item in items:
            batch.save(item)
            count += 1
    return count


def rows_of(project_id: str, batch_id: str) -> Iterator[ResultRowItem]:
    """Every row of one batch, in order (DynamoDB pages through them)."""
    return ResultRowItem.query(project_pk(project_id), ResultRowItem.sk.startswith(f"result#{batch_id}#"),
                               consistent_read=True)


def delete_batch(project_id: str, batch_id: str) -> int:
    """Delete the rows of a replaced batch (BatchWriteItem deletes, 25 a request)."""
    count = 0
    keys_only = ResultRowItem.query(project_pk(project_id), ResultRowItem.sk.startswith(f"result#{batch_id}#"),
                                    attributes_to_get=["pk", "sk"])
    with ResultRowItem.batch_write() as batch:
        for item in keys_only:
            batch.delete(item)
            count += 1
    return count


def _seq_range(prefix: str, seqs: list[int] | None) -> tuple[str, str] | None:
    return (f"{prefix}{seq_key(seqs[0])}", f"{prefix}{seq_key(seqs[1])}") if seqs else None


def page_rows(project_id: str, batch_id: str, seqs: list[int] | None, *, limit: int,
              cursor: str | None) -> Page[ResultRowItem]:
    """One page of a batch's rows in order; ``seqs``: [first, last] of one bid group (None: every row)."""
    pk = project_pk(project_id)
    prefix = f"result#{batch_id}#"
    bounds = _seq_range(prefix, seqs)
    condition = ResultRowItem.sk.between(*bounds) if bounds else ResultRowItem.sk.startswith(prefix)
    return query_page(ResultRowItem.query, scope=f"results:{pk}:{prefix}:{seqs}", key_names=MAIN_KEY, limit=limit,
                      cursor=cursor, hash_key=pk, range_key_condition=condition)


def page_own_rows(project_id: str, org_id: str, batch_id: str, seqs: list[int] | None, *, limit: int,
                  cursor: str | None) -> Page[ResultRowItem]:
    """One page of an enterprise's own rows of a batch, in order (gsi2)."""
    pk = own_pk(project_id, org_id)
    prefix = f"{batch_id}#"
    bounds = _seq_range(prefix, seqs)
    condition = ResultRowItem.gsi2sk.between(*bounds) if bounds else ResultRowItem.gsi2sk.startswith(prefix)
    return query_page(ResultRowItem.gsi2.query, scope=f"results:{pk}:{prefix}:{seqs}", key_names=GSI2_KEY,
                      limit=limit, cursor=cursor, hash_key=pk, range_key_condition=condition)


def page_listings(org_id: str, matched: bool | None, *, limit: int, cursor: str | None) -> Page[ResultRowItem]:
    """One page of an enterprise's listed products (gsi1): matched ones, unmatched ones, or all (matched
    first), each by project and then in result order."""
    pk = listings_pk(org_id)
    kwargs = {}
    if matched is not None:
        kwargs["range_key_condition"] = ResultRowItem.gsi1sk.startswith(f"{MATCHED if matched else UNMATCHED}#")
    return query_page(ResultRowItem.gsi1.query, scope=f"{pk}:{matched}", key_names=GSI1_KEY, limit=limit,
                      cursor=cursor, hash_key=pk, **kwargs)
