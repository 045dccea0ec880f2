"""The platform center's 项目管理 in the portal: a new project (a window out of order refused at its
field), edited, a PDF attached, its catalog imported from Excel (the template, progress, the error
workbook's bad row), the bid-group filter kept in the URL, published; then the demo alliance project
once its declarations closed: the results imported (a bad price reported) and published, and the
declarations and the results exported as jobs with their download link; the winning enterprise
reads the results (结果查询) and maps its listed product to a national code (对码: a malformed code
refused at its field, a candidate chosen, the mapping removed with a reason, the history)."""
from __future__ import annotations

import io
import json
import time
import urllib.request

from openpyxl import Workbook, load_workbook

from chalicelib.domain.identity.validators import credit_code_check_char
from tests.browser.journeys import log_in, pdf_file, settled, toast
from tests.local_stack import DEMO_CLOSE_MINUTES

CENTER = "13800000001"  # the platform center's demo operator
ALLIANCE = "八省二区医用外科口罩联盟集中带量采购（演示）"
MAKER_CODE = "91630100MA0000007" + credit_code_check_char("91630100MA0000007")
MAKER = "13800000007"  # the demo manufacturer's operator
MASK_CERT = "青械注准20202140002"
MASK = "C08010200100001000010000001"


def _set_datetime(page, field: str, value: str) -> None:
    box = page.locator(f"[data-test=project-{field}] input")
    box.fill(value)
    box.press("Enter")


def _xlsx(tmp_path, name: str, rows: list[list]) -> str:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return str(path)


def _report_errors(page) -> list[list]:
    href = page.locator("[data-test=import-report]").get_attribute("href")
    assert href, "the job's report (the error workbook) should be linked"
    sheet = load_workbook(io.BytesIO(page.request.get(href).body()))["errors"]
    return [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]


def _import(page, path: str) -> None:
    page.locator("[data-test=import-file]").set_input_files(path)
    page.locator("[data-test=import-progress]", has_text="已完成").wait_for(timeout=60_000)


def test_center_creates_imports_the_catalog_and_publishes_a_project(page, shots, tmp_path):
    log_in(page, CENTER)
    page.get_by_role("menuitem", name="项目管理", exact=True).click()
    page.locator("[data-test=project-new]").click()
    page.locator("[data-test=project-name]").fill("门户测试耗材集中采购项目")
    page.locator("[data-test=project-announcement]").fill("各有关企业：请在申报时间内完成产品申报。")
    _set_datetime(page, "declaration_start", "2027-03-01 09:00:00")
    _set_datetime(page, "declaration_end", "2027-02-01 09:00:00")  # before the start: refused at its field
    _set_datetime(page, "publication_start", "2027-04-01 09:00:00")
    _set_datetime(page, "publication_end", "2027-05-01 09:00:00")
    page.locator("[data-test=project-save]").click()
    at_field = page.locator(".el-form-item", has=page.locator("[data-test=project-declaration_end]")).locator(".el-form-item__error")
    at_field.wait_for()
    assert "晚于" in at_field.inner_text(), f"the window rule should be shown at its field: {at_field.inner_text()!r}"
    _set_datetime(page, "declaration_end", "2027-03-15 17:00:00")
    page.locator("[data-test=project-save]").click()
    toast(page, "已创建项目草稿")
    page.wait_for_url("**id=**")

    # Edit the draft, attach a PDF.
    page.locator("[data-test=project-edit]").click()
    page.locator("[data-test=project-name]").fill("门户测试耗材集中采购项目（第一批）")
    page.locator("[data-test=project-save]").click()
    toast(page, "已保存")
    page.locator("[data-test=attachment-title]").fill("采购文件")
    upload_box = page.locator("[data-test=attachment-file]")
    upload_box.locator("input[type=file]").set_input_files(str(pdf_file(tmp_path, "notice.pdf")))
    upload_box.get_by_text("已校验").wait_for()
    page.locator("[data-test=attachment-add]").click()
    toast(page, "已添加附件")
    page.locator("[data-test=attachments] .el-table__body tr", has_text="采购文件").wait_for()

    # The catalog from Excel: one good row, one code that is not in the national catalog.
    page.locator("[data-test=project-tabs]").get_by_text("采购目录", exact=True).click()
    with page.expect_download() as got:
        page.locator("[data-test=import-template]").click()
    header = [c.value for c in load_workbook(io.BytesIO(got.value.path().read_bytes())).worksheets[0][1]]
    assert any("bid_group" in str(h) for h in header), header
    _import(page, _xlsx(tmp_path, "catalog.xlsx", [["code27", "bid_group"],
                                                    ["C14010100100001000010000001", "第一组"],
                                                    ["C99999999999999999999999999", "第二组"]]))
    errors = _report_errors(page)
    assert [e[0] for e in errors] == [3], f"only the unknown code's row should be reported: {errors}"
    page.locator("[data-test=project-catalog] .el-table__body tr", has_text="C14010100100001000010000001").wait_for()
    page.locator("[data-test=bid-group]").fill("第一组")
    page.locator("[data-test=bid-group-search]").click()
    page.wait_for_url("**bid_group=**")
    page.reload()
    assert page.locator("[data-test=bid-group]").input_value() == "第一组", "the filter should survive a reload"
    settled(page)
    page.screenshot(path=shots / "project-catalog.png")

    page.locator("[data-test=project-publish]").click()
    page.locator(".el-message-box").get_by_role("button", name="确定", exact=True).click()
    toast(page, "已发布")
    assert page.locator("[data-test=project-status-tag]").inner_text() != "草稿"


