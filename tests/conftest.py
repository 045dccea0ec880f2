"""Test environment: stage ``test``, moto in decorator mode, no live endpoint.

The environment is fixed *before* anything from ``chalicelib`` is imported,
because the PynamoDB models read their table names at import time.
"""
from __future__ import annotations

import os

os.environ.pop("AWS_ENDPOINT_URL", None)  # decorator-mode moto: never escape to a server
os.environ.update({
    "MP_STAGE": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "MP_LOG_LEVEL": "WARNING",
})

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    for item in items:
        for layer in ("domain", "api", "workflows", "e2e", "infra", "portal", "browser"):
            if f"tests/{layer}/" in str(item.fspath).replace(os.sep, "/"):
                item.add_marker(getattr(pytest.mark, layer))
