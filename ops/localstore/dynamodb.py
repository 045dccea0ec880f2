"""A patch of moto's DynamoDB backend (moto 5.2.x) whose costs do not grow with the table.

Stock moto 5.2.5, measured in docs/benchmarks.md "Local store":
- ``TransactWriteItems`` deep-copies every table it touches, once per item of the
  transaction, so that a cancelled one can be rolled back;
- ``Query`` walks and sorts every item of the table (``Table.all_items``), even
  when it names one partition of the base table or of an index;
- ``ClientRequestToken`` is ignored, so a retried transaction (botocore retries
  a timed-out one with the same token) fails the conditions its first attempt
  made true.

This module changes exactly those three things and keeps moto's answers:
1. a transaction journals the items it touches (a copy of each before its first
   write) and a cancelled one restores those items only;
2. ``Query`` takes its candidates from a per-partition sorted index, one for the
   base table and one per secondary index, kept up to date on every write
   (``Table.put_item``/``delete_item``, ``DynamoDBBackend.update_item``) and
   built on the first Query that needs it. The candidates are the partition's
   items after ``ExclusiveStartKey`` and within the bounds of the sort-key
   condition, at most ``Limit + 1`` of them unless a legacy ``QueryFilter`` can
   drop an item; moto's
   own ``Table.query`` then runs on them unchanged (sorting, key conditions,
   Limit, filters, projections, ``LastEvaluatedKey``). Whenever a Query is not
   of that shape, or an index cannot be kept (key values of mixed types), moto's
   stock code answers it;
   A Query's ``ExclusiveStartKey`` is checked as DynamoDB checks it (exactly the
   key attributes, of their types, in the queried partition: else
   ``ValidationException: The provided starting key is invalid``), where stock
   moto raises a TypeError (a 500 in server mode) or pages from another partition;
3. ``ClientRequestToken`` is honoured as DynamoDB documents it: the same token
   with the same request within 10 minutes after the first completed succeeds
   without applying again; with another request, ``IdempotentParameterMismatch
   Exception``; while the first is still running, ``TransactionInProgress
   Exception`` (which botocore retries);
4. the answers of Query, Scan, GetItem and BatchGetItem are written with moto's
   own JSON encoder instead of its shape-walking serialiser (most of the time of
   a page of 100 items): the same body.

``apply()`` installs the patch in this process, ``revert()`` removes it.
``ops/localstore/server.py`` is ``moto_server`` with the patch applied; only
``ops/local.py`` (``make run``) starts it. Written to be offered upstream: each
change maps to one place in moto (``Table.query`` asking for its candidates
instead of ``all_items()``, the rollback in ``transact_write_items``, the token
in ``DynamoHandler.transact_write_items``, the encoder in ``DynamoHandler.serialized``).
"""
from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

import moto
from moto.core.responses import ActionResult
from moto.dynamodb import responses as moto_responses
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX, ConditionalCheckFailed, DynamodbException, MockValidationException,
    MultipleTransactionsException, TooManyTransactionsException, TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table
from moto.dynamodb.models.utilities import dynamo_json_dump
from sortedcontainers import SortedDict

SUPPORTED_MOTO = "5.2."
TOKEN_WINDOW_S = 600.0
clock: Callable[[], float] = time.monotonic  # tests move it to cross the token window

_lock = threading.RLock()
_local = threading.local()
_stock: dict[str, Any] = {}


class _Unindexable(Exception):
    """An item or a key that the sorted index cannot order the way moto does."""


def _cast(value: Any) -> Any:
    if not isinstance(value, DynamoType) or value.type not in ("S", "N", "B"):
        raise _Unindexable(value)
    return value.cast_value


def _key_of(hash_value: DynamoType, range_value: DynamoType | None) -> tuple:
    return (hash_value.type, hash_value.cast_value), (None if range_value is None else
                                                      (range_value.type, range_value.cast_value))


