"""Pure rules of the project catalog import rows and of project attachments."""
from __future__ import annotations

import pytest

from chalicelib.domain import consumables
from chalicelib.domain import project_catalog as rules
from chalicelib.domain.errors import ValidationFailed

CODE = "C14010100100001000010000001"
PRODUCT = consumables.Product(CODE, CODE[:20], "1ml", "带针 0.45×16")


def fields_of(row: dict) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_row(row)
    return {d.field: d.message for d in caught.value.details}


def test_a_good_row_is_normalised():
    got = rules.check_row({"code27": " c14010100100001000010000001 ", "bid_group": "  A组   1ml  ", "model": ""})
    assert got == rules.CatalogRow(CODE, "A组 1ml", None, None), got


def test_full_width_codes_are_made_half_width():
    assert rules.check_row({"code27": "Ｃ14010100100001000010000001", "bid_group": "A"}).code27 == CODE


@pytest.mark.parametrize("row, bad", [
    ({"bid_group": "A"}, {"code27"}),
    ({"code27": "", "bid_group": "A"}, {"code27"}),
    ({"code27": "C1401010010000100001", "bid_group": "A"}, {"code27"}),  # a 20-character item code
    ({"code27": "C1401010010000100001000000X", "bid_group": "A"}, {"code27"}),
    ({"code27": "中14010100100001000010000001", "bid_group": "A"}, {"code27"}),
    ({"code27": CODE}, {"bid_group"}),
    ({"code27": CODE, "bid_group": "   "}, {"bid_group"}),
    ({"code27": CODE, "bid_group": "组" * 61}, {"bid_group"}),
    ({"code27": CODE, "bid_group": "A\u202eB"}, {"bid_group"}),  # a right-to-left override
    ({"code27": CODE, "bid_group": "A", "specification": "1\x00ml"}, {"specification"}),
    ({"code27": CODE, "bid_group": "A", "model": "x" * 201}, {"model"}),
    ({"code27": "C1", "bid_group": "", "specification": "\x07"}, {"code27", "bid_group", "specification"}),
])
def test_bad_rows_name_every_bad_column(row, bad):
    assert set(fields_of(row)) == bad


def test_the_hint_for_an_item_code():
    assert "20 位单件编码" in fields_of({"code27": "C1401010010000100001", "bid_group": "A"})["code27"]


def test_bid_group_boundaries():
    assert rules.bid_group("组" * 60) == "组" * 60
    with pytest.raises(ValidationFailed):
        rules.bid_group("组" * 61)
    with pytest.raises(ValidationFailed):
        rules.bid_group(None)


@pytest.mark.parametrize("spec, model, bad", [
    (None, None, []),
    ("1ml", "带针 0.45×16", []),
    ("1ML", " 带针  0.45×16 ", []),  # case and blanks do not matter
    ("１ｍｌ", None, []),  # full-width
    ("5ml", None, ["specification"]),
    (None, "不带针", ["model"]),
    ("5ml", "不带针", ["specification", "model"]),
])
def test_specification_and_model_must_match_the_national_catalog_when_given(spec, model, bad):
    row = rules.CatalogRow(CODE, "A", spec, model)
    problems = rules.mismatches(row, PRODUCT)
    assert [column for column, _ in problems] == bad
    assert all("国家耗材目录" in message for _, message in problems)


def test_an_empty_catalog_value_only_matches_nothing_given():
    blank_model = consumables.Product(CODE, CODE[:20], "1ml", "")
    assert rules.mismatches(rules.CatalogRow(CODE, "A", None, None), blank_model) == []
    assert [c for c, _ in rules.mismatches(rules.CatalogRow(CODE, "A", None, "x"), blank_model)] == ["model"]


def test_attachment_titles():
    assert rules.attachment_title("  采购文件  ") == "采购文件"
    for bad in ("", "   ", "x" * 101, "a\x00b", None, 5):
        with pytest.raises(ValidationFailed):
            rules.attachment_title(bad)


def test_at_most_ten_attachments_each_file_once():
    rules.check_attachable([], "f1")
    rules.check_attachable([f"f{i}" for i in range(9)], "new")
    with pytest.raises(ValidationFailed) as full:
        rules.check_attachable([f"f{i}" for i in range(10)], "new")
    assert full.value.code == "too_many_attachments"
    with pytest.raises(ValidationFailed) as twice:
        rules.check_attachable(["f1"], "f1")
    assert twice.value.code == "already_attached"
