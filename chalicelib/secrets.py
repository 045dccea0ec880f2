"""Application secrets from Secrets Manager, fetched once per process.

The secret is a JSON object with the keys in ``resources.SECRET_KEYS``
(cursor signing key, token signing key). It is created by ``infra/`` on AWS
and by the local runner; it is never in code or configuration files.
"""
from __future__ import annotations

import json
import threading

from chalicelib import aws
from chalicelib.config import ConfigurationError, get_settings

_cache: dict[str, str] = {}
_lock = threading.Lock()


def app_secret(name: str) -> str:
    if name not in _cache:
        with _lock:
            if not _cache:
                raw = aws.client("secretsmanager").get_secret_value(SecretId=get_settings().secret_id)
                _cache.update(json.loads(raw["SecretString"]))
    try:
        return _cache[name]
    except KeyError:
        raise ConfigurationError(f"secret has no key {name!r}") from None


def reset_secrets() -> None:
    with _lock:
        _cache.clear()
