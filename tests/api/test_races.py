"""Races (issue 13 item 3), through the Chalice test client from threads, on moto answering each
request atomically (``tests/support.atomic_moto_requests``, as DynamoDB does): what is decided is
our conditional writes, not moto's thread-safety.

- one city submitting while the province returns another city; the province returning a city
  while the city withdraws it;
- one declaration created at once by requests carrying one idempotency key;
- a declaration window closed by the schedule (run twice at once) while declarations arrive.

Each race is forced, not left to the scheduler: the writers are held at their commit until all
of them have read (``commits_together``), or the winner is held in flight while the others answer.
Outcomes are exactly-once, no update is lost, the audit log agrees with the final state and the
consistency checker finds nothing. (The other races of the issue extend their features' tests:
50 registrations of one credit code, tests/api/test_registration_race.py; 20 reviewers on one
review task, tests/api/test_records.py; 10 sessions editing one allocation sheet,
tests/api/test_allocation.py.)"""
from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from unittest import mock

import pytest

from tests import factory
from tests.api.conftest import Api, assert_ok, body
from tests.api.test_registration_race import _no_env_patching
from tests.support import provisioned_aws

pytestmark = pytest.mark.xdist_group("races")


@pytest.fixture(scope="module")
def world():
    from datetime import datetime, timezone

    from chalice.test import Client

    import app
    from chalicelib import clock
    from ops.seed import seed_reference

    with provisioned_aws():
        seed_reference()
        fixed = clock.FixedClock(datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=60))
        previous = clock.set_clock(fixed)
        try:
            with Client(app.app) as client, _no_env_patching():
                yield {"api": Api(client), "client": client, "clock": fixed}
        finally:
            clock.set_clock(previous)


@contextlib.contextmanager
def commits_together(parties: int, timeout: float = 10.0):
    """The first ``parties`` unit-of-work commits wait for each other: every writer has read
    before any writes (later commits, and a party that never commits after ``timeout``, go on)."""
    from chalicelib.store.uow import UnitOfWork

    barrier = threading.Barrier(parties, timeout=timeout)
    original = UnitOfWork.commit
    seen = {"held": 0}
    lock = threading.Lock()

    def commit(self):
        with lock:
            hold = seen["held"] < parties
            seen["held"] += hold
        if hold:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return original(self)

    with mock.patch.object(UnitOfWork, "commit", commit):
        yield seen


def run_at_once(calls: list) -> list:
    """Run each ``call()`` on its own thread, started together; their results in order."""
    results: list = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i, call):
        start.wait()
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 (a result like any other: the test says what was wrong)
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a request did not answer within 60 s"
    return results


def _audit(subject: str) -> list[dict]:
    from chalicelib.store import audit

    return audit.history(subject, limit=100, cursor=None, newest_first=False).items


def _settled() -> None:
    """Run the reconciler (the schedule's every minute) until no signal is left pending: a decision
    that came before its execution reached the level (moto's executions run on their own threads,
    slow on a loaded machine) waits in the outbox for it, as it would in production."""
    from chalicelib import clock
    from chalicelib.services.records import signals
    from chalicelib.store import records
    from tests.support import wait_until

    def delivered_all() -> bool:
        previous = clock.set_clock(clock.FixedClock(clock.now() + timedelta(minutes=1)))
        try:
            signals.reconcile()
            return not list(records.pending_signals(clock.now() + timedelta(days=1)))
        finally:
            clock.set_clock(previous)

    wait_until(delivered_all, timeout=30, what="every review signal delivered by the reconciler")


def _no_disagreement(what: str) -> None:
    from chalicelib import clock
    from chalicelib.services import consistency

    _settled()
    report = consistency.check(now=clock.now() + timedelta(hours=1))
    assert not report.findings, f"after {what} the consistency checker finds:\n" + "\n".join(
        f"{f.kind} {f.subject}: {f.detail}" for f in report.findings)


# -- allocation: a city submitting while the province returns --------------------------------------

