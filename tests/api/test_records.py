"""Qualification records and reviews over HTTP: the lifecycle, bad input, reviewers' work."""
from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest

from chalicelib import clock
from chalicelib.domain.enums import ActorKind, UnitRole
from tests import factory
from tests.api.conftest import assert_error, assert_ok, body, pending
from tests.support import atomic_moto_requests, wait_until


@pytest.fixture
def world(aws):
    maker = factory.make_org(role=UnitRole.MANUFACTURER)
    op, _ = factory.add_operator(maker)
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    r1, _ = factory.add_operator(platform)
    r2, _ = factory.add_operator(platform)
    return {"org": maker, "op": op, "token": factory.token(op, maker.org_id),
            "reviewer": factory.token(r1, platform.org_id), "reviewer2": factory.token(r2, platform.org_id),
            "platform": platform}


def letter(api, world, **over):
    file_id = factory.verified_pdf(world["org"], world["op"])
    data = {"signed_on": "2026-01-05", "letter_file_id": file_id, **over}
    return api.post("/records/commitment_letter", {"data": data}, token=world["token"])


def wait_task(record_id, revision=1, level="first"):
    from chalicelib.store import records

    wait_until(lambda: records.get_task(record_id, revision, level), what=f"{level} task token")


def test_the_whole_lifecycle_over_http(api, world):
    created = assert_ok(letter(api, world), "create", 201)
    rid = created["record_id"]
    assert created["status"] == "draft" and created["tab"] == "draft"
    listed = assert_ok(api.get("/records/commitment_letter?tab=draft", token=world["token"]), "list")
    assert [r["record_id"] for r in listed["items"]] == [rid]
    assert_ok(api.post(f"/records/commitment_letter/{rid}/submit", token=world["token"]), "submit")
    wait_task(rid)
    queue = assert_ok(api.get("/reviews/records?kind=commitment_letter&level=first", token=world["reviewer"]), "q")
    assert [(i["record_id"], i["revision"]) for i in queue["items"]] == [(rid, 1)]
    counts = {c["kind"]: c for c in assert_ok(api.get("/reviews/record-counts", token=world["reviewer"]),
                                              "counts")["items"]}
    assert counts["commitment_letter"]["pending_first"] == 1
    detail = assert_ok(api.get(f"/reviews/records/{rid}", token=world["reviewer"]), "detail")
    file_id = detail["record"]["file_ids"][0]
    link = api.get(f"/files/{file_id}/download", token=world["reviewer"])
    assert link.status_code == 200, f"a reviewer of the record may download its file: {link.body}"
    first = assert_ok(api.post(f"/reviews/records/{rid}/decision", {"revision": 1, "level": "first", "decision": "approve"},
                               token=world["reviewer"]), "first approve")
    assert first["status"] == "pending_final"
    wait_task(rid, level="final")
    final = assert_ok(api.post(f"/reviews/records/{rid}/decision",
                               {"revision": 1, "level": "final", "decision": "approve"},
                               token=world["reviewer2"]), "final approve")
    assert final["status"] == "approved" and final["effective_revision"] == 1
    history = assert_ok(api.get(f"/records/commitment_letter/{rid}/history", token=world["token"]), "history")
    actions = [h["action"] for h in history["items"]]
    assert actions[:3] == ["final_review_approve", "first_review_approve", "submitted"], actions
    mine = assert_ok(api.get("/reviews/mine", token=world["reviewer"]), "mine")
    assert [h["action"] for h in mine["items"]] == ["first_review_approve"]


