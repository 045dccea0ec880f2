"""Lazily created boto3 clients, one per service per process.

Nothing here runs at import time (boto3 alone costs ~150 ms to import), so the
Lambda pays for a client only when a request needs it. boto3 honours
``AWS_ENDPOINT_URL``, which is how the local stack points at moto.
"""
from __future__ import annotations

import threading
from typing import Any

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            from chalicelib.config import get_settings

            cfg = Config(
                signature_version="s3v4" if service == "s3" else None,
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=3,
                read_timeout=10,
            )
            _clients[service] = boto3.client(service, region_name=get_settings().region, config=cfg)
        return _clients[service]


def reset_clients() -> None:
    """Drop cached clients (tests switch between moto modes)."""
    with _lock:
        _clients.clear()
