"""The one line every bench script ends with, read by ``bench/report.py`` (``make bench``):

    BENCH-RESULT {"name": ..., "figure": ..., "unit": ..., "ratio": ..., "budget": ..., "met": ...}

``budget`` bounds ``ratio`` when the figure has one, else the figure itself; ``met`` is None when there is
no budget (an informational figure). Pure: no imports beyond the stdlib, so a script can print it last.
"""
from __future__ import annotations

import json

PREFIX = "BENCH-RESULT "


def line(name: str, figure: float, unit: str, ratio: float | None = None, budget: float | None = None) -> str:
    bounded = ratio if ratio is not None else figure
    met = None if budget is None else bool(bounded <= budget)
    return PREFIX + json.dumps({"name": name, "figure": round(figure, 4), "unit": unit,
                                "ratio": None if ratio is None else round(ratio, 4), "budget": budget, "met": met},
                               ensure_ascii=False)


def emit(name: str, figure: float, unit: str, ratio: float | None = None, budget: float | None = None) -> None:
    print(line(name, figure, unit, ratio, budget), flush=True)
