"""The per-test moto account (``tests.support.provisioned_aws``: every table, the
bucket, queues, state machines, topics and the secret from the real definitions)
with and without ``asl_validated_once`` (each distinct ASL definition parsed once
per process), interleaved in one process, CPU time per account (median).

    .venv/bin/python bench/test_provisioning.py [--runs 15]

Prints both and the ratio; the suite pays one such account per API/workflow test.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tests.conftest  # noqa: E402,F401  (the test environment: stage test, decorator-mode moto)
from tests import support  # noqa: E402

from result import emit  # noqa: E402


@contextmanager
def _parsed_every_time():
    yield


def one(validated_once: bool) -> float:
    patch = mock.patch.object(support, "asl_validated_once", support.asl_validated_once if validated_once
                              else _parsed_every_time)
    with patch:
        started = time.process_time()
        with support.provisioned_aws():
            pass
        return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    one(True), one(False)  # warm: imports, boto3 clients, the first parse
    samples: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.runs):
        for mode in (False, True):
            samples[mode].append(one(mode))
    stock, once = statistics.median(samples[False]), statistics.median(samples[True])
    print(f"per-test moto account, ASL parsed every time : {stock * 1000:7.1f} ms CPU (median of {args.runs})")
    print(f"per-test moto account, ASL validated once    : {once * 1000:7.1f} ms CPU")
    print(f"ratio once / every time = {once / stock:.2f}")
    emit("per-test moto account (ASL validated once / parsed every time)", once * 1000, "ms CPU", once / stock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