def test_bad_input_is_refused_and_nothing_is_written(api, world):
    rid = body(letter(api, world))["record_id"]
    assert_error(letter(api, world), 409, "record_exists", "one commitment letter per enterprise")
    other = factory.make_org(role=UnitRole.AGENT)
    foreign = factory.verified_pdf(other)
    assert_error(api.put(f"/records/commitment_letter/{rid}", {"data": {"signed_on": "2026-01-05",
                                                                         "letter_file_id": foreign}},
                         token=world["token"]), 400, "file_not_found", "another organisation's file")
    from chalicelib.services import documents

    unverified = documents.request_upload(factory.principal_of(world["op"], world["org"].org_id), "a.pdf",
                                          "commitment_letter").file.file_id
    assert_error(api.put(f"/records/commitment_letter/{rid}", {"data": {"signed_on": "2026-01-05",
                                                                         "letter_file_id": unverified}},
                         token=world["token"]), 400, "file_not_verified", "an unverified file")
    missing = api.put(f"/records/commitment_letter/{rid}", {"data": {"signed_on": "2026-01-05"}},
                      token=world["token"])
    assert missing.status_code == 400 and body(missing)["error"]["details"][0]["field"] == "data.letter_file_id"
    future = api.put(f"/records/commitment_letter/{rid}", {"data": {"signed_on": "2099-01-01",
                                                                     "letter_file_id": "x"}}, token=world["token"])
    assert_error(future, 400, "date_in_future", "a signing date in the future")
    unchanged = assert_ok(api.get(f"/records/commitment_letter/{rid}", token=world["token"]), "get")
    assert unchanged["revisions"][0]["data"]["signed_on"] == "2026-01-05"
    assert_error(api.get("/records/planets", token=world["token"]), 404, "kind_not_supported", "unknown kind")


def test_state_rules_over_http(api, world):
    rid = body(letter(api, world))["record_id"]
    withdraw_draft = api.post(f"/records/commitment_letter/{rid}/withdraw", token=world["token"])
    assert_error(withdraw_draft, 409, "withdraw_not_allowed", "withdraw a draft")
    api.post(f"/records/commitment_letter/{rid}/submit", token=world["token"])
    assert_error(api.put(f"/records/commitment_letter/{rid}", {"data": {}}, token=world["token"]), 409,
                 "not_editable", "edit a pending record")
    wait_task(rid)
    no_reason = api.post(f"/reviews/records/{rid}/decision", {"revision": 1, "level": "first", "decision": "reject"},
                         token=world["reviewer"])
    assert_error(no_reason, 400, "reason_required", "reject without a reason")
    api.post(f"/reviews/records/{rid}/decision", {"revision": 1, "level": "first", "decision": "approve"}, token=world["reviewer"])
    assert_error(api.post(f"/reviews/records/{rid}/decision", {"revision": 1, "level": "first",
                                                               "decision": "approve"},
                          token=world["reviewer"]), 409, "wrong_state", "approve the same level twice")
    # withdrawing after first review
    assert_error(api.post(f"/records/commitment_letter/{rid}/withdraw", token=world["token"]), 409,
                 "withdraw_not_allowed", "withdraw after the first review")
    assert_error(api.post(f"/records/commitment_letter/{rid}/change", token=world["token"]), 409,
                 "change_not_allowed", "change before approval")


REVIEWERS = 20


