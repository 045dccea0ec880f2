from __future__ import annotations

from unittest import mock

from tests.api.conftest import body


def test_health_round_trips_every_dependency(api):
    response = api.get("/health")
    report = body(response)
    assert response.status_code == 200, report
    assert report["status"] == "ok" and report["failed"] == []
    assert {c["name"] for c in report["checks"]} == {"dynamodb", "s3", "stepfunctions", "sqs"}
    assert all(c["ok"] for c in report["checks"]), report["checks"]
    assert response.headers["X-Request-Id"]


def test_health_names_the_dependency_that_failed(api):
    from chalicelib.services import health

    def broken(token):
        raise RuntimeError("table is gone")

    with mock.patch.dict(health.PROBES, {"dynamodb": broken}):
        response = api.get("/health")
    report = body(response)
    assert response.status_code == 503, report
    assert report["status"] == "degraded"
    assert report["failed"] == ["dynamodb"]
    failed = next(c for c in report["checks"] if c["name"] == "dynamodb")
    assert "table is gone" in failed["detail"]


def test_health_fails_when_a_state_machine_does_not_complete(api, aws):
    import os

    from chalicelib import config

    os.environ["MP_SFN_ARN_HEALTH"] = aws["MP_SFN_ARN_HEALTH"].replace("health", "missing")
    config.reset_settings()
    report = body(api.get("/health"))
    assert report["failed"] == ["stepfunctions"], report
