"""``make check-consistency``: run the consistency checker against the local stack (or any stage
whose environment is set) and print every disagreement; exit 1 when there is one.

    python -m ops.check_consistency                 # the `make run` stack on 127.0.0.1:5001
    python -m ops.check_consistency --aws-port 5002 --stale-minutes 5 --json

Against AWS: run it with the stage's environment (``MP_STAGE``, ``MP_SFN_ARN_*``) and credentials
instead of ``--aws-port``. It only reads (docs/reliability.md "Consistency checker").
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta

MOTO_ACCOUNT = "123456789012"


def local_environment(host: str, aws_port: int, region: str = "us-east-1") -> dict[str, str]:
    """What the checker needs to reach a `make run` stack: moto's endpoint and the machines' ARNs
    (moto's default account; the same names ops/provision.py creates)."""
    from chalicelib import resources

    prefix = resources.resource_prefix("local")
    env = {"AWS_ENDPOINT_URL": f"http://{host}:{aws_port}", "AWS_ACCESS_KEY_ID": "local",
           "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": region, "AWS_REGION": region,
           "MP_STAGE": "local"}
    for sm in resources.STATE_MACHINES:
        env[sm.env_var] = (f"arn:aws:states:{region}:{MOTO_ACCOUNT}:stateMachine:"
                           f"{resources.state_machine_name(prefix, sm)}")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--aws-port", type=int, default=5001, help="the local AWS of `make run` (0: use the environment)")
    parser.add_argument("--stale-minutes", type=float, default=10.0, help="an outbox entry older than this is stuck")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args(argv)
    if args.aws_port:
        os.environ.update(local_environment(args.host, args.aws_port))

    from chalicelib.services import consistency

    report = consistency.check(stale_after=timedelta(minutes=args.stale_minutes))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"checked {report.checked}")
        for f in report.findings:
            print(f"  {f.kind:36} {f.subject}: {f.detail}")
        print(f"{len(report.findings)} disagreement(s)" if report.findings else "no disagreement")
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
