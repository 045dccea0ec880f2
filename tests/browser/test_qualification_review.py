"""The enterprise keeps a qualification record and the platform center reviews it, in two browsers:
draft with a PDF upload (an HTML file named .pdf refused), submit, withdraw, submit again; the first
level approved one by one, the final level in a batch with a result per row; a change of the
approved record, rejected with a reason that the enterprise then reads; the change history's diff."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.journeys import (choose_option, fill_date, html_as_pdf, log_in, new_context, pdf_file, settled, snap,
                                    toast, upload)

ENTERPRISE, REVIEWER = "13800000007", "13800000001"
FINAL_REVIEWER = "13800000012"  # four eyes: another person approves the final level (docs/review-chain.md)


def _expect_count(page, label: str, count: int) -> None:
    """The status tab shows this count (retried while the lists reload)."""
    tab = page.locator("[data-test=record-tabs] .el-radio-button", has_text=label)
    expect(tab, f"the tab {label} should count {count}").to_have_text(f"{label}（{count}）")


def open_queue(page, name: str) -> None:
    """Open a review queue (``企业信息 · 待复审``) and wait for its own rows: the previous queue's rows
    stay on screen until the answer arrives, and the refresh after a decision may still be loading
    the previous queue; a click on a row meanwhile is cleared by the answer that follows."""
    level = "final" if name.endswith("待复审") else "first"
    with page.expect_response(lambda r: "/reviews/records?" in r.url and f"level={level}" in r.url
                              and r.request.method == "GET"):
        page.locator("[data-test=queues]").get_by_text(name).click()
    settled(page)


def _row(page, table: str, text: str):
    return page.locator(f"[data-test={table}] .el-table__body tr", has_text=text)


def test_enterprise_record_through_both_review_levels_and_a_rejected_change(chromium, portal_stack, shots, tmp_path):
    def new_page():
        return new_context(chromium, portal_stack.portal).new_page()

    ent, rev = new_page(), new_page()
    log_in(ent, ENTERPRISE)
    ent.get_by_role("menuitem", name="资质维护", exact=True).click()
    ent.locator("[data-test=record-kinds]").get_by_text("企业信息", exact=True).click()
    ent.locator("[data-test=records]").wait_for()
    ent.locator("[data-test=record-new]").click()

    # An HTML page named .pdf: uploaded to S3, then refused by the API's verification.
    upload(ent, "business_licence_file_id", html_as_pdf(tmp_path))
    refusal = ent.locator("[data-test=field-business_licence_file_id] [data-test=upload-error]")
    refusal.wait_for()
    assert "不是 PDF" in refusal.inner_text(), f"an HTML file must be refused as a PDF: {refusal.inner_text()!r}"

    choose_option(ent, "org_type", "生产企业")
    ent.locator("[data-test=field-address] input").fill("青海省西宁市城北区生物园区经二路 8 号")
    ent.locator("[data-test=field-business_licence_no] input").fill("91630100MA0000007")
    fill_date(ent, "business_licence_valid_until", "2035-12-31")
    upload(ent, "business_licence_file_id", pdf_file(tmp_path))
    ent.locator("[data-test=field-business_licence_file_id]", has_text="已校验").wait_for()
    ent.locator("[data-test=field-contact_name] input").fill("郑生产")
    ent.locator("[data-test=field-contact_phone] input").fill("0971-5550007")
    ent.screenshot(path=shots / "record-form.png")
    ent.locator("[data-test=record-save]").click()
    toast(ent, "已保存草稿")
    _row(ent, "records", "企业信息").wait_for()
    _expect_count(ent, "待提交", 1)

    # Submit, withdraw, submit again.
    _row(ent, "records", "企业信息").get_by_role("button", name="提交", exact=True).click()
    toast(ent, "待初审")
    ent.locator("[data-test=record-tabs]").get_by_text("审核中").click()
    row = _row(ent, "records", "企业信息")
    row.get_by_role("button", name="撤回", exact=True).click()
    toast(ent, "待提交")
    ent.locator("[data-test=record-tabs]").get_by_text("待提交").click()
    _row(ent, "records", "企业信息").get_by_role("button", name="提交", exact=True).click()
    ent.locator("[data-test=record-tabs]").get_by_text("审核中").click()
    _row(ent, "records", "企业信息").wait_for()
    _expect_count(ent, "审核中", 1)
    _expect_count(ent, "待提交", 0)
    ent.screenshot(path=shots / "records.png")

    # The center: the first level one by one (after looking at the detail and its PDF link).
    log_in(rev, REVIEWER)
    rev.get_by_role("menuitem", name="资质审核", exact=True).click()
    open_queue(rev, "企业信息 · 待初审")
    item = _row(rev, "queue", "企业信息")
    item.get_by_role("button", name="查看", exact=True).click()
    drawer = rev.locator(".el-drawer")
    drawer.get_by_text("第 1 版").wait_for()
    assert "下载 PDF" in drawer.inner_text(), "the reviewer should be offered the licence PDF"
    rev.wait_for_timeout(500)  # the drawer's slide-in, for the screenshot only
    rev.screenshot(path=shots / "review-detail.png")
    drawer.get_by_role("button", name="关闭此对话框", exact=True).click()
    # the decision reloads the counts, then this queue: let that finish before opening the next one
    with rev.expect_response(lambda r: "/reviews/records?" in r.url and "level=first" in r.url):
        item.get_by_role("button", name="通过", exact=True).click()
    toast(rev, "待复审")

    # The final level as a batch of the selected rows, with a result per row: the first-level
    # approver is refused at its row (four eyes), the second reviewer succeeds.
    open_queue(rev, "企业信息 · 待复审")
    _row(rev, "queue", "企业信息").locator(".el-checkbox").click()
    rev.locator("[data-test=batch-approve]").click()
    results = rev.locator("[data-test=batch-results]")
    results.wait_for()
    assert "初审通过人不能复审通过同一记录" in results.inner_text(), \
        f"the first-level approver's final approval must be refused at its row: {results.inner_text()!r}"
    rev.keyboard.press("Escape")

    rev2 = new_page()
    log_in(rev2, FINAL_REVIEWER)
    rev2.get_by_role("menuitem", name="资质审核", exact=True).click()
    open_queue(rev2, "企业信息 · 待复审")
    _row(rev2, "queue", "企业信息").locator(".el-checkbox").click()
    rev2.locator("[data-test=batch-approve]").click()
    results = rev2.locator("[data-test=batch-results]")
    results.wait_for()
    assert "成功：审核通过" in results.inner_text(), f"batch result per row: {results.inner_text()!r}"
    rev2.wait_for_timeout(500)  # the dialog's animation, for the screenshot only
    rev2.screenshot(path=shots / "review-batch.png")
    rev2.context.close()

    # The enterprise changes the approved record: a new draft revision; the approved one stays effective.
    ent.locator("[data-test=record-tabs]").get_by_text("审核通过").click()
    _row(ent, "records", "企业信息").get_by_role("button", name="变更", exact=True).click()
    ent.locator("[data-test=field-address] input").fill("青海省西宁市城东区八一路 99 号")
    ent.locator("[data-test=record-save-submit]").click()
    toast(ent, "已保存并提交审核")

    # The center rejects the change with a reason (a reason is required).
    rev.reload()
    open_queue(rev, "企业信息 · 待初审")
    _row(rev, "queue", "企业信息").get_by_role("button", name="不通过", exact=True).click()
    box = rev.locator(".el-message-box")
    box.get_by_role("button", name="确定", exact=True).click()
    assert "请填写原因" in box.inner_text(), "an empty reason must be refused"
    box.locator("input").fill("地址与营业执照不一致")
    box.get_by_role("button", name="确定", exact=True).click()
    toast(rev, "审核不通过")

    ent.locator("[data-test=record-tabs]").get_by_text("审核不通过").click()
    rejected = _row(ent, "records", "企业信息")
    rejected.wait_for()
    assert "地址与营业执照不一致" in rejected.inner_text(), f"the reason should be shown: {rejected.inner_text()!r}"
    rejected.get_by_role("button", name="变更记录", exact=True).click()
    history = ent.locator("[data-test=history]")
    history.get_by_text("地址与营业执照不一致").wait_for()
    text = history.inner_text()
    assert "企业地址" in text and "八一路 99 号" in text, f"the change's field diff should be listed by label: {text!r}"
    assert "address" not in text and "revision" not in text, f"no internal names or English in the history: {text!r}"
    snap(ent, shots / "record-history.png", full_page=False)
    ent.context.close()
    rev.context.close()
