"""Cold start: importing the Lambda entry module (app.py, every route
registered) against ``import boto3`` + creating a DynamoDB client, each in a
fresh interpreter, interleaved, median of N runs. Budget: ratio <= 1.3
(ENGINEERING.md §3).

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

SNIPPETS = {
    "app": "import time; t=time.perf_counter(); import app; print(time.perf_counter()-t)",
    # What the first request adds: services, PynamoDB and botocore are imported lazily.
    "app+services": ("import time; t=time.perf_counter(); import app; "
                     "import chalicelib.services.identity.sessions, chalicelib.services.records.engine; "
                     "print(time.perf_counter()-t)"),
    "boto3+client": ("import time; t=time.perf_counter(); import boto3; "
                     "boto3.client('dynamodb', region_name='us-east-1'); print(time.perf_counter()-t)"),
}


def measure(code: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "MP_STAGE": "dev", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "0"}
    for code in SNIPPETS.values():  # warm the bytecode caches once, like a deployed package
        measure(code, env)
    samples: dict[str, list[float]] = {name: [] for name in SNIPPETS}
    for _ in range(args.runs):
        for name, code in SNIPPETS.items():
            samples[name].append(measure(code, env))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratio = medians["app"] / medians["boto3+client"]
    for name, value in medians.items():
        print(f"{name:>14}: median {value * 1000:7.1f} ms over {args.runs} fresh processes "
              f"(min {min(samples[name]) * 1000:.1f}, max {max(samples[name]) * 1000:.1f})")
    print(f"ratio app / (boto3 + DynamoDB client) = {ratio:.2f}  (budget {BUDGET})  "
          f"{'WITHIN' if ratio <= BUDGET else 'OVER'} BUDGET")
    first = medians["app+services"] / medians["boto3+client"]
    print(f"ratio app+services / (boto3 + DynamoDB client) = {first:.2f}  (budget {BUDGET_FIRST_REQUEST})  "
          f"{'WITHIN' if first <= BUDGET_FIRST_REQUEST else 'OVER'} BUDGET  (the first request's imports)")
    emit("cold start: import app / boto3 + client", medians["app"] * 1000, "ms", ratio, BUDGET)
    emit("cold start: app + first request's imports / boto3 + client", medians["app+services"] * 1000, "ms",
         first, BUDGET_FIRST_REQUEST)
    return 0


if __name__ == "__main__":
    sys.exit(main())
