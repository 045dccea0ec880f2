"""Modules imported on first attribute access (stdlib ``importlib.util.LazyLoader``).

Handlers name the services they call with ``lazy(...)`` so that importing the
Lambda entry module registers every route without importing PynamoDB,
botocore and the services: the first request that needs them pays instead
(the cold-start budget, docs/benchmarks.md).

Thread safety: Python 3.11's ``LazyLoader`` is not thread-safe (CPython
gh-114763, fixed in 3.12.3 by PR #114781): the first attribute access resets the
module's class *before* executing it, so a second thread touching the module
meanwhile sees a half-initialised module and gets ``AttributeError: module …
has no attribute …`` — the 500s of concurrent first requests under
``chalice local`` (threaded) and of a Lambda runtime serving threads. Below
3.12.3 we use a backport of that fix (``_ThreadSafeLazyLoader``): one lock per
module, held while it loads, re-entrant for the loading thread itself.
"""
from __future__ import annotations

import importlib.util
import sys
import threading
from importlib.abc import Loader
from types import ModuleType

STDLIB_IS_THREAD_SAFE = sys.version_info >= (3, 12, 3)


class _LazyModule(ModuleType):
    """A module that loads itself on first attribute access, under its lock."""

    def __getattribute__(self, attr: str):
        spec = object.__getattribute__(self, "__spec__")
        state = spec.loader_state
        with state["lock"]:
            # Only the first thread to get the lock loads; the others wait, then read the loaded module.
            if object.__getattribute__(self, "__class__") is _LazyModule:
                real_class = state["__class__"]
                if state["is_loading"]:  # the loading thread itself (exec_module, self-imports)
                    return real_class.__getattribute__(self, attr)
                state["is_loading"] = True
                module_dict = real_class.__getattribute__(self, "__dict__")
                before = state["__dict__"]
                # attributes set on the lazy module before it loaded win over the module's own
                updated = {k: v for k, v in module_dict.items() if k not in before or before[k] is not v}
                spec.loader.exec_module(self)
                if spec.name in sys.modules and sys.modules[spec.name] is not self:
                    raise ValueError(f"module object for {spec.name!r} substituted in sys.modules during a lazy load")
                module_dict.update(updated)
                self.__class__ = real_class
        return getattr(self, attr)

    def __delattr__(self, attr: str) -> None:
        self.__getattribute__("__class__")  # load first, so the deletion is not undone by the load
        delattr(self, attr)


class _ThreadSafeLazyLoader(Loader):
    """``importlib.util.LazyLoader`` with CPython 3.12.3's thread-safe lazy module."""

    def __init__(self, loader: Loader) -> None:
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__.loader = self.loader
        module.__loader__ = self.loader
        module.__spec__.loader_state = {"__dict__": module.__dict__.copy(), "__class__": module.__class__,
                                        "lock": threading.RLock(), "is_loading": False}
        module.__class__ = _LazyModule


_LOADER = importlib.util.LazyLoader if STDLIB_IS_THREAD_SAFE else _ThreadSafeLazyLoader
_REGISTER = threading.Lock()  # two threads making the same lazy module must not both register one


def lazy(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)  # imports the parent packages: outside our lock
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    with _REGISTER:
        if name in sys.modules:
            return sys.modules[name]
        loader = _LOADER(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
        return module
