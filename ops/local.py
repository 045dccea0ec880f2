"""``make run``: the whole platform on this machine.

1. starts moto in server mode (the local AWS) with Step Functions execution on;
2. creates every table, the bucket, queues, state machines and the secret from
   the definitions ``infra/`` deploys (``ops/provision.py``);
3. seeds reference and demo data (``ops/seed.py``): organisations and logins,
   the catalog, and two demo projects (one closing ``--demo-close-minutes``
   after start, so the ticker can be watched closing it);
4. serves the API with ``chalice local --stage local``;
5. runs the scheduled functions on a ticker and consumes the job queue with the
   handler functions the deployed Lambdas use (``app.py``);
6. builds the browser portal when a source changed and serves it with ``vite preview``,
   which proxies ``/api`` to the API (``ops/portal.py``);
7. prints the URLs, the demo logins and the demo projects; Ctrl-C stops every
   child process.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUN_DIR = ROOT / ".local-run"
REGION = "us-east-1"


def log(message: str) -> None:
    print(f"[make run] {message}", flush=True)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None, ok=(200,)) -> None:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=15) as r:
                if r.status in ok:
                    return
                last = r.status
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}: {e.read()[:300]!r}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            last = e
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout}s (last: {last})")


def local_environment(host: str, aws_port: int, api_port: int, portal_port: int | None = None) -> dict[str, str]:
    origins = [f"http://{host}:{api_port}", f"http://localhost:{api_port}"]
    if portal_port:  # the portal uploads to the bucket straight from the browser (presigned POST)
        origins += [f"http://{host}:{portal_port}", f"http://localhost:{portal_port}"]
    return {
        "AWS_ENDPOINT_URL": f"http://{host}:{aws_port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "MP_STAGE": "local",
        "MP_CORS_ORIGINS": ",".join(origins),
    }


def moto_command(host: str, port: int, store: str = "patched") -> list[str]:
    """The local AWS: moto with the local-store patch (ops/localstore), or stock ``moto_server``."""
    if store == "stock":
        return [str(BIN / "moto_server"), "-H", host, "-p", str(port)]
    return [sys.executable, "-m", "ops.localstore.server", "-H", host, "-p", str(port)]


def start_moto(host: str, port: int, store: str = "patched") -> subprocess.Popen:
    RUN_DIR.mkdir(exist_ok=True)
    out = (RUN_DIR / f"moto-{port}.log").open("w")  # one log per stack: several may run at once
    proc = subprocess.Popen(moto_command(host, port, store), stdout=out, cwd=ROOT,
                            stderr=subprocess.STDOUT, start_new_session=True)
    wait_http(f"http://{host}:{port}/moto-api/", 30, proc)
    # Step Functions must execute for real; set before any state machine exists.
    request = urllib.request.Request(
        f"http://{host}:{port}/moto-api/config", method="POST",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
        headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()
    return proc


def start_api(host: str, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        # chalice's CLI with the local gateway answering refusals as the deployed Gateway Responses do
        [sys.executable, "-m", "ops.local_gateway", "local", "--stage", "local", "--host", host, "--port", str(port),
         "--no-autoreload"],
        cwd=ROOT, env=os.environ.copy(), start_new_session=True)


class EventDriver:
    """Runs app.py's scheduled functions on a ticker and feeds its queue consumers."""

    def __init__(self, tick_s: float):
        import app as app_module
        from chalicelib import resources
        from chalicelib.config import get_settings

        self.app = app_module
        self.resources = resources
        self.settings = get_settings()
        self.tick_s = tick_s
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        self.threads.append(threading.Thread(target=self._tick, name="ticker", daemon=True))
        for q in self.resources.QUEUES:
            if q.consumer:
                self.threads.append(threading.Thread(target=self._pump, args=(q,), name=f"sqs-{q.logical}",
                                                     daemon=True))
        for t in self.threads:
            t.start()

    def _tick(self) -> None:
        last: dict[str, float] = {}
        while not self.stop.is_set():
            for sched in self.resources.SCHEDULES:
                now = time.monotonic()
                # Locally every schedule fires at least every tick, so windows close promptly.
                period = min(self.tick_s, sched.rate_minutes * 60) if sched.every_tick_locally \
                    else sched.rate_minutes * 60
                if now - last.get(sched.handler, -1e9) >= period:
                    last[sched.handler] = now
                    self.fire(sched.handler)
            self.stop.wait(1.0)

    def fire(self, handler: str) -> None:
        event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                 "source": "aws.events", "account": "123456789012",
                 "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
                 "resources": [f"arn:aws:events:{REGION}:123456789012:rule/{handler}"], "detail": {}}
        try:
            getattr(self.app, handler)(event, None)
        except Exception as exc:  # keep ticking; the handler logged its own error
            log(f"scheduled function {handler} failed: {exc!r}")

    def _pump(self, queue: Any) -> None:
        import boto3

        sqs = boto3.client("sqs", region_name=REGION)
        url = self.settings.queue_url(queue.logical)
        arn = f"arn:aws:sqs:{REGION}:123456789012:{self.resources.queue_name(self.settings.prefix, queue)}"
        handler = getattr(self.app, queue.consumer)
        while not self.stop.is_set():
            try:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1,
                                               AttributeNames=["All"]).get("Messages", [])
            except Exception as exc:
                if not self.stop.is_set():
                    log(f"receiving from {queue.logical} failed: {exc!r}")
                self.stop.wait(1.0)
                continue
            for m in messages:
                record = {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                          "attributes": m.get("Attributes", {}), "messageAttributes": {},
                          "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
                          "eventSourceARN": arn, "awsRegion": REGION}
                try:
                    handler({"Records": [record]}, None)
                except Exception as exc:  # like Lambda: the message stays and is retried, then dead-lettered
                    log(f"{queue.consumer} failed on {m['MessageId']}: {exc!r}")
                    continue
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    def shutdown(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=5)


