"""``chalicelib.lazy``: the first attribute read imports the module once, even when threads race
(chalice local serves the portal's parallel first requests on threads)."""
from __future__ import annotations

import sys
import threading

import pytest

from chalicelib.lazy import lazy


def test_threads_racing_on_first_access_all_see_the_module(tmp_path, monkeypatch):
    marker = tmp_path / "executed"
    (tmp_path / "slow_service_mod.py").write_text(
        f"import pathlib, time\npathlib.Path({str(marker)!r}).write_text('yes')\ntime.sleep(0.3)\n"
        "def answer():\n    return 42\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_service_mod", raising=False)
    service = lazy("slow_service_mod")
    assert not marker.exists(), "the module may not run before the first attribute read"
    results, errors = [], []

    def call():
        try:
            results.append(service.answer())
        except Exception as e:  # the failure this guards against: AttributeError on a half-run module
            errors.append(repr(e))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not errors and results == [42] * 8, f"racing first reads failed: {errors}"
    assert sys.modules["slow_service_mod"].answer is service.answer


def test_an_unknown_module_is_refused_at_once():
    with pytest.raises(ModuleNotFoundError):
        lazy("chalicelib.services.no_such_service")