def _project_id(api: str, name: str) -> str:
    with urllib.request.urlopen(f"{api}/announcements?limit=100", timeout=30) as r:
        return next(a["project_id"] for a in json.loads(r.read())["items"] if a["name"] == name)


def test_center_imports_publishes_and_exports_the_results_of_a_closed_project(page, portal_stack, shots, tmp_path):
    project = _project_id(portal_stack.api, ALLIANCE)
    log_in(page, CENTER)
    deadline = time.monotonic() + DEMO_CLOSE_MINUTES * 60 + 60
    while True:  # the demo alliance project's declarations close DEMO_CLOSE_MINUTES after start
        page.goto(f"/app/projects?id={project}&tab=info")
        tag = page.locator("[data-test=project-status-tag]")
        tag.wait_for()
        if tag.inner_text() not in ("申报中", "已发布"):
            break
        assert time.monotonic() < deadline, "the alliance project's declarations did not close"
        page.wait_for_timeout(3000)

    page.locator("[data-test=project-tabs]").get_by_text("申报明细", exact=True).click()
    page.locator("[data-test=export-declarations]").get_by_role("button").click()
    page.locator("[data-test=export-declarations] [data-test=job-download]").wait_for(timeout=60_000)

    page.locator("[data-test=project-tabs]").get_by_text("中选结果", exact=True).click()
    header = ["bid_group", "credit_code", "enterprise_name", "product_name", "specification", "model", "price", "rank",
              "cert_no"]
    _import(page, _xlsx(tmp_path, "results.xlsx", [
        header,
        ["成人型", MAKER_CODE, "青海医疗器械制造有限公司", "医用外科口罩", "17.5cm×9.5cm", "成人", "0.35", 1, MASK_CERT],
        ["儿童型", MAKER_CODE, "青海医疗器械制造有限公司", "医用外科口罩", "14.5cm×9.5cm", "儿童", "abc", 1, MASK_CERT],
    ]))
    errors = _report_errors(page)
    assert len(errors) == 1 and errors[0][0] == 3 and errors[0][1] == "price", f"the bad price should be reported: {errors}"
    page.locator("[data-test=project-results] .el-table__body tr", has_text="0.35").wait_for()
    page.locator("[data-test=results-publish]").click()
    page.locator(".el-message-box").get_by_role("button", name="确定", exact=True).click()
    toast(page, "已发布中选结果 1 条")
    page.locator("[data-test=results-published]", has_text="已发布").wait_for()
    page.locator("[data-test=export-results]").get_by_role("button").click()
    page.locator("[data-test=export-results] [data-test=job-download]").wait_for(timeout=60_000)
    settled(page)
    page.screenshot(path=shots / "project-results.png")

    # The winner: 结果查询 during the publication window, then 产品对码 of its listed product.
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login**")
    log_in(page, MAKER)
    page.get_by_role("menuitem", name="结果查询", exact=True).click()
    page.locator("[data-test=results-project]").click()
    page.locator(".el-select-dropdown__item:visible", has_text=ALLIANCE).click()
    page.wait_for_url("**project=**")
    page.locator("[data-test=results] .el-table__body tr", has_text="0.35").wait_for()

    page.get_by_role("menuitem", name="产品对码", exact=True).click()
    listing = page.locator("[data-test=listings] .el-table__body tr", has_text="医用外科口罩")
    listing.get_by_role("button", name="对码", exact=True).click()
    page.locator("[data-test=match-code27]").fill("C123")
    page.locator("[data-test=match-save]").click()
    at_field = page.locator(".el-form-item", has=page.locator("[data-test=match-code27]")).locator(".el-form-item__error")
    at_field.wait_for()
    assert at_field.inner_text().strip(), "the malformed code's error should be at its field"
    page.locator("[data-test=candidates] .el-table__body tr", has_text=MASK).click()
    assert page.locator("[data-test=match-code27]").input_value() == MASK, "choosing a candidate should fill the code"
    page.locator("[data-test=match-save]").click()
    toast(page, "对码成功")
    listing.locator("[data-test=match]", has_text=MASK).wait_for()
    settled(page)
    page.screenshot(path=shots / "code-matching.png")
    listing.get_by_role("button", name="取消对码", exact=True).click()
    box = page.locator(".el-message-box")
    box.locator("input").fill("编码有误")
    box.get_by_role("button", name="确定", exact=True).click()
    toast(page, "已取消对码")
    listing.get_by_role("button", name="历史", exact=True).click()
    history = page.locator("[data-test=history]")
    history.get_by_text("编码有误").wait_for()
    text = history.inner_text()
    assert "取消对码" in text and "对码" in text and "规格型号编码" in text, f"the 对码 history with labels: {text!r}"
