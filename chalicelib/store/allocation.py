"""Allocation tasks, bid groups, institution sheets, city and province submissions
(table ``allocation``; keys and indexes in docs/allocation.md). Key strings are
built here and nowhere else; services hand in domain values."""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Iterator

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.store.paging import Page, query_page
from chalicelib.store.tables import AllocationTable

GSI1_KEY = ("pk", "sk", "gsi1pk", "gsi1sk")
GSI2_KEY = ("pk", "sk", "gsi2pk", "gsi2sk")
TASKS = "tasks"


def task_pk(task_id: str) -> str:
    return f"task#{task_id}"


def sheet_pk(task_id: str, inst_id: str) -> str:
    return f"sheet#{task_id}#{inst_id}"


def city_pk(task_id: str, city: str) -> str:
    return f"city#{task_id}#{city}"


def province_pk(task_id: str, province: str) -> str:
    return f"prov#{task_id}#{province}"


def city_list_pk(task_id: str, city: str) -> str:
    return f"sheets#{task_id}#{city}"


def province_list_pk(task_id: str, province: str) -> str:
    return f"cities#{task_id}#{province}"


def alliance_list_pk(task_id: str) -> str:
    return f"provinces#{task_id}"


def task_sheets_pk(task_id: str) -> str:
    return f"sheets#{task_id}"


def status_key(status: str, unit: str) -> str:
    return f"{status}#{unit}"


def token_key(unit_pk: str, submission: int) -> tuple[str, str]:
    """Where the state machine writes the task token of ``unit``'s ``submission`` (table ``main``)."""
    return f"atoken#{unit_pk}", f"s{submission}"


def execution_name(unit_pk: str, submission: int) -> str:
    return f"alloc-{hashlib.sha1(unit_pk.encode(), usedforsecurity=False).hexdigest()}-s{submission}"


class TaskItem(AllocationTable):
    task_id = UnicodeAttribute()
    name = UnicodeAttribute()
    status = UnicodeAttribute()
    rule = UnicodeAttribute()  # JSON, domain Rule.to_data()
    fill_deadline = UnicodeAttribute()
    city_deadline = UnicodeAttribute()
    province_deadline = UnicodeAttribute()
    alliance_deadline = UnicodeAttribute()
    source_project = UnicodeAttribute(null=True)
    groups = NumberAttribute(default=0)
    institutions = NumberAttribute(default=0)
    provinces = NumberAttribute(default=0)
    demand_job = UnicodeAttribute(null=True)
    demand_imported_at = UnicodeAttribute(null=True)
    demand = NumberAttribute(default=0)
    base = NumberAttribute(default=0)
    remaining = NumberAttribute(default=0)
    allocated = NumberAttribute(default=0)  # Σ own allocation of the approved provinces
    # provinces by status
    n_open = NumberAttribute(default=0)
    n_submitted = NumberAttribute(default=0)
    n_approved = NumberAttribute(default=0)
    n_returned = NumberAttribute(default=0)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    published_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)

    @property
    def rule_data(self) -> dict[str, Any]:
        return json.loads(self.rule)


class GroupItem(AllocationTable):
    task_id = UnicodeAttribute()
    code = UnicodeAttribute()
    name = UnicodeAttribute()
    item_code = UnicodeAttribute()
    item_name = UnicodeAttribute()
    winners = UnicodeAttribute()  # JSON list of {code, name, rank, price}

    @property
    def winners_list(self) -> list[dict[str, Any]]:
        return json.loads(self.winners)


class SheetItem(AllocationTable):
    """One institution's sheet of a task: every bid group's demand, base, remaining and own allocation."""

    task_id = UnicodeAttribute()
    inst_id = UnicodeAttribute()
    inst_name = UnicodeAttribute()
    city = UnicodeAttribute()
    province = UnicodeAttribute()
    status = UnicodeAttribute()
    lines = UnicodeAttribute()  # JSON {group: {"demand", "base": {code: n}, "remaining", "own": {code: n} | null}}
    demand = NumberAttribute()
    base = NumberAttribute()
    remaining = NumberAttribute()
    allocated = NumberAttribute(default=0)
    submissions = NumberAttribute(default=0)
    submitted_at = UnicodeAttribute(null=True)
    handled_at = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @property
    def lines_dict(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.lines)


class _LevelItem(AllocationTable):
    task_id = UnicodeAttribute()
    province = UnicodeAttribute()
    unit_name = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    institutions = NumberAttribute(default=0)
    demand = NumberAttribute(default=0)
    base = NumberAttribute(default=0)
    remaining = NumberAttribute(default=0)
    allocated = NumberAttribute(default=0)  # Σ own allocation of what is approved below
    submissions = NumberAttribute(default=0)
    submitted_at = UnicodeAttribute(null=True)
    handled_at = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)


class CityItem(_LevelItem):
    city = UnicodeAttribute()
    # sheets by status
    n_not_filled = NumberAttribute(default=0)
    n_draft = NumberAttribute(default=0)
    n_pending_city = NumberAttribute(default=0)
    n_city_approved = NumberAttribute(default=0)
    n_returned = NumberAttribute(default=0)


class ProvinceItem(_LevelItem):
    cities = NumberAttribute(default=0)
    # cities by status
    n_open = NumberAttribute(default=0)
    n_submitted = NumberAttribute(default=0)
    n_approved = NumberAttribute(default=0)
    n_returned = NumberAttribute(default=0)


def counter(model: type, status: str):
    """The counter attribute of ``model`` for units in ``status``."""
    return getattr(model, f"n_{status}")


