"""Warm request overhead (ENGINEERING.md §3: at most 1.5× the bare DynamoDB calls the request needs) and the
DynamoDB calls each endpoint makes, counted from the real calls.

One process, in-process moto (decorator mode, ``tests.support.provisioned_aws``), an enterprise with an
authorised operator and the demo catalog. For each endpoint: a warm-up request, then the AWS calls of one
request are recorded at botocore (``BaseClient._make_api_call``: operation and parameters, every service);
then, interleaved, N requests through the Chalice test client (routing, token check, validation, the
services, PynamoDB, serialisation) against N replays of exactly the recorded calls on a bare boto3 client
(botocore serialisation, moto, parsing: what the request cannot do without). Median CPU time of this process
(``time.process_time``: client, app and moto all run in it).

    .venv/bin/python bench/warm_request.py [--runs 30]
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

import jobbench  # noqa: F401  first: it sets the moto environment
from result import emit

BUDGET = 1.5
# (path, who): the operator, or the unit account (its operators list is the unit account's)
ENDPOINTS = [("/me", "operator"), ("/org", "operator"), ("/org/operators", "unit"),
             ("/catalog/certificates", "operator"), ("/records/enterprise_info", "operator")]


class Recorder:
    """Every AWS API call made through botocore while in the block: (service, operation, params)."""

    def __enter__(self):
        import botocore.client

        self.calls: list[tuple[str, str, dict]] = []
        self._orig = orig = botocore.client.BaseClient._make_api_call
        calls = self.calls

        def recording(client, operation, params):
            calls.append((client.meta.service_model.service_name, operation, params))
            return orig(client, operation, params)

        botocore.client.BaseClient._make_api_call = recording
        return self

    def __exit__(self, *exc):
        import botocore.client

        botocore.client.BaseClient._make_api_call = self._orig


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    import boto3
    from chalice.test import Client

    from tests import factory
    from tests.support import provisioned_aws

    with provisioned_aws(lean_requests=False):
        import app

        org = factory.make_org()
        tokens = {"operator": factory.operator_token(org), "unit": factory.unit_token(org)}
        factory.seed_demo_catalog(org)
        clients = {name: boto3.client(name, region_name="us-east-1") for name in ("dynamodb", "s3", "secretsmanager",
                                                                                    "ssm", "stepfunctions", "sqs")}
        rows = []
        with Client(app.app) as http:
            for path, who in ENDPOINTS:
                headers = {"Authorization": f"Bearer {tokens[who]}"}
                first = http.http.get(path, headers=headers)
                assert first.status_code == 200, f"GET {path}: {first.status_code} {first.body[:300]!r}"
                with Recorder() as rec:
                    http.http.get(path, headers=headers)
                calls = rec.calls

                def ours():
                    started = time.process_time()
                    response = http.http.get(path, headers=headers)
                    spent = time.process_time() - started
                    assert response.status_code == 200, response.body[:300]
                    return spent

                def bare():
                    started = time.process_time()
                    for service, operation, params in calls:
                        clients[service]._make_api_call(operation, params)
                    return time.process_time() - started

                a, b = [], []
                for _ in range(args.runs):
                    a.append(ours())
                    b.append(bare())
                counted = Counter(f"{op}" if s == "dynamodb" else f"{s}:{op}" for s, op, _ in calls)
                rows.append((path, statistics.median(a), statistics.median(b), counted))
    print(f"{'GET':<28} {'request ms':>11} {'bare calls ms':>14} {'ratio':>6}  calls (one warm request)")
    for path, a, b, counted in rows:
        ratio = a / b if b else float("inf")
        print(f"{path:<28} {a * 1000:>11.2f} {b * 1000:>14.2f} {ratio:>6.2f}  "
              + (", ".join(f"{op} {n}" for op, n in sorted(counted.items())) or "none"))
    worst = max(rows, key=lambda r: r[1] / r[2] if r[2] else float("inf"))
    print(f"worst ratio request / bare calls = {worst[1] / worst[2]:.2f} ({worst[0]})  (budget {BUDGET})")
    emit(f"warm request: GET {worst[0]} / its bare DynamoDB calls (worst of {len(rows)})", worst[1] * 1000, "ms CPU",
         worst[1] / worst[2], BUDGET)
    emit(f"DynamoDB calls per warm request, most of {len(rows)} endpoints (GET {max(rows, key=lambda r: sum(r[3].values()))[0]})",
         max(sum(r[3].values()) for r in rows), "calls")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
