"""The allocation rule: base share of demand by number of winners, split across
the winners by rank weights with the largest-remainder method (docs/allocation.md).

Integer arithmetic only: every quantity is a whole number of units and every
total is exact. ``GroupPlan`` is built once per bid group so that the base of
hundreds of thousands of institution × group rows is a cached lookup each."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from chalicelib.domain.errors import FieldError, ValidationFailed

MAX_WINNERS = 10


@dataclass(frozen=True)
class Rule:
    """``base_percent[n]``: the share (whole percent) of demand that is base when a group has ``n``
    winners; ``rank_weights[n]``: how that base is split, weight *i* to the *i*-th best rank."""

    base_percent: Mapping[int, int]
    rank_weights: Mapping[int, tuple[int, ...]]

    @classmethod
    def parse(cls, data: Any, field: str = "rule") -> "Rule":
        """A rule from JSON data (string or int keys), or a 400 naming every bad entry."""
        errors: list[FieldError] = []
        if not isinstance(data, Mapping):
            raise ValidationFailed.on(field, "分量规则须为对象", code="bad_rule")
        percents, weights = data.get("base_percent"), data.get("rank_weights")
        if not isinstance(percents, Mapping) or not percents:
            errors.append(FieldError(f"{field}.base_percent", "须按中选企业数给出基础量比例"))
            percents = {}
        if not isinstance(weights, Mapping):
            errors.append(FieldError(f"{field}.rank_weights", "须按中选企业数给出排名权重"))
            weights = {}
        parsed_p: dict[int, int] = {}
        parsed_w: dict[int, tuple[int, ...]] = {}
        for key, value in percents.items():
            n = _count(key)
            where = f"{field}.base_percent.{key}"
            if n is None:
                errors.append(FieldError(where, f"中选企业数须为 1–{MAX_WINNERS} 的整数"))
            elif not _whole(value) or not 0 <= value <= 100:
                errors.append(FieldError(where, "比例须为 0–100 的整数"))
            else:
                parsed_p[n] = value
        for key, value in weights.items():
            n = _count(key)
            where = f"{field}.rank_weights.{key}"
            if n is None:
                errors.append(FieldError(where, f"中选企业数须为 1–{MAX_WINNERS} 的整数"))
            elif not isinstance(value, (list, tuple)) or len(value) != n:
                errors.append(FieldError(where, f"须给出 {n} 个权重"))
            elif not all(_whole(w) and w > 0 for w in value):
                errors.append(FieldError(where, "权重须为正整数"))
            else:
                parsed_w[n] = tuple(value)
        for n in parsed_p:
            if n not in parsed_w and not any(e.field == f"{field}.rank_weights.{n}" for e in errors):
                errors.append(FieldError(f"{field}.rank_weights.{n}", f"缺少 {n} 家中选企业的排名权重"))
        if errors:
            raise ValidationFailed("分量规则有误", code="bad_rule", details=errors)
        return cls(parsed_p, parsed_w)

    def to_data(self) -> dict[str, Any]:
        return {"base_percent": {str(n): p for n, p in sorted(self.base_percent.items())},
                "rank_weights": {str(n): list(w) for n, w in sorted(self.rank_weights.items())}}

    def covers(self, winners: int) -> bool:
        return winners in self.base_percent and winners in self.rank_weights


def _count(key: Any) -> int | None:
    text = str(key)
    if not (text.isascii() and text.isdigit()):
        return None
    n = int(text)
    return n if 1 <= n <= MAX_WINNERS else None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@lru_cache(maxsize=65536)
def split(pool: int, weights: tuple[int, ...]) -> tuple[int, ...]:
    """``pool`` units across ``weights`` by largest remainder; ties go to the lower index
    (the better rank). Σ result == pool; every share ≥ 0."""
    if pool < 0:
        raise ValueError("pool must be non-negative")
    total = sum(weights)
    shares = [pool * w // total for w in weights]
    left = pool - sum(shares)
    if left:
        order = sorted(range(len(weights)), key=lambda i: (-(pool * weights[i] % total), i))
        for i in order[:left]:
            shares[i] += 1
    return tuple(shares)


def base_pool(demand: int, percent: int) -> int:
    """The total base of one institution × group: ``floor(demand × percent / 100)``."""
    return demand * percent // 100


@dataclass(frozen=True)
class Winner:
    code: str  # the enterprise's unified social credit code
    rank: int


class GroupPlan:
    """One bid group's winners in rank order and the rule's numbers for their count."""

    __slots__ = ("codes", "percent", "weights")

    def __init__(self, winners: Iterable[Winner], rule: Rule, field: str = "winners"):
        ordered = sorted(winners, key=lambda w: (w.rank, w.code))
        errors = check_winners(ordered, field)
        if not errors and not rule.covers(len(ordered)):
            errors.append(FieldError(field, f"分量规则未规定 {len(ordered)} 家中选企业的分配"))
        if errors:
            raise ValidationFailed("中选企业有误", code="bad_winners", details=errors)
        self.codes: tuple[str, ...] = tuple(w.code for w in ordered)
        self.percent = rule.base_percent[len(ordered)]
        self.weights = rule.rank_weights[len(ordered)]

    def base(self, demand: int) -> tuple[int, ...]:
        """Base per winner (aligned with ``codes``) for ``demand``."""
        return split(demand * self.percent // 100, self.weights)

    def base_by_code(self, demand: int) -> dict[str, int]:
        return dict(zip(self.codes, self.base(demand)))


def check_winners(winners: Sequence[Winner], field: str = "winners") -> list[FieldError]:
    errors: list[FieldError] = []
    if not winners:
        errors.append(FieldError(field, "竞标分组须至少有一家中选企业"))
    if len({w.code for w in winners}) != len(winners):
        errors.append(FieldError(field, "同一企业在一个竞标分组中只能出现一次"))
    if len({w.rank for w in winners}) != len(winners):
        errors.append(FieldError(field, "组内排名不能重复"))
    if any(w.rank < 1 for w in winners):
        errors.append(FieldError(field, "组内排名须为正整数"))
    return errors


def check_demand(value: Any) -> int | None:
    """A demand cell as a whole non-negative number, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None


def validate_allocation(allocation: Any, codes: Sequence[str], remaining: int, field: str) -> dict[str, int]:
    """The institution's own allocation of one group (自主分配): whole, non-negative, only to
    the group's winners, summing exactly to ``remaining``. Every winner missing counts 0.
    Returns {code: qty} for every winner, or raises a 400 naming every problem."""
    errors: list[FieldError] = []
    if not isinstance(allocation, Mapping):
        raise ValidationFailed.on(field, "须为 {企业统一社会信用代码: 数量}", code="bad_allocation")
    result = {code: 0 for code in codes}
    for code, qty in allocation.items():
        where = f"{field}.{code}"
        if code not in result:
            errors.append(FieldError(where, "该企业不是本竞标分组的中选企业"))
        elif not _whole(qty):
            errors.append(FieldError(where, "分配量须为整数"))
        elif qty < 0:
            errors.append(FieldError(where, "分配量不能为负数"))
        else:
            result[code] = qty
    if not errors and sum(result.values()) != remaining:
        errors.append(FieldError(field, f"自主分配量合计 {sum(result.values())} 须等于剩余量 {remaining}"))
    if errors:
        raise ValidationFailed("自主分配量有误", code="bad_allocation", details=errors)
    return result
