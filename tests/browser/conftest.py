"""The portal in headless Chromium against the local stack, started once per test session exactly
as `make run` starts it (``tests/local_stack.py``, portal included), and one Chromium (Debian's
``/usr/bin/chromium``) for the session; each test gets a fresh browser context.

Screenshots of each journey's key screens go to ``MP_SCREENSHOTS`` (default
``.local-run/screenshots``); a few are kept in ``docs/portal/`` for readers.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ops.stack_process import ROOT, launch_chromium

from tests.local_stack import DEMO_CLOSE_MINUTES  # noqa: F401  (the journeys wait for its closing)


@pytest.fixture(scope="session")
def portal_stack(browser_stack):
    """The browser journeys' local stack (tests/conftest.py ``browser_stack``)."""
    return browser_stack


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


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            browser = launch_chromium(p)
        except RuntimeError as e:
            pytest.fail(str(e))
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, portal_stack):
    context = chromium.new_context(base_url=portal_stack.portal, viewport={"width": 1280, "height": 800}, locale="zh-CN",
                                   timezone_id="Asia/Shanghai", reduced_motion="reduce")
    context.add_init_script(NO_MOTION)
    context.set_default_timeout(15_000)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("response", lambda r: r.status >= 500 and errors.append(f"{r.request.method} {r.url} -> {r.status}"))
    yield p
    context.close()
    assert not errors, f"the page threw or the API failed: {errors}"


@pytest.fixture(scope="session")
def shots() -> Path:
    folder = Path(os.environ.get("MP_SCREENSHOTS", ROOT / ".local-run" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
