"""A freshly registered enterprise's unit account in the portal: role certification (a role that
does not fit the kind refused at its field), procurement entry (no legacy match: the registration
filed with a PDF, reviewed by the trading center — a rejection without a reason refused, approved — and its progress
read on the public 注册进度查询 with an SMS code),
an account role (a permission the kind may not grant
refused), a sub-account (a malformed login refused at its field; the temporary password shown
once; disabled), and closing the account (a wrong credit code refused, then signed out)."""
from __future__ import annotations

import json
import re
import urllib.request

from tests.browser.journeys import log_in, new_context, pdf_file, register_enterprise, settled, toast

UNIT, PASSWORD, MOBILE = "portal_admin_co", "Admin#Strong2026", "13677771001"
CONTACT = "13677771002"  # the registration's authorised person (not the operator: one SMS a minute a mobile)
CENTER = "13800000001"  # the trading center's demo operator (reviews enterprises' registrations)


def _last_sms_code(api: str, mobile: str) -> str:
    with urllib.request.urlopen(f"{api}/dev/outbox/sms", timeout=30) as r:
        message = next(m for m in json.loads(r.read())["items"] if m["mobile"] == mobile)["message"]
    return re.search(r"(\d{6})", message).group(1)


def _field_error(page, test_id: str) -> str:
    box = page.locator(".el-form-item", has=page.locator(f"[data-test={test_id}]")).locator(".el-form-item__error")
    box.wait_for()
    return box.inner_text()


