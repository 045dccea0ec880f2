"""The catalog of every AWS resource the app uses: one source of truth.

The local runner (``ops/provision.py``), the deployment (``infra/``), the IAM
policy generator and the runtime configuration all read this module, so a
resource is declared once, here. Tables are declared by their PynamoDB models
(``chalicelib/store/tables.py``); this module names them.

Pure data: no boto3 import, so it costs nothing at cold start.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

APP_NAME = "medprocure"
WORKFLOW_DIR = Path(__file__).parent / "workflows" / "definitions"


@dataclass(frozen=True)
class QueueDef:
    """An SQS queue; each has a dead-letter queue named ``<name>-dlq``."""

    logical: str
    visibility_timeout_s: int
    max_receive_count: int = 3
    retention_s: int = 4 * 24 * 3600
    # Chalice handler (function name in app.py) that consumes the queue.
    consumer: str | None = None

    @property
    def env_var(self) -> str:
        return f"MP_QUEUE_URL_{self.logical.upper()}"


@dataclass(frozen=True)
class StateMachineDef:
    """A Step Functions state machine whose ASL lives in ``workflows/definitions``.

    ``substitutions`` maps ``${Placeholder}`` names in the ASL to the logical
    names of tables (``table:<logical>``) or queues (``queue:<logical>``); the
    local runner and CDK resolve them the same way.
    """

    logical: str
    asl_file: str
    substitutions: dict[str, str] = field(default_factory=dict)
    # Service actions the state machine's role needs, as (service-action, resource-ref).
    grants: tuple[tuple[str, str], ...] = ()

    @property
    def env_var(self) -> str:
        return f"MP_SFN_ARN_{self.logical.upper()}"

    @property
    def asl_path(self) -> Path:
        return WORKFLOW_DIR / self.asl_file


@dataclass(frozen=True)
class BucketDef:
    logical: str
    cors_allowed_methods: tuple[str, ...] = ("GET", "POST", "PUT", "HEAD")
    cors_allowed_headers: tuple[str, ...] = ("*",)
    cors_exposed_headers: tuple[str, ...] = ("ETag",)
    cors_max_age_s: int = 3000
    abort_incomplete_upload_days: int = 1
    # Deleted or replaced objects stay as noncurrent versions for this long (recovery window).
    noncurrent_version_days: int = 30
    # Raw browser uploads are copied to their verified key; leftovers expire.
    upload_prefix: str = "uploads/"
    upload_expiry_days: int = 2
    env_var: str = "MP_BUCKET"


@dataclass(frozen=True)
class TopicDef:
    """An SNS topic the app publishes to (``sns:Publish`` on it only).

    On the local and test stages ``ops/provision.py`` also subscribes a *tap*
    queue (``<topic>-tap``, raw delivery) so the dev routes and the tests can
    read what was published; the tap never exists on dev/prod.
    """

    logical: str
    description: str = ""

    @property
    def env_var(self) -> str:
        return f"MP_TOPIC_ARN_{self.logical.upper()}"


@dataclass(frozen=True)
class ScheduleDef:
    """A scheduled function (EventBridge rule on AWS, the ticker locally)."""

    handler: str  # function name in app.py
    rate_minutes: int
    # Locally (ops/local.py) a schedule fires at least every tick, so windows close promptly; a batch
    # job that only reads (the consistency checker) keeps its own rate instead.
    every_tick_locally: bool = True


QUEUES: tuple[QueueDef, ...] = (
    QueueDef("jobs", visibility_timeout_s=900, consumer="run_job_messages"),
    # Dedicated to /health so probing never disturbs real work.
    QueueDef("health", visibility_timeout_s=30, max_receive_count=5, retention_s=3600),
)

STATE_MACHINES: tuple[StateMachineDef, ...] = (
    StateMachineDef("health", "health.asl.json"),
    StateMachineDef("review_chain", "review_chain.asl.json", substitutions={"MainTable": "table:main"},
                    grants=(("dynamodb:PutItem", "table:main"),)),
    # One review step of the allocation chain (docs/allocation.md); tokens go to `main` like the records'.
    StateMachineDef("allocation_review", "allocation_review.asl.json", substitutions={"MainTable": "table:main"},
                    grants=(("dynamodb:PutItem", "table:main"),)),
)

BUCKET = BucketDef("files")

TOPICS: tuple[TopicDef, ...] = (
    # One message per project status transition (docs/projects.md "Notifications (SNS)").
    TopicDef("project_events", "MedProcure project status transitions (project_status_changed)"),
)

SCHEDULES: tuple[ScheduleDef, ...] = (
    ScheduleDef("reap_stale_jobs", rate_minutes=5),
    ScheduleDef("reconcile_review_signals", rate_minutes=1),
    ScheduleDef("advance_project_windows", rate_minutes=1),
    # Reads only (Queries + DescribeExecution): docs/reliability.md "Consistency checker".
    ScheduleDef("check_consistency", rate_minutes=15, every_tick_locally=False),
)

# The variable's name, not a secret (bandit B105, justified).
SECRET_ENV_VAR = "MP_SECRET_ID"  # nosec B105
SECRET_KEYS = ("cursor_key", "jwt_key", "code_key")
# The state machines' own timeout; the jobs reaper uses the same horizon.
JOB_HEARTBEAT_TIMEOUT_S = 15 * 60


def resource_prefix(stage: str) -> str:
    return f"{APP_NAME}-{stage}"


def table_name(prefix: str, logical: str) -> str:
    return f"{prefix}-{logical}"


def queue_name(prefix: str, queue: QueueDef, dlq: bool = False) -> str:
    return f"{prefix}-{queue.logical}{'-dlq' if dlq else ''}"


def state_machine_name(prefix: str, sm: StateMachineDef) -> str:
    return f"{prefix}-{sm.logical}"


def topic_name(prefix: str, topic: TopicDef) -> str:
    return f"{prefix}-{topic.logical}"


def tap_queue_name(prefix: str, topic: TopicDef) -> str:
    """The local/test-only SQS queue subscribed to ``topic`` (see ``TopicDef``)."""
    return f"{topic_name(prefix, topic)}-tap"


def secret_name(prefix: str) -> str:
    return f"{prefix}/app"


def queue_by_logical(logical: str) -> QueueDef:
    return next(q for q in QUEUES if q.logical == logical)


def topic_by_logical(logical: str) -> TopicDef:
    return next(t for t in TOPICS if t.logical == logical)


def schedule_for(handler: str) -> ScheduleDef:
    return next(s for s in SCHEDULES if s.handler == handler)
