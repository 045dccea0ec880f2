"""The consistency checker: every disagreement between records, counters, outboxes and executions.

Run as the scheduled function ``check_consistency`` (app.py; a metric per run) and by hand
(``make check-consistency``: ``python -m ops.check_consistency``). It only reads (Queries,
``store/consistency.py``; DescribeExecution) and repairs nothing: a finding is for a person
(docs/reliability.md "Consistency checker").
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib import clock, workflows
from chalicelib.domain import consistency as rules
from chalicelib.domain.consistency import Finding
from chalicelib.logs import get_logger
from chalicelib.store import consistency as store

log = get_logger("consistency")
# An outbox entry still pending after this is stuck: the reconcilers run every minute and
# retry at once (services/records/signals.py, services/project_events.py).
STALE_AFTER = timedelta(minutes=10)
# A unit that started waiting this recently may still have its start signal in flight.
SETTLE = timedelta(minutes=1)
METRIC_NAMESPACE = "MedProcure"
METRIC_NAME = "ConsistencyFindings"


@dataclass
class Report:
    checked_at: datetime
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)  # what was read: projects, revisions, tasks...

    @property
    def totals(self) -> dict[str, int]:
        return rules.totals(self.findings)

    def to_dict(self) -> dict:
        return {"checked_at": self.checked_at.isoformat(), "checked": self.checked, "totals": self.totals,
                "findings": [f.__dict__ for f in self.findings]}


def check(now: datetime | None = None, stale_after: timedelta = STALE_AFTER, settle: timedelta = SETTLE) -> Report:
    now = now or clock.now()
    report = Report(checked_at=now)
    found = report.findings

    project_ids = list(store.project_ids())
    for project_id in project_ids:
        found += rules.project_findings(store.project_counts(project_id))

    waiting, pairs = store.review_queue()
    found += rules.head_findings(pairs)
    task_ids = list(store.allocation_task_ids())
    for task_id in task_ids:
        levels, units = store.allocation_levels(task_id)
        found += rules.level_findings(levels)
        waiting += units

    # the outboxes after the units: a start signal delivered in between has started its execution
    signals = store.pending_signals()
    found += rules.stale_findings(rules.STALE_SIGNAL, [p for p, _ in signals], now - stale_after)
    found += rules.stale_findings(rules.STALE_EVENT, store.pending_project_events(), now - stale_after)
    statuses = {(w.machine, w.execution_name): workflows.execution_status(w.machine, w.execution_name)
                for w in waiting if w.since is None or w.since < now - settle}
    found += rules.execution_findings(waiting, statuses, {name for _, name in signals if name}, now - settle)
    report.checked = {"projects": len(project_ids), "revisions_in_review": len(pairs),
                      "allocation_tasks": len(task_ids), "units_waiting": len(waiting), "executions": len(statuses),
                      "pending_signals": len(signals)}
    return report


def metric_line(report: Report, stage: str) -> dict:
    """The run as a CloudWatch embedded-metric-format document: ``ConsistencyFindings`` (all kinds)
    and one metric per kind, dimension ``Stage`` (a log line CloudWatch turns into metrics)."""
    totals = report.totals
    metrics = [{"Name": METRIC_NAME, "Unit": "Count"}] + [{"Name": f"{METRIC_NAME}.{k}", "Unit": "Count"}
                                                         for k in totals]
    return {"_aws": {"Timestamp": int(time.time() * 1000),
                     "CloudWatchMetrics": [{"Namespace": METRIC_NAMESPACE, "Dimensions": [["Stage"]],
                                            "Metrics": metrics}]},
            "Stage": stage, METRIC_NAME: sum(totals.values()), **{f"{METRIC_NAME}.{k}": n for k, n in totals.items()}}


def run_scheduled(stage: str) -> Report:
    """The scheduled function's body: check, log each finding, emit the metric line."""
    report = check()
    for finding in report.findings:
        log.warning("consistency finding", extra={"kind": finding.kind, "subject": finding.subject,
                                                  "detail": finding.detail})
    print(json.dumps(metric_line(report, stage), ensure_ascii=False), flush=True)
    return report
