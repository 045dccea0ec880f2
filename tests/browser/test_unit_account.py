"""The unit account (单位账号) administers its operators, and a visitor finds a unit account or
resets a password from the login page (an invalid credit code refused at its field)."""
from __future__ import annotations

from playwright.sync_api import expect

from chalicelib.domain.identity.validators import credit_code_check_char, resident_id_check_digit
from tests.browser.journeys import log_in, settled, toast

NEW_MOBILE = "13900000099"
BODY = "91630100MA0000007"  # the demo manufacturer (ops/data/demo_orgs.csv)
CREDIT_CODE = BODY + credit_code_check_char(BODY)


def test_unit_account_adds_authorizes_resets_and_unbinds_an_operator(page, shots):
    log_in(page, "qh_maker")
    page.get_by_role("menuitem", name="单位账号管理", exact=True).click()
    org = page.locator("[data-test=org]")
    org.wait_for()
    assert "青海医疗器械制造有限公司" in org.inner_text() and CREDIT_CODE in org.inner_text()
    ops = page.locator("[data-test=operators] .el-table__body tr")
    ops.filter(has_text="13800000007").wait_for()

    page.locator("[data-test=operator-add]").click()
    form = page.locator("[data-test=operator-form]")
    form.locator("[data-test=op-mobile]").fill("1390000")  # too short: the API's field error at the field
    page.locator("[data-test=operator-save]").click()
    page.locator("[data-test=operator-error]").wait_for()
    at_field = form.locator(".el-form-item", has=page.locator("[data-test=op-mobile]")).locator(".el-form-item__error")
    at_field.wait_for()
    assert "11 位" in at_field.inner_text(), f"the mobile's error should be at its field: {at_field.inner_text()!r}"

    form.locator("[data-test=op-mobile]").fill(NEW_MOBILE)
    form.locator("[data-test=op-name]").fill("测试经办")
    form.locator("[data-test=op-id-type]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="居民身份证").first.click()
    first17 = "63010219900101123"
    form.locator("[data-test=op-id-number]").fill(first17 + resident_id_check_digit(first17))
    for field, day in (("op-id-start", "2020-01-01"), ("op-id-end", "2040-01-01")):
        box = form.locator(f"[data-test={field}] input")
        box.fill(day)
        box.press("Enter")
    page.locator("[data-test=operator-save]").click()
    temporary = page.locator("[data-test=temporary-password]")
    temporary.wait_for()
    assert len(temporary.inner_text().strip()) >= 8, "a new operator gets a temporary password, shown once"
    page.keyboard.press("Escape")

    row = ops.filter(has_text=NEW_MOBILE)
    row.wait_for()
    row.locator(".el-switch").click()
    toast(page, "招采授权")
    row.get_by_role("button", name="重置密码", exact=True).click()
    page.locator(".el-message-box").get_by_role("button", name="确定", exact=True).click()
    temporary.wait_for()
    settled(page)
    page.wait_for_timeout(400)  # the dialog's fade-in, for the screenshot only
    page.screenshot(path=shots / "unit-account.png")
    page.keyboard.press("Escape")
    row.get_by_role("button", name="解绑", exact=True).click()
    page.locator(".el-message-box").get_by_role("button", name="确定", exact=True).click()
    toast(page, "已解绑")
    expect(row, "the unbound operator should show it").to_contain_text("已解绑")
    expect(row.get_by_role("button", name="重置密码", exact=True)).to_have_count(0)


def test_unit_account_lookup_and_an_invalid_credit_code(page):
    page.goto("/login")
    page.get_by_role("link", name="单位账号查询").click()
    page.wait_for_url("**/recovery?tab=lookup")

    def lookup(code: str) -> None:
        page.locator("[data-test=credit-code]").fill(code)
        answer = page.locator("[data-test=dev-captcha-answer]")
        page.wait_for_function("el => /^[A-Za-z0-9]{4,}$/.test(el.textContent.trim())", arg=answer.element_handle())
        page.locator("[data-test=dev-fill-captcha]").click()
        page.locator("[data-test=recovery-submit]").click()

    lookup(BODY[:-1] + "I")  # 17 characters, and I is not in the code alphabet
    error = page.locator("[data-test=recovery-error]")
    error.wait_for()
    field = page.locator(".el-form-item", has=page.locator("[data-test=credit-code]")).locator(".el-form-item__error")
    field.wait_for()
    assert field.inner_text().strip(), "the credit code's error should be shown at its field"

    lookup(CREDIT_CODE)
    result = page.locator("[data-test=recovery-result]")
    result.wait_for()
    assert "单位账号" in result.inner_text() and "*" in result.inner_text(), \
        f"the unit account should be shown masked: {result.inner_text()!r}"
