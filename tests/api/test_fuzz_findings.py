"""Bugs the generated requests (tests/fuzzing.py, tests/e2e/test_fuzz.py) found, each pinned here
where it is cheap to run: the API through the test client on moto."""
from __future__ import annotations

from unittest import mock

import pytest

from tests.api.conftest import assert_error
from tests.api.projects_support import project_body


@pytest.mark.parametrize("field, value", [
    ("declaration_start", "0223-01-25T10:19:57.946995Z"),  # stored as "223-…", unreadable: a 500
    ("publication_end", "9999-12-31T23:00:00-05:00"),      # overflows when converted to UTC: a 500
    ("declaration_start", "1999-12-31T23:59:59+08:00"),
])
def test_project_instants_outside_the_platforms_years_are_a_400(api, people, frozen, field, value):
    error = assert_error(api.post("/projects", project_body(frozen.now(), **{field: value}), token=people.center),
                         400, "validation_failed", f"a project with {field} {value}")
    assert [d["field"] for d in error["details"]] == [field], error
    assert "年份须在 2000 至 2199 之间" in error["details"][0]["message"], error


def test_allocation_deadlines_outside_the_platforms_years_are_refused():
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.schemas.allocation import TaskCreate
    from chalicelib.schemas.validation import parse_model

    payload = {"name": "分量", "rule": {}, "fill_deadline": "9999-12-31T23:00:00-05:00",
               "city_deadline": "2027-01-01T00:00:00+08:00", "province_deadline": "0001-01-01T00:00:00",
               "alliance_deadline": "2027-01-03T00:00:00+08:00"}
    with pytest.raises(ValidationFailed) as caught:
        parse_model(TaskCreate, payload)
    assert sorted(d.field for d in caught.value.details) == ["fill_deadline", "province_deadline"], caught.value.details


def test_an_idempotency_key_released_while_claimed_is_claimed_again(aws):
    """Two requests with one key overlap: the second's conditional write fails, and the first
    fails and releases the key before the second reads it. That read was a 500 (DoesNotExist)."""
    from datetime import datetime, timezone

    from chalicelib.store import idempotency
    from chalicelib.store.tables import IdempotencyTable

    now = datetime.now(timezone.utc)
    assert idempotency.claim("public|POST /x|overlap-1", "holder", now) is None, "the holder claims the key"
    original = IdempotencyTable.get

    def released_first(record_key, *args, **kwargs):
        idempotency.release(record_key)  # the holder fails and gives the key up, just before our read
        return original(record_key, *args, **kwargs)

    with mock.patch.object(IdempotencyTable, "get", side_effect=released_first):
        assert idempotency.claim("public|POST /x|overlap-1", "second", now) is None, "the second claims it again"
    assert IdempotencyTable.get("public|POST /x|overlap-1").fingerprint == "second"


def test_the_local_gateway_answers_a_kept_alive_connection_at_once():
    """`chalice local` wrote a response's headers and body in two sends; with Nagle's algorithm the
    body waited for the client's delayed ACK: ~40 ms per request on a kept-alive connection (found
    timing the fuzz: 45 ms against 5 ms on a fresh one). ops/local_gateway sets TCP_NODELAY."""
    import socket

    from chalice import local

    from ops import local_gateway

    local_gateway.install()
    with socket.create_server(("127.0.0.1", 0)) as server, \
            socket.create_connection(server.getsockname()) as client:
        accepted, _ = server.accept()
        with accepted:
            handler = local.ChaliceRequestHandler.__new__(local.ChaliceRequestHandler)
            handler.request = accepted
            handler.setup()  # what socketserver runs for each accepted connection
            try:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), "Nagle still on"
            finally:
                handler.finish()
