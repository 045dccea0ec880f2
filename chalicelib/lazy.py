"""Modules imported on first attribute access (stdlib ``importlib.util.LazyLoader``).

Handlers name the services they call with ``lazy(...)`` so that importing the
Lambda entry module registers every route without importing PynamoDB,
botocore and the services: the first request that needs them pays instead
(the cold-start budget, docs/benchmarks.md)."""
from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
