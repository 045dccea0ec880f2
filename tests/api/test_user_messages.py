"""Every field message a user reads is Chinese and the documented one (issue 15
item 5): pydantic's "Value error, " prefix and its English built-in messages
never reach ``details[].message`` nor an import's error workbook.

The walk covers every model the API exposes (each route's body and query, and
the models nested in them) and every model an import or a record kind
validates with (``services.records.kinds.KINDS``; the product import's
``ProductData``): each field is fed values of the wrong kind, one at a time,
and every message pydantic produces is checked."""
from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel

from tests.api.conftest import assert_error, body
from tests.api.test_product_import import ITEM, run_import, submitted_item, world, xlsx  # noqa: F401 (fixture)

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_PREFIXES = ("Value error", "Assertion failed", "Input should", "Field required", "String should",
                    "Extra inputs", "List should")
BAD_VALUES: tuple[Any, ...] = (None, "", "   ", "x" * 5000, "C123", "not-a-date", "2026-13-45", 12345, -1, 0, 2.5,
                               True, [], [1, 2], {}, {"a": 1}, "Ｕ００１", "\u3000")


def _nested(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _nested(arg)]


def exposed_models() -> list[type[BaseModel]]:
    import app  # noqa: F401  (registers every endpoint)
    from chalicelib.handlers._http import ENDPOINTS
    from chalicelib.services.records.kinds import KINDS
    from chalicelib.services.records.product_import import ProductData

    roots = [m for d in ENDPOINTS.values() for m in (d.body, d.query) if m is not None]
    roots += [spec.model for spec in KINDS.values()] + [ProductData]
    seen: dict[str, type[BaseModel]] = {}
    todo = list(roots)
    while todo:
        model = todo.pop()
        name = f"{model.__module__}.{model.__qualname__}"
        if name in seen:
            continue
        seen[name] = model
        for field in model.model_fields.values():
            todo += _nested(field.annotation)
    return sorted(seen.values(), key=lambda m: (m.__module__, m.__qualname__))


def _messages(model: type[BaseModel], data: Any) -> list[tuple[str, str]]:
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.schemas.validation import parse_model

    try:
        parse_model(model, data)
    except ValidationFailed as exc:
        return [(d.field, d.message) for d in exc.details]
    except Exception as exc:  # noqa: BLE001 - a validator that raises something else is a 500: report it
        return [("<raised>", f"{type(exc).__name__}: {exc}")]
    return []


def _wrong(message: str) -> bool:
    return not message or message.startswith(ENGLISH_PREFIXES) or not CJK.search(message)


def test_every_validator_of_every_exposed_model_speaks_chinese():
    models = exposed_models()
    assert len(models) > 40, f"expected every model of the API and the imports, found {len(models)}"
    wrong, checked = [], 0
    for model in models:
        inputs = [{}, [], "x", {"no_such_field": 1}]
        inputs += [{name: bad} for name in model.model_fields for bad in BAD_VALUES]
        for data in inputs:
            for field, message in _messages(model, data):
                checked += 1
                if _wrong(message):
                    wrong.append(f"{model.__qualname__} {data!r:.60} -> {field}: {message!r}")
    assert checked > 1000, f"only {checked} messages checked"
    assert not wrong, f"{len(wrong)} messages are not the documented Chinese ones:\n" + "\n".join(sorted(set(wrong))[:40])


def test_builtin_checks_have_their_chinese_message():
    from chalicelib.schemas.validation import message

    assert message({"type": "missing"}) == "必填"
    assert message({"type": "string_too_long", "ctx": {"max_length": 10}}) == "长度不能超过 10 个字符"
    assert message({"type": "enum", "ctx": {"expected": "'a', 'b' or 'c'"}}) == "须为以下之一：'a'、'b'、'c'"
    assert message({"type": "value_error", "ctx": {"error": ValueError("不能为空")}}) == "不能为空"
    assert message({"type": "int_parsing"}) == "须为整数"
    assert message({"type": "something_new_in_pydantic"}) == "取值不合法"


def test_record_api_gives_the_documented_code27_message(api, catalog_world):
    response = api.post("/records/product", {"data": {"code27": "C123", "min_usage_unit": "U001",
                                                      "min_package_unit": "U016", "min_package_ratio": 10}},
                        token=catalog_world["token"])
    error = assert_error(response, 400, "validation_failed", "a malformed code27")
    by_field = {d["field"]: d["message"] for d in error["details"]}
    assert by_field["data.code27"].startswith("规格型号编码须为字母 C 加 26 位数字，共 27 位"), by_field
    empty = api.post("/records/product", {"data": {"code27": f"{ITEM}0000001", "min_usage_unit": " ",
                                                   "min_package_unit": "U016", "min_package_ratio": 10}},
                     token=catalog_world["token"])
    details = body(empty)["error"]["details"]
    assert {"field": "data.min_usage_unit", "message": "不能为空"} in details, details


def test_the_product_import_workbook_gives_the_documented_messages(api, client, aws, world):  # noqa: F811
    submitted_item(api, world)
    report = run_import(api, client, aws, world["token"], xlsx([
        ("C1234", "U001", "U016", 10, None, None),
        (f"{ITEM}0000001", " ", "U016", 10, None, None),
    ]))
    messages = {(row, column): message for row, column, message, *_ in report["errors"]}
    assert messages[(2, "code27")].startswith("规格型号编码须为字母 C 加 26 位数字，共 27 位"), messages
    assert messages[(3, "min_usage_unit")] == "不能为空", messages
    assert not [m for m in messages.values() if _wrong(m)], messages


def test_an_api_body_error_is_chinese(api):
    response = api.post("/sessions", {"login": 1, "password": None, "captcha_id": [], "extra": True})
    error = assert_error(response, 400, "validation_failed", "a body of wrong types")
    assert error["details"] and not [d for d in error["details"] if _wrong(d["message"])], error["details"]
