"""Synthesise the CDK app once per test session, both deployable stages in one
process (``python infra/app.py``, the command ``cdk deploy --app`` runs)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import DEPLOY_STAGES
from tests.infra import background
from tests.infra.background import ACCOUNT, REGION, ROOT, venv_tool  # noqa: F401  (the infra tests import them from here)


@dataclass
class Synth:
    outdir: Path
    seconds: float
    templates: dict[str, dict[str, Any]]  # stage -> template
    template_paths: dict[str, Path]
    stack_names: dict[str, str]


@pytest.fixture(scope="session")
def synth(request: pytest.FixtureRequest) -> Synth:
    """The synth started at collection (``tests/infra/background.py``), waited for here."""
    background.start_once(request.config.mp_shared_dir)  # a no-op when collection started it
    code, seconds, log, outdir = background.wait(request.config.mp_shared_dir)
    if code != 0:
        pytest.fail(f"`python infra/app.py` failed (exit {code}) after {seconds:.1f} s:\n{log[-8000:]}", pytrace=False)
    stacks = background.manifest_stacks(outdir)
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