def counts(item: Any, statuses: Iterable[str]) -> dict[str, int]:
    return {s: int(getattr(item, f"n_{s}") or 0) for s in statuses}


def _get(model, pk: str, sk: str):
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def get_task(task_id: str) -> TaskItem | None:
    return _get(TaskItem, task_pk(task_id), "task")


def tasks(*, limit: int, cursor: str | None) -> Page[TaskItem]:
    return query_page(TaskItem.gsi1.query, scope=TASKS, key_names=GSI1_KEY, limit=limit, cursor=cursor,
                      hash_key=TASKS, scan_index_forward=False)


def groups(task_id: str) -> list[GroupItem]:
    return list(GroupItem.query(task_pk(task_id), GroupItem.sk.startswith("group#"), consistent_read=True))


def get_sheet(task_id: str, inst_id: str) -> SheetItem | None:
    return _get(SheetItem, sheet_pk(task_id, inst_id), "sheet")


def get_sheets(task_id: str, inst_ids: Iterable[str]) -> dict[str, SheetItem]:
    keys = [(sheet_pk(task_id, i), "sheet") for i in dict.fromkeys(inst_ids)]
    out: dict[str, SheetItem] = {}
    for start in range(0, len(keys), 100):
        out.update({s.inst_id: s for s in SheetItem.batch_get(keys[start:start + 100], consistent_read=True)})
    return out


def get_city(task_id: str, city: str) -> CityItem | None:
    return _get(CityItem, city_pk(task_id, city), "city")


def get_province(task_id: str, province: str) -> ProvinceItem | None:
    return _get(ProvinceItem, province_pk(task_id, province), "prov")


def city_sheets(task_id: str, city: str, status: str | None, *, limit: int, cursor: str | None) -> Page[SheetItem]:
    """One Query a page: a city's sheets, by status then institution (``status`` narrows by key prefix)."""
    pk = city_list_pk(task_id, city)
    extra = {"range_key_condition": SheetItem.gsi1sk.startswith(f"{status}#")} if status else {}
    return query_page(SheetItem.gsi1.query, scope=f"{pk}#{status or ''}", key_names=GSI1_KEY, limit=limit,
                      cursor=cursor, hash_key=pk, **extra)


def task_sheets(task_id: str, region_prefix: str, status: str | None, *, limit: int,
                cursor: str | None) -> Page[SheetItem]:
    """One Query a page over the task's sheets by city then institution; ``region_prefix`` narrows by
    key prefix (a province's cities share the first two digits); ``status`` filters server-side."""
    pk = task_sheets_pk(task_id)
    extra: dict[str, Any] = {}
    if region_prefix:
        extra["range_key_condition"] = SheetItem.gsi2sk.startswith(region_prefix)
    if status:
        extra["filter_condition"] = SheetItem.status == status
    return query_page(SheetItem.gsi2.query, scope=f"{pk}#{region_prefix}#{status or ''}", key_names=GSI2_KEY,
                      limit=limit, cursor=cursor, hash_key=pk, **extra)


def iter_task_sheets(task_id: str, region_prefix: str = "") -> Iterator[SheetItem]:
    """Every sheet of the task (or of a region), DynamoDB paging through them (export jobs)."""
    condition = SheetItem.gsi2sk.startswith(region_prefix) if region_prefix else None
    return SheetItem.gsi2.query(task_sheets_pk(task_id), condition)


def province_cities(task_id: str, province: str, status: str | None, *, limit: int,
                    cursor: str | None) -> Page[CityItem]:
    pk = province_list_pk(task_id, province)
    extra = {"range_key_condition": CityItem.gsi1sk.startswith(f"{status}#")} if status else {}
    return query_page(CityItem.gsi1.query, scope=f"{pk}#{status or ''}", key_names=GSI1_KEY, limit=limit,
                      cursor=cursor, hash_key=pk, **extra)


def task_provinces(task_id: str, status: str | None, *, limit: int, cursor: str | None) -> Page[ProvinceItem]:
    pk = alliance_list_pk(task_id)
    extra = {"range_key_condition": ProvinceItem.gsi1sk.startswith(f"{status}#")} if status else {}
    return query_page(ProvinceItem.gsi1.query, scope=f"{pk}#{status or ''}", key_names=GSI1_KEY, limit=limit,
                      cursor=cursor, hash_key=pk, **extra)


def write_bulk(items: Iterable[AllocationTable]) -> int:
    """BatchWriteItem, 25 a request (puts by key), unprocessed items sent again. Never a transaction:
    bulk rows. Items are serialised by PynamoDB and sent on the boto3 client: PynamoDB's own
    ``batch_write`` costs about 4× the bare calls per item (bench/allocation.py)."""
    import time

    from chalicelib import aws

    client = aws.client("dynamodb")
    table = AllocationTable.Meta.table_name
    count = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        requests, delay = batch[:], 0.05
        while requests:
            left = client.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {})
            requests = left.get(table, [])
            if requests:
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        batch.clear()

    for item in items:
        batch.append({"PutRequest": {"Item": item.serialize()}})
        count += 1
        if len(batch) == 25:
            flush()
    if batch:
        flush()
    return count


def iter_province_cities(task_id: str, province: str) -> Iterator[CityItem]:
    """Every city head of a province in the task (its counters; the progress dashboard)."""
    return CityItem.gsi1.query(province_list_pk(task_id, province))


def iter_task_provinces(task_id: str) -> Iterator[ProvinceItem]:
    """Every province head of the task."""
    return ProvinceItem.gsi1.query(alliance_list_pk(task_id))
