"""SPEC §4 conventions every endpoint shares: errors, 500s, idempotency."""
from __future__ import annotations

import json
from unittest import mock

from tests.api.conftest import body


def test_malformed_json_is_a_400_naming_the_body(api, member_token):
    for raw in ("{bad", "[1,2]", "", "null"):
        response = api.post("/dictionaries/exports", raw=raw, token=member_token)
        assert response.status_code == 400, raw
        error = body(response)["error"]
        assert error["details"][0]["field"] == "body", (raw, error)


def test_validation_errors_list_every_field(api, member_token):
    response = api.post("/dictionaries/exports", {"dictionary": "planets", "format": "pdf", "extra": 1}, token=member_token)
    assert response.status_code == 400
    fields = sorted(d["field"] for d in body(response)["error"]["details"])
    assert fields == ["dictionary", "extra", "format"], fields


def test_unexpected_errors_are_500_with_a_correlation_id_and_no_trace(api):
    with mock.patch("chalicelib.services.dictionaries.catalog", side_effect=KeyError("secret internals")):
        response = api.get("/dictionaries")
    assert response.status_code == 500
    error = body(response)["error"]
    assert error["code"] == "internal_error"
    assert error["correlation_id"] == response.headers["X-Request-Id"]
    assert "secret internals" not in response.body.decode() and "Traceback" not in response.body.decode()


def test_retry_with_the_same_idempotency_key_replays_the_first_response(api, seeded, member_token):
    first = api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token, **{"Idempotency-Key": "export-units-1"})
    again = api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token, **{"Idempotency-Key": "export-units-1"})
    assert first.status_code == again.status_code == 202, (first.body, again.body)
    assert body(first)["job_id"] == body(again)["job_id"], "a retry must not create a second job"
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token, **{"Idempotency-Key": "export-units-2"})
    assert body(other)["job_id"] != body(first)["job_id"]


def test_idempotency_key_reused_for_another_payload_is_a_409(api, member_token):
    api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token, **{"Idempotency-Key": "export-key-A"})
    response = api.post("/dictionaries/exports", {"dictionary": "regions"}, token=member_token, **{"Idempotency-Key": "export-key-A"})
    assert response.status_code == 409 and body(response)["error"]["code"] == "idempotency_key_reused"


def test_malformed_idempotency_key_is_a_400(api, member_token):
    response = api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token, **{"Idempotency-Key": "short"})
    assert response.status_code == 400
    assert body(response)["error"]["details"][0]["field"] == "Idempotency-Key"


def test_a_failed_request_releases_its_idempotency_key(api, member_token):
    with mock.patch("chalicelib.services.jobs.queue.send", side_effect=RuntimeError("queue down")):
        failed = api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token, **{"Idempotency-Key": "retry-me-1"})
    assert failed.status_code == 500
    retried = api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token, **{"Idempotency-Key": "retry-me-1"})
    assert retried.status_code == 202, retried.body


def test_logs_are_json_lines_with_the_request_id(api, capsys):
    import logging

    logger = logging.getLogger("medprocure")
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        response = api.get("/dictionaries/regions/99")
    finally:
        logger.setLevel(level)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    refused = [line for line in lines if line["message"] == "request refused"]
    assert refused and refused[-1]["request_id"] == response.headers["X-Request-Id"], lines


def test_no_response_opens_the_api_to_other_origins(api, member_token):
    """The portal calls the API on its own origin (CloudFront /api/*, vite preview's proxy): no
    Access-Control-* header on answers, public or signed-in, and no CORS preflight route."""
    import app

    for response in (api.get("/health"), api.get("/announcements"), api.get("/me", token=member_token),
                     api.get("/me", Origin="https://evil.example", token=member_token),
                     api.get("/me"), api.get("/me", token="forged")):  # the gateway's own refusals too
        opened = {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}
        assert not opened, f"an answer carries CORS headers: {opened}"
    preflights = sorted(path for path, methods in app.app.routes.items() if "OPTIONS" in methods)
    assert not preflights, f"CORS preflight routes: {preflights[:5]}"
