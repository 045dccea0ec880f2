import pytest

from chalicelib.domain import review
from chalicelib.domain.enums import RecordKind, ReviewAction as A, ReviewStatus as S
from chalicelib.domain.errors import Conflict, ValidationFailed

TWO = ("first", "final")
ONE = ("first",)


@pytest.mark.parametrize("current,action,levels,expected", [
    (S.DRAFT, A.SUBMIT, TWO, S.PENDING_FIRST),
    (S.REJECTED, A.SUBMIT, TWO, S.PENDING_FIRST),
    (S.PENDING_FIRST, A.APPROVE, TWO, S.PENDING_FINAL),
    (S.PENDING_FINAL, A.APPROVE, TWO, S.APPROVED),
    (S.PENDING_FIRST, A.APPROVE, ONE, S.APPROVED),
    (S.PENDING_FIRST, A.WITHDRAW, TWO, S.DRAFT),
    (S.APPROVED, A.CHANGE, TWO, S.DRAFT),
    (S.DRAFT, A.EDIT, TWO, S.DRAFT),
    (S.REJECTED, A.EDIT, TWO, S.REJECTED),
])
def test_allowed_transitions(current, action, levels, expected):
    assert review.next_status(current, action, levels, reason="r") is expected


@pytest.mark.parametrize("current,action,code", [
    (S.PENDING_FIRST, A.SUBMIT, "wrong_state"),
    (S.APPROVED, A.SUBMIT, "wrong_state"),
    (S.PENDING_FINAL, A.WITHDRAW, "withdraw_not_allowed"),
    (S.DRAFT, A.WITHDRAW, "withdraw_not_allowed"),
    (S.APPROVED, A.APPROVE, "wrong_state"),
    (S.DRAFT, A.APPROVE, "wrong_state"),
    (S.REJECTED, A.REJECT, "wrong_state"),
    (S.PENDING_FIRST, A.EDIT, "not_editable"),
    (S.APPROVED, A.EDIT, "not_editable"),
    (S.PENDING_FIRST, A.CHANGE, "change_not_allowed"),
])
def test_refused_transitions(current, action, code):
    with pytest.raises(Conflict) as caught:
        review.next_status(current, action, TWO, reason="r")
    assert caught.value.code == code


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reject_needs_a_reason(reason):
    with pytest.raises(ValidationFailed) as caught:
        review.next_status(S.PENDING_FIRST, A.REJECT, TWO, reason=reason)
    assert caught.value.code == "reason_required"


def test_a_single_level_kind_has_no_final_review():
    with pytest.raises(Conflict):
        review.next_status(S.PENDING_FINAL, A.APPROVE, ONE)
    assert review.REVIEW_LEVELS[RecordKind.SELF_DISTRIBUTION] == ONE
    assert review.REVIEW_LEVELS[RecordKind.PRODUCT] == TWO


def test_tabs_and_names():
    assert review.TABS[S.PENDING_FINAL] == "pending" and review.TAB_LABELS["pending"] == "待审核"
    assert review.execution_name("abc", 2, 3) == "abc-r2-s3"
    assert review.level_of(S.PENDING_FINAL) == "final"


def test_execution_names_fit_step_functions():
    long_id = "registration_certificate-" + "a" * 32 + "-" + "国械注准20193130001" * 3
    name = review.execution_name(long_id, 123, 45)
    assert len(name) <= 80 and name.endswith("-r123-s45")
    assert name != review.execution_name(long_id + "x", 123, 45)


def test_four_eyes():
    from chalicelib.domain.enums import ReviewAction
    from chalicelib.domain.errors import Forbidden

    with pytest.raises(Forbidden) as refused:
        review.check_four_eyes("final", ReviewAction.APPROVE, "alice", "alice")
    assert refused.value.code == "four_eyes_required"
    review.check_four_eyes("final", ReviewAction.APPROVE, "alice", "bob")
    review.check_four_eyes("final", ReviewAction.REJECT, "alice", "alice")  # rejecting stays open
    review.check_four_eyes("first", ReviewAction.APPROVE, None, "alice")
    review.check_four_eyes("final", ReviewAction.APPROVE, None, "alice")  # no first approver recorded
