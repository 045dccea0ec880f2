"""Four eyes on the review chain (issue 13): the reviewer who approved a submission
at the first level cannot approve it at the final level — another reviewer must;
a new submission starts afresh (docs/review-chain.md)."""
from __future__ import annotations

from tests.api.conftest import assert_error, assert_ok
from tests.api.test_records import letter, wait_task, world  # noqa: F401 (fixture)


def decide(api, token, rid, level, decision="approve", reason=None, revision=1):
    payload = {"revision": revision, "level": level, "decision": decision, **({"reason": reason} if reason else {})}
    return api.post(f"/reviews/records/{rid}/decision", payload, token=token)


def submitted(api, w) -> str:
    rid = assert_ok(letter(api, w), "create", 201)["record_id"]
    assert_ok(api.post(f"/records/commitment_letter/{rid}/submit", token=w["token"]), "submit")
    wait_task(rid)
    return rid


def test_the_first_approver_cannot_approve_the_final_level(api, world):  # noqa: F811
    rid = submitted(api, world)
    assert assert_ok(decide(api, world["reviewer"], rid, "first"), "first approve")["status"] == "pending_final"
    wait_task(rid, level="final")
    refused = assert_error(decide(api, world["reviewer"], rid, "final"), 403, "four_eyes_required",
                           "the first-level approver approving the final level")
    assert "其他审核人" in refused["message"], refused
    detail = assert_ok(api.get(f"/reviews/records/{rid}", token=world["reviewer2"]), "detail")
    assert detail["record"]["status"] == "pending_final", "a refused approval changed the record"
    batch = assert_ok(api.post("/reviews/decisions", {"items": [
        {"record_id": rid, "revision": 1, "level": "final", "decision": "approve"}]}, token=world["reviewer"]),
        "the same through the batch route")
    assert batch["items"][0]["error_code"] == "four_eyes_required" and batch["succeeded"] == 0, batch
    final = assert_ok(decide(api, world["reviewer2"], rid, "final"), "another reviewer's final approval")
    assert final["status"] == "approved", final
    history = assert_ok(api.get(f"/reviews/records/{rid}/history", token=world["reviewer2"]), "history")
    actions = [h["action"] for h in history["items"]]
    assert actions.count("final_review_approve") == 1 and actions.count("first_review_approve") == 1, actions


def test_the_first_approver_may_reject_at_the_final_level_and_a_new_submission_starts_afresh(api, world):  # noqa: F811
    rid = submitted(api, world)
    assert_ok(decide(api, world["reviewer"], rid, "first"), "first approve")
    wait_task(rid, level="final")
    rejected = assert_ok(decide(api, world["reviewer"], rid, "final", "reject", "盖章不清晰"), "a final reject")
    assert rejected["status"] == "rejected", rejected
    assert_ok(api.post(f"/records/commitment_letter/{rid}/submit", token=world["token"]), "resubmit")
    wait_task(rid)
    # the second submission: reviewer2 approves the first level, so reviewer may now approve the final one
    assert_ok(decide(api, world["reviewer2"], rid, "first"), "first approve of the new submission")
    wait_task(rid, level="final")
    assert_error(decide(api, world["reviewer2"], rid, "final"), 403, "four_eyes_required", "reviewer2 twice")
    assert assert_ok(decide(api, world["reviewer"], rid, "final"), "reviewer at the final level")["status"] == \
        "approved"