# ---------------------------------------------------------------------------------------------
# 2. Query from a partition
# ---------------------------------------------------------------------------------------------

@dataclass
class _SortedIndex:
    """The items of one table (or of one of its secondary indexes) by partition, each
    partition ordered the way ``Table.query`` orders a result (``_generate_attr_to_sort_by``)."""

    hash_attrs: tuple[str, ...]
    sort_attrs: tuple[str, ...]
    broken: bool = False
    partitions: dict[tuple, SortedDict] = field(default_factory=dict)
    where: dict[tuple, tuple[tuple, tuple]] = field(default_factory=dict)

    @property
    def signature(self) -> tuple:
        return self.hash_attrs, self.sort_attrs

    def _keys(self, item: Item) -> tuple[tuple, tuple] | None:
        try:
            part = tuple((item.attrs[a].type, _cast(item.attrs[a])) for a in self.hash_attrs)
            order = tuple(_cast(item.attrs[a]) for a in self.sort_attrs)
        except (KeyError, _Unindexable):
            return None  # not in this index (sparse), as for DynamoDB
        return part, order

    def discard(self, item_key: tuple) -> None:
        found = self.where.pop(item_key, None)
        if found is not None:
            partition = self.partitions[found[0]]
            del partition[found[1]]
            if not partition:
                del self.partitions[found[0]]

    def add(self, item_key: tuple, item: Item) -> None:
        keys = self._keys(item)
        if keys is None:
            return
        # Raises TypeError when a key attribute holds values of different types.
        self.partitions.setdefault(keys[0], SortedDict())[keys[1]] = item
        self.where[item_key] = keys


_indexes: "weakref.WeakKeyDictionary[Table, dict[str | None, _SortedIndex]]" = weakref.WeakKeyDictionary()


