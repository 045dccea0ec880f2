"""Modules imported on first attribute access.

Handlers name the services they call with ``lazy(...)`` so that importing the
Lambda entry module registers every route without importing PynamoDB,
botocore and the services: the first request that needs them pays instead
(the cold-start budget, docs/benchmarks.md).

Not ``importlib.util.LazyLoader``: on Python 3.11 its module is not thread-safe
(CPython gh-114763, fixed in 3.12): a second thread touching it while the first
is still executing it sees a module without its attributes. Lambda runs one
request at a time, but ``chalice local`` serves the portal's parallel first
requests on threads, and got ``AttributeError`` 500s. Here the first access
imports the real module under a lock (``importlib.import_module``), and every
access reads from it."""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType

_IMPORT_LOCK = threading.RLock()


class _Deferred(ModuleType):
    """Stands for a module until its first attribute is read, then forwards to it."""

    def __getattr__(self, attr: str):  # called only for names this stand-in lacks
        target = self.__dict__.get("_deferred_target")
        if target is None:
            with _IMPORT_LOCK:
                target = self.__dict__.get("_deferred_target") or importlib.import_module(self.__name__)
                self.__dict__["_deferred_target"] = target
        return getattr(target, attr)


def lazy(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:
        raise ModuleNotFoundError(name)
    return _Deferred(name)
