"""The local stack (``python -m ops.local``, what `make run` runs) for the tests
that talk to it over HTTP: free ports, its output collected as it comes."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
# The demo alliance project closes this long after start (make run: 5 minutes), so its closing is seen in the tests.
DEMO_CLOSE_MINUTES = 0.5
TICK_S = 2
READY_LINE = "Ctrl-C stops everything."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    url: str
    proc: subprocess.Popen
    aws_port: int
    portal: str = ""  # the browser portal (vite preview; the API under /api)
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def __getitem__(self, key: str):  # the e2e tests read it like the dict it used to be
        return getattr(self, key)

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C, as a person stops `make run`; the exit code once every line is read."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=timeout)
        if self.reader is not None:
            self.reader.join(timeout=timeout)
        return code


def _read_rest(proc: subprocess.Popen, output: list[str]) -> None:
    # Keep the pipe drained for as long as the stack lives, or a chatty stack would block on a full pipe.
    for line in proc.stdout:
        output.append(line)


@contextmanager
def running_stack(start_timeout: float = 180) -> Iterator[Stack]:
    api_port, aws_port, portal_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MP_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ops.local", "--port", str(api_port), "--aws-port", str(aws_port),
         "--portal-port", str(portal_port), "--tick", str(TICK_S), "--demo-close-minutes", str(DEMO_CLOSE_MINUTES)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stack = Stack(url=f"http://127.0.0.1:{api_port}", proc=proc, aws_port=aws_port,
                  portal=f"http://127.0.0.1:{portal_port}")
    deadline = time.monotonic() + start_timeout
    try:
        while True:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                raise AssertionError("make run's runner exited early:\n" + "".join(stack.output))
            stack.output.append(line)
            if READY_LINE in line:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the local stack did not come up in {start_timeout:.0f} s:\n"
                                     + "".join(stack.output))
        stack.reader = threading.Thread(target=_read_rest, args=(proc, stack.output), daemon=True)
        stack.reader.start()
        yield stack
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
