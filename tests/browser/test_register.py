"""A visitor registers a unit through the three-step wizard: an invalid credit code refused at its
field, then the unit checked, the operator's SMS code read from the dev panel, and both logins shown."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from chalicelib.domain.identity.validators import credit_code_check_char, resident_id_check_digit

BODY = "91630100MA00PTL01"
MOBILE = "13677770001"


def _dev_captcha(page) -> None:
    answer = page.locator("[data-test=dev-captcha-answer]")
    page.wait_for_function("el => /^[A-Za-z0-9]{4,}$/.test(el.textContent.trim())", arg=answer.element_handle())
    page.locator("[data-test=dev-fill-captcha]").click()


def _choose(page, select: str, label: str) -> None:
    """Open the select and pick the option; the city select is disabled until the province's cities load."""
    option = page.locator(".el-select-dropdown__item:visible", has_text=label).first
    for _ in range(20):
        page.locator(f"[data-test={select}]").click()
        try:
            option.wait_for(timeout=1000)
            break
        except Exception:  # not open yet (still disabled): close whatever opened and retry
            page.keyboard.press("Escape")
    option.click()


def test_register_a_unit_in_three_steps(page, shots):
    page.goto("/")
    page.get_by_role("link", name="注册", exact=True).click()
    form = page.locator("[data-test=register-unit]")
    form.wait_for()
    values = {"reg-unit-name": "门户注册测试医疗器械有限公司", "reg-credit-code": BODY[:-1] + "I",
              "reg-legal-rep": "张三", "reg-contact-name": "李四", "reg-contact-phone": MOBILE,
              "reg-unit-account": "portal_company", "reg-password": "Portal#Strong2026",
              "reg-confirm": "Portal#Strong2026"}
    for test_id, value in values.items():
        form.locator(f"[data-test={test_id}]").fill(value)
    _choose(page, "reg-province", "青海省")
    _choose(page, "reg-city", "西宁市")
    _dev_captcha(page)
    page.locator("[data-test=register-next]").click()
    at_field = form.locator(".el-form-item", has=page.locator("[data-test=reg-credit-code]")).locator(".el-form-item__error")
    at_field.wait_for()
    assert at_field.inner_text().strip(), "the invalid credit code's error should be at its field"
    page.screenshot(path=shots / "register-error.png")

    form.locator("[data-test=reg-credit-code]").fill(BODY + credit_code_check_char(BODY))
    _dev_captcha(page)
    page.locator("[data-test=register-next]").click()
    op = page.locator("[data-test=register-operator]")
    op.wait_for()
    id17 = "63010219900101002"
    op.locator("[data-test=reg-op-name]").fill("王五")
    op.locator("[data-test=reg-op-id]").fill(id17 + resident_id_check_digit(id17))
    start = op.locator("[data-test=reg-op-id-start] input")
    start.fill("2020-01-01")
    start.press("Enter")
    op.locator("[data-test=reg-op-mobile]").fill(MOBILE)
    op.locator("[data-test=reg-op-password]").fill("Op#Strong2026x")
    _dev_captcha(page)
    page.locator("[data-test=reg-send-sms]").click()
    page.locator("[data-test=reg-sms-note]").wait_for()
    panel = page.locator("[data-test=dev-panel]")
    panel.get_by_role("button", name="刷新").click()
    expect(panel).to_contain_text(MOBILE)
    code = re.search(rf"{MOBILE}：\D*(\d{{6}})", panel.inner_text())
    assert code, f"the SMS code should be in the dev panel's outbox: {panel.inner_text()!r}"
    op.locator("[data-test=reg-sms]").fill(code.group(1))
    page.locator("[data-test=register-submit]").click()
    done = page.locator("[data-test=register-done]")
    done.wait_for()
    assert "portal_company" in done.inner_text() and MOBILE in done.inner_text(), done.inner_text()
    page.screenshot(path=shots / "register-done.png")