def stop_process(proc: subprocess.Popen | None, name: str) -> None:
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, 5), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
    log(f"{name} did not stop")


def seed_province_data(should_stop) -> dict[str, Any]:
    """``make run DATA=province``: the province's volume on top of the demo data."""
    from ops.province import seed_province
    from ops.seed import _principal, load_demo_orgs

    log("loading a province's volume (ops/province.py; logins ent0001…/hos0001…, same password)")
    return seed_province(lambda: _principal(load_demo_orgs(), "platform"), should_stop)


SEEDED_DETAIL = ("logins", "projects", "allocation")  # printed in their own sections


def banner(api_url: str, aws_url: str, seeded: dict[str, Any], portal_url: str | None = None) -> str:
    lines = [
        "",
        "MedProcure is running (stage: local)",
        *([f"  portal       {portal_url}   (open this in a browser; API under {portal_url}/api)"] if portal_url else []),
        f"  API          {api_url}",
        f"  health       {api_url}/health",
        f"  OpenAPI      {api_url}/openapi.json",
        f"  local AWS    {aws_url}  (moto; any access key works)",
        f"  seeded       {', '.join(f'{k}: {v}' for k, v in seeded.items() if k not in SEEDED_DETAIL)}",
        "  demo logins:",
    ]
    logins = seeded.get("logins") or []
    if not logins:
        lines.append("    (none yet: accounts arrive with the identity feature)")
    for entry in logins:
        lines.append(f"    {entry['role']:<22} {entry['login']:<24} {entry['password']}")
    projects = seeded.get("projects") or []
    if projects:
        lines.append("  demo projects (GET /announcements; notifications: GET /dev/outbox/project-events):")
    for p in projects:
        lines.append(f"    {p['kind']:<13} {p['status_label']:<6} {p['name']}  ({p['project_id']})")
        closes = datetime.fromisoformat(p["declaration_end"])
        minutes = (closes - datetime.now(timezone.utc)).total_seconds() / 60
        when = f"in ~{max(0, round(minutes))} min, then 结果公布中: watch the ticker close it" if minutes < 120 \
            else f"open until {closes.date().isoformat()}"
        lines.append(f"    {'':<13} 申报截止 {closes.isoformat()}  ({when})")
    task = seeded.get("allocation")
    if task:  # docs/allocation.md "Demo data under make run"
        lines += [f"  demo allocation task ({task['status_label']}): {task['name']}  ({task['task_id']})",
                  "    联采办 13800000002 reviews provinces, finalises; 省医保 13800000003 (青海: 海东 submitted),",
                  "    13800000009 (甘肃); 市医保 13800000004 (西宁: pending, one returned), 13800000010 (海东),",
                  "    13800000011 (兰州: pending); 医疗机构 13800000005 (not filled yet); 企业 13800000007: agreements"]
    lines += ["", "Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("MP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)), help="API port")
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT", 5001)),
                        help="port of the local AWS (moto server)")
    parser.add_argument("--portal-port", type=int, default=int(os.environ.get("PORTAL_PORT", 5173)),
                        help="port of the browser portal (vite preview)")
    parser.add_argument("--tick", type=float, default=30.0, help="seconds between scheduled-function runs")
    parser.add_argument("--demo-close-minutes", type=float, default=float(os.environ.get("DEMO_CLOSE_MINUTES", 5)),
                        help="minutes from start until the demo alliance project's declaration window closes")
    parser.add_argument("--store", choices=("patched", "stock"), default=os.environ.get("MP_LOCAL_STORE", "patched"),
                        help="the local DynamoDB: moto with the local-store patch (default) or stock moto")
    parser.add_argument("--data", choices=("demo", "province"), default=os.environ.get("DATA", "demo"),
                        help="demo: the demo data only; province: also a province's volume (ops/province.py)")
    parser.add_argument("--password-hashing", choices=("production", "light"),
                        default=os.environ.get("MP_PASSWORD_HASHING") or "production",
                        help="argon2id parameters: production (default) or light (the test suite's stacks)")
    args = parser.parse_args(argv)
    os.environ["MP_PASSWORD_HASHING"] = args.password_hashing  # this process (seeding) and its children

    for name, port in (("API", args.port), ("local AWS", args.aws_port), ("portal", args.portal_port)):
        if not port_free(args.host, port):
            log(f"port {port} for the {name} is in use: stop what holds it, or pick another "
                f"(make run PORT=... AWS_PORT=... PORTAL_PORT=...)")
            return 2

    stopping = threading.Event()

    def on_signal(signum, frame):
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    moto = api = driver = preview = None
    try:
        log(f"starting the local AWS (moto, {args.store} store) on {args.host}:{args.aws_port}")
        moto = start_moto(args.host, args.aws_port, args.store)
        os.environ.update(local_environment(args.host, args.aws_port, args.port, args.portal_port))

        import boto3

        from chalicelib.config import get_settings
        from ops.provision import provision
        from ops.seed import seed_all

        settings = get_settings()
        log("creating tables, bucket, queues, state machines and the secret")
        os.environ.update(provision(boto3.Session(), settings.prefix, settings.region, settings.cors_origins))
        from chalicelib.config import reset_settings

        reset_settings()
        log("seeding reference and demo data")
        seeded = seed_all(args.demo_close_minutes)
        if args.data == "province":
            seeded.update(seed_province_data(stopping.is_set))
        log(f"starting the API on {args.host}:{args.port}")
        api = start_api(args.host, args.port)
        api_url = f"http://{args.host}:{args.port}"
        wait_http(f"{api_url}/health", 90, api)
        driver = EventDriver(args.tick)
        driver.start()
        from ops import portal

        portal.build_if_needed(log)
        portal_url = f"http://{args.host}:{args.portal_port}"
        log(f"serving the portal on {portal_url} (vite preview, /api -> {api_url})")
        preview = portal.start_preview(args.host, args.portal_port, api_url, RUN_DIR / "portal.log")
        wait_http(f"{portal_url}/", 60, preview)
        print(banner(api_url, f"http://{args.host}:{args.aws_port}", seeded, portal_url), flush=True)
        while not stopping.is_set():
            for proc, name in ((moto, "local AWS"), (api, "API"), (preview, "portal")):
                if proc.poll() is not None:
                    log(f"the {name} exited with code {proc.returncode}; stopping")
                    stopping.set()
            stopping.wait(0.5)
        return 0
    except Exception as exc:
        log(f"failed: {exc}")
        return 1
    finally:
        log("stopping")
        if driver is not None:
            driver.shutdown()
        stop_process(preview, "portal")
        stop_process(api, "API")
        stop_process(moto, "local AWS")
        log("stopped")


if __name__ == "__main__":
    sys.exit(main())
