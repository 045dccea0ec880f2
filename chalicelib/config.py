"""Per-stage configuration, read from the environment once per process.

Chalice copies a stage's ``environment_variables`` (``.chalice/config.json``)
into the Lambda environment; on AWS, CDK adds the physical names and ARNs of
the resources it created; locally, ``ops/local.py`` sets the same variables
for the moto-backed stack. Names follow ``chalicelib.resources``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from chalicelib import resources

STAGES = ("local", "test", "dev", "prod")


class ConfigurationError(RuntimeError):
    """The environment lacks a setting the app needs (a deployment bug)."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    prefix: str
    bucket: str
    secret_id: str
    queue_urls: dict[str, str]
    state_machine_arns: dict[str, str]
    log_level: str
    cors_origins: tuple[str, ...]
    topic_arns: dict[str, str] = field(default_factory=dict)
    password_hashing: str = "production"  # or "light": the test stage, and the local stage on request

    def table(self, logical: str) -> str:
        return resources.table_name(self.prefix, logical)

    def queue_url(self, logical: str) -> str:
        try:
            return self.queue_urls[logical]
        except KeyError:
            raise ConfigurationError(f"no URL configured for queue {logical!r}") from None

    def state_machine_arn(self, logical: str) -> str:
        try:
            return self.state_machine_arns[logical]
        except KeyError:
            raise ConfigurationError(f"no ARN configured for state machine {logical!r}") from None

    def topic_arn(self, logical: str) -> str:
        try:
            return self.topic_arns[logical]
        except KeyError:
            raise ConfigurationError(f"no ARN configured for topic {logical!r}") from None

    @property
    def is_production(self) -> bool:
        return self.stage == "prod"


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ConfigurationError(f"environment variable {name} is not set")
    return value


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    stage = env.get("MP_STAGE", "local")
    if stage not in STAGES:
        raise ConfigurationError(f"MP_STAGE must be one of {STAGES}, not {stage!r}")
    prefix = env.get("MP_PREFIX") or resources.resource_prefix(stage)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    return Settings(
        password_hashing=_password_hashing(stage, env),
        stage=stage,
        region=region,
        prefix=prefix,
        bucket=env.get(resources.BUCKET.env_var) or f"{prefix}-{resources.BUCKET.logical}",
        secret_id=env.get(resources.SECRET_ENV_VAR) or resources.secret_name(prefix),
        queue_urls={q.logical: env[q.env_var] for q in resources.QUEUES if env.get(q.env_var)},
        state_machine_arns={
            sm.logical: env[sm.env_var] for sm in resources.STATE_MACHINES if env.get(sm.env_var)
        },
        topic_arns={t.logical: env[t.env_var] for t in resources.TOPICS if env.get(t.env_var)},
        log_level=env.get("MP_LOG_LEVEL", "INFO").upper(),
        cors_origins=tuple(o for o in env.get("MP_CORS_ORIGINS", "*").split(",") if o),
    )


def _password_hashing(stage: str, env) -> str:
    """The test stage hashes lightly; the local stage does when asked (``MP_PASSWORD_HASHING=light``:
    the test suite's local stacks, which log in hundreds of times). On dev and prod the variable is
    not even read: production parameters, whatever the environment says."""
    if stage == "test":
        return "light"
    if stage != "local":
        return "production"
    asked = env.get("MP_PASSWORD_HASHING") or "production"
    if asked not in ("production", "light"):
        raise ConfigurationError(f"MP_PASSWORD_HASHING must be production or light, not {asked!r}")
    return asked


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
