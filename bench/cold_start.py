"""Cold start: importing the Lambda entry module (app.py, every route
registered) against ``import boto3`` + creating a DynamoDB client, each in a
fresh interpreter, interleaved, median of N runs. Budgets: ``import app`` ≤ 1.3
(ENGINEERING.md §3); ``import app`` plus what the first request imports (the
identity and records services: PynamoDB, botocore) ≤ 1.2 (issue 13 item 7).

The budgeted figures are CPU time of the child (``time.process_time``): on the
shared 2-core machine wall time moved 3× with the other sessions' load, CPU time
far less. Wall time is printed beside it.

    .venv/bin/python bench/cold_start.py [--runs 15]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from result import emit

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 1.3  # import app (ENGINEERING.md §3)
BUDGET_FIRST_REQUEST = 1.2  # import app + the first request's imports (issue 13 item 7)

_START = "import time; w=time.perf_counter(); c=time.process_time(); "
_STOP = "; print(time.perf_counter()-w, time.process_time()-c)"
SNIPPETS = {
    "app": _START + "import app" + _STOP,
    # What the first request adds: services, PynamoDB and botocore are imported lazily.
    # Handlers name their schema classes lazily (chalicelib.lazy.lazy_classes): a login's are defined here too.
    "app+services": _START + ("import app; "
                              "import chalicelib.services.identity.sessions, chalicelib.services.records.engine; "
                              "from chalicelib.handlers._http import ENDPOINTS; "
                              "login = ENDPOINTS[('/sessions', 'POST')]; login.body, login.response") + _STOP,
    "boto3+client": _START + "import boto3; boto3.client('dynamodb', region_name='us-east-1')" + _STOP,
}


def measure(code: str, env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "MP_STAGE": "dev", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "0"}
    for code in SNIPPETS.values():  # warm the bytecode caches once, like a deployed package
        measure(code, env)
    wall: dict[str, list[float]] = {name: [] for name in SNIPPETS}
    cpu: dict[str, list[float]] = {name: [] for name in SNIPPETS}
    for _ in range(args.runs):
        for name, code in SNIPPETS.items():
            w, c = measure(code, env)
            wall[name].append(w)
            cpu[name].append(c)
    med = {name: statistics.median(values) for name, values in cpu.items()}
    for name in SNIPPETS:
        print(f"{name:>14}: median {med[name] * 1000:7.1f} ms CPU (min {min(cpu[name]) * 1000:.1f}, "
              f"max {max(cpu[name]) * 1000:.1f}); wall {statistics.median(wall[name]) * 1000:7.1f} ms, "
              f"over {args.runs} fresh processes")
    floor, floor_wall = med["boto3+client"], statistics.median(wall["boto3+client"])
    # The host's speed drifts between rounds (other VMs): the same ratio taken round by round, each
    # round's snippets back to back, moves less than the ratio of the medians. Printed as a check.
    paired = {name: statistics.median(a / b for a, b in zip(cpu[name], cpu["boto3+client"]))
              for name in ("app", "app+services")}
    for name, budget, what in (("app", BUDGET, ""), ("app+services", BUDGET_FIRST_REQUEST, "  (the first request's imports)")):
        ratio = med[name] / floor
        print(f"ratio {name} / (boto3 + DynamoDB client) = {ratio:.2f} CPU (wall "
              f"{statistics.median(wall[name]) / floor_wall:.2f})  (budget {budget})  "
              f"{'WITHIN' if ratio <= budget else 'OVER'} BUDGET{what}; round by round: median {paired[name]:.2f}")
    emit("cold start: import app / boto3 + client (CPU)", med["app"] * 1000, "ms", med["app"] / floor, BUDGET)
    emit("cold start: app + first request's imports / boto3 + client (CPU)", med["app+services"] * 1000, "ms",
         med["app+services"] / floor, BUDGET_FIRST_REQUEST)
    return 0


if __name__ == "__main__":
    sys.exit(main())
