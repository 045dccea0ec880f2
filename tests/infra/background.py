"""The infrastructure synth (``python infra/app.py``, dev and prod), started once
per test run in the background and waited for by the infra tests.

A clone spends most of its first synth in ``chalice package`` (downloading and
zipping the Lambda layer's wheels: ~50 s of CPU), once per machine and
requirements.txt (``DEPLOYMENTS_CACHE``); started at collection, it overlaps
the other tests. The first process to collect an infra test starts it (an
exclusive file create decides); every process reads the same output folder.
The controller stops it at the end of the run if it is still going (Ctrl-C).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from infra.catalog import DEPLOY_STAGES

ROOT = Path(__file__).resolve().parents[2]
# ``chalice package`` names the Lambda layer it builds (pip downloading requirements.txt's wheels for
# Lambda, then zipping them: ~50 s of CPU, most of a fresh clone's synth) and the app's code zip by the
# hash of what went into them, and reuses a zip of that name in .chalice/deployments/. A clone without
# that folder gets a link to the machine's cache instead, as pip, uv and npm serve a fresh clone from
# theirs: the layer is built once per machine and requirements.txt.
DEPLOYMENTS_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "medprocure" / \
    "chalice-deployments"
ACCOUNT = "123456789012"
REGION = "us-east-1"
TIMEOUT_S = 900


def venv_tool(name: str) -> str:
    tool = ROOT / ".venv" / "bin" / name
    return str(tool) if tool.exists() else str(Path(sys.executable).parent / name)


def _paths(shared: Path) -> dict[str, Path]:
    base = shared / "synth"
    return {"base": base, "claim": shared / "synth.claim", "outdir": base / "cdk.out", "log": base / "synth.log",
            "rc": base / "synth.rc", "pid": base / "synth.pid", "started": base / "synth.started"}


def share_deployments_cache(project: Path = ROOT, cache: Path = DEPLOYMENTS_CACHE) -> None:
    """Link ``project``'s .chalice/deployments/ to ``cache``, unless the folder (or a link) is there."""
    local = project / ".chalice" / "deployments"
    if local.exists() or local.is_symlink():
        return
    cache.mkdir(parents=True, exist_ok=True)
    local.symlink_to(cache, target_is_directory=True)


def start_once(shared: Path) -> None:
    p = _paths(shared)
    try:
        os.close(os.open(p["claim"], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return  # another process of this run started it
    share_deployments_cache()
    p["base"].mkdir(parents=True, exist_ok=True)
    # Nothing of the test process's own stage may leak into the CDK process.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MP_", "CDK_")) and k not in ("AWS_ENDPOINT_URL", "CDK_CONTEXT_JSON")}
    env.update({
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "AWS_DEFAULT_REGION": REGION,
        "CDK_DEFAULT_ACCOUNT": ACCOUNT,
        "CDK_DEFAULT_REGION": REGION,
        "CDK_OUTDIR": str(p["outdir"]),
        "MP_DEPLOY_STAGE": ",".join(DEPLOY_STAGES),
    })
    p["started"].write_text(repr(time.time()))
    # The shell writes the exit code once the synth has finished, so a reader never sees half a result.
    command = f'"{venv_tool("python")}" infra/app.py > "{p["log"]}" 2>&1; echo $? > "{p["rc"]}.tmp"; ' \
              f'mv "{p["rc"]}.tmp" "{p["rc"]}"'
    proc = subprocess.Popen(["/bin/sh", "-c", command], cwd=ROOT, env=env, start_new_session=True)
    p["pid"].write_text(str(proc.pid))


def wait(shared: Path) -> tuple[int, float, str, Path]:
    """(exit code, seconds from start to end, the log, the output folder)."""
    p = _paths(shared)
    deadline = time.monotonic() + TIMEOUT_S
    while not p["rc"].exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the synth did not finish in {TIMEOUT_S} s; its log so far:\n"
                               + (p["log"].read_text()[-4000:] if p["log"].exists() else "(none)"))
        time.sleep(0.25)
    code = int(p["rc"].read_text().strip() or "1")
    seconds = p["rc"].stat().st_mtime - float(p["started"].read_text())
    return code, seconds, p["log"].read_text(), p["outdir"]


def stop(shared: Path) -> None:
    p = _paths(shared)
    if p["pid"].exists() and not p["rc"].exists():
        try:
            os.killpg(int(p["pid"].read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass


def manifest_stacks(outdir: Path) -> dict[str, dict]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {a.get("displayName", aid): a for aid, a in manifest["artifacts"].items()
            if a["type"] == "aws:cloudformation:stack"}
