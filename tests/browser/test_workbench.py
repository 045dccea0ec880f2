"""The enterprise's workbench (我的工作台): declare and delete within the window (the countdown shown),
and the API's refusal of a declaration after the window closed."""
from __future__ import annotations

import time

from tests.local_stack import DEMO_CLOSE_MINUTES
from tests.browser.journeys import error_toast, log_in, toast

NATIONAL = "国家组织一次性使用无菌注射器集中带量采购中选结果接续（演示）"
ALLIANCE = "八省二区医用外科口罩联盟集中带量采购（演示）"


def _open(page, name: str):
    page.get_by_role("menuitem", name="产品申报", exact=True).click()
    page.locator("[data-test=workbench] .el-table__body tr", has_text=name).click()
    page.wait_for_url("**project=**")
    rows = page.locator("[data-test=candidates] .el-table__body tr")
    rows.first.wait_for()
    return rows


def test_declare_then_delete_within_the_window(page, shots):
    log_in(page, "13800000007")
    rows = _open(page, NATIONAL)
    row = rows.first
    assert page.locator("[data-test=workbench] .el-table__body tr", has_text=NATIONAL) \
        .locator("[data-test=countdown]").inner_text().startswith("剩余"), "the window's countdown should be shown"
    if row.get_by_role("button", name="删除申报", exact=True).count():  # the demo seed may have declared it already
        row.get_by_role("button", name="删除申报", exact=True).click()
        toast(page, "已删除申报")
    row.get_by_role("button", name="申报", exact=True).click()
    toast(page, "申报成功")
    row.get_by_role("button", name="删除申报", exact=True).wait_for()
    page.screenshot(path=shots / "workbench.png")
    row.get_by_role("button", name="删除申报", exact=True).click()
    toast(page, "已删除申报")
    row.get_by_role("button", name="申报", exact=True).wait_for()


def test_a_declaration_after_the_window_shows_the_api_refusal(page, portal_stack):
    # The alliance project closes DEMO_CLOSE_MINUTES after start; wait for that (the ticker runs every 2 s).
    deadline = time.monotonic() + DEMO_CLOSE_MINUTES * 60 + 60
    log_in(page, "13800000007")
    while True:
        rows = _open(page, ALLIANCE)
        if page.locator(".el-tag", has_text="不在申报期内").count():
            break
        assert time.monotonic() < deadline, "the alliance project's window did not close"
        page.wait_for_timeout(3000)
        page.reload()
    rows.first.get_by_role("button", name="申报", exact=True).click()
    refusal = error_toast(page)
    assert "申报已截止" in refusal, f"the API's refusal should be shown, got {refusal!r}"
