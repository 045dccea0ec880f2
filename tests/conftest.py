"""Test environment: stage ``test``, moto in decorator mode, no live endpoint.

The environment is fixed *before* anything from ``chalicelib`` is imported,
because the PynamoDB models read their table names at import time.

How the suite is spread over processes (``make test`` runs ``pytest -n 3
--dist loadgroup``; docs/operations.md "The test suite"):
- every test gets its layer's marker (domain, api, workflows, e2e, infra, ...);
- tests that share something expensive stay in one process: a module's tests
  when the module has a module-scoped fixture (a read-only world built once),
  and every test of the one local stack (``local_stack``, started once);
- the infrastructure synth starts in the background as soon as a process has
  collected an infra test (``tests/infra/background.py``), so its minute of
  ``chalice package`` overlaps the other tests; the infra tests come last.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

os.environ.pop("AWS_ENDPOINT_URL", None)  # decorator-mode moto: never escape to a server
os.environ.update({
    "MP_STAGE": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "MP_LOG_LEVEL": "WARNING",
})

import pytest  # noqa: E402

LAYERS = ("domain", "api", "workflows", "e2e", "infra", "portal", "browser")
# Session-scoped fixtures that are one expensive thing each: their tests share one process.
# Two stacks, not one: the e2e and the browser journeys both work on the demo organisations'
# records (one enterprise_info per organisation), so each suite gets its own demo world; the
# two groups run side by side on two of the workers.
SHARED_SESSION_FIXTURES = ("local_stack", "browser_stack")
# Run last: the synth they wait for is started in the background at collection.
LATE_LAYERS = ("infra",)
# Run first among the tests that share nothing: the longest single tests (vue-tsc over the portal, the
# local store against stock moto, ~20-30 s each), so that they overlap the long groups instead of
# finishing the run alone on one worker. pytest-xdist hands out the groups largest first, then the
# single tests in this order.
EARLY_FOLDERS = ("tests/portal/", "tests/localstore/")


def _path(item) -> str:
    return str(item.fspath).replace(os.sep, "/")


def _layer(item) -> str | None:
    return next((layer for layer in LAYERS if f"tests/{layer}/" in _path(item)), None)


def _early(item) -> bool:
    return any(folder in _path(item) for folder in EARLY_FOLDERS)


def _shared_group(item) -> str | None:
    """The xdist group of a test that shares an expensive fixture, else None."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for name in SHARED_SESSION_FIXTURES:
        if name in info.names_closure:
            return name
    for name in info.names_closure:
        defs = info.name2fixturedefs.get(name)
        if defs and defs[-1].scope in ("module", "package"):
            return item.module.__name__
    return None


def pytest_configure(config):
    """One folder shared by every process of the run (the controller makes it)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        config.mp_shared_dir = Path(workerinput["mp_shared_dir"])
    else:
        config.mp_shared_dir = Path(tempfile.mkdtemp(prefix="medprocure-tests-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):  # pytest-xdist: what the controller hands each worker
    node.workerinput["mp_shared_dir"] = str(node.config.mp_shared_dir)


def pytest_unconfigure(config):
    if getattr(config, "workerinput", None) is None and hasattr(config, "mp_shared_dir"):
        from tests.infra import background

        lost = config.mp_shared_dir / GROUPS_LOST
        if lost.exists():
            import sys

            sys.stderr.write(f"\nERROR: {lost.read_text(encoding='utf-8')}\n")

        background.stop(config.mp_shared_dir)
        shutil.rmtree(config.mp_shared_dir, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        layer = _layer(item)
        if layer:
            item.add_marker(getattr(pytest.mark, layer))
        group = _shared_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
    # Stable: the early folders first, the late layers after the rest, a test that writes at random into the
    # shared stack (the fuzz) after its other users, and a test that stops it after that.
    items.sort(key=lambda item: (not _early(item), _layer(item) in LATE_LAYERS,
                                 item.get_closest_marker("stops_local_stack") is not None,
                                 item.get_closest_marker("dirties_local_stack") is not None))


GROUPS_LOST = "xdist-groups-lost.txt"


def _check_groups_took(config, items) -> None:
    """pytest-xdist's loadgroup keeps a group on one worker by suffixing its node ids with
    ``@group``; when a pytest release stops honouring that (pytest 9.2 and pytest-xdist 3.8.0,
    pytest-xdist#1386) every stack and module world is silently built once per worker. Fail
    instead."""
    if getattr(config, "workerinput", None) is None or not getattr(config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        message = (f"pytest-xdist --dist loadgroup did not group {len(lost)} tests (e.g. {lost[0]}): "
                   "check the pytest/pytest-xdist pins in requirements-dev.txt")
        (config.mp_shared_dir / GROUPS_LOST).write_text(message, encoding="utf-8")  # a worker's own words are not shown
        raise pytest.UsageError(message)


def pytest_collection_finish(session):
    """Check the grouping took; start the synth now if an infra test is selected (after -m/-k
    deselection)."""
    _check_groups_took(session.config, session.items)
    if any(_layer(item) == "infra" and "synth" in getattr(item, "fixturenames", ()) for item in session.items):
        from tests.infra import background

        background.start_once(session.config.mp_shared_dir)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    """The local stack exactly as `make run` starts it (free ports) for the e2e tests: once per
    run (its tests are grouped into one worker)."""
    from tests.local_stack import running_stack

    with running_stack(tmp_path_factory.mktemp("stack")) as stack:
        yield stack


@pytest.fixture(scope="session")
def browser_stack(tmp_path_factory):
    """Another such stack, portal included, for the browser journeys (their own demo world)."""
    from tests.local_stack import running_stack

    with running_stack(tmp_path_factory.mktemp("browser-stack")) as stack:
        yield stack
