"""A unit of work: one DynamoDB transaction with a domain error per condition.

Services add conditional writes and audit entries, each with the error to
raise if *its* condition is what cancelled the transaction, then commit.
DynamoDB orders cancellation reasons as PynamoDB sends the items (condition
checks, deletes, puts, updates), so we keep the same order here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib import aws
from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.store import audit
from chalicelib.store.tables import transact_write

_ORDER = {"check": 0, "delete": 1, "put": 2, "update": 3}
STALE = Conflict("数据已被他人修改，请刷新后重试", code="concurrent_update")


@dataclass
class UnitOfWork:
    client_request_token: str | None = None
    _ops: list[tuple[str, Any, dict, DomainError | None]] = field(default_factory=list)
    _audits: list[AuditEntry] = field(default_factory=list)

    def put(self, item: Any, condition: Any = None, conflict: DomainError | None = None, *,
            claim: bool = False) -> None:
        """``claim``: the item claims a unique value (``registration.claim``); see ``cancellation_conflict``."""
        self._ops.append(("put", item, {"condition": condition, "claim": claim}, conflict))

    def update(self, item: Any, actions: list, condition: Any = None, conflict: DomainError | None = None) -> None:
        self._ops.append(("update", item, {"actions": actions, "condition": condition}, conflict))

    def delete(self, item: Any, condition: Any = None, conflict: DomainError | None = None) -> None:
        self._ops.append(("delete", item, {"condition": condition}, conflict))

    def check(self, model: type, hash_key: str, range_key: str, condition: Any,
              conflict: DomainError | None = None) -> None:
        self._ops.append(("check", model, {"hash_key": hash_key, "range_key": range_key, "condition": condition},
                          conflict))

    def audit(self, entry: AuditEntry) -> None:
        self._audits.append(entry)

    def commit(self) -> None:
        ops = sorted(self._ops, key=lambda op: _ORDER[op[0]])
        # audit entries are puts; they sort after the other puts and never conflict.
        puts_end = max((i for i, op in enumerate(ops) if op[0] in ("check", "delete", "put")), default=-1) + 1
        conflicts = [op[3] for op in ops[:puts_end]] + [None] * len(self._audits) + [op[3] for op in ops[puts_end:]]
        claims = [bool(op[2].get("claim")) for op in ops[:puts_end]] + [False] * len(self._audits) \
            + [False for _ in ops[puts_end:]]
        kwargs = {"client_request_token": self.client_request_token} if self.client_request_token else {}
        try:
            with transact_write(**kwargs) as tx:
                for kind, item, args, _ in ops:
                    if kind == "put":
                        tx.save(item, condition=args["condition"])
                    elif kind == "update":
                        tx.update(item, actions=args["actions"], condition=args["condition"])
                    elif kind == "delete":
                        tx.delete(item, condition=args["condition"])
                    else:
                        tx.condition_check(item, args["hash_key"], args["range_key"], condition=args["condition"])
                for entry in self._audits:
                    audit.put_in(tx, entry)
        except TransactWriteError as exc:
            # No answer behind the cancellation (read timeout, connection error) or throttling: the
            # store's 503, whose message says the write may have gone through (a retry with the same
            # ClientRequestToken, as botocore makes them, cannot apply it twice).
            aws.raise_if_unavailable(exc)
            conflict = cancellation_conflict(exc, conflicts, claims)
            if conflict is not None:
                raise conflict from None
            raise


def cancellation_conflict(exc: TransactWriteError, conflicts: list[DomainError | None],
                          claims: list[bool]) -> DomainError | None:
    """The domain error a cancelled transaction stands for, or None (not a conflict).

    A failed condition is the error declared with its item. A TransactionConflict
    (DynamoDB: another transaction was writing the same item at that moment) on a
    uniqueness claim (``put(..., claim=True)``: a credit code, a login) is the
    claim's error too: the other transaction is a competing claim of the same
    value, so 20 parallel registrations of one credit code each lose with
    ``credit_code_taken`` — not a 500, nor a ``concurrent_update`` that invites
    a retry bound to fail. (Should the competitor fail after all, the value is
    free and registering again succeeds.) A conflict on any other item is a
    ``concurrent_update``."""
    reasons = exc.cancellation_reasons or []

    def declared(index: int) -> DomainError | None:
        return conflicts[index] if index < len(conflicts) else None

    for index, reason in enumerate(reasons):
        if reason is not None and reason.code == "ConditionalCheckFailed":
            return declared(index) or STALE
    clashes = [index for index, reason in enumerate(reasons) if reason is not None and reason.code == "TransactionConflict"]
    for index in clashes:
        if index < len(claims) and claims[index] and declared(index) is not None:
            return declared(index)
    if clashes or exc.cause_response_code == "TransactionConflictException":
        return STALE
    return None
