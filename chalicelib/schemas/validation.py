"""pydantic validation errors as the domain's field-level ValidationFailed.

Every message a user reads is Chinese (SPEC §4, docs/catalog.md): a validator's
own message (``raise ValueError("不能为空")`` → pydantic says ``Value error, 不能为空``)
is given as it was written, without pydantic's English prefix; pydantic's
built-in checks (a missing field, a too-long string, a wrong type…) get the
Chinese message of their error type (``MESSAGES``), filled in from the error's
context — pydantic's documented way to customise messages (loop over
``errors()`` and map ``type``). A type not in the table gets ``INVALID``."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from chalicelib.domain.errors import FieldError, ValidationFailed

INVALID = "取值不合法"
_TYPE = {"string": "文本", "int": "整数", "float": "数字", "decimal": "数字", "bool": "布尔值（true/false）",
         "date": "日期（YYYY-MM-DD）", "datetime": "日期时间（ISO 8601，如 2026-01-01T08:00:00+08:00）",
         "time": "时间", "list": "数组", "tuple": "数组", "set": "数组", "frozen_set": "数组", "dict": "JSON 对象",
         "model": "JSON 对象", "model_attributes": "JSON 对象", "uuid": "UUID", "url": "网址", "bytes": "文本"}
MESSAGES: dict[str, str] = {
    "missing": "必填",
    "extra_forbidden": "不支持该字段",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_unicode": "须为合法的 Unicode 文本",
    "too_short": "至少须有 {min_length} 项",
    "too_long": "最多只能有 {max_length} 项",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "multiple_of": "须为 {multiple_of} 的整数倍",
    "finite_number": "须为有限的数值",
    "int_from_float": "须为整数",
    "decimal_max_digits": "数字位数不能超过 {max_digits} 位",
    "decimal_max_places": "小数位数不能超过 {decimal_places} 位",
    "decimal_whole_digits": "整数部分不能超过 {whole_digits} 位",
    "literal_error": "须为以下之一：{expected}",
    "enum": "须为以下之一：{expected}",
    "date_from_datetime_inexact": "须为日期（YYYY-MM-DD），不含时间",
    "date_past": "须为过去的日期", "date_future": "须为将来的日期",
    "datetime_past": "须为过去的时间", "datetime_future": "须为将来的时间",
    "timezone_aware": "须带时区", "timezone_naive": "不能带时区",
    "json_invalid": "不是合法的 JSON", "json_type": "须为 JSON 文本",
    "none_required": "须为空（null）",
    "union_tag_invalid": "类型不正确", "union_tag_not_found": "缺少类型字段",
    "frozen_field": "不可修改", "frozen_instance": "不可修改",
}


def _must_be(name: str) -> str:
    return f"须为 {name}" if name[0].isascii() else f"须为{name}"


def _expected(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace(" or ", "、").replace(", ", "、")


def message(err: dict[str, Any]) -> str:
    """The Chinese message of one pydantic error (``ValidationError.errors()`` entry)."""
    kind, ctx = err["type"], dict(err.get("ctx") or {})
    if kind in ("value_error", "assertion_error"):  # our own validators: their message as written
        return str(ctx.get("error", "")) or INVALID
    if kind in MESSAGES:
        if "expected" in ctx:
            ctx["expected"] = _expected(ctx)
        try:
            return MESSAGES[kind].format(**ctx)
        except (KeyError, IndexError):
            return INVALID
    base, _, detail = kind.rpartition("_")
    if detail in ("type", "parsing") and base in _TYPE:  # string_type, int_parsing, date_from_datetime_parsing…
        return _must_be(_TYPE[base])
    if kind.startswith(("date_", "datetime_")):
        return _must_be(_TYPE["datetime" if kind.startswith("datetime") else "date"])
    return INVALID


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    return [FieldError(f"{prefix}{'.'.join(str(p) for p in err['loc']) or 'body'}", message(err))
            for err in exc.errors(include_url=False)]


def parse_model(model: type[BaseModel], data: Any, *, prefix: str = "") -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = field_errors(exc, prefix)
        raise ValidationFailed(f"{len(details)} 个字段未通过校验", details=details) from None