def test_twenty_reviewers_at_once_exactly_one_wins(api, world):
    """One review task decided by 20 reviewers at once (issue 13 races): each has read the same
    revision before any writes; exactly one decision commits, the 19 others get 409
    concurrent_update; the record, the audit log and the execution all show that one decision."""
    rid = body(letter(api, world))["record_id"]
    api.post(f"/records/commitment_letter/{rid}/submit", token=world["token"])
    wait_task(rid)
    from chalicelib.services.identity.sessions import load_principal
    from chalicelib.services.records import engine
    from chalicelib.store import audit, records

    platform = world["platform"]
    more = [factory.token(factory.add_operator(platform)[0], platform.org_id) for _ in range(REVIEWERS - 2)]
    reviewers = [load_principal(t) for t in (world["reviewer"], world["reviewer2"], *more)]
    decisions = ["approve" if i % 2 == 0 else "reject" for i in range(REVIEWERS)]
    outcomes: dict[str, str] = {}
    barrier = threading.Barrier(REVIEWERS)
    original_load = engine._load

    def load_then_wait(*args, **kwargs):
        loaded = original_load(*args, **kwargs)
        barrier.wait(timeout=20)  # all have read the same version before any writes
        return loaded

    def decide(p, decision):
        try:
            outcomes[p.account_id] = engine.decide(p, rid, 1, "first", decision, "不符合要求").status
        except Exception as exc:  # noqa: BLE001
            outcomes[p.account_id] = getattr(exc, "code", repr(exc))

    threads = [threading.Thread(target=decide, args=(p, d)) for p, d in zip(reviewers, decisions)]
    with atomic_moto_requests(), mock.patch.object(engine, "_load", load_then_wait):
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert len(outcomes) == REVIEWERS, f"{REVIEWERS - len(outcomes)} decisions did not answer"
    winners = {a: o for a, o in outcomes.items() if o != "concurrent_update"}
    assert len(winners) == 1 and set(winners.values()) <= {"pending_final", "rejected"}, \
        f"exactly one decision must commit, the others 409 concurrent_update: {sorted(outcomes.values())}"
    (winner, status), = winners.items()
    rev = records.get_revision(rid, 1)
    assert rev.status == status and records.get_head(rid).current_status == status, \
        f"the record says {rev.status}, the winner was told {status}"
    if status == "pending_final":
        assert rev.first_approved_by == winner, "the first-level approver recorded is not the winner"
    decided = [e for e in audit.history(f"rec#{rid}", limit=50, cursor=None).items
               if e["action"].startswith("first_review_")]
    assert [(e["actor"], e["to_status"]) for e in decided] == [(f"account#{winner}", status)], \
        f"the audit log must show the one decision that committed: {decided}"
    assert not records.pending_signals(clock.now() + timedelta(days=1)), "a decision signal was left behind"
    if status == "pending_final":
        wait_task(rid, level="final")  # the execution moved on once, to the final level


def test_batch_decisions_report_each_item(api, world):
    other = factory.make_org(role=UnitRole.AGENT)
    op, _ = factory.add_operator(other)
    second = {"org": other, "op": op, "token": factory.token(op, other.org_id)}
    ids = [body(letter(api, world))["record_id"], body(letter(api, second))["record_id"]]
    for rid, who in zip(ids, (world, second)):
        api.post(f"/records/commitment_letter/{rid}/submit", token=who["token"])
        wait_task(rid)
    result = assert_ok(api.post("/reviews/decisions", {"items": [
        {"record_id": ids[0], "revision": 1, "level": "first", "decision": "approve"},
        {"record_id": ids[1], "revision": 1, "level": "first", "decision": "reject"},
        {"record_id": "nope", "revision": 1, "level": "first", "decision": "approve"},
    ]}, token=world["reviewer"]), "batch")
    assert (result["succeeded"], result["failed"]) == (1, 2)
    assert [(i["ok"], i["status"] or i["error_code"]) for i in result["items"]] == [
        (True, "pending_final"), (False, "reason_required"), (False, "record_not_found")]


def test_records_of_another_organisation_are_invisible(api, world):
    rid = body(letter(api, world))["record_id"]
    stranger = factory.make_org(role=UnitRole.AGENT)
    token = factory.operator_token(stranger)
    for call in (api.get(f"/records/commitment_letter/{rid}", token=token),
                 api.post(f"/records/commitment_letter/{rid}/submit", token=token),
                 api.get(f"/records/commitment_letter/{rid}/history", token=token)):
        assert_error(call, 404, "record_not_found", "another organisation's record")
    file_id = body(api.get(f"/records/commitment_letter/{rid}", token=world["token"]))["record"]["file_ids"][0]
    assert api.get(f"/files/{file_id}/download", token=token).status_code == 404


