"""A bounded load test (issue 13 item 6): locust, headless, against a local stack this script starts
as `make run` does (ops.stack_process.LocalStack, loopback), with the users of bench/locustfile.py —
login, the declaration workbench and a declaration, a reviewer's queues, a city's allocation sheets —
at 10, 50 and 100 concurrent users for 60 s each; it stops by itself.

    .venv/bin/python bench/load.py                      # `make load`: 3 × 60 s (+ ~1 min start)
    .venv/bin/python bench/load.py --duration 15 --users 10,50
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000   # a running `make run`

For each level: requests, throughput, p50/p99 of every request, errors (anything but the
documented answers to contention — 409, 429, 404 on withdrawing a declaration a colleague withdrew —
counted apart, bench/locustfile.py); a markdown table at the end (docs/benchmarks.md).
Exit 1 when any error was seen. Not part of `make test`.
"""
from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def run_level(url: str, users: int, duration: int, folder: Path) -> dict:
    prefix = folder / f"u{users}"
    command = [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", url,
               "-u", str(users), "-r", str(max(users // 5, 1)), "-t", f"{duration}s", "--csv", str(prefix),
               "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=duration + 180)  # nosec B603
    rows = list(csv.DictReader((folder / f"u{users}_stats.csv").open(encoding="utf-8")))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    documented = sum(int(r["Request Count"]) for r in rows if re.search(r"\[\d{3}\]$", r["Name"]))
    failures = list(csv.DictReader((folder / f"u{users}_failures.csv").open(encoding="utf-8")))
    return {
        "users": users, "seconds": duration, "requests": int(total["Request Count"]),
        "rps": float(total["Requests/s"]), "p50": float(total["50%"]), "p99": float(total["99%"]),
        "errors": int(total["Failure Count"]), "documented": documented,
        "error_kinds": [f"{f['Method']} {f['Name']}: {f['Error'][:160]} × {f['Occurrences']}" for f in failures],
        "per_request": {r["Name"]: (int(r["Request Count"]), float(r["50%"]), float(r["99%"]))
                        for r in rows if r["Name"] != "Aggregated"},
        "stderr": run.stderr[-2000:] if run.returncode else "",
    }


def table(results: list[dict]) -> str:
    lines = ["| users | duration | requests | throughput (req/s) | p50 (ms) | p99 (ms) | errors | contention (documented) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['users']} | {r['seconds']} s | {r['requests']:,} | {r['rps']:.1f} | {r['p50']:.0f} | "
              f"{r['p99']:.0f} | {r['errors']} | {r['documented']} |" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="locust against the local stack at 10/50/100 users")
    parser.add_argument("--users", default="10,50,100", help="comma-separated concurrency levels")
    parser.add_argument("--duration", type=int, default=60, help="seconds per level")
    parser.add_argument("--url", help="a running stack's API (default: start one, as `make run` does)")
    args = parser.parse_args(argv)
    levels = [int(u) for u in args.users.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="medprocure-load-"))
    stack = None
    url = args.url
    if url is None:
        from ops.stack_process import LocalStack

        # argon2id at the production cost, as `make run` and the deployed stages hash (the suite's stacks
        # use the light parameters)
        stack = LocalStack(folder / "stack.log", demo_close_minutes=24 * 60, tick=30, password_hashing="production")
        print(f"starting the local stack (log: {stack.log})", flush=True)
        stack.wait()
        url = stack.api
    results = []
    try:
        for users in levels:
            print(f"{users} users for {args.duration} s …", flush=True)
            result = run_level(url, users, args.duration, folder)
            results.append(result)
            print(f"  {result['requests']:,} requests, {result['rps']:.1f}/s, p50 {result['p50']:.0f} ms, "
                  f"p99 {result['p99']:.0f} ms, {result['errors']} errors, {result['documented']} documented contention answers",
                  flush=True)
            for name, (count, p50, p99) in sorted(result["per_request"].items()):
                print(f"    {name:55} {count:7,}  p50 {p50:6.0f} ms  p99 {p99:6.0f} ms")
            for kind in result["error_kinds"]:
                print(f"    ERROR {kind}")
            if result["stderr"]:
                print(result["stderr"])
    finally:
        if stack is not None:
            stack.stop()
    print("\n" + table(results))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
