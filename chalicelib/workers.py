"""Bodies of the event handlers app.py registers (queue consumers, schedules).

Deployed Lambdas and the local runner call exactly these functions.
"""
from __future__ import annotations

import json
from typing import Any

from chalicelib.logs import get_logger, request_context

log = get_logger("workers")


def run_job_messages(event: Any) -> None:
    from chalicelib.services import jobs

    for record in event:
        with request_context(f"sqs:{record.to_dict().get('messageId', '')}"):
            job_id = json.loads(record.body)["job_id"]
            log.info("running job", extra={"job_id": job_id})
            jobs.run(job_id)


def reap_stale_jobs(event: Any) -> None:
    from chalicelib.services import jobs

    with request_context("schedule:reap_stale_jobs"):
        reaped = jobs.reap_stale()
        if reaped:
            log.warning("reaped stale jobs", extra={"count": reaped})


def reconcile_review_signals(event: Any) -> None:
    from chalicelib.services.records import signals

    with request_context("schedule:reconcile_review_signals"):
        delivered = signals.reconcile()
        if delivered:
            log.warning("review signals delivered by the reconciler", extra={"count": delivered})


def advance_project_windows(event: Any) -> None:
    from chalicelib.services import projects

    with request_context("schedule:advance_project_windows"):
        moved = projects.advance_due()
        if moved:
            log.info("project statuses advanced", extra={"count": moved})


def check_consistency(event: Any) -> None:
    from chalicelib.config import get_settings
    from chalicelib.services import consistency

    with request_context("schedule:check_consistency"):
        consistency.run_scheduled(get_settings().stage)
