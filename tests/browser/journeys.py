"""Steps the browser journeys share: log in through the login page (the dev panel gives the
captcha's answer, as a newcomer would use it)."""
from __future__ import annotations

LOGIN_KIND = {"unit": "单位账号", "credit_code": "统一社会信用代码", "mobile": "经办人手机号", "sub_account": "子账号"}


# No transitions or animations: headless Chromium paints every frame of them in software (spinners,
# dialogs, messages), which was most of its CPU in the suite; the screens end in the same state and
# Vue's <Transition> finishes at once when no CSS transition is left.
NO_MOTION = """
document.addEventListener('DOMContentLoaded', () => {
  const style = document.createElement('style');
  style.textContent = '*, *::before, *::after { transition: none !important; animation: none !important; }';
  document.head.appendChild(style);
});
"""


def new_context(browser, base_url: str):
    """A browser context as a user's: the portal's size, Chinese, Shanghai time, no motion."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", reduced_motion="reduce")
    context.add_init_script(NO_MOTION)
    context.set_default_timeout(15_000)
    return context


def kind_of(login: str) -> str:
    if login.isdigit() and len(login) == 11:
        return "mobile"
    if len(login) == 18 and login[:2].isdigit():
        return "credit_code"
    return "unit"


def fill_login(page, login: str, password: str, *, kind: str | None = None, captcha: str | None = None) -> None:
    page.goto("/login")
    page.locator("[data-test=captcha-image]").wait_for()  # the captcha exists before anything is typed
    page.locator("[data-test=login-kind]").get_by_text(LOGIN_KIND[kind or kind_of(login)], exact=True).click()
    page.locator("[data-test=login]").fill(login)
    page.locator("[data-test=password]").fill(password)
    if captcha is None:
        answer = page.locator("[data-test=dev-captcha-answer]")
        page.wait_for_function("el => /^[A-Za-z0-9]{4,}$/.test(el.textContent.trim())", arg=answer.element_handle())
        page.locator("[data-test=dev-fill-captcha]").click()
    else:
        page.locator("[data-test=captcha-answer]").fill(captcha)
    page.locator("[data-test=login-submit]").click()


def log_in(page, login: str, password: str = "Demo@2026qh") -> None:
    fill_login(page, login, password)
    page.wait_for_url("**/app**")
    page.locator("[data-test=me]").wait_for()


def menu(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-test=menu] .el-menu-item").all_inner_texts()]


def pdf_file(folder, name: str = "licence.pdf"):
    """A small, valid one-page PDF."""
    from pypdf import PdfWriter

    path = folder / name
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    with path.open("wb") as f:
        writer.write(f)
    return path


def html_as_pdf(folder):
    """An HTML page named .pdf: the API's verification must reject it."""
    path = folder / "not-really.pdf"
    path.write_text("<!doctype html><html><body>" + "这不是PDF文件。" * 20 + "</body></html>", encoding="utf-8")
    return path


def choose_option(page, field: str, label: str) -> None:
    page.locator(f"[data-test=field-{field}] .el-select").click()
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()


def fill_date(page, field: str, value: str) -> None:
    box = page.locator(f"[data-test=field-{field}] input")
    box.fill(value)
    box.press("Enter")


def upload(page, field: str, path) -> None:
    page.locator(f"[data-test=field-{field}] input[type=file]").set_input_files(str(path))


def toast(page, text: str, kind: str = "success") -> str:
    """Wait for an Element Plus message of this kind that contains ``text``; its whole text."""
    found = page.locator(f".el-message--{kind}", has_text=text).last
    found.wait_for()
    return found.inner_text()


def error_toast(page) -> str:
    """The text of the latest error message."""
    found = page.locator(".el-message--error").last
    found.wait_for()
    return found.inner_text()


def settled(page) -> None:
    """Wait until no loading spinner (Element Plus ``v-loading`` mask) is left on the page: the
    tables have their rows, for an assertion or a screenshot."""
    page.wait_for_function("() => !document.querySelector('.el-loading-mask')")


def snap(page, path, *, full_page: bool = True) -> None:
    """A screenshot once no spinner is left and dialogs and drawers have finished opening; the
    passing toasts are left out (hidden for the shot, not waited for: they last 3 s each)."""
    settled(page)
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)  # Element Plus transitions are 300 ms
    page.screenshot(path=path, full_page=full_page, style=".el-message { display: none !important; }")


def register_enterprise(api: str, body17: str, unit_account: str, mobile: str, password: str) -> str:
    """Register an enterprise over HTTP (captcha and SMS code from the dev routes, as the wizard
    does); its credit code. For journeys that start from a fresh, uncertified organisation."""
    import json
    import re
    import urllib.request

    from chalicelib.domain.identity.validators import credit_code_check_char, resident_id_check_digit

    def call(path: str, payload: dict | None = None) -> dict:
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(api + path, data=data, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def captcha() -> dict:
        c = call("/captchas", {})
        return {"captcha_id": c["captcha_id"], "captcha_answer": call(f"/dev/captchas/{c['captcha_id']}")["answer"]}

    code = body17 + credit_code_check_char(body17)
    unit = {"unit_account": unit_account, "password": password, "unit_name": f"门户测试{body17[-4:]}医药有限公司",
            "credit_code": code, "kind": "enterprise", "region_code": "630100", "legal_rep": "张三",
            "contact_name": "李四", "contact_phone": mobile}
    call("/sms-codes", {"mobile": mobile, "purpose": "register", **captcha()})
    sent = next(m for m in call("/dev/outbox/sms")["items"] if m["mobile"] == mobile)["message"]
    id17 = "630102199001010" + body17[-2:]
    operator = {"name": "王五", "id_type": "resident_id", "id_number": id17 + resident_id_check_digit(id17),
                "id_valid_start": "2020-01-01", "id_valid_end": None, "mobile": mobile, "password": password}
    call("/registrations", {"unit": unit, "operator": operator, "sms_code": re.search(r"(\d{6})", sent).group(1)})
    return code
