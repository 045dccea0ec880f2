"""``make run DATA=province`` (ops/province.py) at a small scale: what it writes is what the services
read and write — logins, the library tabs, the project's catalog and declarations, an edit and a declaration."""
from __future__ import annotations

import pytest

from tests.api.conftest import body


@pytest.fixture
def province(demo, monkeypatch):
    from ops import province
    from ops.seed import _principal, load_demo_orgs

    for name, value in (("CERTIFICATES", 3), ("ENTERPRISES", 3), ("INSTITUTIONS", 2)):
        monkeypatch.setattr(province, name, value)
    loaded = province.seed_province(lambda: _principal(load_demo_orgs(), "platform"))
    return province, loaded


def test_the_province_reads_and_writes_like_service_made_data(api, province):
    module, loaded = province
    assert loaded["province items"] > 0, loaded
    assert module.already_loaded() and module.seed_province(lambda: None) == {}, "a second load must refuse"
    token = body(api.login(module.operator_mobile(2), "Demo@2026qh"))["token"]
    counts = {}
    for tab in ("draft", "pending", "approved", "rejected"):
        page = body(api.get(f"/records/product?tab={tab}&limit=100", token=token))
        counts[tab] = len(page["items"])
    assert counts == {"draft": 15, "pending": 15, "approved": 60, "rejected": 10}, counts
    project_id = loaded["province project"]
    declared = body(api.get(f"/projects/{project_id}/declarations?limit=100", token=token))["items"]
    assert len(declared) == 60, len(declared)
    draft = body(api.get("/records/product?tab=draft&limit=1", token=token))["items"][0]
    data = {k: draft["data"][k] for k in ("code27", "min_usage_unit", "min_package_unit")}
    edited = api.put(f"/records/product/{draft['record_id']}", {"data": {**data, "min_package_ratio": 7}}, token=token)
    assert edited.status_code == 200, edited.body
    code = declared[0]["code27"]
    assert api.delete(f"/projects/{project_id}/declarations/{code}", token=token).status_code == 200
    again = api.post(f"/projects/{project_id}/declarations", {"code27": code}, token=token)
    assert again.status_code == 201, again.body
    institution = api.login("hos0001", "Demo@2026qh")
    assert institution.status_code == 201, institution.body
