"""Product code matching (对码) over HTTP: an enterprise's listed products (its rows in published results),
mapping one to a national product, changing it (a reason), unmatching, the history, candidates, and the
refusals (another enterprise's listing, a bad code, a certificate mismatch, a stale version)."""
from __future__ import annotations

import pytest

from tests import factory
from tests.api.conftest import assert_error, assert_ok
from tests.api.test_project_results import CERT, DAY, imported, line, project, world  # noqa: F401 (fixtures)

CODE = "C14010100100001000010000001"  # 1ml, under CERT
CODE_5ML = "C14010100100001000010000002"  # 5ml, under CERT
STENT = "C02010300100001000010000001"  # another certificate (国械注进20173461234)
UNKNOWN = "C99999999999999999999999999"


@pytest.fixture
def listed(api, client, aws, world, project, frozen):  # noqa: F811
    """Published results: two rows of the enterprise (one with CERT, one without a certificate), one of the rival."""
    project_id, start = project
    frozen.set(start + 8 * DAY)
    imported(api, client, aws, world, project_id, [
        line(world.ent, group="A组", rank=1), line(world.ent, group="B组", rank=2, name="无注册证产品", cert=""),
        line(world.rival, group="B组", rank=1)])
    assert_ok(api.post(f"/projects/{project_id}/results/publish", token=world.center), "publish")
    frozen.set(start + 10 * DAY)
    mine = assert_ok(api.get("/code-matching/listings", token=world.enterprise), "my listings")["items"]
    rival = assert_ok(api.get("/code-matching/listings", token=world.token_of("rival")), "rival's")["items"]
    return project_id, {r["bid_group"]: r for r in mine}, rival[0]


def path(listing_id: str, tail: str = "") -> str:
    return f"/code-matching/listings/{listing_id}{tail}"


def remove(api, listing_id, payload, token):
    import json

    return api.client.http.request("DELETE", path(listing_id, "/match"), body=json.dumps(payload).encode(),
                                   headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})


def test_listings_are_the_enterprises_rows_in_published_results(api, client, aws, world, project, listed):  # noqa: F811
    project_id, mine, rival = listed
    assert set(mine) == {"A组", "B组"}
    a = mine["A组"]
    assert a["project"]["project_id"] == project_id and a["project"]["kind_label"] == "国家集采中选采购项目"
    assert (a["rank"], a["price"], a["cert_no"], a["match"], a["version"]) == (1, "1.25", CERT, None, 0)
    assert rival["bid_group"] == "B组" and rival["listing_id"] not in {r["listing_id"] for r in mine.values()}
    assert assert_ok(api.get("/code-matching/listings?matched=true", token=world.enterprise), "matched")["items"] == []
    assert len(assert_ok(api.get("/code-matching/listings?matched=false&limit=1", token=world.enterprise),
                         "unmatched, paged")["items"]) == 1


def test_unpublished_results_are_not_listed(api, client, aws, world, project, frozen):  # noqa: F811
    project_id, start = project
    frozen.set(start + 8 * DAY)
    imported(api, client, aws, world, project_id, [line(world.ent)])
    assert assert_ok(api.get("/code-matching/listings", token=world.enterprise), "listings")["items"] == []


