"""The DynamoDB tables, declared once as PynamoDB models.

These classes are the single source of truth for table keys and indexes: the
local runner creates tables from ``table_specs()``, ``infra/`` builds the CDK
tables from the same specs, and the repositories subclass the models.

Tables
- ``main``: single-table design for the platform's entities. ``pk``/``sk``
  plus two generic overloaded GSIs (``gsi1``, ``gsi2``) and a TTL attribute.
- ``audit``: the append-only audit log, by subject and by actor.
- ``idempotency``: claimed idempotency keys and the responses to replay (TTL).
- ``allocation``: volume-based procurement allocation (docs/allocation.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import aws
from chalicelib.config import get_settings

if TYPE_CHECKING:  # imported where a transaction is made
    from pynamodb.transactions import TransactWrite

_settings = get_settings()
# The same client budget as the boto3 clients (chalicelib/aws.py): a request answers within 29 s.
_TIMEOUTS = {"connect_timeout_seconds": aws.CONNECT_TIMEOUT_S, "read_timeout_seconds": aws.READ_TIMEOUT_S,
             "max_retry_attempts": aws.MAX_ATTEMPTS - 1}


def _meta(logical: str) -> type:
    class Meta:
        table_name = _settings.table(logical)
        region = _settings.region
        billing_mode = "PAY_PER_REQUEST"
        connect_timeout_seconds = _TIMEOUTS["connect_timeout_seconds"]
        read_timeout_seconds = _TIMEOUTS["read_timeout_seconds"]
        max_retry_attempts = _TIMEOUTS["max_retry_attempts"]

    Meta.logical_name = logical  # type: ignore[attr-defined]
    return Meta


class _Gsi1(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class _Gsi2(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class MainTable(Model):
    """Base of every entity stored in the ``main`` table."""

    Meta = _meta("main")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    gsi1 = _Gsi1()
    gsi2 = _Gsi2()


class _ByActor(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)


class AuditTable(Model):
    """One audit entry. ``entry_id`` is ``<ISO instant>#<random>`` so entries sort by time."""

    Meta = _meta("audit")
    subject = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    actor = UnicodeAttribute()
    actor_org = UnicodeAttribute(null=True)
    action = UnicodeAttribute()
    at = UnicodeAttribute()
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    diff = UnicodeAttribute(null=True)  # RFC 6902 JSON Patch, serialised
    request_id = UnicodeAttribute(null=True)
    by_actor = _ByActor()


class IdempotencyTable(Model):
    Meta = _meta("idempotency")
    key = UnicodeAttribute(hash_key=True)
    fingerprint = UnicodeAttribute()
    state = UnicodeAttribute()  # in_flight | completed
    status_code = NumberAttribute(null=True)
    body = UnicodeAttribute(null=True)
    headers = UnicodeAttribute(null=True)  # JSON object
    expires_at = TTLAttribute()


class AllocationTable(MainTable):
    """Base of the allocation entities (tasks, bid groups, sheets, city and province submissions;
    docs/allocation.md): bulk rows written by BatchWriteItem, so a table of their own, with the
    same key shape as ``main`` (inherited; only the table differs)."""

    Meta = _meta("allocation")


TABLE_MODELS: tuple[type[Model], ...] = (MainTable, AuditTable, IdempotencyTable, AllocationTable)


@dataclass(frozen=True)
class IndexSpec:
    name: str
    hash_key: str
    range_key: str | None


@dataclass(frozen=True)
class TableSpec:
    """What it takes to create a table, independent of boto3 or CDK."""

    logical: str
    hash_key: str
    range_key: str | None
    attribute_types: dict[str, str]
    indexes: tuple[IndexSpec, ...]
    ttl_attribute: str | None

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.logical}"


def _spec(model: type[Model]) -> TableSpec:
    schema = model._get_schema()
    keys = {k["KeyType"]: k["AttributeName"] for k in schema["key_schema"]}
    indexes = []
    for gsi in schema["global_secondary_indexes"]:
        gkeys = {k["KeyType"]: k["AttributeName"] for k in gsi["key_schema"]}
        indexes.append(IndexSpec(gsi["index_name"], gkeys["HASH"], gkeys.get("RANGE")))
    ttl = next((name for name, attr in model.get_attributes().items() if isinstance(attr, TTLAttribute)), None)
    return TableSpec(
        logical=model.Meta.logical_name,
        hash_key=keys["HASH"],
        range_key=keys.get("RANGE"),
        attribute_types={a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]},
        indexes=tuple(indexes),
        ttl_attribute=ttl,
    )


def table_specs() -> tuple[TableSpec, ...]:
    return tuple(_spec(m) for m in TABLE_MODELS)


_connection = None


def transact_write(**kwargs) -> "TransactWrite":
    """A PynamoDB write transaction on this process's connection.

    Pass ``client_request_token`` to make the transaction idempotent."""
    global _connection
    from pynamodb.connection import Connection
    from pynamodb.transactions import TransactWrite

    if _connection is None:
        _connection = Connection(region=_settings.region, **_TIMEOUTS)
    return TransactWrite(connection=_connection, **kwargs)
