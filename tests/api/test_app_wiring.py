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


def test_importing_app_defines_no_schema_class_until_a_route_needs_it():
    """Handlers name their schema classes lazily (chalicelib.lazy.lazy_classes): registering every route
    imports no schema module but common and validation; a route's first use defines its own (cold start,
    docs/benchmarks.md)."""
    import os
    import subprocess
    import sys

    code = ("import sys, app; from chalicelib.handlers._http import ENDPOINTS; "
            "before = sorted(m for m in sys.modules if m.startswith('chalicelib.schemas.')); "
            "d = ENDPOINTS[('/allocation-tasks', 'POST')]; d.body, d.response; "
            "after = sorted(m for m in sys.modules if m.startswith('chalicelib.schemas.')); print(before, after)")
    env = {**os.environ, "MP_STAGE": "dev", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = done.stdout.strip().split("] [")
    assert before == "['chalicelib.schemas.common', 'chalicelib.schemas.validation'", \
        f"importing app defined schema classes eagerly: {before}]"
    assert "chalicelib.schemas.allocation" in after, after


def test_every_route_names_pydantic_models_that_exist():
    """A lazily named class is only imported on first use: a misspelt name would fail at the first request.
    Resolve every route's body, query and response here instead."""
    from pydantic import BaseModel

    import app  # noqa: F401  (registers every route)
    from chalicelib.handlers._http import ENDPOINTS

    wrong = []
    for (path, method), doc in ENDPOINTS.items():
        for part in ("body", "query", "response"):
            try:
                model = getattr(doc, part)
            except (ImportError, AttributeError, TypeError) as error:
                wrong.append(f"{method} {path} {part}: {error}")
                continue
            if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
                wrong.append(f"{method} {path} {part}: {model!r} is not a pydantic model")
    assert not wrong, "\n".join(wrong)


def test_the_catalog_record_kinds_join_the_registry_on_first_use():
    """services.records.kinds.KINDS adds the catalog kinds (consumables rules) when one of them, or the
    whole registry, is first asked for: a request about the enterprise's own records does not import them."""
    import os
    import subprocess
    import sys

    code = ("import sys; from chalicelib.services.records import engine; from chalicelib.domain.enums import RecordKind; "
            "from chalicelib.services.records.kinds import KINDS; mod = 'chalicelib.services.records.catalog_kinds'; "
            "a = mod in sys.modules; KINDS[RecordKind.ENTERPRISE_INFO]; b = mod in sys.modules; "
            "spec = KINDS[RecordKind.PRODUCT]; c = mod in sys.modules; "
            "print(a, b, c, spec.kind.value, len(KINDS), list(KINDS)[0].value)")
    env = {**os.environ, "MP_STAGE": "dev", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "False", "True", "product", "7", "enterprise_info"], done.stdout
