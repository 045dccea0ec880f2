"""The project-status notification message (pure)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import project_events as events
from chalicelib.domain.enums import ProjectKind, ProjectStatus

DUE = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)
APPLIED = DUE + timedelta(seconds=42)


def message(**over):
    args = dict(project_id="p1", kind=ProjectKind.NATIONAL_VBP, name="冠脉支架", before=ProjectStatus.PUBLISHED,
                after=ProjectStatus.DECLARING, due_at=DUE, applied_at=APPLIED)
    return events.status_changed(**{**args, **over})


def test_message_names_the_transition_with_labels_and_china_instants():
    m = message()
    assert m == {
        "event": "project_status_changed", "event_id": "p1:published:declaring", "project_id": "p1",
        "kind": "national_vbp", "kind_label": ProjectKind.NATIONAL_VBP.label, "name": "冠脉支架",
        "from_status": "published", "from_status_label": "已发布", "to_status": "declaring",
        "to_status_label": "申报中", "due_at": "2026-03-01T09:00:00+08:00", "applied_at": "2026-03-01T09:00:42+08:00",
    }


def test_event_id_is_deterministic_per_transition():
    assert message()["event_id"] == message(applied_at=APPLIED + timedelta(days=3))["event_id"], \
        "a resend of the same transition must carry the same event_id"
    assert message()["event_id"] != message(before="declaring", after="closed")["event_id"]


def test_strings_are_accepted_for_kind_and_statuses():
    m = message(kind="alliance_vbp", before="draft", after="published")
    assert (m["kind"], m["from_status"], m["to_status"]) == ("alliance_vbp", "draft", "published")


def test_attributes_are_the_filterable_strings():
    assert events.attributes(message()) == {"event": "project_status_changed", "to_status": "declaring",
                                            "kind": "national_vbp"}


@pytest.mark.parametrize("before, after", [
    ("published", "closed"),  # skips a step
    ("closed", "declaring"),  # backwards
    ("declaring", "declaring"),  # no change
    ("finished", "draft"),
])
def test_only_one_step_forward_is_a_transition(before, after):
    with pytest.raises(ValueError, match="not one transition"):
        message(before=before, after=after)


@pytest.mark.parametrize("over", [
    {"due_at": datetime(2026, 3, 1, 9, 0)},  # naive
    {"applied_at": datetime(2026, 3, 1, 9, 0)},
    {"due_at": "2026-03-01T09:00:00+08:00"},  # a string, not an instant
    {"project_id": ""},
    {"project_id": "a:b"},  # would make event ids ambiguous
    {"kind": "city_vbp"},
    {"before": "archived"},
])
def test_ugly_inputs_are_refused(over):
    with pytest.raises(ValueError):
        message(**over)
