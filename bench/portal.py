"""The portal's budget (issue 10): what the login page loads and how soon its form is usable, next
to the same for a blank Vite + Vue page (the floor) and for that page with the Element Plus
components the login page uses (Element Plus's own share), all built by the same Vite and served
by ``vite preview`` in headless Debian Chromium.

Budget: login bytes and time <= 2 x floor + Element Plus's share (EP page - floor).

    .venv/bin/python bench/portal.py [--runs 5] [--portal http://127.0.0.1:5173]

Without ``--portal`` it starts the local stack as ``make run`` does (free ports) and stops it after.
"""
from __future__ import annotations

import argparse
import gzip
import re
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ops import portal  # noqa: E402
from ops.stack_process import LocalStack, free_port, launch_chromium  # noqa: E402

BENCH = portal.PORTAL / "bench"
PAGES = {"floor": "#ready", "element-plus": "#ready"}
LOGIN_READY = "[data-test=login-submit]:not(.is-disabled) >> visible=true"


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def build_bench_page(name: str) -> None:
    subprocess.run([str(portal.BIN / "vite"), "build", "--config", "bench/vite.config.ts"], cwd=portal.PORTAL,
                   env={"PATH": "/usr/bin:/bin", "BENCH_PAGE": name}, check=True, capture_output=True)


def serve_bench_page(name: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([str(portal.BIN / "vite"), "preview", "--config", "bench/vite.config.ts", "--host",
                             "127.0.0.1", "--port", str(port), "--strictPort"], cwd=portal.PORTAL,
                            env={"PATH": "/usr/bin:/bin", "BENCH_PAGE": name}, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"vite preview of {name} did not answer")


def measure(browser, url: str, ready: str, runs: int) -> dict[str, float]:
    """Median ms from navigation start to ``ready`` being visible, and the gzipped JS/CSS it loaded."""
    times, js, css = [], 0, 0
    for i in range(runs + 1):  # the first run warms the server and the OS caches; not counted
        ctx = browser.new_context()
        page = ctx.new_page()
        loaded: dict[str, tuple[str, int]] = {}

        def on_response(r):
            kind = r.request.resource_type
            if kind in ("script", "stylesheet") and r.ok:
                loaded[r.url] = (kind, gz(r.body()))

        page.on("response", on_response)
        page.goto(url)
        page.locator(ready).first.wait_for(state="visible")
        elapsed = page.evaluate("performance.now()")
        page.wait_for_load_state("networkidle")
        if i:
            times.append(elapsed)
        js = sum(size for kind, size in loaded.values() if kind == "script")
        css = sum(size for kind, size in loaded.values() if kind == "stylesheet")
        ctx.close()
    return {"ms": statistics.median(times), "js": js, "css": css}


def largest_route_chunk() -> tuple[str, int]:
    """The largest lazily loaded chunk (the first load's own chunks, named by index.html, excluded)."""
    first = set(re.findall(r'/assets/([^"]+\.js)"', (portal.DIST / "index.html").read_text(encoding="utf-8")))
    chunks = [(p.name, gz(p.read_bytes())) for p in (portal.DIST / "assets").glob("*.js") if p.name not in first]
    return max(chunks, key=lambda c: c[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--portal", help="a running portal (make run); default: start the local stack")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as cleanup:
        servers = []
        try:
            if args.portal:
                portal.build_if_needed(print)
                portal_url = args.portal.rstrip("/")
            else:
                print("starting the local stack (as make run does) ...", flush=True)
                stack = LocalStack(Path(tmp) / "stack.log")
                cleanup.callback(stack.stop)
                stack.wait()
                portal_url = stack.portal
            urls = {}
            for name in PAGES:
                build_bench_page(name)
                proc, urls[name] = serve_bench_page(name, Path(tmp) / f"{name}.log")
                servers.append(proc)
            with sync_playwright() as p:
                browser = launch_chromium(p)
                results = {name: measure(browser, urls[name], sel, args.runs) for name, sel in PAGES.items()}
                results["login"] = measure(browser, f"{portal_url}/login", LOGIN_READY, args.runs)
                browser.close()
        finally:
            for proc in servers:
                proc.kill()

    floor, ep, login = results["floor"], results["element-plus"], results["login"]
    chunk, chunk_gz = largest_route_chunk()
    print(f"\nportal login page vs floors (median of {args.runs}, gzip -9 of what the browser loaded)")
    print(f"{'page':<22}{'JS gz':>10}{'CSS gz':>10}{'total gz':>10}{'form usable':>14}")
    for name, r in (("blank Vite + Vue", floor), ("+ Element Plus parts", ep), ("portal /login", login)):
        print(f"{name:<22}{r['js'] / 1024:>9.1f}K{r['css'] / 1024:>9.1f}K{(r['js'] + r['css']) / 1024:>9.1f}K"
              f"{r['ms']:>12.0f}ms")
    share_bytes = (ep["js"] + ep["css"]) - (floor["js"] + floor["css"])
    share_ms = max(0.0, ep["ms"] - floor["ms"])
    budget_bytes = 2 * (floor["js"] + floor["css"]) + share_bytes
    budget_ms = 2 * floor["ms"] + share_ms
    total = login["js"] + login["css"]
    print(f"\nElement Plus's share: {share_bytes / 1024:.1f}K, {share_ms:.0f} ms")
    print(f"bytes: login {total / 1024:.1f}K vs budget 2 x floor + share = {budget_bytes / 1024:.1f}K "
          f"(ratio {total / budget_bytes:.2f}) {'OK' if total <= budget_bytes else 'OVER'}")
    print(f"time:  login {login['ms']:.0f} ms vs budget {budget_ms:.0f} ms "
          f"(ratio {login['ms'] / budget_ms:.2f}) {'OK' if login['ms'] <= budget_ms else 'OVER'}")
    print(f"largest route chunk: {chunk} {chunk_gz / 1024:.1f}K gz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
