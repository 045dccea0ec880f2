"""Synthesise the CDK app once per test session, both deployable stages in one
process (``python infra/app.py``, the command ``cdk deploy --app`` runs)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import DEPLOY_STAGES

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
ACCOUNT = "123456789012"
REGION = "us-east-1"


def venv_tool(name: str) -> str:
    tool = VENV_BIN / name
    return str(tool) if tool.exists() else str(Path(sys.executable).parent / name)


@dataclass
class Synth:
    outdir: Path
    seconds: float
    templates: dict[str, dict[str, Any]]  # stage -> template
    template_paths: dict[str, Path]
    stack_names: dict[str, str]


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    outdir = tmp_path_factory.mktemp("infra") / "cdk.out"
    # Nothing of the test process's own stage may leak into the CDK process.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MP_", "CDK_")) and k not in ("AWS_ENDPOINT_URL", "CDK_CONTEXT_JSON")}
    env.update({
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "AWS_DEFAULT_REGION": REGION,
        "CDK_DEFAULT_ACCOUNT": ACCOUNT,
        "CDK_DEFAULT_REGION": REGION,
        "CDK_OUTDIR": str(outdir),
        "MP_DEPLOY_STAGE": ",".join(DEPLOY_STAGES),
    })
    started = time.monotonic()
    proc = subprocess.run([venv_tool("python"), "infra/app.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        pytest.fail(f"`python infra/app.py` failed (exit {proc.returncode}) after {seconds:.1f} s:\n"
                    f"{proc.stderr[-6000:]}\n{proc.stdout[-2000:]}", pytrace=False)
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = {a.get("displayName", aid): a for aid, a in manifest["artifacts"].items()
              if a["type"] == "aws:cloudformation:stack"}
    missing = set(DEPLOY_STAGES) - set(stacks)
    if missing:
        pytest.fail(f"synth produced stacks {sorted(stacks)}, missing {sorted(missing)}", pytrace=False)
    paths = {stage: outdir / stacks[stage]["properties"]["templateFile"] for stage in DEPLOY_STAGES}
    return Synth(
        outdir=outdir,
        seconds=seconds,
        templates={stage: json.loads(path.read_text()) for stage, path in paths.items()},
        template_paths=paths,
        stack_names={stage: stacks[stage]["properties"].get("stackName", stage) for stage in DEPLOY_STAGES},
    )
