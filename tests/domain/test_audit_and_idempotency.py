from datetime import datetime, timezone

import pytest

from chalicelib.domain import idempotency
from chalicelib.domain.audit import AuditEntry, json_patch
from chalicelib.domain.errors import ValidationFailed

AT = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


def test_patch_of_equal_documents_is_empty():
    assert json_patch({"a": 1, "b": {"c": [1]}}, {"b": {"c": [1]}, "a": 1}) == []


def test_patch_adds_removes_and_replaces_recursively():
    before = {"name": "甲", "licence": {"no": "1", "until": "2027"}, "gone": True}
    after = {"name": "乙", "licence": {"no": "1", "until": "2028"}, "new": [1]}
    assert json_patch(before, after) == [
        {"op": "remove", "path": "/gone"},
        {"op": "replace", "path": "/licence/until", "value": "2028"},
        {"op": "replace", "path": "/name", "value": "乙"},
        {"op": "add", "path": "/new", "value": [1]},
    ]


def test_patch_escapes_pointer_tokens_and_replaces_lists_whole():
    assert json_patch({"a/b~": [1, 2]}, {"a/b~": [2, 1]}) == [{"op": "replace", "path": "/a~1b~0", "value": [2, 1]}]


def test_patch_distinguishes_types():
    assert json_patch({"n": 1}, {"n": True}) == [{"op": "replace", "path": "/n", "value": True}]


def test_entries_get_sortable_unique_ids_and_need_aware_instants():
    a = AuditEntry(subject="s", action="x", actor="u", at=AT)
    b = AuditEntry(subject="s", action="x", actor="u", at=AT)
    assert a.entry_id != b.entry_id and a.entry_id.startswith("2026-11-25T08:00:00.000000+00:00#")
    with pytest.raises(ValueError):
        AuditEntry(subject="s", action="x", actor="u", at=datetime(2026, 1, 1))


@pytest.mark.parametrize("key", ["abcdefgh", "A1_b2-c3:d4.e5", "x" * 128])
def test_good_idempotency_keys(key):
    assert idempotency.validate_key(key) == key


@pytest.mark.parametrize("key", ["short", "x" * 129, "has space1", "中文中文中文中文", "", "abcdefgh\n"])
def test_bad_idempotency_keys(key):
    with pytest.raises(ValidationFailed) as caught:
        idempotency.validate_key(key)
    assert caught.value.code == "invalid_idempotency_key"


def test_fingerprint_ignores_key_order_but_not_values():
    assert idempotency.fingerprint({"a": 1, "b": 2}) == idempotency.fingerprint({"b": 2, "a": 1})
    assert idempotency.fingerprint({"a": 1}) != idempotency.fingerprint({"a": 2})
