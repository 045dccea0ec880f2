"""The run's one local stack for the tests that talk to it over HTTP (e2e, browser):
``ops.stack_process.LocalStack`` (``python -m ops.local`` on free ports, portal included,
what `make run` runs), read the way the e2e tests read it."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ops.stack_process import LocalStack

# The demo alliance project closes this long after start (make run: 5 minutes), so the e2e and
# browser tests see the ticker close it (the national project stays open).
DEMO_CLOSE_MINUTES = 1.0
TICK_S = 2


class Stack:
    def __init__(self, inner: LocalStack):
        self.inner = inner
        self.url = inner.api
        self.api = inner.api
        self.portal = inner.portal
        self.proc = inner.proc
        self.aws_port = inner.aws_port

    @property
    def output(self) -> list[str]:
        """Every line the stack has printed so far (its log file)."""
        return self.inner.log.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)

    @property
    def banner(self) -> str:
        return self.inner.banner

    def __getitem__(self, key: str):  # the e2e tests read it like the dict it used to be
        return getattr(self, key)

    def stop(self) -> int:
        """Ctrl-C, as a person stops `make run`; the exit code."""
        self.inner.stop()
        return self.proc.returncode


@contextmanager
def running_stack(folder: Path | None = None, start_timeout: float = 180) -> Iterator[Stack]:
    if folder is None:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="medprocure-stack-"))
    inner = LocalStack(folder / "stack.log", demo_close_minutes=DEMO_CLOSE_MINUTES, tick=TICK_S)
    try:
        try:
            inner.wait(start_timeout)
        except RuntimeError as e:
            raise AssertionError(str(e)) from None
        yield Stack(inner)
    finally:
        inner.stop()
