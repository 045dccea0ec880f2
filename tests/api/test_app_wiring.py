"""app.py registers exactly the schedules and queue consumers the catalog declares."""
from __future__ import annotations

from chalice.app import ScheduledEventConfig, SQSEventConfig


def test_event_sources_match_the_resource_catalog():
    import app
    from chalicelib import resources

    schedules = {s.name for s in app.app.event_sources if isinstance(s, ScheduledEventConfig)}
    consumers = {(s.name, s.queue) for s in app.app.event_sources if isinstance(s, SQSEventConfig)}
    assert schedules == {s.handler for s in resources.SCHEDULES}
    assert consumers == {(q.consumer, resources.queue_name("medprocure-test", q))
                         for q in resources.QUEUES if q.consumer}


def test_domain_imports_no_aws_or_http_code():
    import pathlib
    import re

    offenders = []
    for path in pathlib.Path("chalicelib/domain").rglob("*.py"):
        for line in path.read_text().splitlines():
            if re.match(r"\s*(import|from)\s+(boto3|botocore|pynamodb|chalice)\b", line):
                offenders.append(f"{path}: {line.strip()}")
    assert not offenders, offenders


def test_importing_app_leaves_the_collector_as_it_found_it_and_freezes_what_it_built():
    """app.py turns the cyclic collector off while it builds the routes and freezes them at the end
    (cold start, docs/benchmarks.md); the collector must come back on, and stay off if it was off."""
    import os
    import subprocess
    import sys

    code = "import gc; {pre}import app; print(gc.isenabled(), gc.get_freeze_count() > 1000)"
    env = {**os.environ, "MP_STAGE": "dev", "AWS_DEFAULT_REGION": "us-east-1"}
    for pre, expected in (("", "True True"), ("gc.disable(); ", "False True")):
        done = subprocess.run([sys.executable, "-c", code.format(pre=pre)], capture_output=True, text=True, env=env)
        assert done.stdout.strip() == expected, (pre, done.stdout, done.stderr[-2000:])
