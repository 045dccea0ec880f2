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
``chalice local`` (threaded) and of a Lambda runtime serving threads. We use
a backport of that fix (``_ThreadSafeLazyLoader``, on every version): one lock
per module, held while it loads, re-entrant for the loading thread itself; the
body runs with the cyclic collector paused and what it built is frozen
(``_exec_paused``), as app.py does for the routes.

Classes are named lazily too: ``lazy_classes`` (the handlers' schema classes).
"""
from __future__ import annotations

import gc
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
                _exec_paused(spec.loader, self)
                if spec.name in sys.modules and sys.modules[spec.name] is not self:
                    raise ValueError(f"module object for {spec.name!r} substituted in sys.modules during a lazy load")
                module_dict.update(updated)
                self.__class__ = real_class
        return getattr(self, attr)

    def __delattr__(self, attr: str) -> None:
        self.__getattribute__("__class__")  # load first, so the deletion is not undone by the load
        delattr(self, attr)


def _exec_paused(loader: Loader, module: ModuleType) -> None:
    """Run a lazy module's body with the cyclic collector off, then freeze what it built, as app.py does
    for the routes: a module lives as long as the process and nothing its body builds is garbage, so
    collecting while it runs only walks it again and again (~20 ms CPU of a cold first request's imports;
    docs/benchmarks.md). The outermost load restores the collector; a load inside another leaves it off.
    The freeze also keeps whatever other threads hold at that instant out of later collections: a few
    objects once per lazy module."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        loader.exec_module(module)
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


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


# Ours on every version: the stdlib's from 3.12.3 is thread-safe too, but does not pause the collector.
_LOADER = _ThreadSafeLazyLoader
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



class LazyClass:
    """A class named by its module and name, imported on first use.

    Handlers name their pydantic models this way (``lazy_classes``), so that
    registering every route defines none of the ~150 schema classes: a cold
    Lambda defines those of the routes its requests take (bench/cold_start.py).
    ``resolve()`` gives the class; calling the reference or reading an attribute
    of it goes to the class, so a view builds ``Done(message=...)`` as it would
    with the class itself. ``isinstance``, subclassing and pydantic annotations
    need the class: ``resolve()`` (``_http.EndpointDoc`` resolves its models).
    """

    __slots__ = ("module", "name", "_target")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._target: type | None = None

    def resolve(self) -> type:
        target = self._target
        if target is None:  # two threads may both get here: the import system makes it one module, one class
            target = getattr(importlib.import_module(self.module), self.name)
            if not isinstance(target, type):
                raise TypeError(f"{self.module}.{self.name} is not a class")
            self._target = target
        return target

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, attr: str):
        if attr.startswith("__"):  # copy/pickle/inspect probing: no import for those
            raise AttributeError(attr)
        return getattr(self.resolve(), attr)

    def __repr__(self) -> str:
        return f"<lazy class {self.module}.{self.name}>"


def lazy_class(module: str, name: str) -> LazyClass:
    return LazyClass(module, name)


def lazy_classes(module: str, names: str) -> tuple[LazyClass, ...]:
    """``A, B = lazy_classes("pkg.mod", "A B")``: the lazy form of ``from pkg.mod import A, B``."""
    return tuple(LazyClass(module, name) for name in names.split())


def resolve(value):
    """The class behind a ``LazyClass``; anything else as it is."""
    return value.resolve() if isinstance(value, LazyClass) else value
