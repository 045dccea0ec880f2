"""List pages, detail reads and single writes over HTTP on ``make run DATA=province``.

Starts the local stack with the province's volume on free ports (or uses a
running one: ``--api http://127.0.0.1:8000``), logs in as operators of sampled
enterprises and as the platform's reviewer, and times each request from the
client (urllib, one at a time). Prints p50 / p95 / max per request kind and a
last line ``worst p95 = X ms (kind)``; target: every p95 under 300 ms.

    .venv/bin/python bench/local_province.py                    # starts and stops its own stack
    .venv/bin/python bench/local_province.py --api http://127.0.0.1:8000 --runs 20
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ops.province import ENTERPRISES, PROJECT_NAME, operator_mobile  # noqa: E402
from ops.seed import DEMO_PASSWORD  # noqa: E402
from result import emit  # noqa: E402

PLATFORM_OPERATOR = "13800000001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any, float]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        elapsed = time.perf_counter() - started
        return status, json.loads(raw) if raw else None, elapsed

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        status, answer, _ = self.call(method, path, body, token)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {answer}")
        return answer

    def login(self, login: str) -> str:
        captcha = self.ok("POST", "/captchas")["captcha_id"]
        answer = self.ok("GET", f"/dev/captchas/{captcha}")["answer"]
        session = self.ok("POST", "/sessions", {"login": login, "password": DEMO_PASSWORD, "captcha_id": captcha,
                                                "captcha_answer": answer})
        return session["token"]


def start_stack() -> tuple[subprocess.Popen, str, float]:
    api_port, aws_port = free_port(), free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ops.local", "--port", str(api_port), "--aws-port", str(aws_port),
                             "--data", "province", "--tick", "60"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    started = time.monotonic()
    for line in proc.stdout:
        if line.startswith("[make run]"):
            print(line.rstrip(), file=sys.stderr, flush=True)
        if "MedProcure is running" in line:
            loaded = time.monotonic() - started
            return proc, f"http://127.0.0.1:{api_port}", loaded
        if proc.poll() is not None:
            break
    raise RuntimeError("make run DATA=province did not start")


def stop_stack(proc: subprocess.Popen) -> None:
    import signal

    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def measure(http: Http, runs: int, seed: int = 4) -> dict[str, list[float]]:
    rng = random.Random(seed)
    times: dict[str, list[float]] = {}

    def timed(kind: str, method: str, path: str, body: Any = None, token: str | None = None,
              expect: tuple[int, ...] = (200, 201)) -> Any:
        status, answer, elapsed = http.call(method, path, body, token)
        if status not in expect:
            raise RuntimeError(f"{kind}: {method} {path} answered {status}: {answer}")
        times.setdefault(kind, []).append(elapsed)
        return answer

    reviewer = http.login(PLATFORM_OPERATOR)
    project_id = next(a["project_id"] for a in http.ok("GET", "/announcements?limit=100")["items"]
                      if a["name"] == PROJECT_NAME)
    for n in rng.sample(range(1, ENTERPRISES + 1), runs):
        token = http.login(operator_mobile(n))
        for tab in ("approved", "draft"):
            timed("list: my products (page of 100)", "GET", f"/records/product?tab={tab}&limit=100", token=token)
        declared = timed("list: my declarations (page of 100)", "GET",
                         f"/projects/{project_id}/declarations?limit=100", token=token)["items"]
        catalog = timed("list: project catalog (page of 100)", "GET", f"/projects/{project_id}/catalog?limit=100",
                        token=token)
        if catalog.get("next_cursor"):
            timed("list: project catalog (page of 100)", "GET", f"/projects/{project_id}/catalog?limit=100&cursor="
                  + urllib.parse.quote(catalog["next_cursor"]), token=token)
        timed("list: review queue (page of 100)", "GET", "/reviews/records?kind=product&level=first&limit=100",
              token=reviewer)
        drafts = http.ok("GET", "/records/product?tab=draft&limit=100", token=token)["items"]
        record = rng.choice(drafts)
        timed("read: my product", "GET", f"/records/product/{record['record_id']}", token=token)
        timed("read: project", "GET", f"/projects/{project_id}", token=token)
        timed("read: catalog product", "GET", f"/catalog/products/{record['data']['code27']}")
        timed("read: record under review", "GET", f"/reviews/records/{record['record_id']}", token=reviewer,
              expect=(200, 404))
        data = {k: record["data"][k] for k in ("code27", "min_usage_unit", "min_package_unit")}
        timed("write: edit a draft product", "PUT", f"/records/product/{record['record_id']}",
              {"data": {**data, "min_package_ratio": rng.randint(2, 50)}}, token=token)
        code = declared[0]["code27"]
        timed("write: withdraw a declaration", "DELETE", f"/projects/{project_id}/declarations/{code}", token=token)
        timed("write: declare a product", "POST", f"/projects/{project_id}/declarations", {"code27": code},
              token=token)
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", help="a running make run DATA=province (default: start one)")
    parser.add_argument("--runs", type=int, default=30, help="enterprises sampled (each: every request kind)")
    args = parser.parse_args(argv)
    proc = None
    try:
        if args.api:
            base = args.api
        else:
            proc, base, loaded = start_stack()
            print(f"make run DATA=province ready in {loaded:.0f} s (start, provision, demo and province data)")
        times = measure(Http(base), args.runs)
    finally:
        if proc is not None:
            stop_stack(proc)
    print(f"{'request':<40} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, values in times.items():
        print(f"{kind:<40} {len(values):>4} {statistics.median(values) * 1000:>8.0f} "
              f"{percentile(values, 0.95) * 1000:>8.0f} {max(values) * 1000:>8.0f}")
    worst = max(times, key=lambda k: percentile(times[k], 0.95))
    print(f"worst p95 = {percentile(times[worst], 0.95) * 1000:.0f} ms ({worst})")
    emit(f"province over HTTP: worst p95 ({worst})", percentile(times[worst], 0.95) * 1000, "ms", budget=300)
    return 0


if __name__ == "__main__":
    sys.exit(main())