def test_a_city_submitting_while_the_province_returns(world):
    from chalicelib.store import allocation as store
    from tests.allocation_support import build_world, fill_direct, ok, published_task_direct

    api = world["api"]
    w = build_world()
    task_id = published_task_direct(w)
    for inst in ("h1", "h2", "h3"):
        fill_direct(w, task_id, inst)
    base = f"/allocation-tasks/{task_id}"
    for city, insts in (("city_a1", ("h1", "h2")), ("city_a2", ("h3",))):
        decided = ok(api.post(f"{base}/city/decisions", {"units": [w.org_id(i) for i in insts],
                                                         "decision": "approve"}, token=w.token(city)), "approve")
        assert all(r["ok"] for r in decided["results"]), decided
    ok(api.post(f"{base}/city/submit", token=w.token("city_a2")), "city a2 submits")

    # 630100 submits while the province returns 630200: both touch the province's counters
    with commits_together(2) as held:
        submitted, returned = run_at_once([
            lambda: api.post(f"{base}/city/submit", token=w.token("city_a1")),
            lambda: api.post(f"{base}/province/decisions", {"units": ["630200"], "decision": "return",
                                                            "reason": "请复核"}, token=w.token("prov_a"))])
    assert held["held"] >= 2, "the two writes did not meet at their commits"
    assert submitted.status_code == 200, f"the city's submit: {submitted.status_code} {submitted.body}"
    assert returned.status_code == 200 and body(returned)["results"][0]["ok"], \
        f"the province's return: {returned.status_code} {returned.body}"
    province = store.get_province(task_id, "630000")
    counts = store.counts(province, ("open", "submitted", "approved", "returned"))
    assert counts == {"open": 0, "submitted": 1, "approved": 0, "returned": 1}, \
        f"the province's counters lost an update: {counts}"
    assert store.get_city(task_id, "630100").status == "submitted"
    assert store.get_city(task_id, "630200").status == "returned"

    # the province returns 630100 while 630100 withdraws it: exactly one of them
    with commits_together(2):
        returned, withdrawn = run_at_once([
            lambda: api.post(f"{base}/province/decisions", {"units": ["630100"], "decision": "return",
                                                            "reason": "数量有误"}, token=w.token("prov_a")),
            lambda: api.post(f"{base}/city/withdraw", token=w.token("city_a1"))])
    return_won = returned.status_code == 200 and body(returned)["results"][0]["ok"]
    withdraw_won = withdrawn.status_code == 200
    assert return_won != withdraw_won, (f"exactly one must win: return {returned.status_code} {returned.body}, "
                                        f"withdraw {withdrawn.status_code} {withdrawn.body}")
    loser = body(withdrawn)["error"]["code"] if return_won else body(returned)["results"][0]["error"]["code"]
    assert loser in ("concurrent_update", "wrong_state", "withdraw_not_allowed"), f"the loser's answer: {loser}"
    city = store.get_city(task_id, "630100")
    assert city.status == ("returned" if return_won else "open"), f"the winner's outcome is not kept: {city.status}"
    actions = [e["action"] for e in _audit(f"acity#{task_id}#630100")]
    assert actions.count("allocation_city_submitted") == 1, actions
    ended = [a for a in actions if a != "allocation_city_submitted"]
    assert len(ended) == 1, f"the audit log records {ended} after the submit: exactly one of return / withdraw"
    _no_disagreement("the allocation races")


# -- declarations: one idempotency key, and the window closing ------------------------------------

@pytest.fixture(scope="module")
def project(world):
    """A published project with CODE in its catalog, the clock inside its declaration window."""
    from tests.api.projects_support import CODE, DAY, People, in_library, published_with_catalog

    api, fixed = world["api"], world["clock"]
    people = People()
    start = fixed.now()
    project_id = published_with_catalog(api, people.center, start)
    fixed.set(start + DAY + timedelta(seconds=1))
    from chalicelib.services import projects as service

    assert service.advance_due() == 1, "the schedule opens the window (published → declaring)"
    return {"project_id": project_id, "people": people, "code": CODE, "in_library": in_library,
            "end": start + 8 * DAY}


def _declarer(code: str, in_library):
    from chalicelib.domain.enums import UnitRole

    org = factory.make_org(role=UnitRole.MANUFACTURER, entered=True)
    op, _ = factory.add_operator(org)
    in_library(org.org_id, code)
    return org, factory.token(op, org.org_id)


def test_one_declaration_sent_at_once_with_one_idempotency_key(world, project):
    from chalicelib.store import projects as store
    from chalicelib.store.uow import UnitOfWork

    api, project_id, code = world["api"], project["project_id"], project["code"]
    org, token = _declarer(code, project["in_library"])
    path, key = f"/projects/{project_id}/declarations", "race-" + "k" * 20
    others_answered = threading.Event()
    original = UnitOfWork.commit

    def held_commit(self):  # the request that claimed the key stays in flight until the others answered
        others_answered.wait(10)
        return original(self)

    parallel = 5
    answers: list = []

    def send():
        response = api.post(path, {"code27": code}, token=token, **{"Idempotency-Key": key})
        answers.append(response)
        if len(answers) == parallel - 1:
            others_answered.set()
        return response

    with mock.patch.object(UnitOfWork, "commit", held_commit):
        results = run_at_once([send] * parallel)
    created = [r for r in results if r.status_code == 201]
    in_progress = [r for r in results if r.status_code == 409 and body(r)["error"]["code"] == "request_in_progress"]
    assert len(created) == 1 and len(in_progress) == parallel - 1, \
        f"expected one 201 and {parallel - 1} × 409 request_in_progress: {[(r.status_code, r.body) for r in results]}"
    again = api.post(path, {"code27": code}, token=token, **{"Idempotency-Key": key})
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true", \
        f"a retry after completion replays the answer: {again.status_code} {again.headers} {again.body}"
    assert body(again) == body(created[0])
    declared = list(store.list_declarations(project_id, org.org_id, limit=10, cursor=None).items)
    assert len(declared) == 1, f"{len(declared)} declarations for one idempotency key"
    assert store.declaration_counts([project_id], org.org_id)[project_id] == 1
    added = [e for e in _audit(f"project#{project_id}") if e["action"] == "declaration_added"
             and e["actor_org"] == org.org_id]
    assert len(added) == 1, f"the audit log has {len(added)} declaration_added entries for one declaration"
    _no_disagreement("the idempotent declaration race")


