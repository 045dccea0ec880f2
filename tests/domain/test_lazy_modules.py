"""chalicelib.lazy under threads: the first attribute access from one thread
loads the module while the others wait — none sees a half-initialised module
(CPython gh-114763: Python 3.11's LazyLoader gives them AttributeError, the 500s
of concurrent first requests, e.g. POST /registrations and GET
/catalog/certificates/0 on a fresh `make run`)."""
from __future__ import annotations

import importlib.util
import sys
import threading
import types
import uuid

import pytest

from chalicelib import lazy as lazy_mod

SLOW_MODULE = """
import sys
first = 1
probe = sys.modules[{probe!r}]
probe.loading.set()
probe.release.wait(5)
second = 2
def both():
    return first + second
"""


def _slow_module(tmp_path, monkeypatch):
    """A module whose body stops half-way until the test lets it go on."""
    name = f"slow_{uuid.uuid4().hex}"
    probe = types.ModuleType(f"probe_{name}")
    probe.loading, probe.release = threading.Event(), threading.Event()
    monkeypatch.setitem(sys.modules, probe.__name__, probe)
    (tmp_path / f"{name}.py").write_text(SLOW_MODULE.format(probe=probe.__name__))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name, probe


def _race(module, probe) -> list:
    """Thread A triggers the load; while its body is half-way, B and C read attributes."""
    outcomes: list = []

    def read(attr):
        try:
            outcomes.append(getattr(module, attr) if attr != "both" else module.both())
        except Exception as exc:  # noqa: BLE001 - we collect what each thread saw
            outcomes.append(repr(exc))

    loader = threading.Thread(target=read, args=("first",))
    loader.start()
    assert probe.loading.wait(5), "the module never started loading"
    readers = [threading.Thread(target=read, args=(attr,)) for attr in ("second", "both")]
    for t in readers:
        t.start()
    readers[0].join(0.2)  # the readers are now waiting (ours) or already failed (stdlib 3.11)
    probe.release.set()
    for t in (loader, *readers):
        t.join(5)
    return sorted(map(str, outcomes))


def test_concurrent_first_access_waits_for_the_load(tmp_path, monkeypatch):
    name, probe = _slow_module(tmp_path, monkeypatch)
    module = lazy_mod.lazy(name)
    assert _race(module, probe) == ["1", "2", "3"], "a thread saw the module half-initialised"
    assert sys.modules[name] is module and type(module) is types.ModuleType


@pytest.mark.skipif(lazy_mod.STDLIB_IS_THREAD_SAFE, reason="the stdlib loader is thread-safe from 3.12.3")
def test_the_race_is_real_with_the_stdlib_loader(tmp_path, monkeypatch):
    """The same race with Python 3.11's own LazyLoader fails: the test above can fail."""
    name, probe = _slow_module(tmp_path, monkeypatch)
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    outcomes = _race(module, probe)
    assert any("AttributeError" in o for o in outcomes), outcomes


def test_lazy_module_still_loads_only_on_first_use(tmp_path, monkeypatch):
    name, probe = _slow_module(tmp_path, monkeypatch)
    module = lazy_mod.lazy(name)
    assert not probe.loading.is_set(), "lazy() must not execute the module"
    probe.release.set()
    assert module.both() == 3 and lazy_mod.lazy(name) is module


def test_attributes_set_before_the_load_survive_it(tmp_path, monkeypatch):
    """mock.patch on a not-yet-loaded lazy module (as the tests do) keeps the patch."""
    name, probe = _slow_module(tmp_path, monkeypatch)
    probe.release.set()
    module = lazy_mod.lazy(name)
    module.first = 10
    assert module.both() == 12


def _class_module(tmp_path, monkeypatch, body: str) -> str:
    name = f"classes_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_lazy_classes_import_their_module_on_first_use_only(tmp_path, monkeypatch):
    name = _class_module(tmp_path, monkeypatch, "class A:\n    kind = 'a'\n    def __init__(self, x=0):\n"
                                                "        self.x = x\nclass B:\n    pass\nNOT_A_CLASS = 3\n")
    a, b = lazy_mod.lazy_classes(name, "A B")
    assert name not in sys.modules, "naming a class must not import its module"
    assert repr(a) == f"<lazy class {name}.A>"
    assert a(x=5).x == 5, "calling the reference builds an instance of the class"
    assert name in sys.modules
    assert a.kind == "a", "attributes are the class's"
    assert a.resolve() is sys.modules[name].A and b.resolve() is sys.modules[name].B
    assert lazy_mod.resolve(a) is sys.modules[name].A and lazy_mod.resolve(int) is int and lazy_mod.resolve(None) is None
    with pytest.raises(TypeError, match="is not a class"):
        lazy_mod.lazy_class(name, "NOT_A_CLASS").resolve()
    with pytest.raises(AttributeError):
        lazy_mod.lazy_class(name, "Missing").resolve()
    with pytest.raises(AttributeError):  # dunder probing (copy, pickle, inspect) imports nothing and finds nothing
        lazy_mod.lazy_class("no_such_module_anywhere", "X").__wrapped__


def test_lazy_classes_resolve_to_one_class_under_threads(tmp_path, monkeypatch):
    name = _class_module(tmp_path, monkeypatch, "import time\ntime.sleep(0.05)\nclass A:\n    pass\n")
    (ref,) = lazy_mod.lazy_classes(name, "A")
    got, errors = [], []
    start = threading.Barrier(8)

    def first_use():
        start.wait()
        try:
            got.append(ref.resolve())
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors, errors
    assert len(got) == 8 and len({id(c) for c in got}) == 1, f"threads saw {len({id(c) for c in got})} classes"


def test_a_lazy_load_runs_with_the_collector_paused_and_restores_it(tmp_path, monkeypatch):
    """A lazy module's body runs with the cyclic collector off (nothing it builds is garbage) and what it
    built is frozen; the collector comes back as it was, also when the body raises."""
    import gc

    probe = types.ModuleType(f"probe_{uuid.uuid4().hex}")
    monkeypatch.setitem(sys.modules, probe.__name__, probe)
    good = _class_module(tmp_path, monkeypatch, f"import gc, sys\nsys.modules[{probe.__name__!r}].seen = gc.isenabled()\n"
                                                "VALUE = [[] for _ in range(100)]\n")
    bad = _class_module(tmp_path, monkeypatch, "raise RuntimeError('broken module')\n")
    assert gc.isenabled(), "the test expects the collector on"
    frozen = gc.get_freeze_count()
    try:
        assert len(lazy_mod.lazy(good).VALUE) == 100
        assert probe.seen is False, "the module body ran with the collector on"
        assert gc.isenabled(), "the collector was not restored"
        assert gc.get_freeze_count() > frozen, "what the module built was not frozen"
        with pytest.raises(RuntimeError, match="broken module"):
            lazy_mod.lazy(bad).anything
        assert gc.isenabled(), "a failed load left the collector off"
        gc.disable()  # a load while the collector is off (inside another load) leaves it off
        lazy_mod.lazy(_class_module(tmp_path, monkeypatch, "X = 1\n")).X
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
