"""The portal in headless Chromium against the local stack, started once per test session exactly
as `make run` starts it (``ops.local`` on free ports, portal included), and one Chromium (Debian's
``/usr/bin/chromium``) for the session; each test gets a fresh browser context.

Screenshots of each journey's key screens go to ``MP_SCREENSHOTS`` (default
``.local-run/screenshots``); a few are kept in ``docs/portal/`` for readers.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]
BANNER_END = "Ctrl-C stops everything."
# The demo alliance project closes this long after start: the declaration-after-the-window journey
# waits for it (the national project stays open for the declarations within the window).
DEMO_CLOSE_MINUTES = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, tmp: Path):
        self.api_port, self.aws_port, self.portal_port = free_port(), free_port(), free_port()
        self.log = tmp / "stack.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MP_"))}
        # The runner's output goes to a file: a pipe nobody reads would block the API once full.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ops.local", "--port", str(self.api_port), "--aws-port", str(self.aws_port),
             "--portal-port", str(self.portal_port), "--tick", "2", "--demo-close-minutes", str(DEMO_CLOSE_MINUTES)],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        self.portal = f"http://127.0.0.1:{self.portal_port}"
        self.api = f"http://127.0.0.1:{self.api_port}"

    def wait(self, timeout: float = 180) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            if BANNER_END in text:
                return text
            if self.proc.poll() is not None:
                pytest.fail(f"the local stack exited with {self.proc.returncode}:\n{text[-4000:]}")
            time.sleep(0.3)
        self.stop()
        pytest.fail("the local stack did not come up:\n" + self.log.read_text(errors="replace")[-4000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("stack"))
    try:
        s.banner = s.wait()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium: `make test` installs it as root "
                    "(apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    # launch() gives Chromium a fresh temporary --user-data-dir of its own (Playwright refuses the
    # flag here; launch_persistent_context would allow only one context).
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, stack):
    context = chromium.new_context(base_url=stack.portal, viewport={"width": 1280, "height": 800}, locale="zh-CN",
                                   timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert not errors, f"the page threw: {errors}"


@pytest.fixture(scope="session")
def shots() -> Path:
    folder = Path(os.environ.get("MP_SCREENSHOTS", ROOT / ".local-run" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
