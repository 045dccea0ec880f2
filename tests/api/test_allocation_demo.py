"""The demo allocation task `make run` seeds (ops/demo_allocation.py): mid-flight, something to do
for every actor, and seeding twice reuses it."""
from __future__ import annotations

from tests.api.conftest import assert_ok


def login(api, mobile: str) -> str:
    from ops.seed import DEMO_PASSWORD

    return assert_ok(api.login(mobile, DEMO_PASSWORD), f"demo login {mobile}", 201)["token"]


def test_the_demo_task_is_mid_flight_for_every_actor(api, demo):
    from ops.seed import seed_all

    task = demo["allocation"]
    task_id = task["task_id"]
    assert task["status"] == "filling" and task["institutions"] == 20 and task["provinces"] == 2, task
    assert task["groups"] == 5
    base = f"/allocation-tasks/{task_id}"
    hospital = assert_ok(api.get(f"{base}/my-sheet", token=login(api, "13800000005")), "hospital sheet")
    assert hospital["status"] == "not_filled" and hospital["lines"], "the demo hospital has its sheet to fill"
    xining = assert_ok(api.get(f"{base}/city/sheets?limit=100", token=login(api, "13800000004")), "西宁")["items"]
    statuses = sorted(s["status"] for s in xining)
    assert statuses.count("not_filled") == 3 and statuses.count("pending_city") == 2, statuses
    assert statuses.count("city_approved") == 2 and statuses.count("returned") == 1, statuses
    assert next(s for s in xining if s["status"] == "returned")["reason"], "the return carries its reason"
    qinghai = assert_ok(api.get(f"{base}/province/cities", token=login(api, "13800000003")), "青海")["items"]
    assert {c["unit"]: c["status"] for c in qinghai} == {"630100": "open", "630200": "submitted"}
    assert {c["unit_name"] for c in qinghai} == {"西宁市", "海东市"}
    lanzhou = assert_ok(api.get(f"{base}/city/sheets?status=pending_city", token=login(api, "13800000011")), "兰州")
    assert len(lanzhou["items"]) == 3
    provinces = assert_ok(api.get(f"{base}/alliance/provinces", token=login(api, "13800000002")), "联采办")["items"]
    assert {p["unit"] for p in provinces} == {"630000", "620000"}
    agreements = assert_ok(api.get(f"{base}/agreements", token=login(api, "13800000007")), "enterprise")["items"]
    assert agreements and {a["enterprise_name"] for a in agreements} == {"青海医疗器械制造有限公司"}
    # the progress dashboards: institutions by sheet status per unit of each level
    city = assert_ok(api.get(f"{base}/progress", token=login(api, "13800000004")), "西宁 progress")
    assert city["level"] == "city" and [u["unit"] for u in city["units"]] == ["630100"], city
    assert city["totals"] == {"not_filled": 3, "draft": 0, "pending_city": 2, "city_approved": 2, "returned": 1}, city
    province = assert_ok(api.get(f"{base}/progress", token=login(api, "13800000003")), "青海 progress")
    assert {u["unit"]: (u["status"], u["counts"]["city_approved"]) for u in province["units"]} == \
        {"630100": ("open", 2), "630200": ("submitted", 6)}, province
    alliance = assert_ok(api.get(f"{base}/progress", token=login(api, "13800000002")), "联采办 progress")
    by_province = {u["unit"]: u for u in alliance["units"]}
    assert set(by_province) == {"630000", "620000"} and by_province["630000"]["institutions"] == 14, alliance
    assert by_province["620000"]["counts"]["pending_city"] == 3 and alliance["totals"]["not_filled"] == 6, alliance
    assert alliance["deadline"] > province["deadline"] > city["deadline"], "each level's own deadline"
    drill = assert_ok(api.get(f"{base}/alliance/provinces/620000/sheets?status=pending_city",
                              token=login(api, "13800000002")), "联采办 drills down to 甘肃")["items"]
    assert len(drill) == 3 and {s["city"] for s in drill} == {"620100"}, drill
    again = seed_all()
    assert again["allocation"]["task_id"] == task_id, "a second seeding reuses the demo task"
