"""The API tests on stock moto against the local store's patched moto (``tests/support.moto_store``,
``make test STORE=stock|patched``): the same test modules run in fresh pytest processes, the two
stores interleaved, CPU time of each run (user + system of the pytest process; median of N).

    .venv/bin/python bench/test_store.py [--runs 3] [MODULE ...]

Prints both, per module set, and the ratio patched / stock; a run whose tests fail stops the bench.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from result import emit

ROOT = Path(__file__).resolve().parent.parent
# Modules that write much through transactions and seed worlds: where stock moto's copies cost.
MODULES = ["tests/api/test_demo_seed.py", "tests/api/test_allocation.py", "tests/api/test_projects.py",
           "tests/api/test_records.py", "tests/api/test_registration.py"]


def one(store: str, modules: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *modules], cwd=ROOT,
                          env={**os.environ, "MP_TEST_STORE": store}, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"the tests failed on the {store} store:\n{done.stdout[-3000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("modules", nargs="*", default=MODULES)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {"stock": [], "patched": []}
    for _ in range(args.runs):
        for store in samples:
            samples[store].append(one(store, args.modules))
    medians = {store: statistics.median(values) for store, values in samples.items()}
    print(f"{len(args.modules)} modules: {' '.join(Path(m).stem for m in args.modules)}")
    for store, value in medians.items():
        print(f"{store:>8}: median {value:6.1f} s CPU over {args.runs} runs ({', '.join(f'{v:.1f}' for v in samples[store])})")
    print(f"   ratio: patched / stock = {medians['patched'] / medians['stock']:.2f}")
    emit(f"API tests on the local store / stock moto ({len(args.modules)} modules)", medians["patched"], "s CPU",
         medians["patched"] / medians["stock"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
