"""Seed reference and demo data into a stage (idempotent: puts by key).

Runs in a process whose environment points at the stage (the local runner
sets it up; for AWS, see docs/deploy.md). The data grows with each feature.
"""
from __future__ import annotations

import csv
from pathlib import Path

from chalicelib.domain import dictionaries as rules

DATA = Path(__file__).parent / "data"


def load_regions(path: Path = DATA / "regions.csv") -> list[rules.Region]:
    with path.open(encoding="utf-8") as f:
        return [rules.make_region(row["code"], row["name"]) for row in csv.DictReader(f)]


def load_units(path: Path = DATA / "units.csv") -> list[rules.Unit]:
    with path.open(encoding="utf-8") as f:
        return [rules.make_unit(r["code"], r["name"], r["name_en"], r["category"]) for r in csv.DictReader(f)]


def seed_reference() -> dict[str, int]:
    from chalicelib.store import dictionaries as store

    return {"regions": store.put_regions(load_regions()), "units": store.put_units(load_units())}


def seed_all() -> dict[str, int]:
    """Everything a fresh stage needs; later features add their demo data here."""
    return seed_reference()


if __name__ == "__main__":
    import json

    print(json.dumps(seed_all(), ensure_ascii=False))
