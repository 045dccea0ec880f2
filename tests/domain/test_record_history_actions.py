"""Every action the record services write to a record's change history has a Chinese label in the
``record_history_action`` dictionary (the portal shows the history with it)."""
from __future__ import annotations

import re
from pathlib import Path

from chalicelib.domain.enums import RecordHistoryAction, ReviewAction

RECORDS = Path(__file__).resolve().parents[2] / "chalicelib" / "services" / "records"


def test_each_audited_record_action_is_in_the_dictionary():
    written = set()
    for source in RECORDS.glob("*.py"):
        written |= set(re.findall(r'entry\(f"rec#\{[^}]+\}", "([a-z_]+)"', source.read_text(encoding="utf-8")))
    decisions = {f"{level}_review_{a.value}" for level in ("first", "final") for a in (ReviewAction.APPROVE, ReviewAction.REJECT)}
    labelled = {m.value for m in RecordHistoryAction}
    assert written, "no audit action found in services/records: the pattern is out of date"
    assert written | decisions <= labelled, f"history actions without a label: {sorted((written | decisions) - labelled)}"
