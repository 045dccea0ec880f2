"""The city bureau's institutions (下级机构管理): listed, filtered by kind with the filter in the URL
(a reload keeps it)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.journeys import log_in


def test_city_bureau_lists_and_filters_its_institutions(page, shots):
    log_in(page, "13800000004")
    page.get_by_role("menuitem", name="下级机构管理", exact=True).click()
    rows = page.locator("[data-test=institutions] .el-table__body tr")
    expect(rows.filter(has_text="西宁市第一人民医院")).to_have_count(1)
    expect(rows.filter(has_text="西宁康泰大药房"), "medical institutions first, pharmacies on their tab").to_have_count(0)
    page.locator("[data-test=supervision-kind]").get_by_text("药店", exact=True).click()
    page.wait_for_url("**kind=pharmacy**")
    expect(rows.filter(has_text="西宁康泰大药房")).to_have_count(1)
    expect(rows.filter(has_text="西宁市第一人民医院"), "the filter should leave only pharmacies").to_have_count(0)
    page.reload()
    expect(rows.filter(has_text="西宁康泰大药房"), "the filter should survive a reload (kept in the URL)").to_have_count(1)
    expect(rows.filter(has_text="西宁市第一人民医院")).to_have_count(0)
    page.screenshot(path=shots / "institutions.png")
