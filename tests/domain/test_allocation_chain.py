"""The allocation chain's status tables per level (docs/allocation.md)."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.allocation import chain
from chalicelib.domain.enums import AllocationAction as A, AllocationLevelStatus as L, AllocationStatus as S
from chalicelib.domain.errors import Conflict, ValidationFailed


@pytest.mark.parametrize("current,action,expected", [
    (S.NOT_FILLED, A.SAVE, S.DRAFT), (S.DRAFT, A.SUBMIT, S.PENDING_CITY), (S.NOT_FILLED, A.SUBMIT, S.PENDING_CITY),
    (S.RETURNED, A.SAVE, S.RETURNED), (S.RETURNED, A.SUBMIT, S.PENDING_CITY),
    (S.PENDING_CITY, A.APPROVE, S.CITY_APPROVED), (S.PENDING_CITY, A.RETURN, S.RETURNED),
    (S.CITY_APPROVED, A.RETURN, S.RETURNED),
])
def test_sheet_transitions(current, action, expected):
    assert chain.next_sheet(current, action, reason="请核对数量") is expected


@pytest.mark.parametrize("current,action", [
    (S.PENDING_CITY, A.SAVE), (S.PENDING_CITY, A.SUBMIT), (S.CITY_APPROVED, A.APPROVE), (S.CITY_APPROVED, A.SAVE),
    (S.NOT_FILLED, A.APPROVE), (S.DRAFT, A.RETURN), (S.RETURNED, A.APPROVE),
])
def test_sheet_refusals(current, action):
    with pytest.raises(Conflict) as exc:
        chain.next_sheet(current, action, reason="r")
    assert exc.value.code == "wrong_state", f"{current} --{action}--> should be wrong_state"


@pytest.mark.parametrize("current,action,expected", [
    (L.OPEN, A.SUBMIT, L.SUBMITTED), (L.RETURNED, A.SUBMIT, L.SUBMITTED), (L.SUBMITTED, A.WITHDRAW, L.OPEN),
    (L.SUBMITTED, A.APPROVE, L.APPROVED), (L.SUBMITTED, A.RETURN, L.RETURNED), (L.APPROVED, A.RETURN, L.RETURNED),
])
def test_level_transitions(current, action, expected):
    assert chain.next_level(current, action, reason="请核对") is expected


@pytest.mark.parametrize("current", [L.OPEN, L.APPROVED, L.RETURNED])
def test_withdraw_after_the_level_above_acted(current):
    with pytest.raises(Conflict) as exc:
        chain.next_level(current, A.WITHDRAW)
    assert exc.value.code == "withdraw_not_allowed"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_return_needs_a_reason(reason):
    with pytest.raises(ValidationFailed) as exc:
        chain.next_sheet(S.PENDING_CITY, A.RETURN, reason)
    assert exc.value.code == "reason_required" and exc.value.details[0].field == "reason"
    with pytest.raises(ValidationFailed):
        chain.next_level(L.SUBMITTED, A.RETURN, reason)


def test_reason_too_long():
    with pytest.raises(ValidationFailed) as exc:
        chain.next_sheet(S.PENDING_CITY, A.RETURN, "长" * 501)
    assert exc.value.code == "reason_too_long"


@pytest.mark.parametrize("counts,code", [
    ({"pending_city": 1, "city_approved": 3}, "unapproved_below"),
    ({"returned": 1, "city_approved": 3}, "unapproved_below"),
    ({"not_filled": 5, "draft": 2}, "nothing_approved"),
    ({}, "nothing_approved"),
])
def test_city_submit_rules(counts, code):
    with pytest.raises(Conflict) as exc:
        chain.check_submittable(counts, chain.SHEET_BLOCKING, S.CITY_APPROVED.value, "医疗机构")
    assert exc.value.code == code


def test_city_may_submit_with_unfilled_institutions():
    chain.check_submittable({"not_filled": 4, "draft": 1, "city_approved": 2}, chain.SHEET_BLOCKING,
                            S.CITY_APPROVED.value, "医疗机构")


def test_working_and_deadline():
    chain.check_working(L.OPEN, "市")
    chain.check_working(L.RETURNED, "市")
    for status in (L.SUBMITTED, L.APPROVED):
        with pytest.raises(Conflict) as exc:
            chain.check_working(status, "市")
        assert exc.value.code == "already_submitted"
    now = datetime(2026, 12, 4, tzinfo=timezone.utc)
    chain.check_before(now, now, "填报")
    chain.check_before(None, now, "填报")
    with pytest.raises(Conflict) as exc:
        chain.check_before(now - timedelta(seconds=1), now, "填报")
    assert exc.value.code == "deadline_passed"
