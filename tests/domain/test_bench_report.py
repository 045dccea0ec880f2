"""bench/report.py (`make bench`): the BENCH-RESULT protocol, the summaries it parses from portal.py and
load.py, and the table — a missed budget says missed, a failed script says failed (never dropped)."""
from __future__ import annotations

import pytest

from bench import report
from bench.result import line

PORTAL_OUT = """
portal login page vs floors (median of 5, gzip -9 of what the browser loaded)
page                       JS gz    CSS gz  total gz   form usable
portal /login             90.7K      8.3K     98.9K         691ms

Element Plus's share: 52.8K, 182 ms
bytes: login 98.9K vs budget 2 x floor + share = 100.3K (ratio 0.99) OK
time:  login 949 ms vs budget 796 ms (ratio 1.19) OVER
largest route chunk: RecordsView 43.7K gz
"""

LOAD_OUT = """10 users for 10 s …
| users | duration | requests | throughput (req/s) | p50 (ms) | p99 (ms) | errors | contention (documented) |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| 10 | 10 s | 962 | 16.3 | 34 | 3000 | 0 | 8 |
| 50 | 10 s | 2,513 | 41.8 | 390 | 5600 | 2 | 220 |
"""


def test_protocol_lines_round_trip_and_met_follows_the_ratio_else_the_figure():
    out = "noise\n" + "\n".join([
        line("cold", 250.0, "ms", 1.31, 1.2),          # ratio over budget
        line("base", 0.25, "s", budget=2.0),            # figure under budget
        line("import", 860.0, "rows/s", 1.9),           # no budget
    ]) + "\ntrailing\n"
    got = report.parse_protocol(out)
    assert [(e["name"], e["met"]) for e in got] == [("cold", False), ("base", True), ("import", None)], got


def test_a_malformed_protocol_line_is_an_error_not_a_figure():
    with pytest.raises(ValueError, match="without"):
        report.parse_protocol('BENCH-RESULT {"name": "x", "figure": 1}')


def test_portal_summary_gives_bytes_and_time_against_the_budget():
    got = report.parse_portal(PORTAL_OUT)
    assert [(e["figure"], e["ratio"], e["met"]) for e in got] == [(98.9, 0.99, True), (949.0, 1.19, False)], got
    assert report.parse_portal("starting the local stack ...\nTraceback") == []


def test_load_table_counts_errors_over_every_level():
    errors, throughput = report.parse_load(LOAD_OUT)
    assert (errors["figure"], errors["budget"], errors["met"]) == (2, 0, False), errors
    assert "3,475 requests at 10/50 users" in errors["name"], errors["name"]
    assert (throughput["figure"], throughput["met"]) == (41.8, None), throughput


def test_table_marks_met_missed_failed_and_not_run():
    good = report.Outcome("cold_start", "cold", 0, 10.0, report.parse_protocol(line("cold", 250.0, "ms", 1.31, 1.2)))
    ok = report.Outcome("allocation", "alloc", 0, 10.0, report.parse_protocol(line("base", 0.25, "s", budget=2.0)))
    crashed = report.Outcome("local_store", "ls", 1, 3.0, [], error="KeyError: 'pk'")
    silent = report.Outcome("test_store", "ts", 0, 3.0, [])
    hung = report.Outcome("load", "load", None, 900.0, [], error="timed out after 900 s")
    text = report.table([good, ok, crashed, silent, hung], not_run=["portal"])
    rows = {r.split(" | ")[0].strip("| "): r for r in text.splitlines()[2:]}
    assert "1.31" in rows["cold_start"] and "≤ 1.20" in rows["cold_start"] and "**missed**" in rows["cold_start"], text
    assert rows["allocation"].endswith("| met |"), text
    assert "**failed** (exit 1: KeyError: 'pk')" in rows["local_store"], text
    assert "**failed** (no BENCH-RESULT printed)" in rows["test_store"], text
    assert "**failed** (timed out" in rows["load"], text
    assert rows["portal"].endswith("| not run |"), text
    assert report.summary([good, ok, crashed, silent, hung]) == "1 met, 1 missed, 0 without a budget, 3 scripts failed"


def test_splice_inserts_once_then_replaces_keeping_the_history():
    doc = "# Benchmarks\n\nIntro.\n\n## Cold start\n\nhistory row\n"
    first = report.splice(doc, f"{report.BEGIN}\nold table\n{report.END}")
    assert first.index(report.BEGIN) < first.index("## Cold start") and first.startswith("# Benchmarks\n\nIntro."), first
    second = report.splice(first, f"{report.BEGIN}\nnew table\n{report.END}")
    assert "old table" not in second and "new table" in second and second.count(report.BEGIN) == 1, second
    assert second.endswith("## Cold start\n\nhistory row\n"), second


def test_a_partial_run_keeps_the_other_scripts_rows_of_the_earlier_run_marked_so():
    good = report.Outcome("cold_start", "cold", 0, 10.0, report.parse_protocol(line("cold", 250.0, "ms", 1.1, 1.2)))
    alloc = report.Outcome("allocation", "alloc", 0, 10.0, report.parse_protocol(line("base", 0.25, "s", budget=2.0)))
    doc = report.splice("# B\n\n## H\n", report.section([good, alloc], [], report.datetime.datetime(2026, 12, 4)))
    earlier = report.previous_rows(doc, ["allocation", "portal"])
    assert list(earlier) == ["allocation"], earlier
    text = report.table([good], ["allocation", "portal"], earlier)
    assert "| allocation (earlier run) | base |" in text and "| portal | — | — | — | — | not run |" in text, text
    again = report.previous_rows(report.splice(doc, report.section([good], ["allocation"], report.datetime.datetime(
        2026, 12, 5), earlier)), ["allocation"])
    assert again["allocation"] == earlier["allocation"], "the mark is not repeated on the next partial run"
