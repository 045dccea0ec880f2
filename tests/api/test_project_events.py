"""One SNS notification per project status transition, through the outbox:
read back from moto through the topic's tap queue (ops/provision.py)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.api.conftest import assert_ok
from tests.api.projects_support import DAY, create_published, project_body, run_schedule, stored_status

ORDER = ["draft", "published", "declaring", "closed", "publicising", "finished"]


def published_messages() -> list[dict]:
    """Everything the topic delivered to its tap queue since the last call (drained), in order."""
    import boto3

    from chalicelib import resources
    from chalicelib.config import get_settings

    sqs = boto3.client("sqs", region_name="us-east-1")
    topic = resources.topic_by_logical("project_events")
    url = sqs.get_queue_url(QueueName=resources.tap_queue_name(get_settings().prefix, topic))["QueueUrl"]
    out = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])\
            .get("Messages", [])
        if not messages:
            return out
        for m in messages:
            out.append({"body": json.loads(m["Body"]),
                        "attributes": {k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()}})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def transitions(messages) -> list[tuple[str, str]]:
    return [(m["body"]["from_status"], m["body"]["to_status"]) for m in messages]


def outbox(project_id: str):
    from chalicelib.store import project_events

    return project_events.pending_of(project_id)


def test_publish_and_each_scheduled_transition_emit_one_message(api, people, frozen, client):
    now = frozen.now()
    project_id = create_published(api, people, now)
    first = published_messages()
    assert transitions(first) == [("draft", "published")], "the center's publish is a transition too"
    assert first[0]["body"]["due_at"] == first[0]["body"]["applied_at"], "published when the center published"

    frozen.set(now + DAY + timedelta(seconds=20))
    run_schedule(client)
    run_schedule(client)  # twice: nothing new
    got = published_messages()
    assert transitions(got) == [("published", "declaring")], f"one message for one transition, got {got}"
    message, attributes = got[0]["body"], got[0]["attributes"]
    assert message == {
        "event": "project_status_changed", "event_id": f"{project_id}:published:declaring",
        "project_id": project_id, "kind": "national_vbp", "kind_label": "国家集采中选采购项目",
        "name": project_body(now)["name"], "from_status": "published", "from_status_label": "已发布",
        "to_status": "declaring", "to_status_label": "申报中",
        "due_at": message["due_at"], "applied_at": message["applied_at"],
    }, message
    assert message["due_at"].endswith("+08:00") and datetime.fromisoformat(message["due_at"]) == now + DAY
    assert datetime.fromisoformat(message["applied_at"]) == now + DAY + timedelta(seconds=20)
    assert attributes == {"event": "project_status_changed", "to_status": "declaring", "kind": "national_vbp"}
    assert outbox(project_id) == [], "published events leave the outbox"

    frozen.advance(minutes=5)
    run_schedule(client)
    assert published_messages() == [], "a run with nothing due publishes nothing"


def test_a_project_published_inside_its_window_emits_both_transitions(api, people, frozen):
    now = frozen.now()
    create_published(api, people, now, declaration_start=(now - DAY).isoformat())
    assert transitions(published_messages()) == [("draft", "published"), ("published", "declaring")]


def test_a_week_late_run_emits_four_messages_in_order(api, people, frozen, client):
    now = frozen.now()
    project_id = create_published(api, people, now, kind="alliance_vbp")
    published_messages()
    frozen.set(now + 30 * DAY)
    run_schedule(client)
    run_schedule(client)
    got = published_messages()
    assert transitions(got) == list(zip(ORDER[1:], ORDER[2:])), transitions(got)
    dues = [datetime.fromisoformat(m["body"]["due_at"]) for m in got]
    assert dues == [now + DAY, now + 8 * DAY, now + 10 * DAY, now + 17 * DAY], "each says when it was due"
    assert {m["body"]["applied_at"] for m in got} == {(now + 30 * DAY).astimezone(
        datetime.fromisoformat(got[0]["body"]["due_at"]).tzinfo).isoformat()}, "all applied by the late run"
    assert [m["body"]["event_id"] for m in got] == [f"{project_id}:{a}:{b}" for a, b in zip(ORDER[1:], ORDER[2:])]
    assert {m["attributes"]["kind"] for m in got} == {"alliance_vbp"}
    assert [m["attributes"]["to_status"] for m in got] == ORDER[2:]


def test_a_publish_failure_keeps_the_event_and_the_next_run_delivers_it(api, people, frozen, client, monkeypatch):
    from chalicelib import topics

    now = frozen.now()
    project_id = create_published(api, people, now)
    published_messages()
    real = topics.publish

    def unavailable(*a, **k):
        raise RuntimeError("SNS unavailable")

    monkeypatch.setattr(topics, "publish", unavailable)
    frozen.set(now + DAY)
    run_schedule(client)
    assert stored_status(project_id) == "declaring", "the transition is committed whatever SNS does"
    assert published_messages() == []
    left = outbox(project_id)
    assert [(i.event_id, int(i.attempts)) for i in left] == [(f"{project_id}:published:declaring", 1)], left

    monkeypatch.setattr(topics, "publish", real)
    run_schedule(client)  # the same instant: the leftover is not yet older than the grace period
    assert published_messages() == [], "a leftover younger than the grace period is left to its writer"
    frozen.advance(minutes=1)
    run_schedule(client)
    assert transitions(published_messages()) == [("published", "declaring")], "delivered by the next run"
    assert outbox(project_id) == []
    run_schedule(client)
    assert published_messages() == [], "delivered once"


def test_a_failure_midway_keeps_the_order(api, people, frozen, client, monkeypatch):
    from chalicelib import topics

    now = frozen.now()
    project_id = create_published(api, people, now)
    published_messages()
    real, calls = topics.publish, []

    def second_fails(topic, body, attributes):
        calls.append(body)
        if len(calls) == 2:
            raise RuntimeError("SNS throttled")
        return real(topic, body, attributes)

    monkeypatch.setattr(topics, "publish", second_fails)
    frozen.set(now + 30 * DAY)
    run_schedule(client)
    assert transitions(published_messages()) == [("published", "declaring")], "stops at the failed one"
    assert len(outbox(project_id)) == 3
    frozen.advance(minutes=1)
    run_schedule(client)
    assert transitions(published_messages()) == list(zip(ORDER[2:], ORDER[3:])), "the rest, in order"
    assert outbox(project_id) == []


def test_the_sweep_is_one_query_not_a_scan(api, people, frozen, monkeypatch):
    from chalicelib import topics
    from chalicelib.services import projects as service
    from chalicelib.store.project_events import ProjectEventItem
    from chalicelib.store.projects import ProjectItem

    now = frozen.now()
    project_id = create_published(api, people, now)
    monkeypatch.setattr(topics, "publish", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))
    frozen.set(now + DAY)
    assert service.advance_due() == 1
    monkeypatch.undo()

    def no_scan(*a, **k):
        raise AssertionError("the schedule must not scan")

    monkeypatch.setattr(ProjectEventItem, "scan", no_scan)
    monkeypatch.setattr(ProjectItem, "scan", no_scan)
    frozen.advance(minutes=1)
    service.advance_due()
    assert outbox(project_id) == []


def test_dev_route_lists_the_notifications_newest_first(api, people, frozen, client):
    now = frozen.now()
    project_id = create_published(api, people, now)
    frozen.set(now + 9 * DAY)
    run_schedule(client)
    page = assert_ok(api.get("/dev/outbox/project-events?limit=2"), "dev notifications")
    assert [(m["message"]["from_status"], m["message"]["to_status"]) for m in page["items"]] == [
        ("declaring", "closed"), ("published", "declaring")], page
    assert page["items"][0]["attributes"]["to_status"] == "closed"
    assert page["items"][0]["message"]["project_id"] == project_id
    rest = assert_ok(api.get(f"/dev/outbox/project-events?limit=2&cursor={page['next_cursor']}"), "page 2")
    assert [m["message"]["to_status"] for m in rest["items"]] == ["published"]
    again = assert_ok(api.get("/dev/outbox/project-events?limit=10"), "again")
    assert len(again["items"]) == 3, "kept after the tap was drained"

