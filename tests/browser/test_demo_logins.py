"""Each demo login printed by the banner logs in through the portal and sees its menu."""
from __future__ import annotations

import csv

import pytest

from tests.browser.conftest import ROOT
from tests.browser.journeys import log_in, menu

ORGS = list(csv.DictReader((ROOT / "ops" / "data" / "demo_orgs.csv").open(encoding="utf-8")))
LOGINS = [pytest.param(o["unit_account"], o, id=f"{o['key']}-unit") for o in ORGS] + \
         [pytest.param(o["operator_mobile"], o, id=f"{o['key']}-operator") for o in ORGS]

# The menu each actor's default role gives (account kind → organisation key → titles).
ENTERPRISE_MENU = ["首页", "资质维护", "产品申报", "结果查询", "产品对码"]
EXPECTED_MENU = {
    "unit": {o["key"]: ["首页", "单位账号管理"] for o in ORGS},
    "operator": {**{o["key"]: ["首页", "下级机构管理", "机构注册审核"] if o["kind"] == "city_bureau"
                    else ["首页", "下级机构管理"] if o["kind"] == "province_bureau" else ["首页"] for o in ORGS},
                 "hospital": ["首页", "结果查询"], "pharmacy": ["首页", "结果查询"],
                 "platform": ["首页", "资质审核", "项目管理", "机构注册审核"], "manufacturer": ENTERPRISE_MENU, "distributor": ENTERPRISE_MENU},
}
# The allocation screens (docs/portal.md "Allocation"), after the others, by organisation kind.
ALLOCATION_MENU = {
    "medical_institution": ["分量填报", "中选企业协议量明细"],
    "city_bureau": ["中选结果分量信息审核(市医保)", "分量进度", "中选企业协议量明细"],
    "province_bureau": ["中选结果分量信息审核(省医保)", "分量进度", "中选企业协议量明细"],
    "alliance_office": ["中选结果分量信息审核(联采办)", "分量进度", "中选企业协议量明细"],
    "enterprise": ["中选企业协议量明细"],
}
for _o in ORGS:
    EXPECTED_MENU["operator"][_o["key"]] = EXPECTED_MENU["operator"][_o["key"]] + ALLOCATION_MENU.get(_o["kind"], [])


@pytest.mark.parametrize(("login", "org"), LOGINS)
def test_demo_login_sees_its_organisation_and_menu(page, portal_stack, shots, login, org):
    assert f" {login} " in portal_stack.banner, f"{login} is not printed in the banner"
    log_in(page, login)
    who = page.locator("[data-test=who]").inner_text()
    header = page.locator("header").inner_text()
    assert org["name"] in header, f"{login}: the header should name {org['name']}, shows {header!r}"
    kind = "unit" if login == org["unit_account"] else "operator"
    assert ("单位账号" if kind == "unit" else "经办人") in who, f"{login}: account kind not shown in {who!r}"
    assert menu(page) == EXPECTED_MENU[kind][org["key"]], f"{login}: menu {menu(page)}"
    if org["key"] in ("manufacturer", "platform") and kind == "operator":
        page.screenshot(path=shots / f"app-{org['key']}.png")