def _index_signature(table: Table, index_name: str | None) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Partition and sort attributes of a Query on the table or an index, as ``Table.query`` sorts."""
    if index_name is None:
        return (table.hash_key_attr,), ((table.range_key_attr,) if table.range_key_attr else ())
    index = {i.name: i for i in table.all_indexes()}.get(index_name)
    if index is None:
        return None
    hash_keys = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    range_keys = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    if not hash_keys:
        return None
    if range_keys:
        range_attrs = range_keys + [table.range_key_attr]
    else:
        implied = table.range_key_attr if isinstance(index, GlobalSecondaryIndex) and table.range_key_attr \
            else table.hash_key_attr
        range_attrs = [implied, table.range_key_attr]
    order = table._generate_attr_to_sort_by(hash_keys + [table.hash_key_attr], range_attrs)
    return tuple(hash_keys), tuple(order[len(hash_keys):])


def _each_item(table: Table):
    for partition in list(table.items.values()):
        if table.range_key_attr:
            yield from list(partition.values())
        else:
            yield partition


def _index_for(table: Table, index_name: str | None) -> _SortedIndex | None:
    signature = _index_signature(table, index_name)
    if signature is None:
        return None
    indexes = _indexes.setdefault(table, {})
    index = indexes.get(index_name)
    if index is None or index.signature != signature:
        index = _SortedIndex(*signature)
        try:
            for item in _each_item(table):
                index.add(_key_of(item.hash_key, item.range_key), item)
        except TypeError:
            index = _SortedIndex(*signature, broken=True)
        indexes[index_name] = index
    return None if index.broken else index


def _reindex(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> None:
    """Bring every index built for ``table`` up to date with the item at this key."""
    with _lock:
        indexes = _indexes.get(table)
        if not indexes:
            return
        partition = table.items.get(hash_value)
        item = partition if not table.range_key_attr else (partition or {}).get(range_value)
        item_key = _key_of(hash_value, range_value)
        for name, index in list(indexes.items()):
            if index.broken:
                continue
            index.discard(item_key)
            if isinstance(item, Item):
                try:
                    index.add(item_key, item)
                except TypeError:
                    indexes[name] = _SortedIndex(index.hash_attrs, index.sort_attrs, broken=True)


class _Top:
    """Sorts after every key value: ``(v, TOP)`` comes after every key whose first value is ``v``."""

    def __lt__(self, other: Any) -> bool:
        return False

    def __gt__(self, other: Any) -> bool:
        return True

    def __eq__(self, other: Any) -> bool:
        return other is self

    __hash__ = object.__hash__


TOP = _Top()


def _sort_key_bounds(comparison: str | None, values: list[DynamoType]) -> tuple[tuple | None, tuple | None] | None:
    """Where the items meeting a key condition on the sort key lie in a sorted partition:
    (low, high) bounds for bisection, None (either) for open; None: not a condition to narrow by."""
    try:
        v = [_cast(x) for x in values]
    except _Unindexable:
        return None
    op = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}.get(comparison, comparison)
    if op == "EQ":
        return (v[0],), (v[0], TOP)
    if op == "LT":
        return None, (v[0],)
    if op == "LE":
        return None, (v[0], TOP)
    if op == "GT":
        return (v[0], TOP), None
    if op == "GE":
        return (v[0],), None
    if op == "BETWEEN":
        return (v[0],), (v[1], TOP)
    if op == "BEGINS_WITH" and isinstance(v[0], str):
        prefix = v[0]
        if not prefix or ord(prefix[-1]) >= 0x10FFFF:
            return (prefix,), None
        return (prefix,), (prefix[:-1] + chr(ord(prefix[-1]) + 1),)  # every string with the prefix, nothing else
    return None


def _candidates(table: Table, hash_key: DynamoType | None, index_name: str | None,
                hash_key_conditions: list[tuple[str, DynamoType]] | None, exclusive_start_key: dict | None,
                forward: bool, limit: int | None, sort_key_condition: tuple[str, list[DynamoType]] | None,
                more_filters: bool) -> list[Item] | None:
    """The items ``Table.query`` needs to see, in ascending order; None: let stock moto answer.

    The partition's items after ``ExclusiveStartKey`` and within the sort-key condition's
    bounds; at most ``Limit + 1`` (moto still sees whether there is a next page) when every
    one of them meets the key condition and no legacy ``QueryFilter`` can drop any."""
    with _lock:
        index = _index_for(table, index_name)
        if index is None:
            return None
        if index_name is None:
            if hash_key is None:
                return None
            conditions = {table.hash_key_attr: hash_key}
        else:
            conditions = dict(hash_key_conditions or [])
        if set(conditions) != set(index.hash_attrs):
            return None
        try:
            part = tuple((conditions[a].type, _cast(conditions[a])) for a in index.hash_attrs)
        except _Unindexable:
            return None
        partition = index.partitions.get(part)
        if partition is None:
            return []
        lo, hi = 0, len(partition)
        exact = not more_filters
        if sort_key_condition is not None:
            bounds = _sort_key_bounds(*sort_key_condition)
            if bounds is None:
                exact = False
            else:
                try:
                    # one item past the bounds (meeting no condition) stays: on it moto sees there is more
                    if bounds[0] is not None:
                        lo = max(0, partition.bisect_left(bounds[0]) - (0 if forward else 1))
                    if bounds[1] is not None:
                        hi = min(hi, partition.bisect_left(bounds[1]) + (1 if forward else 0))
                except TypeError:  # a condition value of another type than the keys: moto answers
                    return None
        if exclusive_start_key is not None:  # checked by _check_start_key: this partition, key types
            start = tuple(_cast(DynamoType(exclusive_start_key[a])) for a in index.sort_attrs)
            if forward:
                lo = max(lo, partition.bisect_right(start))
            else:
                hi = min(hi, partition.bisect_left(start))
        if exact and limit is not None:
            if forward:
                hi = min(hi, lo + limit + 1)
            else:
                lo = max(lo, hi - limit - 1)
        return list(partition.values()[lo:hi]) if lo < hi else []


INVALID_START_KEY = "The provided starting key is invalid"


def _check_start_key(table: Table, index_name: str | None, hash_key: DynamoType | None,
                     hash_key_conditions: list[tuple[str, DynamoType]] | None, start: dict[str, Any]) -> None:
    """DynamoDB refuses a Query's ExclusiveStartKey unless it holds exactly the table's and the
    index's key attributes, of their declared types, in the partition being queried (stock moto
    raises a TypeError or pages from elsewhere)."""
    index = {i.name: i for i in table.all_indexes()}.get(index_name) if index_name else None
    if index_name and index is None:
        return  # moto answers the unknown index
    names = set(table.table_key_attrs) | {k["AttributeName"] for k in (index.schema if index else [])}
    declared = {a["AttributeName"]: a["AttributeType"] for a in table.attr}
    if not isinstance(start, dict) or set(start) != names or any(
            not isinstance(start[n], dict) or list(start[n]) != [declared.get(n)] for n in names):
        raise MockValidationException(INVALID_START_KEY)
    if index is None:
        partition = {table.hash_key_attr: hash_key} if hash_key is not None else {}
    else:
        partition = dict(hash_key_conditions or [])
    if any(DynamoType(start[n]) != v for n, v in partition.items() if n in start):
        raise MockValidationException(INVALID_START_KEY)


def _sorts_on_condition(table: Table, index_name: str | None,
                        range_key_conditions: list[tuple[str, str, list]] | None) -> bool:
    """The key condition is on the attribute a partition is sorted by first."""
    if range_key_conditions and len(range_key_conditions) > 1:
        return False
    signature = _index_signature(table, index_name)
    if signature is None or not signature[1]:
        return False
    first = signature[1][0]
    if index_name is None:
        return first == table.range_key_attr
    index = {i.name: i for i in table.all_indexes()}[index_name]
    return any(k["KeyType"] == "RANGE" and k["AttributeName"] == first for k in index.schema)


def _query(self: Table, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
           projection_expressions, index_name=None, consistent_read=False, filter_expression=None,
           hash_key_conditions=None, range_key_conditions=None, **filter_kwargs):
    if exclusive_start_key is not None:
        _check_start_key(self, index_name, hash_key, hash_key_conditions, exclusive_start_key)
    sort_key_condition = None
    if range_comparison:
        # a condition on the first sort attribute only (moto 5.2's multi-attribute keys: stock)
        sort_key_condition = (range_comparison, range_objs) if _sorts_on_condition(
            self, index_name, range_key_conditions) else ("unknown", range_objs)
    found = _candidates(self, hash_key, index_name, hash_key_conditions, exclusive_start_key,
                        scan_index_forward is not False, limit, sort_key_condition, bool(filter_kwargs))
    args = (self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
            projection_expressions, index_name, consistent_read, filter_expression)
    kwargs = dict(hash_key_conditions=hash_key_conditions, range_key_conditions=range_key_conditions,
                  **filter_kwargs)
    if found is None:
        return _stock["query"](*args, **kwargs)
    _local.candidates = (self, found)
    try:
        return _stock["query"](*args, **kwargs)
    finally:
        _local.candidates = None


def _all_items(self: Table) -> list[Item]:
    held = getattr(_local, "candidates", None)
    if held is not None and held[0] is self:
        return held[1]
    return _stock["all_items"](self)


def _put_item(self: Table, *args, **kwargs) -> Item:
    item = _stock["put_item"](self, *args, **kwargs)
    _reindex(self, item.hash_key, item.range_key)
    return item


def _delete_item(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    item = _stock["delete_item"](self, hash_key, range_key)
    _reindex(self, hash_key, range_key)
    return item


def _update_item(self: DynamoDBBackend, table_name: str, key: dict, *args, **kwargs) -> Item:
    try:
        return _stock["update_item"](self, table_name, key, *args, **kwargs)
    finally:  # the item is changed in place, also when the update fails half-way
        table = self.tables.get(table_name)
        if table is not None and isinstance(key, dict) and table.hash_key_attr in key:
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            _reindex(table, DynamoType(key[table.hash_key_attr]), range_value)


# ---------------------------------------------------------------------------------------------
# 1. Roll a cancelled transaction back from the touched items
# ---------------------------------------------------------------------------------------------

@dataclass
class _Journal:
    """The state of each item a transaction touches, copied before its first write."""

    entries: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = field(default_factory=list)
    streams: dict[int, tuple[Table, int]] = field(default_factory=dict)

    def before_write(self, table: Table, key: dict[str, Any], current: Item | None) -> None:
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        self.entries.append((table, hash_value, range_value, copy.deepcopy(current)))
        if table.stream_shard is not None and id(table) not in self.streams:
            self.streams[id(table)] = (table, len(table.stream_shard.items))

    def roll_back(self) -> None:
        for table, hash_value, range_value, original in reversed(self.entries):
            if original is None:
                _stock["delete_item"](table, hash_value, range_value)
            elif range_value is not None:
                table.items[hash_value][range_value] = original
            else:
                table.items[hash_value] = original
            _reindex(table, hash_value, range_value)
        for table, length in self.streams.values():  # as if the transaction never ran
            del table.stream_shard.items[length:]


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2.5's ``transact_write_items`` with the journal instead of table copies."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    journal = _Journal()
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            expression_attribute_names = op.get("ExpressionAttributeNames")
            expression_attribute_values = op.get("ExpressionAttributeValues")
            return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            check_unicity(table_name, key)
            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(
                    condition_expression, expression_attribute_names, expression_attribute_values)
                if not condition_op.expr(current):
                    if return_values_on_condition_check_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                journal.before_write(self.get_table(table_name), key, current)
            if op_type == "Put":
                self.put_item(table_name, op["Item"], condition_expression=condition_expression,
                              expression_attribute_names=expression_attribute_names,
                              expression_attribute_values=expression_attribute_values)
            elif op_type == "Delete":
                self.delete_item(table_name, key, condition_expression=condition_expression,
                                 expression_attribute_names=expression_attribute_names,
                                 expression_attribute_values=expression_attribute_values)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 condition_expression=condition_expression,
                                 expression_attribute_names=expression_attribute_names,
                                 expression_attribute_values=expression_attribute_values)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            journal.roll_back()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:  # noqa: BLE001 - as moto: every other failure cancels with its name
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]
    if any(code is not None for code, _, _ in errors):
        journal.roll_back()
        raise TransactionCanceledException(errors)


# ---------------------------------------------------------------------------------------------
# 3. ClientRequestToken
# ---------------------------------------------------------------------------------------------

class IdempotentParameterMismatchException(DynamodbException):
    def __init__(self) -> None:
        super().__init__(ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
                         "The request uses the same client token as a previous, but non-identical request.")


class TransactionInProgressException(DynamodbException):
    def __init__(self) -> None:
        super().__init__(ERROR_TYPE_PREFIX + "TransactionInProgressException",
                         "The transaction with the given request token is already in progress.")


@dataclass
class _TokenUse:
    fingerprint: str
    completed_at: float | None = None
    result: Any = None


_tokens: dict[tuple[str, str], dict[str, _TokenUse]] = {}


def _fingerprint(body: dict[str, Any]) -> str:
    request = {k: v for k, v in body.items() if k != "ClientRequestToken"}
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def _handle_transact_write_items(self: Any) -> Any:
    token = self.body.get("ClientRequestToken")
    if not token:
        return _stock["handle_transact_write_items"](self)
    backend = self.dynamodb_backend
    fingerprint = _fingerprint(self.body)
    with _lock:
        uses = _tokens.setdefault((backend.account_id, backend.region_name), {})
        now = clock()
        for old, use in list(uses.items()):
            if use.completed_at is not None and now - use.completed_at > TOKEN_WINDOW_S:
                del uses[old]
        use = uses.get(token)
        if use is not None:
            if use.fingerprint != fingerprint:
                raise IdempotentParameterMismatchException()
            if use.completed_at is None:
                raise TransactionInProgressException()
            return use.result  # applied once already: succeed without applying again
        use = uses[token] = _TokenUse(fingerprint)
    try:
        result = _stock["handle_transact_write_items"](self)
    except BaseException:
        with _lock:
            uses.pop(token, None)  # nothing was applied: a retry runs it afresh, as on DynamoDB
        raise
    with _lock:
        use.result, use.completed_at = result, clock()
    return result


# ---------------------------------------------------------------------------------------------
# 4. Read answers serialised as the JSON they already are
# ---------------------------------------------------------------------------------------------

# moto 5.2 serialises every answer by walking botocore's output shape (moto.core.serialize): ~85 %
# of a Query page of 100 items. These answers hold attribute values already in DynamoDB's JSON,
# so moto's own encoder (dynamo_json_dump) writes the same body.
JSON_READS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem"})
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"


def _doubles(result: dict[str, Any]) -> dict[str, Any]:
    """``CapacityUnits`` is a double in the output shape: 2.0, not 2."""
    capacity = result.get("ConsumedCapacity")
    if isinstance(capacity, list):
        result = {**result, "ConsumedCapacity": [
            {**c, "CapacityUnits": float(c["CapacityUnits"])} if "CapacityUnits" in c else c for c in capacity]}
    return result


def json_read(handler: Any, action_result: Any) -> bool:
    """An answer this patch writes with the JSON encoder (a read that succeeded)."""
    return type(action_result) in (ActionResult, moto_responses.DynamoResult) \
        and isinstance(action_result.result, dict) and handler._get_action() in JSON_READS


def _serialized(self: Any, action_result: Any) -> Any:
    if json_read(self, action_result):
        headers = {"Content-Type": JSON_CONTENT_TYPE}
        headers.update(self.response_headers)
        return 200, headers, dynamo_json_dump(_doubles(action_result.result))
    return _stock["serialized"](self, action_result)


# ---------------------------------------------------------------------------------------------

_PATCHES: tuple[tuple[str, Any, str, Any], ...] = (
    ("query", Table, "query", _query),
    ("all_items", Table, "all_items", _all_items),
    ("put_item", Table, "put_item", _put_item),
    ("delete_item", Table, "delete_item", _delete_item),
    ("update_item", DynamoDBBackend, "update_item", _update_item),
    ("transact_write_items", DynamoDBBackend, "transact_write_items", _transact_write_items),
    ("handle_transact_write_items", moto_responses.DynamoHandler, "transact_write_items",
     _handle_transact_write_items),
    ("serialized", moto_responses.DynamoHandler, "serialized", _serialized),
)


_applied = False


def applied() -> bool:
    return _applied


def apply() -> None:
    """Patch moto's DynamoDB in this process (idempotent)."""
    if not moto.__version__.startswith(SUPPORTED_MOTO):
        raise RuntimeError(f"ops.localstore patches moto {SUPPORTED_MOTO}x, found {moto.__version__}: "
                           "run tests/localstore against it and update SUPPORTED_MOTO")
    global _applied
    with _lock:
        if _applied:
            return
        for name, owner, attribute, replacement in _PATCHES:
            _stock[name] = getattr(owner, attribute)
            setattr(owner, attribute, replacement)
        _applied = True


def revert() -> None:
    """Put stock moto back and forget every index and token."""
    global _applied
    with _lock:
        for name, owner, attribute, _ in _PATCHES:
            if name in _stock:
                setattr(owner, attribute, _stock.pop(name))
        _applied = False
        _indexes.clear()
        _tokens.clear()
