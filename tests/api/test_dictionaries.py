from __future__ import annotations

from tests.api.conftest import body


def test_provinces_page_through_with_opaque_cursors(api, seeded):
    seen, cursor, pages = [], None, 0
    while True:
        path = "/dictionaries/regions?limit=10" + (f"&cursor={cursor}" if cursor else "")
        response = api.get(path)
        assert response.status_code == 200, response.body
        page = body(response)
        seen += [r["code"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 31 and len(set(seen)) == 31, seen
    assert pages == 4, "31 provinces in pages of 10 make 4 pages and no empty last page"
    assert all(code.endswith("0000") for code in seen)


def test_cities_of_a_province(api, seeded):
    page = body(api.get("/dictionaries/regions?parent=630000&limit=100"))
    names = {r["name"] for r in page["items"]}
    assert "西宁市" in names and len(page["items"]) == 8, names
    assert all(r["parent_code"] == "630000" and r["level_label"] == "市级" for r in page["items"])


def test_region_by_code_and_unknown_codes(api, seeded):
    assert body(api.get("/dictionaries/regions/220100"))["name"] == "长春市"
    missing = api.get("/dictionaries/regions/229900")
    assert missing.status_code == 404 and body(missing)["error"]["code"] == "region_not_found"
    bad = api.get("/dictionaries/regions/12ab")
    assert bad.status_code == 400 and body(bad)["error"]["details"][0]["field"] == "code"


def test_cities_cannot_be_parents(api, seeded):
    response = api.get("/dictionaries/regions?parent=630100")
    assert response.status_code == 400
    assert body(response)["error"]["details"] == [{"field": "parent", "message": "上级须为省级行政区划代码"}]


def test_tampered_cursor_is_a_400(api, seeded):
    cursor = body(api.get("/dictionaries/regions?limit=5"))["next_cursor"]
    payload, mac = cursor.split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac
    for bad in (forged, "garbage", cursor + "x", "a.b.c"):
        response = api.get(f"/dictionaries/regions?limit=5&cursor={bad}")
        assert response.status_code == 400, (bad, response.body)
        assert body(response)["error"]["code"] == "invalid_cursor"


def test_cursor_of_one_list_is_refused_by_another(api, seeded):
    cursor = body(api.get("/dictionaries/regions?limit=5"))["next_cursor"]
    response = api.get(f"/dictionaries/regions?parent=630000&limit=5&cursor={cursor}")
    assert response.status_code == 400 and body(response)["error"]["code"] == "invalid_cursor"


def test_bad_paging_parameters_name_the_field(api, seeded):
    for query, field in (("limit=0", "query.limit"), ("limit=101", "query.limit"), ("limit=x", "query.limit"),
                         ("unknown=1", "query.unknown"), ("parent=12", "query.parent")):
        response = api.get(f"/dictionaries/regions?{query}")
        assert response.status_code == 400, query
        assert [d["field"] for d in body(response)["error"]["details"]] == [field], (query, response.body)


def test_units_filter_by_category(api, seeded):
    everything = body(api.get("/dictionaries/units?limit=100"))["items"]
    packages = body(api.get("/dictionaries/units?category=package&limit=100"))["items"]
    assert len(everything) == 38
    assert packages and all(u["category"] == "package" for u in packages)
    assert {u["name"] for u in packages} >= {"盒", "箱"}
    assert body(api.get("/dictionaries/units/U016"))["name"] == "盒"
    assert api.get("/dictionaries/units/U999").status_code == 404
    assert api.get("/dictionaries/units?category=weight").status_code == 400


def test_enums_carry_chinese_labels(api):
    enums = {e["name"]: e["members"] for e in body(api.get("/dictionaries/enums"))["items"]}
    assert {"code": "pending_first", "label": "待初审"} in enums["review_status"]
    assert {"code": "manufacturer_agent_distributor", "label": "生产代理及配送企业"} in enums["unit_role"]
    one = body(api.get("/dictionaries/enums/project_kind"))
    assert one["members"][0] == {"code": "national_vbp", "label": "国家集采中选采购项目"}
    assert api.get("/dictionaries/enums/nope").status_code == 404


def test_dictionary_catalog(api):
    names = [d["name"] for d in body(api.get("/dictionaries"))["items"]]
    assert names == ["regions", "units", "enums"]
