"""A visitor: the home page's announcements, one announcement, and the login page's refusals."""
from __future__ import annotations

from tests.browser.journeys import fill_login, log_in, settled


def test_visitor_reads_the_announcements_and_opens_one(page, portal_stack, shots):
    page.goto("/")
    rows = page.locator("[data-test=announcements] .el-table__body tr")
    rows.first.wait_for()
    names = rows.locator("td:first-child").all_inner_texts()
    assert any("医用外科口罩" in n for n in names) and any("注射器" in n for n in names), \
        f"the two demo projects should be announced, the table shows {names}"
    national = rows.filter(has_text="注射器").inner_text()
    assert "申报中" in national, f"the open national project should show 申报中: {national!r}"
    settled(page)
    page.screenshot(path=shots / "home.png")

    page.get_by_role("link", name="八省二区医用外科口罩联盟集中带量采购（演示）").click()
    title = page.locator("[data-test=announcement-title]")
    title.wait_for()
    assert title.inner_text() == "八省二区医用外科口罩联盟集中带量采购（演示）"
    assert "申报截止" in page.locator(".el-descriptions").inner_text()
    page.screenshot(path=shots / "announcement.png")


def test_the_login_page_offers_the_dev_panel_on_the_local_stage(page, shots):
    page.goto("/login")
    panel = page.locator("[data-test=dev-panel]")
    panel.wait_for()
    assert "仅本地" in panel.inner_text(), f"the dev panel must say it is local-only: {panel.inner_text()!r}"
    page.locator("[data-test=captcha-image]").wait_for()
    page.screenshot(path=shots / "login.png")


def test_a_wrong_captcha_shows_the_api_message_and_a_new_captcha(page):
    fill_login(page, "qh_maker", "Demo@2026qh", captcha="WRONG")
    error = page.locator("[data-test=login-error]")
    error.wait_for()
    assert "验证码" in error.inner_text(), f"expected the API's captcha refusal, got {error.inner_text()!r}"
    assert page.url.endswith("/login"), page.url


def test_a_malformed_mobile_is_refused_at_its_field_before_any_call(page):
    fill_login(page, "1380000", "Demo@2026qh", kind="mobile", captcha="ABCDE")
    error = page.locator(".el-form-item__error")
    error.first.wait_for()
    assert error.first.inner_text() == "请输入11位手机号"


def test_a_wrong_password_is_refused_with_the_api_message(page):
    fill_login(page, "qh_maker", "Wrong#Pass2026")
    error = page.locator("[data-test=login-error]")
    error.wait_for()
    assert "账号或密码错误" in error.inner_text(), f"the API's refusal should be shown: {error.inner_text()!r}"


def test_an_ended_session_returns_to_login_and_then_back(page, portal_stack):
    log_in(page, "13800000007")
    # End every session of this account through the API (token version bumped): the next call is 401.
    status = page.evaluate("""async () => {
        const s = JSON.parse(sessionStorage.getItem('medprocure.session'));
        const r = await fetch('/api/sessions/current', {method: 'DELETE', headers: {Authorization: 'Bearer ' + s.token}});
        return r.status }""")
    assert status == 200, f"logging out through the API answered {status}"
    page.goto("/app")
    page.wait_for_url("**/login?**")
    assert "redirect=%2Fapp" in page.url or "redirect=/app" in page.url, page.url
    log_in(page, "13800000007")
    assert page.url.endswith("/app"), page.url
