"""Allocation (分量) in the portal, on the demo task `make run` seeds (docs/allocation.md "Demo"): the
whole chain through the four levels — the demo hospital fills (refused inputs, draft, submit), 西宁
returns it with a reason, it resubmits, 西宁 approves (提交 stays disabled, saying why); 兰州 approves,
submits, withdraws, submits; 甘肃 drills down, returns 兰州 with a reason, 兰州 sees it and resubmits,
甘肃 approves and submits; the alliance office watches the dashboard, approves 甘肃 and finalises.
Then a winning enterprise filters its agreements and exports them; the workbook is opened with
openpyxl and checked against the table."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.journeys import log_in, snap, toast

HOSPITAL, XINING, LANZHOU, GANSU, ALLIANCE, MAKER = (
    "13800000005", "13800000004", "13800000011", "13800000009", "13800000002", "13800000007")


def as_user(page, login: str, screen: str) -> None:
    """Log out whoever is in, log in as ``login`` and open the menu entry ``screen``."""
    if page.locator("[data-test=logout]").count():
        page.locator("[data-test=logout]").click()
        page.wait_for_url("**/login**")
    log_in(page, login)
    page.get_by_role("menuitem", name=screen, exact=True).click()


def confirm(page) -> None:
    page.locator(".el-message-box__btns .el-button--primary").click()


def rows(page, table: str = "review-rows"):
    return page.locator(f"[data-test={table}] .el-table__body-wrapper tr.el-table__row")


def tick(page, name: str, table: str = "review-rows") -> None:
    page.locator(f"[data-test={table}] .el-table__body-wrapper tr.el-table__row", has_text=name) \
        .locator(".el-checkbox").first.click()


def tick_all(page) -> None:
    page.locator("[data-test=review-rows] .el-table__header-wrapper .el-checkbox").click()


def filter_status(page, label: str) -> None:
    page.locator("[data-test=status-filter]").click()
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()


def return_with(page, reason: str, shot=None) -> None:
    page.locator("[data-test=batch-return]").click()
    box = page.locator(".el-message-box__input textarea")
    box.fill(reason)
    if shot:
        snap(page, shot, full_page=False)
    confirm(page)
    toast(page, "已退回修改")


def level_act(page, button: str, done: str) -> None:
    page.locator(f"[data-test={button}]").click()
    confirm(page)
    toast(page, done)


def groups(page):
    return page.locator("[data-test=sheet] [data-test^=group-]")


def still(group) -> int:
    return int(re.search(r"-?\d+", group.locator("[data-test^=still-]").inner_text()).group())


def test_a_task_through_all_four_levels(page, shots):
    page.set_viewport_size({"width": 1440, "height": 900})  # the review tables' columns, as on a desk
    sent: list[str] = []
    page.on("request", lambda r: r.method == "PUT" and "/my-sheet" in r.url and sent.append(r.url))

    # -- the institution: refused inputs before sending, a draft, the submit -----------------------
    as_user(page, HOSPITAL, "分量填报")
    expect(page.locator("[data-test=fill-tasks]")).to_contain_text("八省二区补片类医用耗材集中带量采购分量（演示）")
    expect(page.locator("[data-test=sheet-status]")).to_have_text("未填报")
    first = groups(page).first
    remaining = still(first)
    box = first.locator(".el-table__body input").first
    for typed, message in (("2.5", "分配量须为整数"), ("-1", "分配量不能为负数"), ("abc", "分配量须为整数")):
        box.fill(typed)
        expect(first, f"{typed!r} should be refused at its field").to_contain_text(message)
    box.fill(str(remaining + 1))
    expect(first.locator("[data-test^=still-]")).to_have_text("还需分配 -1")
    page.locator("[data-test=save-sheet]").click()
    expect(first.locator("[data-test^=error-]")).to_have_text("超出剩余量 1")
    snap(page, shots / "allocation-fill-refused.png", full_page=False)
    assert not sent, f"an over-allocation must be refused before sending: {sent}"
    box.fill(str(remaining))
    expect(first.locator("[data-test^=still-]")).to_have_text("还需分配 0")
    page.locator("[data-test=save-sheet]").click()
    toast(page, "已暂存")
    expect(page.locator("[data-test=sheet-status]")).to_have_text("暂存")
    assert len(sent) == 1, f"one PUT for the draft: {sent}"
    if groups(page).count() > 1:
        page.locator("[data-test=submit-sheet]").click()
        expect(groups(page).nth(1).locator("[data-test^=error-]")).to_contain_text("剩余量尚未分配")
    for i in range(1, groups(page).count()):
        g = groups(page).nth(i)
        g.locator(".el-table__body input").last.fill(str(still(g)))
    expect(page.locator("[data-test=still-total]")).to_have_text("还需分配 0")
    snap(page, shots / "allocation-fill.png")
    page.locator("[data-test=submit-sheet]").click()
    confirm(page)
    toast(page, "已提交")
    expect(page.locator("[data-test=sheet-status]")).to_have_text("待市医保审核")

    # -- 西宁 returns it with a reason; it resubmits; 西宁 approves --------------------------------
    reason = "疝补片剩余量分配与上年实际使用不符，请核对"
    as_user(page, XINING, "中选结果分量信息审核(市医保)")
    expect(rows(page)).to_have_count(8)
    filter_status(page, "待市医保审核")
    page.wait_for_url("**status=pending_city**")
    expect(rows(page)).to_have_count(3)
    tick(page, "西宁市第一人民医院")
    return_with(page, reason, shot=shots / "allocation-return.png")
    expect(rows(page), "the returned sheet leaves the pending filter").to_have_count(2)

    as_user(page, HOSPITAL, "分量填报")
    expect(page.locator("[data-test=return-reason]")).to_contain_text(reason)
    expect(page.locator("[data-test=still-total]"), "the saved allocation is shown again").to_have_text("还需分配 0")
    snap(page, shots / "allocation-returned.png", full_page=False)
    page.locator("[data-test=submit-sheet]", has_text="重新提交").click()
    confirm(page)
    toast(page, "已提交")

    as_user(page, XINING, "中选结果分量信息审核(市医保)")
    filter_status(page, "待市医保审核")
    expect(rows(page)).to_have_count(3)
    tick_all(page)
    page.locator("[data-test=batch-approve]").click()
    toast(page, "审核通过 3 个")
    page.locator("[data-test=reset-filter]").click()
    expect(rows(page)).to_have_count(8)
    hospital_row = rows(page).filter(has_text="西宁市第一人民医院")
    expect(hospital_row).to_contain_text("市医保审核通过")
    expect(hospital_row.locator(".el-checkbox.is-disabled"), "approved rows are not selectable").to_have_count(1)
    expect(page.locator("[data-test=level-submit]")).to_be_disabled()
    expect(page.locator("[data-test=submit-blocked]")).to_have_text("还有 1 个医疗机构未审核通过，不能提交")
    snap(page, shots / "allocation-city.png")
    hospital_row.get_by_role("button", name="查看详情").click()
    expect(page.locator("[data-test=sheet-detail] tr.el-table__row").first).to_be_visible()
    snap(page, shots / "allocation-detail.png")
    page.keyboard.press("Escape")

    # -- 兰州 approves, submits, withdraws, submits ----------------------------------------------------
    as_user(page, LANZHOU, "中选结果分量信息审核(市医保)")
    expect(rows(page)).to_have_count(6)
    expect(page.locator("[data-test=submit-blocked]")).to_have_text("还有 3 个医疗机构未审核通过，不能提交")
    filter_status(page, "待市医保审核")
    expect(rows(page)).to_have_count(3)
    tick_all(page)
    page.locator("[data-test=batch-approve]").click()
    toast(page, "审核通过 3 个")
    expect(page.locator("[data-test=level-submit]")).to_be_enabled()
    level_act(page, "level-submit", "已提交至省医保")
    expect(page.locator("[data-test=own-status]")).to_contain_text("已提交")
    level_act(page, "level-withdraw", "已撤回提交")
    expect(page.locator("[data-test=own-status]")).to_contain_text("审核中")
    level_act(page, "level-submit", "已提交至省医保")

    # -- 甘肃 drills down, returns 兰州 with a reason; 兰州 resubmits; 甘肃 approves and submits ---------
    back = "兰州市协议量合计与备案数不一致，请复核"
    as_user(page, GANSU, "中选结果分量信息审核(省医保)")
    lanzhou = rows(page).filter(has_text="兰州")
    expect(lanzhou).to_contain_text("已提交")
    lanzhou.get_by_role("button", name="查看机构").click()
    expect(rows(page, "drill-rows")).to_have_count(6)
    snap(page, shots / "allocation-province-drill.png")
    rows(page, "drill-rows").first.get_by_role("button", name="查看详情").click()
    expect(page.locator("[data-test=sheet-detail] tr.el-table__row").first).to_be_visible()
    page.keyboard.press("Escape")
    page.locator(".el-drawer__close-btn").click()
    tick(page, "兰州")
    return_with(page, back)
    expect(lanzhou).to_contain_text("已退回")

    as_user(page, LANZHOU, "中选结果分量信息审核(市医保)")
    expect(page.locator("[data-test=own-status]")).to_contain_text("已退回")
    page.locator("[data-test=show-reason]").click()
    expect(page.locator("[data-test=own-reason]")).to_have_text(back)
    page.keyboard.press("Escape")
    level_act(page, "level-submit", "已提交至省医保")

    as_user(page, GANSU, "中选结果分量信息审核(省医保)")
    tick(page, "兰州")
    page.locator("[data-test=batch-approve]").click()
    toast(page, "审核通过 1 个")
    snap(page, shots / "allocation-province.png")
    level_act(page, "level-submit", "已提交至联采办")

    # -- the alliance office: the dashboard, approve 甘肃, finalise ------------------------------------
    as_user(page, ALLIANCE, "分量进度")
    page.locator("[data-test=charts-drawn]").wait_for(state="attached")
    progress = page.locator("[data-test=progress-rows] .el-table__body-wrapper tr.el-table__row")
    expect(progress).to_have_count(2)
    expect(progress.filter(has_text="甘肃")).to_contain_text("已提交")
    expect(page.locator("[data-test=total-approved]"), "西宁 2 + 3, 海东 6, 兰州 3").to_contain_text("14")
    snap(page, shots / "allocation-progress.png")
    page.get_by_role("menuitem", name="中选结果分量信息审核(联采办)", exact=True).click()
    gansu = rows(page).filter(has_text="甘肃")
    expect(gansu).to_contain_text("已提交")
    tick(page, "甘肃")
    page.locator("[data-test=batch-approve]").click()
    toast(page, "审核通过 1 个")
    expect(page.locator("[data-test=finalise]")).to_be_enabled()
    snap(page, shots / "allocation-alliance.png")
    level_act(page, "finalise", "已完成分量")
    expect(page.locator("[data-test=own-status]")).to_contain_text("已完成")


def test_an_enterprise_filters_and_exports_its_agreements(page, shots, tmp_path):
    from openpyxl import load_workbook

    page.set_viewport_size({"width": 1440, "height": 900})
    as_user(page, MAKER, "中选企业协议量明细")
    table = rows(page, "agreements")
    expect(table.first).to_be_visible()
    expect(table.filter(has_not_text="青海医疗器械制造有限公司"), "only its own agreements").to_have_count(0)
    page.locator("[data-test=filter-group]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="A组").first.click()
    page.locator("[data-test=search]").click()
    page.wait_for_url("**group_code=G01**")
    expect(table.filter(has_not_text="A组"), "the filter leaves A组 only").to_have_count(0)
    shown = [[c.strip() for c in r.locator("td").all_inner_texts()] for r in table.all()]
    assert shown, "the filtered table should not be empty"
    page.reload()
    expect(table, "the filter survives a reload (kept in the URL)").to_have_count(len(shown))
    page.locator("[data-test=export] button").click()
    link = page.locator("[data-test=export] [data-test=job-download]")
    link.wait_for(timeout=60_000)
    snap(page, shots / "allocation-agreements.png")
    with page.expect_download() as info:
        link.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    sheet = load_workbook(path, read_only=True).active
    data = list(sheet.iter_rows(values_only=True))
    assert data[0][:4] == ("标的编码", "标的名称", "竞标分组名称", "申报企业名称"), f"header: {data[0]}"
    body = data[1:]
    assert len(body) == len(shown), f"the export has {len(body)} rows, the table {len(shown)}"
    assert {r[2] for r in body} == {"A组"} and {r[3] for r in body} == {"青海医疗器械制造有限公司"}, body
    by_inst = sorted((r[6], int(r[10])) for r in body)
    in_table = sorted((r[6], int(r[9])) for r in shown)
    assert by_inst == in_table, f"协议采购量 per institution: export {by_inst}, table {in_table}"