def test_set_change_unmatch_and_history(api, world, listed, frozen):  # noqa: F811
    _, mine, _ = listed
    listing = mine["A组"]["listing_id"]
    done = assert_ok(api.put(path(listing), {"code27": CODE}, token=world.enterprise), "match")
    assert done["match"]["code27"] == CODE and done["match"]["specification"] == "1ml"
    assert done["match"]["item_name"] == "一次性使用无菌注射器 带针" and done["version"] == 1
    again = assert_ok(api.put(path(listing), {"code27": CODE}, token=world.enterprise), "the same mapping again")
    assert again["version"] == 1, "an unchanged mapping writes nothing"
    frozen.advance(seconds=1)  # the history is ordered by instant
    assert_error(api.put(path(listing), {"code27": CODE_5ML}, token=world.enterprise), 400, "reason_required",
                 "a change without a reason")
    assert_error(api.put(path(listing), {"code27": CODE_5ML, "reason": "改规格", "version": 0},
                         token=world.enterprise), 409, "listing_changed", "a stale version")
    changed = assert_ok(api.put(path(listing), {"code27": CODE_5ML, "reason": "规格录错", "version": 1},
                                token=world.enterprise), "change")
    assert changed["match"]["code27"] == CODE_5ML and changed["version"] == 2
    frozen.advance(seconds=1)
    matched = assert_ok(api.get("/code-matching/listings?matched=true", token=world.enterprise), "matched")["items"]
    assert [r["listing_id"] for r in matched] == [listing]

    assert_error(remove(api, listing, {}, world.enterprise), 400, "validation_failed", "unmatch without a reason")
    unmatched = assert_ok(remove(api, listing, {"reason": "产品停产"}, world.enterprise), "unmatch")
    assert unmatched["match"] is None and unmatched["version"] == 3
    assert_error(remove(api, listing, {"reason": "再来一次"}, world.enterprise), 409, "not_matched", "twice")

    log = assert_ok(api.get(path(listing, "/history"), token=world.enterprise), "history")["items"]
    assert [e["action"] for e in log] == ["code_match_removed", "code_match_changed", "code_match_set"]
    assert [e["reason"] for e in log] == ["产品停产", "规格录错", None]
    assert {"op": "replace", "path": "/code27", "value": CODE_5ML} in log[1]["diff"], log[1]
    page = assert_ok(api.get(path(listing, "/history?limit=2"), token=world.enterprise), "paged")
    assert len(page["items"]) == 2 and page["next_cursor"]


def test_refusals(api, world, listed):
    _, mine, rival = listed
    listing = mine["A组"]["listing_id"]
    for other in (rival["listing_id"], "0" * 32, f"{'0' * 32}-000001", "x"):
        assert_error(api.put(path(other), {"code27": CODE}, token=world.enterprise), 404, "listing_not_found", other)
        assert_error(api.get(path(other, "/history"), token=world.enterprise), 404, "listing_not_found", other)
    assert_error(api.put(path(listing), {"code27": "C1401"}, token=world.enterprise), 400, "malformed", "bad code")
    assert_error(api.put(path(listing), {"code27": UNKNOWN}, token=world.enterprise), 400, "not_in_catalog",
                 "not in the national catalog")
    assert_error(api.put(path(listing), {"code27": STENT}, token=world.enterprise), 400, "certificate_mismatch",
                 "a product of another certificate")
    free = mine["B组"]["listing_id"]  # published without a certificate: any catalog product
    assert assert_ok(api.put(path(free), {"code27": STENT}, token=world.enterprise), "no cert")["match"]["code27"] \
        == STENT
    assert_error(api.put(path(listing), {"code27": CODE}, token=world.center), 403, "actor_forbidden", "the center")
    from chalicelib.store import audit

    assert audit.history(f"listing#{listing}", limit=10, cursor=None).items == [], "refusals write nothing"


def test_candidates_are_the_products_of_the_listings_certificate(api, world, listed):
    _, mine, _ = listed
    got = assert_ok(api.get(path(mine["A组"]["listing_id"], "/candidates"), token=world.enterprise), "candidates")
    assert got["cert_no"] == CERT and not got["truncated"]
    codes = {c["code27"] for c in got["items"]}
    assert len(codes) == 5 and CODE in codes and STENT not in codes, codes
    none = assert_ok(api.get(path(mine["B组"]["listing_id"], "/candidates"), token=world.enterprise), "no cert")
    assert none["cert_no"] is None and none["items"] == []


def test_matching_needs_a_certified_enterprise_in_the_procurement_subsystem(api, world, listed):
    from chalicelib.domain.enums import UnitRole

    outsider = factory.operator_token(factory.make_org(role=UnitRole.MANUFACTURER, entered=False))
    assert_error(api.get("/code-matching/listings", token=outsider), 403, "procurement_entry_required", "not entered")
    uncertified = factory.operator_token(factory.make_org(role=None, entered=True))
    assert_error(api.get("/code-matching/listings", token=uncertified), 403, "role_required", "no enterprise role")
