"""Jobs: submitted over HTTP, run by the SQS consumer app.py registers, reaped by the schedule."""
from __future__ import annotations

import io
import json

import boto3
import openpyxl

from tests.api.conftest import body, deliver_job_messages




def _download(url: str) -> bytes:
    # moto intercepts the presigned URL's host in decorator mode.
    import urllib.parse

    parsed = urllib.parse.urlparse(url)
    bucket = parsed.netloc.split(".")[0] if parsed.netloc.count(".") > 2 else parsed.path.split("/")[1]
    key = parsed.path.lstrip("/").removeprefix(f"{bucket}/")
    return boto3.client("s3", region_name="us-east-1").get_object(Bucket=bucket,
                                                                  Key=urllib.parse.unquote(key))["Body"].read()


def test_export_job_runs_to_a_workbook(api, client, aws, seeded, member_token):
    submitted = api.post("/dictionaries/exports", {"dictionary": "regions"}, token=member_token)
    assert submitted.status_code == 202, submitted.body
    job = body(submitted)
    assert job["status"] == "queued" and job["status_label"] == "排队中"
    assert deliver_job_messages(client, aws) == 1
    done = body(api.get(f"/jobs/{job['job_id']}", token=member_token))
    assert done["status"] == "succeeded", done
    assert done["progress_done"] == done["progress_total"] == 373, done
    assert done["progress_percent"] == 100.0
    workbook = openpyxl.load_workbook(io.BytesIO(_download(done["result_url"])), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0].startswith("代码") and len(rows) == 374
    assert ("630100", "西宁市", "市级", "630000") in rows


def test_unknown_job_is_a_404(api, aws, member_token):
    response = api.get("/jobs/0123456789abcdef0123456789abcdef", token=member_token)
    assert response.status_code == 404 and body(response)["error"]["code"] == "job_not_found"


def test_a_job_is_audited_from_submission_to_result(api, client, aws, seeded, member_token):
    from chalicelib.store import audit

    job_id = body(api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token))["job_id"]
    deliver_job_messages(client, aws)
    trail = audit.history(f"job#{job_id}", limit=10, cursor=None, newest_first=False).items
    assert [(e["action"], e["from_status"], e["to_status"]) for e in trail] == [
        ("job_submitted", None, "queued"),
        ("job_started", "queued", "running"),
        ("job_succeeded", "running", "succeeded"),
    ]


def test_redelivered_message_of_a_finished_job_changes_nothing(api, client, aws, seeded, member_token):
    job_id = body(api.post("/dictionaries/exports", {"dictionary": "enums"}, token=member_token))["job_id"]
    deliver_job_messages(client, aws)
    before = body(api.get(f"/jobs/{job_id}", token=member_token))
    event = client.events.generate_sqs_event(queue_name="medprocure-test-jobs",
                                             message_bodies=[json.dumps({"job_id": job_id})])
    client.lambda_.invoke("run_job_messages", event)
    after = body(api.get(f"/jobs/{job_id}", token=member_token))
    assert after["status"] == "succeeded" and after["updated_at"] == before["updated_at"]


def test_a_failing_job_is_marked_failed_with_a_reason(api, client, aws, monkeypatch, member_token):
    from chalicelib.services import dictionaries

    def explode(ctx):
        raise RuntimeError("disk full")

    monkeypatch.setattr(dictionaries, "export_job", explode)
    job_id = body(api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token))["job_id"]
    deliver_job_messages(client, aws)
    job = body(api.get(f"/jobs/{job_id}", token=member_token))
    assert job["status"] == "failed" and job["error"] and "disk full" not in job["error"], job


def test_reaper_fails_jobs_nobody_ran_and_is_idempotent(api, client, aws, member_token):
    from chalicelib import clock
    from chalicelib.resources import JOB_HEARTBEAT_TIMEOUT_S

    job_id = body(api.post("/dictionaries/exports", {"dictionary": "units"}, token=member_token))["job_id"]
    fresh = body(api.post("/dictionaries/exports", {"dictionary": "regions"}, token=member_token))["job_id"]
    frozen = clock.FixedClock(clock.now())
    previous = clock.set_clock(frozen)
    try:
        client.lambda_.invoke("reap_stale_jobs", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        assert body(api.get(f"/jobs/{job_id}", token=member_token))["status"] == "queued", "not yet overdue"
        frozen.advance(seconds=JOB_HEARTBEAT_TIMEOUT_S + 1)
        for _ in range(2):  # running twice must not fail twice
            client.lambda_.invoke("reap_stale_jobs", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    finally:
        clock.set_clock(previous)
    for jid in (job_id, fresh):
        job = body(api.get(f"/jobs/{jid}", token=member_token))
        assert job["status"] == "failed" and job["error"] == "作业超时未完成", job
    from chalicelib.store import audit

    actions = [e["action"] for e in audit.history(f"job#{job_id}", limit=10, cursor=None).items]
    assert actions.count("job_failed") == 1, actions
