"""The portal in headless Chromium against the local stack, started once per test session exactly
as `make run` starts it (``tests/local_stack.py``, portal included), and one Chromium (Debian's
``/usr/bin/chromium``) for the session; each test gets a fresh browser context
(``journeys.new_context``: no motion; a journey with two users opens a second one). One context
for the session with a tab per test was tried: Chromium's CPU for the browser journeys was the
same (110 against 102 s), so each test keeps its own.

Screenshots of each journey's key screens go to ``MP_SCREENSHOTS`` (default
``.local-run/screenshots``); a few are kept in ``docs/portal/`` for readers.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ops.stack_process import ROOT, launch_chromium

from tests.browser.journeys import new_context

from tests.local_stack import DEMO_CLOSE_MINUTES  # noqa: F401  (the journeys wait for its closing)


@pytest.fixture(scope="session")
def portal_stack(browser_stack):
    """The browser journeys' local stack (tests/conftest.py ``browser_stack``)."""
    return browser_stack


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
    context = new_context(chromium, portal_stack.portal)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    # GET /health's 503 is its documented answer when a dependency is slow (the loaded machine), not a failure
    p.on("response", lambda r: r.status >= 500 and not (r.status == 503 and r.url.endswith("/api/health"))
         and errors.append(f"{r.request.method} {r.url} -> {r.status}"))
    yield p
    context.close()
    assert not errors, f"the page threw or the API failed: {errors}"


@pytest.fixture(scope="session")
def shots() -> Path:
    folder = Path(os.environ.get("MP_SCREENSHOTS", ROOT / ".local-run" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
