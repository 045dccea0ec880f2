"""The consistency checker (issue 13 item 4): a clean world reports nothing; every kind of
corruption injected into it is reported, each about the subject it was injected into, and
nothing else; the scheduled function emits the count as a CloudWatch embedded metric.

One world per module (a project with declarations, two records under review with their
executions, an allocation task with a sheet pending at the city); the tests run in order
on one worker (``xdist_group``): the second corrupts what the first found clean."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests import factory
from tests.api.conftest import Api, assert_ok
from tests.api.projects_support import CODE, DAY, OTHER, OUTSIDE, People, in_library, published_with_catalog
from tests.support import provisioned_aws, wait_until

pytestmark = pytest.mark.xdist_group("consistency")


@pytest.fixture(scope="module")
def world():
    from datetime import datetime, timezone

    from chalice.test import Client

    import app
    from chalicelib import clock
    from chalicelib.domain.enums import RecordKind, UnitRole
    from chalicelib.services.records import engine
    from tests import allocation_support as alloc

    with provisioned_aws():
        fixed = clock.FixedClock(datetime.now(timezone.utc).replace(microsecond=0) - 60 * DAY)
        previous = clock.set_clock(fixed)
        try:
            with Client(app.app) as client:
                api, people = Api(client), People()
                now = fixed.now()
                project_id = published_with_catalog(api, people.center, now)
                other_ent = factory.make_org(role=UnitRole.MANUFACTURER, entered=True)
                other_op, _ = factory.add_operator(other_ent)
                for org in (people.ent, other_ent):
                    in_library(org.org_id, CODE)
                    in_library(org.org_id, OTHER)
                fixed.set(now + DAY + timedelta(seconds=1))
                for token in (people.enterprise, factory.token(other_op, other_ent.org_id)):
                    for code in (CODE, OTHER):
                        assert_ok(api.post(f"/projects/{project_id}/declarations", {"code27": code}, token=token),
                                  f"declare {code}", 201)
                # two records waiting on their first review, each with its execution running
                record_ids = []
                for org, op in ((people.ent, people.ent_op), (other_ent, other_op)):  # one letter per org
                    maker = factory.principal_of(op, org.org_id)
                    file_id = factory.verified_pdf(org, op)
                    view = engine.create(maker, RecordKind.COMMITMENT_LETTER,
                                         {"signed_on": "2026-01-05", "letter_file_id": file_id})
                    engine.submit(maker, RecordKind.COMMITMENT_LETTER, view.record_id)
                    record_ids.append(view.record_id)
                # an allocation task with h1's sheet submitted (pending at its city, execution running)
                w = alloc.build_world()
                task_id = alloc.published_task_direct(w)
                alloc.fill_direct(w, task_id, "h1")
                yield {"project_id": project_id, "orgs": (people.ent.org_id, other_ent.org_id),
                       "records": record_ids, "task_id": task_id, "h1": w.org_id("h1"), "client": client,
                       "clock": fixed}
        finally:
            clock.set_clock(previous)


def _check():
    from chalicelib import clock
    from chalicelib.services import consistency

    # an hour on: every unit has settled, and anything still in an outbox from the build would be stale
    return consistency.check(now=clock.now() + timedelta(hours=1))


def test_a_clean_world_reports_nothing(world):
    report = _check()
    assert report.findings == [], "a clean world has disagreements:\n" + "\n".join(
        f"{f.kind} {f.subject}: {f.detail}" for f in report.findings)
    checked = report.checked
    assert checked["projects"] >= 1 and checked["revisions_in_review"] == 2 and checked["allocation_tasks"] == 1, \
        f"the checker did not read the world: {checked}"
    assert checked["executions"] == 3, f"expected 2 review + 1 allocation executions described: {checked}"


def _end_without_the_records(token_pk: str, token_sk: str, machine: str, name: str) -> None:
    """The execution gets a decision DynamoDB never recorded, and ends."""
    from chalicelib import aws, workflows
    from chalicelib.store import records

    token = wait_until(lambda: records.get_token(token_pk, token_sk), what=f"the task token of {name}")
    aws.client("stepfunctions").send_task_success(taskToken=token.token, output=json.dumps({"outcome": "withdraw"}))
    wait_until(lambda: workflows.execution_status(machine, name) not in (None, "RUNNING"), what=f"{name} to end")


def test_each_kind_of_corruption_is_reported_about_its_subject(world):
    from chalicelib import clock
    from chalicelib.domain import consistency as kinds
    from chalicelib.services.records import signals
    from chalicelib.store import allocation as alloc_store
    from chalicelib.store import project_events, projects, records
    from chalicelib.store.allocation import CityItem

    project_id, task_id = world["project_id"], world["task_id"]
    ent, other = world["orgs"]
    first, second = world["records"]
    now = clock.now()
    expected = set()

    # counters: an enterprise's count item one too high; a catalog entry's counter wrong
    projects.DeclarationCountItem(pk=projects.project_pk(project_id), sk=projects.count_sk(ent)).update(
        actions=[projects.DeclarationCountItem.declarations.add(1)])
    expected.add((kinds.DECLARATION_COUNT, f"project#{project_id}/org#{ent}"))
    projects.CatalogEntryItem(pk=projects.project_pk(project_id), sk=projects.catalog_sk(OTHER)).update(
        actions=[projects.CatalogEntryItem.declarations.set(5)])
    expected.add((kinds.CATALOG_ENTRY_COUNT, f"project#{project_id}/catalog#{OTHER}"))
    # a declaration of a product not in the project catalog (its enterprise's count kept right)
    ghost = "f" * 32
    projects.DeclarationItem(pk=projects.project_pk(project_id), sk=projects.declaration_sk(ghost, OUTSIDE),
                             project_id=project_id, org_id=ghost, code27=OUTSIDE, record_id="x",
                             declared_at=projects.key_instant(now), declared_by="account#x").save()
    projects.DeclarationCountItem(pk=projects.project_pk(project_id), sk=projects.count_sk(ghost),
                                  project_id=project_id, org_id=ghost, declarations=1).save()
    expected.add((kinds.DECLARATION_WITHOUT_ENTRY, f"project#{project_id}/catalog#{OUTSIDE}"))
    # an allocation counter: the city counts a draft sheet it does not have
    city = alloc_store.get_city(task_id, "630100")
    city.update(actions=[CityItem.n_draft.add(1)])
    expected.add((kinds.ALLOCATION_COUNTER, f"city#{task_id}#630100"))
    # outboxes: a signal and a project event stuck for an hour
    stuck = signals.outbox_item("rec#stuck", "stuck", 1, "decision", now - timedelta(hours=1), level="first",
                                outcome="approve")
    stuck.save()
    expected.add((kinds.STALE_SIGNAL, "rec#stuck"))
    message = {"project_id": project_id, "event_id": "e" * 32, "type": "project_status_changed"}
    project_events.event_item("project_events", message, json.dumps(message), now - timedelta(hours=1), 0).save()
    expected.add((kinds.STALE_EVENT, f"project#{project_id}"))
    # executions: the first record's review execution ended; the second record's revision names
    # an execution that never existed (and its head says another status)
    rev = records.get_revision(first, 1)
    _end_without_the_records(records.rec_pk(first), "task#1#first", "review_chain", rev.execution_name)
    expected.add((kinds.EXECUTION_ENDED, f"rec#{first}/rev#1"))
    records.get_revision(second, 1).update(actions=[records.RevisionItem.execution_name.set("never-started")])
    expected.add((kinds.EXECUTION_MISSING, f"rec#{second}/rev#1"))
    records.get_head(second).update(actions=[records.HeadItem.current_status.set("draft")])
    expected.add((kinds.HEAD_MISMATCH, f"rec#{second}"))
    # the allocation sheet's review step ended without a decision
    unit = alloc_store.sheet_pk(task_id, world["h1"])
    sheet = alloc_store.get_sheet(task_id, world["h1"])
    token_pk, token_sk = alloc_store.token_key(unit, int(sheet.submissions))
    _end_without_the_records(token_pk, token_sk, "allocation_review",
                             alloc_store.execution_name(unit, int(sheet.submissions)))
    expected.add((kinds.EXECUTION_ENDED, unit))
    assert {k for k, _ in expected} == set(kinds.KINDS), "the test must inject every kind the checker knows"

    report = _check()
    found = {(f.kind, f.subject) for f in report.findings}
    assert not expected - found, f"not reported: {sorted(expected - found)}"
    assert not found - expected, "reported though nothing was injected there:\n" + "\n".join(
        f"{f.kind} {f.subject}: {f.detail}" for f in report.findings if (f.kind, f.subject) not in expected)
    assert len(report.findings) == len(expected), f"a subject reported twice: {report.findings}"
    assert report.totals == {k: 2 if k == kinds.EXECUTION_ENDED else 1 for k in kinds.KINDS}, report.totals


def test_the_scheduled_function_emits_the_findings_as_an_embedded_metric(world, capsys):
    from chalicelib.services import consistency

    from chalicelib import clock

    client = world["client"]
    world["clock"].advance(hours=1)  # every unit settled, as in _check()
    capsys.readouterr()
    client.lambda_.invoke("check_consistency", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    metrics = [doc for doc in lines if "_aws" in doc]
    assert len(metrics) == 1, f"expected one EMF line, got {len(metrics)}: {lines}"
    doc = metrics[0]
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == consistency.METRIC_NAMESPACE and directive["Dimensions"] == [["Stage"]]
    names = {m["Name"] for m in directive["Metrics"]}
    assert all(name in doc for name in names), f"a declared metric has no value: {names - set(doc)}"
    # the same findings as the test before found
    assert doc[consistency.METRIC_NAME] == 10, f"expected the 10 injected disagreements, the metric says {doc}"
    logged = [d for d in lines if d.get("message") == "consistency finding"]
    assert len(logged) == 10, f"each finding is logged once: {len(logged)}"


def test_the_command_prints_every_disagreement_and_exits_1(world, capsys):
    from ops import check_consistency

    assert check_consistency.main(["--aws-port", "0"]) == 1, "disagreements found: the command must exit 1"
    out = capsys.readouterr().out
    assert out.strip().endswith("10 disagreement(s)"), out
    assert out.count("execution_ended") == 2 and "stale_review_signal" in out, out
    env = check_consistency.local_environment("127.0.0.1", 5001)
    assert env["MP_SFN_ARN_REVIEW_CHAIN"].endswith(":stateMachine:medprocure-local-review_chain"), env


def test_the_local_ticker_runs_the_checker_at_its_own_rate():
    """ops/local.py fires every schedule at least every tick (windows close promptly), but not the
    checker, a batch job that reads everything: once at start, then every 15 minutes."""
    import threading

    from ops.local import EventDriver

    driver = EventDriver(tick_s=0.01)
    fired: list[str] = []
    driver.fire = fired.append
    ticker = threading.Thread(target=driver._tick)
    ticker.start()
    threading.Event().wait(1.5)
    driver.stop.set()
    ticker.join(5)
    assert fired.count("check_consistency") == 1, fired
    assert fired.count("advance_project_windows") >= 2, f"the other schedules fire every tick: {fired}"
