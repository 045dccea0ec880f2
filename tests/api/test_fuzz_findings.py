"""Bugs the generated requests (tests/fuzzing.py, tests/e2e/test_fuzz.py) found, each pinned here
where it is cheap to run: the API through the test client on moto."""
from __future__ import annotations

from unittest import mock

import pytest

from tests.api.conftest import assert_error, body
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


# -- hand-written cases a generator misses -----------------------------------------------------

REFUSED_NAMES = {"NUL": "角色\x00名", "right-to-left override": "发票\u202efdp", "zero-width space": "角色\u200b名",
                 "newline": "角色\n名", "private use": "角色\ue000"}
KEPT_NAMES = {"combining accent": "Cafe\u0301 采购", "emoji": "采购组😀", "4-byte CJK ext. B": "𠀀𠀁采购",
              "Hangul jamo": "\u1100\u1161\u11a8", "Arabic (RTL script)": "مشتريات 采购", "full-width": "ＡＢＣ采购"}


def test_names_refuse_invisible_characters_and_keep_every_other_character(api, enterprise, people, frozen):
    """Role and project names (shown to other users) took NUL, bidi overrides and zero-width
    characters; they are 400s naming the field now. Combining marks, emoji, 4-byte characters and
    right-to-left scripts are text: stored and answered exactly as written."""
    from tests import factory

    unit = factory.unit_token(enterprise)
    for what, name in REFUSED_NAMES.items():
        role = assert_error(api.post("/org/roles", {"name": name}, token=unit), 400, "validation_failed", f"role {what}")
        project = assert_error(api.post("/projects", project_body(frozen.now(), name=name), token=people.center),
                               400, "validation_failed", f"project {what}")
        assert [d["field"] for d in role["details"]] == ["name"] == [d["field"] for d in project["details"]], \
            (what, role, project)
    for what, name in KEPT_NAMES.items():
        role = api.post("/org/roles", {"name": name}, token=unit)
        assert role.status_code == 201 and body(role)["name"] == name, f"role {what}: {role.status_code} {role.body[:200]}"
        project = api.post("/projects", project_body(frozen.now(), name=name), token=people.center)
        assert project.status_code == 201 and body(project)["name"] == name, \
            f"project {what}: {project.status_code} {project.body[:200]}"
    announcement = api.post("/projects", project_body(frozen.now(), announcement="各有关企业：\n\t请于截止前申报。"),
                            token=people.center)
    assert announcement.status_code == 201, f"an announcement keeps its lines: {announcement.body[:200]}"


def test_an_oversized_body_is_a_400_before_anything_reads_it(api, member_token):
    from chalicelib.handlers._http import MAX_BODY_BYTES

    padding = "x" * (MAX_BODY_BYTES + 1)
    for path in ("/dictionaries/exports", "/sessions", "/registrations"):
        response = api.post(path, raw='{"dictionary":"units","pad":"' + padding + '"}', token=member_token)
        error = assert_error(response, 400, "body_too_large", f"a body over {MAX_BODY_BYTES} bytes to {path}")
        assert error["details"][0]["field"] == "body", error


def test_a_query_parameter_given_twice_is_a_400_naming_it(api, member_token, seeded):
    """`?limit=1&limit=2` silently took the last value; no query field is a list."""
    error = assert_error(api.get("/dictionaries/regions?parent=630000&parent=620000&limit=2", token=member_token),
                         400, "query_parameter_repeated", "a filter given twice")
    assert [d["field"] for d in error["details"]] == ["query.parent"], error
    once = api.get("/dictionaries/regions?parent=630000&limit=2", token=member_token)
    assert once.status_code == 200 and body(once)["items"][0]["parent_code"] == "630000", once.body[:200]
