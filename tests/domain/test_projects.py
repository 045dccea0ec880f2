"""Project windows, the status as a function of the clock, the next due instant."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import projects as rules
from chalicelib.domain.enums import ProjectStatus as S
from chalicelib.domain.errors import Conflict, ValidationFailed

CN = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=CN)  # 01:00 UTC
DAY = timedelta(days=1)


def windows(ds=T0, de=T0 + 7 * DAY, ps=T0 + 10 * DAY, pe=T0 + 17 * DAY) -> rules.Windows:
    return rules.Windows.of(ds, de, ps, pe)


def fields_of(exc: ValidationFailed) -> set[str]:
    return {d.field for d in exc.details}


def test_windows_are_stored_as_utc():
    w = windows()
    assert w.declaration_start == datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)
    assert all(b.tzinfo == timezone.utc for b in w.boundaries)


def test_declaration_end_must_be_after_its_start():
    with pytest.raises(ValidationFailed) as e:
        windows(de=T0)
    assert fields_of(e.value) == {"declaration_end"}
    assert e.value.code == "invalid_window"


def test_publication_end_must_be_after_its_start():
    with pytest.raises(ValidationFailed) as e:
        windows(pe=T0 + 9 * DAY)
    assert fields_of(e.value) == {"publication_end"}


def test_publication_may_not_overlap_the_declaration_window():
    with pytest.raises(ValidationFailed) as e:
        windows(ps=T0 + 6 * DAY)
    assert fields_of(e.value) == {"publication_start"}


def test_publication_may_start_exactly_when_declaration_ends():
    w = windows(ps=T0 + 7 * DAY)
    assert w.publication_start == w.declaration_end


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ValidationFailed) as e:
        windows(de=T0 - DAY, ps=T0 - 2 * DAY, pe=T0 - 3 * DAY)
    assert fields_of(e.value) == {"declaration_end", "publication_end", "publication_start"}


def test_naive_instants_are_refused():
    with pytest.raises(ValidationFailed) as e:
        windows(ds=datetime(2026, 3, 1, 9, 0))
    assert fields_of(e.value) == {"declaration_start"}


@pytest.mark.parametrize("offset, expected", [
    (-timedelta(microseconds=1), S.PUBLISHED),
    (timedelta(0), S.DECLARING),  # starts are inclusive
    (7 * DAY - timedelta(microseconds=1), S.DECLARING),
    (7 * DAY, S.CLOSED),  # ends are exclusive
    (10 * DAY - timedelta(seconds=1), S.CLOSED),
    (10 * DAY, S.PUBLICISING),
    (17 * DAY - timedelta(seconds=1), S.PUBLICISING),
    (17 * DAY, S.FINISHED),
    (400 * DAY, S.FINISHED),
])
def test_status_at_every_instant(offset, expected):
    assert rules.status_at(windows(), True, T0 + offset) is expected


def test_a_draft_stays_a_draft_whatever_the_clock():
    for offset in (-DAY, DAY, 8 * DAY, 30 * DAY):
        assert rules.status_at(windows(), False, T0 + offset) is S.DRAFT
        assert rules.next_due(windows(), False, T0 + offset) is None


def test_closed_is_empty_when_publication_starts_at_the_declaration_end():
    w = windows(ps=T0 + 7 * DAY)
    assert rules.status_at(w, True, T0 + 7 * DAY) is S.PUBLICISING


@pytest.mark.parametrize("offset, due", [
    (-DAY, timedelta(0)),
    (timedelta(0), 7 * DAY),  # at a boundary, the next one
    (3 * DAY, 7 * DAY),
    (7 * DAY, 10 * DAY),
    (12 * DAY, 17 * DAY),
])
def test_next_due_is_the_next_boundary(offset, due):
    assert rules.next_due(windows(), True, T0 + offset) == T0 + due


def test_nothing_is_due_once_finished():
    assert rules.next_due(windows(), True, T0 + 17 * DAY) is None


def test_path_lists_every_transition_in_order():
    assert rules.path(S.PUBLISHED, S.FINISHED) == [(S.PUBLISHED, S.DECLARING), (S.DECLARING, S.CLOSED),
                                                   (S.CLOSED, S.PUBLICISING), (S.PUBLICISING, S.FINISHED)]
    assert rules.path(S.CLOSED, S.CLOSED) == []
    with pytest.raises(Conflict):
        rules.path(S.FINISHED, S.DECLARING)


def test_declarations_only_inside_the_window():
    w = windows()
    with pytest.raises(Conflict) as e:
        rules.check_declarable(w, True, T0 - timedelta(seconds=1))
    assert e.value.code == "declaration_window_not_open"
    with pytest.raises(Conflict) as e:
        rules.check_declarable(w, False, T0 + DAY)
    assert e.value.code == "declaration_window_not_open"
    rules.check_declarable(w, True, T0)
    rules.check_declarable(w, True, T0 + 7 * DAY - timedelta(microseconds=1))
    for late in (7 * DAY, 8 * DAY, 30 * DAY):
        with pytest.raises(Conflict) as e:
            rules.check_declarable(w, True, T0 + late)
        assert e.value.code == "declaration_window_closed"


def test_publishable_only_as_a_draft_before_the_declaration_end():
    w = windows()
    rules.check_publishable(w, False, T0 + DAY)
    with pytest.raises(Conflict) as e:
        rules.check_publishable(w, True, T0)
    assert e.value.code == "project_not_draft"
    with pytest.raises(Conflict) as e:
        rules.check_publishable(w, False, T0 + 7 * DAY)
    assert e.value.code == "declaration_window_passed"
