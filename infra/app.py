"""The CDK app: ``cdk deploy --app "python infra/app.py" -c stage=prod``.

Stage selection: context ``stage`` (``-c stage=prod``), else the environment
variable ``MP_DEPLOY_STAGE``, else ``dev``; a comma-separated list
(``dev,prod``) synthesises several stacks in one process (the tests do).
Bucket CORS origins: context ``cors_origins`` (comma-separated), else the
stage's portal origin (``infra.stack.DEFAULT_PORTAL_ORIGINS``).
The account and region come from the CDK CLI (``CDK_DEFAULT_ACCOUNT`` /
``CDK_DEFAULT_REGION``, i.e. the deploying credentials).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402

from infra.catalog import DEPLOY_STAGES  # noqa: E402
from infra.stack import DEFAULT_PORTAL_ORIGINS, MedProcureStack  # noqa: E402


def selected_stages(app: cdk.App) -> list[str]:
    raw = app.node.try_get_context("stage") or os.environ.get("MP_DEPLOY_STAGE") or "dev"
    stages = [s.strip() for s in str(raw).split(",") if s.strip()]
    unknown = [s for s in stages if s not in DEPLOY_STAGES]
    if unknown or not stages:
        raise SystemExit(f"unknown stage(s) {unknown or raw!r}: choose from {', '.join(DEPLOY_STAGES)}")
    return stages


def cors_origins(app: cdk.App, stage: str) -> tuple[str, ...]:
    raw = app.node.try_get_context("cors_origins") or DEFAULT_PORTAL_ORIGINS[stage]
    return tuple(o.strip() for o in str(raw).split(",") if o.strip())


def main() -> cdk.App:
    # `chalice package` needs a region; the CDK CLI gives the deployment's.
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("CDK_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    if not region:
        raise SystemExit("set AWS_DEFAULT_REGION (or CDK_DEFAULT_REGION): `chalice package` needs a region")
    os.environ["AWS_DEFAULT_REGION"] = region
    # The CDK CLI passes CDK_OUTDIR; run by hand, write to ./cdk.out (git-ignored).
    app = cdk.App(**({} if os.environ.get("CDK_OUTDIR") else {"outdir": str(ROOT / "cdk.out")}))
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    for stage in selected_stages(app):
        MedProcureStack(app, stage, cors_origins=cors_origins(app, stage), env=env)
    app.synth()
    return app


if __name__ == "__main__":
    main()
