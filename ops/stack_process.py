"""The local stack as a child process, exactly as ``make run`` starts it (``ops.local`` on free
ports, portal included), and Debian's headless Chromium with the flags the browser tests and
``bench/portal.py`` share."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Debian's headless shell build of Chromium (package chromium-headless-shell: the same source and version
# as the chromium package, without the browser's own UI), which is what Playwright runs for headless
# Chromium by default. The full browser in headless mode renders its toolbar (a WebUI page in a renderer
# of its own) for every context: the journeys took three times the CPU on it (docs/benchmarks.md "The
# test suite"). MP_CHROMIUM=/usr/bin/chromium runs them on the full browser.
CHROMIUM = Path(os.environ.get("MP_CHROMIUM") or "/usr/bin/chromium-headless-shell")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]
BANNER_END = "Ctrl-C stops everything."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_chromium(playwright):
    """Headless Debian Chromium. Playwright's launch() gives it a fresh temporary --user-data-dir
    (it refuses the flag itself; launch_persistent_context would allow only one context)."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium-headless-shell fonts-noto-cjk "
                           "(`make test` does it as root)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)


class LocalStack:
    """``python -m ops.local`` on free ports; its output goes to ``log`` (a pipe nobody reads would
    block the API once full). Passwords are hashed with the light parameters unless asked
    (``password_hashing="production"``): the suite logs in hundreds of times, 0.13 s of CPU each
    with the production ones."""

    def __init__(self, log: Path, *, demo_close_minutes: float = 5.0, tick: float = 2.0,
                 password_hashing: str = "light"):
        self.api_port, self.aws_port, self.portal_port = free_port(), free_port(), free_port()
        self.log = log
        self.banner = ""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MP_"))}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ops.local", "--port", str(self.api_port), "--aws-port", str(self.aws_port),
             "--portal-port", str(self.portal_port), "--tick", str(tick),
             "--demo-close-minutes", str(demo_close_minutes), "--password-hashing", password_hashing],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        self.portal = f"http://127.0.0.1:{self.portal_port}"
        self.api = f"http://127.0.0.1:{self.api_port}"

    def wait(self, timeout: float = 180) -> str:
        """The banner, once printed; RuntimeError with the log's tail if the stack fails or stalls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            if BANNER_END in text:
                self.banner = text
                return text
            if self.proc.poll() is not None:
                raise RuntimeError(f"the local stack exited with {self.proc.returncode}:\n{text[-4000:]}")
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("the local stack did not come up:\n" + self.log.read_text(errors="replace")[-4000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