def test_a_window_closed_by_the_schedule_while_declarations_arrive(world, project):
    from chalicelib.services import projects as service
    from chalicelib.store import project_events
    from chalicelib.store import projects as store
    from chalicelib.store.uow import UnitOfWork

    api, fixed, project_id, code = world["api"], world["clock"], project["project_id"], project["code"]
    end = project["end"]
    fixed.set(end - timedelta(seconds=1))
    early = [_declarer(code, project["in_library"]) for _ in range(4)]  # checked before the end, held at commit
    late = [_declarer(code, project["in_library"]) for _ in range(4)]  # arrive after the end
    checked = threading.Barrier(len(early) + 1)
    closed = threading.Event()
    original = UnitOfWork.commit
    schedule_runs: list = []

    def commit(self):  # a declaration that passed the window check commits only after the schedule closed it
        if threading.current_thread().name.startswith("early"):
            checked.wait(10)
            closed.wait(10)
        return original(self)

    def scheduler():
        checked.wait(10)  # every early declaration passed its window check
        fixed.set(end + timedelta(seconds=1))
        schedule_runs.extend(run_at_once([service.advance_due, service.advance_due]))  # two runs at once
        closed.set()

    def declare(token):
        return api.post(f"/projects/{project_id}/declarations", {"code27": code}, token=token)

    results: dict[str, object] = {}

    def named(name, call):
        results[name] = call()

    threads = [threading.Thread(target=named, args=(f"early{i}", lambda t=t: declare(t)), name=f"early{i}")
               for i, (_, t) in enumerate(early)]
    threads.append(threading.Thread(target=scheduler, name="schedule"))
    with mock.patch.object(UnitOfWork, "commit", commit):
        for t in threads:
            t.start()
        closed.wait(30)
        results.update({f"late{i}": declare(t) for i, (_, t) in enumerate(late)})
        for t in threads:
            t.join(30)
    early_codes = [(results[f"early{i}"].status_code, body(results[f"early{i}"]).get("error", {}).get("code"))
                   for i in range(len(early))]
    late_codes = [(results[f"late{i}"].status_code, body(results[f"late{i}"]).get("error", {}).get("code"))
                  for i in range(len(late))]
    assert early_codes == [(201, None)] * len(early), \
        f"declarations checked inside the window are accepted, whatever the schedule did meanwhile: {early_codes}"
    assert late_codes == [(409, "declaration_window_closed")] * len(late), late_codes
    assert sorted(schedule_runs, key=repr) == [0, 1], \
        f"two schedule runs at once must close the window once (steps moved by each): {schedule_runs}"
    item = store.get(project_id)
    assert item.status == "closed", item.status
    moves = [(e.get("from_status"), e.get("to_status")) for e in _audit(f"project#{project_id}")
             if e["action"] == "project_status_advanced"]
    assert moves.count(("declaring", "closed")) == 1, f"the close is audited exactly once: {moves}"
    assert not project_events.pending_of(project_id), "the close's notification was not published"
    for org, _ in early:
        declared = store.get_declaration(project_id, org.org_id, code)
        assert declared is not None and store.parse_instant(declared.declared_at) < end, \
            f"an accepted declaration must carry an instant inside the window: {declared and declared.declared_at}"
    for org, _ in late:
        assert store.get_declaration(project_id, org.org_id, code) is None, "a refused declaration was written"
    entry = store.get_catalog_entry(project_id, code)
    all_declared = list(store.iter_declarations(project_id))
    assert int(entry.declarations or 0) == len(all_declared), \
        f"the catalog entry counts {entry.declarations}, the project holds {len(all_declared)} declarations"
    added = [e for e in _audit(f"project#{project_id}") if e["action"] == "declaration_added"]
    assert len(added) == len(all_declared), f"{len(added)} audit entries for {len(all_declared)} declarations"
    _no_disagreement("the window-closing race")