def test_unit_account_certifies_enters_and_administers_then_closes(page, portal_stack, shots, tmp_path):
    code = register_enterprise(portal_stack.api, "91630100MA00ADM01", UNIT, MOBILE, PASSWORD)
    log_in(page, UNIT, PASSWORD)
    page.get_by_role("menuitem", name="单位账号管理", exact=True).click()
    entry = page.locator("[data-test=entry]")
    entry.wait_for()

    # 角色认证: an enterprise cannot be a 医疗机构 (at the field); 代理企业 it can.
    page.locator("[data-test=certify-role]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="医疗机构").click()
    page.locator("[data-test=certify]").click()
    assert "不能认证为" in _field_error(page, "certify-role")
    page.locator("[data-test=certify-role]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="代理企业").first.click()
    page.locator("[data-test=certify]").click()
    toast(page, "角色认证成功")

    # 招采入驻: the legacy registry does not know it, so the registration is filed for review.
    page.locator("[data-test=enter]").click()
    assert "未匹配到原平台注册信息" in page.locator("[data-test=entry-error]").inner_text()
    page.locator("[data-test=reg-contact-name]").fill("赵六")
    page.locator("[data-test=reg-contact-mobile]").fill(CONTACT)
    page.locator("[data-test=reg-attachment-0] input[type=file]").set_input_files(str(pdf_file(tmp_path, "licence.pdf")))
    page.locator("[data-test=reg-attachment-0]", has_text="已校验").wait_for()
    page.locator("[data-test=registration-submit]").click()
    toast(page, "等待审核")
    registration = page.locator("[data-test=registration]")
    registration.wait_for()
    assert "赵六" in registration.inner_text(), registration.inner_text()
    settled(page)
    page.screenshot(path=shots / "procurement-entry.png")

    # The trading center reviews it (机构注册审核): a rejection needs a reason; approved.
    center = new_context(page.context.browser, portal_stack.portal)
    rev = center.new_page()
    log_in(rev, CENTER)
    rev.get_by_role("menuitem", name="机构注册审核", exact=True).click()
    pending = rev.locator("[data-test=registrations] .el-table__body tr", has_text=code)
    pending.wait_for()
    settled(rev)
    rev.screenshot(path=shots / "registration-review.png")
    pending.get_by_role("button", name="不通过", exact=True).click()
    box = rev.locator(".el-message-box")
    box.get_by_role("button", name="确定", exact=True).click()
    assert "请填写原因" in box.inner_text(), "a rejection without a reason must be refused"
    box.get_by_role("button", name="取消", exact=True).click()
    pending.get_by_role("button", name="通过", exact=True).click()
    rev.locator(".el-message-box").get_by_role("button", name="确定", exact=True).click()
    toast(rev, "审核通过")
    # 注册进度查询 (public): the authorised person's mobile and an SMS code give the decision.
    visitor = center.new_page()
    visitor.goto("/recovery?tab=progress")
    visitor.locator("[data-test=progress-mobile]").fill(CONTACT)
    answer = visitor.locator("[data-test=dev-captcha-answer]")
    visitor.wait_for_function("el => /^[A-Za-z0-9]{4,}$/.test(el.textContent.trim())", arg=answer.element_handle())
    visitor.locator("[data-test=dev-fill-captcha]").click()
    visitor.locator("[data-test=send-sms]").click()
    visitor.get_by_text("验证码已发送").wait_for()
    visitor.locator("[data-test=sms-code]").fill(_last_sms_code(portal_stack.api, CONTACT))
    visitor.locator("[data-test=recovery-submit]").click()
    result = visitor.locator("[data-test=recovery-result]")
    result.wait_for()
    assert "审核通过" in result.inner_text(), f"the registration's progress should be shown: {result.inner_text()!r}"
    center.close()
    page.reload()
    page.locator("[data-test=procurement-status]", has_text="审核通过").wait_for()

    # 账号角色: 项目管理 is not an enterprise's to grant; 资质维护 is.
    page.locator("[data-test=role-add]").click()
    page.locator("[data-test=role-name]").fill("资质专员")
    perms = page.locator("[data-test=role-permissions]")
    perms.get_by_text("资质维护", exact=True).click()
    perms.get_by_text("项目管理", exact=True).click()
    page.locator("[data-test=role-save]").click()
    assert "不能授予" in _field_error(page, "role-permissions")
    perms.get_by_text("项目管理", exact=True).click()
    page.locator("[data-test=role-save]").click()
    toast(page, "已保存账号角色")
    page.locator("[data-test=roles] .el-table__body tr", has_text="资质专员").wait_for()

    # 子账号: a login that is not an account name is refused at its field; then created with the role.
    page.locator("[data-test=sub-add]").click()
    page.locator("[data-test=sub-login]").fill("1x")
    page.locator("[data-test=sub-name]").fill("钱七")
    page.locator("[data-test=sub-roles]").get_by_text("资质专员", exact=True).click()
    page.locator("[data-test=sub-save]").click()
    assert _field_error(page, "sub-login").strip(), "the malformed login's error should be at its field"
    page.locator("[data-test=sub-login]").fill("portal_sub_qc")
    page.locator("[data-test=sub-save]").click()
    page.locator("[data-test=temporary-password]").wait_for()
    page.keyboard.press("Escape")
    row = page.locator("[data-test=subs] .el-table__body tr", has_text="portal_sub_qc")
    row.wait_for()
    assert "资质专员" in row.inner_text(), row.inner_text()
    row.get_by_role("button", name="停用", exact=True).click()
    toast(page, "已停用")
    settled(page)
    page.screenshot(path=shots / "unit-account-admin.png", full_page=True)

    # 注销: the credit code must be typed right; then the account is closed and signed out.
    page.locator("[data-test=closure-code]").fill("91630100MA00ADM019")
    page.locator("[data-test=closure-password]").fill(PASSWORD)
    page.locator("[data-test=closure-submit]").click()
    page.locator(".el-message-box").get_by_role("button", name="注销", exact=True).click()
    page.locator("[data-test=closure-error]").wait_for()
    page.locator("[data-test=closure-code]").fill(code)
    page.locator("[data-test=closure-submit]").click()
    page.locator(".el-message-box").get_by_role("button", name="注销", exact=True).click()
    page.wait_for_url("**/login**")
