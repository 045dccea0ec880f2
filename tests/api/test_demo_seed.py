"""The demo projects `make run` seeds (ops/seed.py), through the API, and seeding twice."""
from __future__ import annotations

from tests.api.conftest import assert_ok


def login_token(api, mobile: str) -> str:
    from ops.seed import DEMO_PASSWORD

    return assert_ok(api.login(mobile, DEMO_PASSWORD), f"demo login {mobile}", 201)["token"]


def test_demo_projects_are_announced_with_catalogs_products_and_a_declaration(api, demo):
    from ops.seed import DEMO_CLOSE, seed_all

    projects = {p["kind"]: p for p in demo["projects"]}
    assert set(projects) == {"national_vbp", "alliance_vbp"}, demo["projects"]
    assert {p["status"] for p in projects.values()} == {"declaring"}, "both open for declarations when seeded"
    from datetime import datetime

    alliance = projects["alliance_vbp"]
    closes = datetime.fromisoformat(alliance["declaration_end"])
    assert closes == datetime.fromisoformat(alliance["publication_start"]), "publication opens as declaring closes"
    assert closes == datetime.fromisoformat(alliance["next_transition_at"])
    minutes = (closes - datetime.fromisoformat(alliance["published_at"])).total_seconds() / 60
    assert DEMO_CLOSE - 1 <= minutes <= DEMO_CLOSE, f"closes {minutes:.1f} min after seeding"

    announced = assert_ok(api.get("/announcements?limit=100"), "announcements")["items"]
    assert sorted(a["kind"] for a in announced) == ["alliance_vbp", "national_vbp"]
    maker = login_token(api, "13800000007")
    national = projects["national_vbp"]["project_id"]
    catalog = assert_ok(api.get(f"/projects/{national}/catalog?limit=100", token=maker), "catalog")["items"]
    assert len(catalog) == 4 and all(e["bid_group"] for e in catalog), catalog
    declared = assert_ok(api.get(f"/projects/{national}/declarations", token=maker), "declarations")["items"]
    assert [d["code27"] for d in declared] == ["C14010100100001000010000001"]
    # the demo manufacturer can declare at once: another approved product of the catalog
    made = api.post(f"/projects/{national}/declarations", {"code27": "C14010100100001000010000002"}, token=maker)
    assert_ok(made, "declaring an approved demo product", 201)
    mask = api.post(f"/projects/{alliance['project_id']}/declarations", {"code27": "C08010200100001000010000001"},
                    token=maker)
    assert_ok(mask, "declaring in the closing project", 201)

    again = seed_all()
    assert [p["project_id"] for p in again["projects"]] == [p["project_id"] for p in demo["projects"]], \
        "a second seeding reuses the demo projects"
    assert len(assert_ok(api.get("/announcements?limit=100"), "announcements")["items"]) == 2, "no duplicates"
    declared = assert_ok(api.get(f"/projects/{national}/declarations", token=maker), "declarations")["items"]
    assert len(declared) == 2, declared
