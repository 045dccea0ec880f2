"""Bodies a generator rarely makes (issue 13, "found from outside"): JSON nested
to any depth, wrong content types, invalid UTF-8, numbers beyond 64 bits.
Each is a 400 (415 for a body that is not JSON) in the documented error
shape, on every route that takes a body — never a 500."""
from __future__ import annotations

import json
import re

import pytest

from tests.api.conftest import body

DEPTHS = (40, 900, 1000, 5000)
WITH_BODY = ("POST", "PUT", "PATCH")


def _deep(kind: str, depth: int) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _assert_error_shape(response, status: int, code: str, what: str) -> None:
    assert response.status_code == status, f"{what}: expected {status} {code}, got {response.status_code} {response.body[:300]}"
    error = body(response).get("error")
    assert error is not None and set(error) >= {"code", "message", "details", "request_id"}, \
        f"{what}: not our error shape: {response.body[:300]}"
    assert error["code"] == code, f"{what}: expected code {code}, got {error}"


def _body_routes() -> list:
    from chalicelib.handlers._http import ENDPOINTS

    import app  # noqa: F401  (registers every endpoint)

    return sorted(((p, m), d) for (p, m), d in ENDPOINTS.items() if d.body is not None and m in WITH_BODY)


@pytest.fixture
def callers(aws):
    """One token per kind of caller, and the principal each stands for, so each
    route is called by someone its access rule lets through to the body."""
    from chalicelib.domain.enums import ActorKind, UnitRole
    from chalicelib.services.identity.sessions import load_principal
    from tests import factory

    out = []
    for kind, region, role in ((ActorKind.ENTERPRISE, "630100", UnitRole.MANUFACTURER),
                               (ActorKind.MEDICAL_INSTITUTION, "630100", UnitRole.MEDICAL_INSTITUTION),
                               (ActorKind.PHARMACY, "630100", None), (ActorKind.CITY_BUREAU, "630100", None),
                               (ActorKind.PROVINCE_BUREAU, "630000", None), (ActorKind.ALLIANCE_OFFICE, "630000", None),
                               (ActorKind.PLATFORM, "630000", None)):
        org = factory.make_org(kind, region, role=role, entered=role is not None)
        for token in (factory.operator_token(org), factory.unit_token(org)):
            out.append((token, load_principal(token)))
    return out


def _caller_for(access, callers):
    from chalicelib.domain import access as rules
    from chalicelib.domain.errors import DomainError

    if access.public:
        return None
    for token, principal in callers:
        try:
            rules.check(access, principal)
        except DomainError:
            continue
        return token
    raise AssertionError(f"no test caller passes {access}")


def _send(client, method, path, raw, token, content_type="application/json"):
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.request(method, re.sub(r"{\w+}", "0" * 32, path), headers=headers, body=raw)


def test_deep_json_is_a_400_at_every_depth_on_every_body_route(client, callers):
    routes = _body_routes()
    assert len(routes) > 30, f"expected every body route, found {len(routes)}"
    for (path, method), doc in routes:
        token = _caller_for(doc.access, callers)
        for kind in ("array", "object"):
            for depth in DEPTHS:
                response = _send(client, method, path, _deep(kind, depth), token)
                _assert_error_shape(response, 400, "body_too_deep", f"{method} {path} {kind} nested {depth} deep")


def test_deep_json_inside_a_valid_body_is_refused_before_the_model(api, member_token):
    nested = json.loads(_deep("array", 40))
    response = api.post("/dictionaries/exports", raw=json.dumps({"dictionary": "units", "format": nested}),
                        token=member_token)
    _assert_error_shape(response, 400, "body_too_deep", "a deep value in a field")
    assert body(response)["error"]["details"][0]["field"].startswith("format."), response.body


@pytest.mark.parametrize("raw,field", [
    ('{"dictionary": "units", "format": %d}' % (2 ** 63), "format"),
    ('{"dictionary": "units", "format": -%d}' % (2 ** 63 + 1), "format"),
    ('{"dictionary": "units", "format": [1, %s]}' % ("9" * 5000), "format.1"),
    ('{"dictionary": "units", "format": 1e400}', "format"),
])
def test_numbers_beyond_64_bits_are_a_400_naming_the_field(api, member_token, raw, field):
    response = api.post("/dictionaries/exports", raw=raw, token=member_token)
    _assert_error_shape(response, 400, "number_out_of_range", raw[:60])
    assert body(response)["error"]["details"][0]["field"] == field, response.body


@pytest.mark.parametrize("raw", ['{"dictionary": NaN}', '{"dictionary": Infinity}', '{"dictionary": -Infinity}'])
def test_non_json_constants_are_malformed_json(api, member_token, raw):
    _assert_error_shape(api.post("/dictionaries/exports", raw=raw, token=member_token), 400, "malformed_json", raw)


def test_invalid_utf8_is_malformed_json(client, member_token):
    for raw in (b'{"dictionary": "\xff\xfe"}', b'\xc3\x28', b'{"dictionary": "\xed\xa0\x80"}'):
        response = _send(client, "POST", "/dictionaries/exports", raw, member_token)
        _assert_error_shape(response, 400, "malformed_json", repr(raw))


def test_escaped_lone_surrogates_are_a_400_naming_the_field(api, member_token):
    for raw, field in (('{"dictionary": "\\ud800"}', "dictionary"), ('{"\\udfff": "units"}', "body")):
        response = api.post("/dictionaries/exports", raw=raw, token=member_token)
        _assert_error_shape(response, 400, "invalid_unicode", raw)
        assert body(response)["error"]["details"][0]["field"] == field, response.body


def test_public_body_routes_refuse_bad_bytes_with_a_400(client):
    for path in ("/sessions", "/registrations", "/registrations/unit-check", "/unit-accounts/lookup", "/sms-codes"):
        for raw in (b'\xff\xff', b'{"login": "\xc3\x28"}', b'{"login": %d}' % (2 ** 64)):
            response = _send(client, "POST", path, raw, None)
            assert response.status_code == 400, f"POST {path} {raw!r}: {response.status_code} {response.body[:200]}"


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x",
                                          "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_a_415_in_our_error_shape(client, member_token, content_type):
    for path, token in (("/sessions", None), ("/dictionaries/exports", member_token)):
        response = _send(client, "POST", path, b"dictionary=units", token, content_type)
        _assert_error_shape(response, 415, "unsupported_media_type", f"POST {path} as {content_type}")
        assert response.headers.get("X-Request-Id") == body(response)["error"]["request_id"]


def test_a_wrong_method_is_a_405_in_our_error_shape(client):
    response = client.http.request("PATCH", "/captchas", headers={"Content-Type": "application/json"}, body=b"{}")
    _assert_error_shape(response, 405, "method_not_allowed", "PATCH /captchas")
    assert "POST" in response.headers.get("Allow", ""), response.headers


def test_every_body_route_documents_the_415():
    for (path, method), doc in _body_routes():
        assert 415 in doc.errors, f"{method} {path} does not document 415"
