"""The local stack started exactly as `make run` starts it, checked over HTTP."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 30) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _post(url: str, payload: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _get_auth(url: str, token: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _login(base: str, login: str, password: str) -> dict:
    _, captcha = _post(f"{base}/captchas", {})
    _, answer = _get(f"{base}/dev/captchas/{captcha['captcha_id']}")
    status, session = _post(f"{base}/sessions", {"login": login, "password": password,
                                                 "captcha_id": captcha["captcha_id"],
                                                 "captcha_answer": answer["answer"]})
    assert status == 201, session
    return session


@pytest.fixture(scope="module")
def stack():
    api_port, aws_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MP_"))}
    proc = subprocess.Popen([sys.executable, "-m", "ops.local", "--port", str(api_port), "--aws-port",
                             str(aws_port), "--tick", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            pytest.fail("make run's runner exited early:\n" + "".join(output))
        output.append(line)
        if "Ctrl-C stops everything." in line:
            break
    else:
        proc.kill()
        pytest.fail("the local stack did not come up in 120 s:\n" + "".join(output))
    yield {"url": f"http://127.0.0.1:{api_port}", "proc": proc, "output": output, "aws_port": aws_port}
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def test_banner_gives_the_url(stack):
    banner = "".join(stack["output"])
    assert f"API          {stack['url']}" in banner, banner
    assert "demo logins" in banner


def test_health_is_green_over_http(stack):
    status, report = _get(f"{stack['url']}/health")
    assert status == 200, report
    assert {c["name"]: c["ok"] for c in report["checks"]} == {
        "dynamodb": True, "s3": True, "stepfunctions": True, "sqs": True}


def _banner_logins(stack) -> list[tuple[str, str]]:
    rows = []
    for line in stack["output"]:
        parts = line.split()
        if len(parts) >= 3 and parts[-1] == "Demo@2026qh":
            rows.append((parts[-2], parts[-1]))
    return rows


def test_every_printed_demo_login_works(stack):
    logins = _banner_logins(stack)
    assert len(logins) == 16, "8 organisations x (unit account + operator) should be printed"
    for login, password in logins:
        session = _login(stack["url"], login, password)
        status, me = _get_auth(f"{stack['url']}/me", session["token"])
        assert status == 200 and me["login"] == login, (login, me)


def test_jobs_are_consumed_by_the_runner(stack):
    token = _login(stack["url"], "13800000007", "Demo@2026qh")["token"]
    status, job = _post(f"{stack['url']}/dictionaries/exports", {"dictionary": "units"}, token)
    assert status == 202, job
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, job = _get_auth(f"{stack['url']}/jobs/{job['job_id']}", token)
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    with urllib.request.urlopen(job["result_url"], timeout=30) as r:
        assert r.read(2) == b"PK", "the result should be an XLSX (zip) workbook"


def test_ctrl_c_stops_every_child(stack):
    proc = stack["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    rest = proc.stdout.read()
    assert "[make run] stopped" in rest, rest
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", stack["aws_port"])) != 0, "moto server still listening"
