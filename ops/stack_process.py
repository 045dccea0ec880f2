"""Debian's Chromium with the headless flags the browser tests and ``bench/portal.py`` share."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


def launch_chromium(playwright):
    """Headless Debian Chromium. Playwright's launch() gives it a fresh temporary --user-data-dir
    (it refuses the flag itself; launch_persistent_context would allow only one context)."""
    if not CHROMIUM.exists():
        raise RuntimeError("Debian's chromium is missing: apt-get install chromium fonts-noto-cjk "
                           "(`make test` does it as root)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
