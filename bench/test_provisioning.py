"""The per-test moto account (``tests.support.provisioned_aws``: every table, the bucket, queues,
state machines, topics and the secret from the real definitions): created through the API each
time (``ops.provision``, as before) against a deep copy of the pristine account the process
provisioned once (``tests.support._Pristine``), interleaved in one process, CPU time per account
(median).

    .venv/bin/python bench/test_provisioning.py [--runs 15]

Prints both and the ratio; the suite pays one such account per API/workflow test.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tests.conftest  # noqa: E402,F401  (the test environment: stage test, decorator-mode moto)
from tests import support  # noqa: E402

from result import emit  # noqa: E402


def one(copied: bool, pristine: support._Pristine) -> float:
    """One account; ``copied=False`` gives the process an empty memory, so it provisions."""
    with mock.patch.object(support, "_PRISTINE", pristine if copied else support._Pristine()):
        started = time.process_time()
        with support.provisioned_aws():
            pass
        return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    pristine = support._Pristine()
    one(True, pristine), one(False, pristine)  # warm: imports, boto3 clients, the snapshot, the ASL parse
    samples: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.runs):
        for copied in (False, True):
            samples[copied].append(one(copied, pristine))
    provisioned, copied = statistics.median(samples[False]), statistics.median(samples[True])
    print(f"per-test moto account, provisioned through the API : {provisioned * 1000:7.1f} ms CPU (median of {args.runs})")
    print(f"per-test moto account, copy of the pristine account : {copied * 1000:7.1f} ms CPU")
    print(f"ratio copy / provisioned = {copied / provisioned:.2f}")
    emit("per-test moto account (pristine copy / provisioned)", copied * 1000, "ms CPU", copied / provisioned)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
