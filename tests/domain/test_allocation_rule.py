"""The allocation rule (docs/allocation.md): property tests with hypothesis, the worked
example, the Alabama paradox the rule documents, and ugly inputs."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.allocation.rule import (
    GroupPlan, Rule, Winner, base_pool, check_demand, split, validate_allocation,
)
from chalicelib.domain.errors import ValidationFailed

RULE = Rule.parse({"base_percent": {"1": 80, "2": 60, "3": 60, "4": 50},
                   "rank_weights": {"1": [1], "2": [6, 4], "3": [5, 3, 2], "4": [4, 3, 2, 1]}})

# no per-example deadline: the suite runs on a shared, loaded machine (timings are never asserted)
relaxed = settings(deadline=None)

weights_st = st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=6).map(tuple)
pool_st = st.integers(min_value=0, max_value=10 ** 9)


@st.composite
def groups(draw):
    """A rule covering n winners and n winners with distinct codes and ranks."""
    n = draw(st.integers(min_value=1, max_value=5))
    weights = draw(st.lists(st.integers(min_value=1, max_value=100), min_size=n, max_size=n))
    percent = draw(st.integers(min_value=0, max_value=100))
    ranks = draw(st.lists(st.integers(min_value=1, max_value=50), min_size=n, max_size=n, unique=True))
    rule = Rule.parse({"base_percent": {str(n): percent}, "rank_weights": {str(n): weights}})
    return rule, [Winner(f"E{i:02d}", r) for i, r in enumerate(ranks)]


@relaxed
@given(pool_st, weights_st)
def test_split_is_exact_and_non_negative(pool, weights):
    shares = split(pool, weights)
    assert sum(shares) == pool, f"split({pool}, {weights}) = {shares} does not sum to the pool"
    assert all(s >= 0 for s in shares), f"negative share in {shares}"
    assert len(shares) == len(weights)


@relaxed
@given(pool_st, weights_st)
def test_split_is_within_one_of_the_quota(pool, weights):
    """The quota property of largest remainder: each share is the quota rounded down or up."""
    total = sum(weights)
    for share, w in zip(split(pool, weights), weights):
        assert pool * w // total <= share <= pool * w // total + 1, f"{share} is not floor/ceil of {pool}*{w}/{total}"


@relaxed
@given(groups(), st.integers(min_value=0, max_value=10 ** 7))
def test_base_totals_exact_and_remaining_non_negative(group, demand):
    rule, winners = group
    plan = GroupPlan(winners, rule)
    base = plan.base(demand)
    pool = base_pool(demand, plan.percent)
    assert sum(base) == pool, f"Σ base {sum(base)} != pool {pool} for demand {demand}"
    assert all(b >= 0 for b in base), f"negative base {base}"
    assert 0 <= demand - sum(base) <= demand, f"remaining {demand - sum(base)} out of [0, {demand}]"


@relaxed
@given(groups(), st.integers(min_value=0, max_value=10 ** 7), st.integers(min_value=0, max_value=10 ** 5))
def test_total_base_is_monotone_in_demand(group, demand, more):
    rule, winners = group
    plan = GroupPlan(winners, rule)
    low, high = sum(plan.base(demand)), sum(plan.base(demand + more))
    assert low <= high, f"total base fell from {low} to {high} when demand rose from {demand} to {demand + more}"


@relaxed
@given(groups(), st.integers(min_value=0, max_value=10 ** 7), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_winner_order(group, demand, rnd):
    rule, winners = group
    expected = GroupPlan(winners, rule).base_by_code(demand)
    shuffled = list(winners)
    rnd.shuffle(shuffled)
    split.cache_clear()
    again = GroupPlan(shuffled, rule).base_by_code(demand)
    assert again == expected, f"order {[w.code for w in shuffled]} gave {again}, expected {expected}"


@settings(max_examples=50, deadline=None)
@given(groups(), st.integers(min_value=0, max_value=10 ** 5), st.data())
def test_any_exact_allocation_of_remaining_is_accepted_and_agreements_sum_to_demand(group, demand, data):
    rule, winners = group
    plan = GroupPlan(winners, rule)
    remaining = demand - sum(plan.base(demand))
    cuts = sorted(data.draw(st.lists(st.integers(0, remaining), min_size=len(plan.codes) - 1,
                                     max_size=len(plan.codes) - 1)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, remaining])]
    own = validate_allocation(dict(zip(plan.codes, parts)), plan.codes, remaining, "groups.G1")
    agreement = [b + own[c] for c, b in zip(plan.codes, plan.base(demand))]
    assert sum(agreement) == demand, f"agreements {agreement} do not sum to demand {demand}"


def test_worked_example_of_the_docs():
    plan = GroupPlan([Winner("A", 1), Winner("B", 2), Winner("C", 3)], RULE)
    assert plan.base(16) == (4, 3, 2), "docs/allocation.md worked example: demand 16, 60 %, 5:3:2 → 4, 3, 2"
    assert 16 - sum(plan.base(16)) == 7


def test_ties_go_to_the_better_rank():
    assert split(3, (1, 1)) == (2, 1)
    plan = GroupPlan([Winner("LATE", 2), Winner("EARLY", 1)],
                     Rule.parse({"base_percent": {"2": 100}, "rank_weights": {"2": [1, 1]}}))
    assert plan.base_by_code(3) == {"EARLY": 2, "LATE": 1}, "the extra unit of a tie goes to rank 1"


def test_alabama_paradox_is_what_largest_remainder_does():
    """Documented: per-winner base is NOT monotone (SPEC §3.5); the total is."""
    assert split(3, (3, 3, 1)) == (1, 1, 1)
    assert split(4, (3, 3, 1)) == (2, 2, 0)


def test_a_big_group_of_rows_is_exact():
    rnd = random.Random(7)
    plan = GroupPlan([Winner(f"E{i}", i + 1) for i in range(4)], RULE)
    for _ in range(2000):
        d = rnd.randint(0, 100000)
        assert sum(plan.base(d)) == d * 50 // 100


# -- ugly input -------------------------------------------------------------------

def _details(exc):
    return {d.field: d.message for d in exc.value.details}


@pytest.mark.parametrize("data,field", [
    ({"base_percent": {"2": 120}, "rank_weights": {"2": [1, 1]}}, "rule.base_percent.2"),
    ({"base_percent": {"2": -1}, "rank_weights": {"2": [1, 1]}}, "rule.base_percent.2"),
    ({"base_percent": {"2": 50.5}, "rank_weights": {"2": [1, 1]}}, "rule.base_percent.2"),
    ({"base_percent": {"2": True}, "rank_weights": {"2": [1, 1]}}, "rule.base_percent.2"),
    ({"base_percent": {"zero": 50}, "rank_weights": {}}, "rule.base_percent.zero"),
    ({"base_percent": {"11": 50}, "rank_weights": {}}, "rule.base_percent.11"),
    ({"base_percent": {"2": 50}, "rank_weights": {"2": [1]}}, "rule.rank_weights.2"),
    ({"base_percent": {"2": 50}, "rank_weights": {"2": [1, 0]}}, "rule.rank_weights.2"),
    ({"base_percent": {"2": 50}, "rank_weights": {"2": "1,1"}}, "rule.rank_weights.2"),
    ({"base_percent": {"3": 50}, "rank_weights": {"2": [1, 1]}}, "rule.rank_weights.3"),
    ({"base_percent": {}, "rank_weights": {}}, "rule.base_percent"),
    ({"rank_weights": {"2": [1, 1]}}, "rule.base_percent"),
])
def test_bad_rules_name_the_entry(data, field):
    with pytest.raises(ValidationFailed) as exc:
        Rule.parse(data)
    assert exc.value.code == "bad_rule"
    assert field in _details(exc), f"expected an error on {field}, got {_details(exc)}"


def test_rule_round_trips_through_data():
    assert Rule.parse(RULE.to_data()) == RULE


@pytest.mark.parametrize("winners,message", [
    ([], "至少"),
    ([Winner("A", 1), Winner("A", 2)], "只能出现一次"),
    ([Winner("A", 1), Winner("B", 1)], "排名不能重复"),
    ([Winner("A", 0)], "正整数"),
    ([Winner(f"E{i}", i + 1) for i in range(5)], "未规定 5 家"),
])
def test_bad_winners(winners, message):
    with pytest.raises(ValidationFailed) as exc:
        GroupPlan(winners, RULE)
    assert exc.value.code == "bad_winners"
    assert any(message in d.message for d in exc.value.details), exc.value.details


@pytest.mark.parametrize("value,expected", [
    (0, 0), (12, 12), ("12", 12), (" 7 ", 7), ("-3", None), (-3, None), ("1.5", None), (1.5, None),
    ("", None), ("abc", None), (True, None), ("1e3", None), ("١٢", None),
])
def test_demand_cells(value, expected):
    assert check_demand(value) == expected, f"demand cell {value!r}"


@pytest.mark.parametrize("allocation,field,fragment", [
    ({"A": 5, "B": 2}, "g", "须等于剩余量 6"),
    ({"A": 7, "B": -1}, "g.B", "负数"),
    ({"A": 5.0, "B": 1}, "g.A", "整数"),
    ({"A": 5.5, "B": 0.5}, "g.A", "整数"),
    ({"A": True, "B": 5}, "g.A", "整数"),
    ({"A": "3", "B": 3}, "g.A", "整数"),
    ({"A": 3, "X": 3}, "g.X", "不是本竞标分组的中选企业"),
    ([3, 3], "g", "须为"),
])
def test_bad_allocations_name_the_problem(allocation, field, fragment):
    with pytest.raises(ValidationFailed) as exc:
        validate_allocation(allocation, ("A", "B"), 6, "g")
    details = {d.field: d.message for d in exc.value.details}
    assert field in details and fragment in details[field], f"expected {fragment!r} on {field}, got {details}"


def test_missing_winners_count_zero():
    assert validate_allocation({"A": 6}, ("A", "B"), 6, "g") == {"A": 6, "B": 0}