def test_commitment_letter_legacy_exemption(api, world):
    from chalicelib.store.identity import RegistryItem

    org = world["org"]
    RegistryItem(pk=f"registry#legacy#{org.credit_code}", sk="entry", credit_code=org.credit_code, name=org.name,
                 imported_at="2026-01-01").save()
    assert_error(letter(api, world), 409, "commitment_exempt", "exempt enterprises only view")


def test_self_distribution_gate_and_pending_actions(api, world):
    distributor = factory.make_org(role=UnitRole.DISTRIBUTOR)
    op, mobile = factory.add_operator(distributor)
    token = factory.token(op, distributor.org_id)
    assert "self_distribution_due" in pending(body(api.login(mobile, factory.PASSWORD)))
    assert_error(api.post("/org/procurement-entry", token=factory.unit_token(distributor)), 409,
                 "self_distribution_required", "distributors declare self-distribution before entering")
    no_proof = api.post("/records/self_distribution", {"data": {"self_distributing": True}}, token=token)
    assert_error(no_proof, 400, "file_required", "self-distributing needs a PDF proof")
    rid = assert_ok(api.post("/records/self_distribution", {"data": {"self_distributing": False}}, token=token),
                    "create", 201)["record_id"]
    api.post(f"/records/self_distribution/{rid}/submit", token=token)
    assert "self_distribution_due" not in pending(body(api.login(mobile, factory.PASSWORD)))
    wait_task(rid)
    api.post(f"/reviews/records/{rid}/decision", {"revision": 1, "level": "first", "decision": "reject",
                                                  "reason": "请补充证明"},
             token=world["reviewer"])
    assert "self_distribution_rejected" in pending(body(api.login(mobile, factory.PASSWORD)))
    maker_try = api.post("/records/self_distribution", {"data": {"self_distributing": False}},
                         token=world["token"])
    assert_error(maker_try, 409, "not_a_distributor", "a manufacturer does not declare self-distribution")


def test_enterprise_info_unlocks_distributor_certification(api, world):
    org = factory.make_org(role=None)
    op, _ = factory.add_operator(org)
    token = factory.token(op, org.org_id)
    unit = factory.unit_token(org)
    assert_error(api.post("/org/certification", {"role": "distributor"}, token=unit), 409, "basic_info_required",
                 "before basic info")
    licence = factory.verified_pdf(org, op)
    info = {"org_type": "distributor", "address": "西宁市城西区1号", "business_licence_no": "91630100XXXX",
            "business_licence_file_id": licence, "contact_name": "李四", "contact_phone": "13900000000"}
    rid = assert_ok(api.post("/records/enterprise_info", {"data": info}, token=token), "create", 201)["record_id"]
    assert_error(api.post("/org/certification", {"role": "distributor"}, token=unit), 409, "basic_info_required",
                 "a draft is not complete")
    api.post(f"/records/enterprise_info/{rid}/submit", token=token)
    assert assert_ok(api.post("/org/certification", {"role": "distributor"}, token=unit), "certify")[
        "certified_role"] == "distributor"


def test_lists_filter_by_keyword_and_page(api, world):
    org = factory.make_org(role=None)
    op, _ = factory.add_operator(org)
    token = factory.token(op, org.org_id)
    licence = factory.verified_pdf(org, op)
    info = {"org_type": "manufacturer", "address": "西宁市城西区1号", "business_licence_no": "91630100XXXX",
            "business_licence_file_id": licence, "contact_name": "李四", "contact_phone": "13900000000"}
    assert_ok(api.post("/records/enterprise_info", {"data": info}, token=token), "create", 201)
    found = assert_ok(api.get("/records/enterprise_info?tab=draft&keyword=" + "生产企业", token=token), "found")
    assert len(found["items"]) == 1
    none = assert_ok(api.get("/records/enterprise_info?tab=draft&keyword=" + "配送", token=token), "filtered")
    assert none["items"] == [] and none["next_cursor"] is None
    assert_ok(api.get("/records/enterprise_info?tab=approved", token=token), "other tab")["items"] == []
