"""Pure rules of project results (中选结果) and code matching (对码): prices, ranks, rows, order, windows,
visibility, mapping changes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import project_results as rules
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.identity.validators import credit_code_check_char
from chalicelib.domain.projects import Windows

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
WINDOWS = Windows(T0, T0 + 7 * DAY, T0 + 9 * DAY, T0 + 16 * DAY)
CREDIT = "91630100MA7B2C3D4" + credit_code_check_char("91630100MA7B2C3D4")


@pytest.mark.parametrize("raw, expected", [
    ("12.5", "12.5"), ("590.00", "590.00"), ("0.0001", "0.0001"), ("１２", "12"), (" 7 ", "7"), ("007.50", "7.50"),
    ("１２．５", "12.5"),
])
def test_good_prices_are_canonical_decimal_strings(raw, expected):
    assert rules.price(raw) == expected


@pytest.mark.parametrize("raw, code", [
    ("0", "price_not_positive"), ("0.0000", "price_not_positive"), ("-1", "price_not_positive"),
    ("1.23456", "too_many_decimals"), ("abc", "malformed"), ("1e3", "malformed"), (".5", "malformed"),
    ("5.", "malformed"), ("1,000", "malformed"), ("+5", "malformed"), ("NaN", "malformed"), ("", "required"),
    (None, "required"), (12.5, "malformed"), ("10000000000", "price_too_large"),
])
def test_bad_prices_are_refused_with_a_code(raw, code):
    with pytest.raises(ValidationFailed) as exc:
        rules.price(raw)
    assert exc.value.code == code, f"{raw!r}: {exc.value.code} {exc.value.message}"
    assert exc.value.details[0].field == "price"


@pytest.mark.parametrize("raw, expected", [("1", 1), ("12", 12), ("１", 1), ("03", 3)])
def test_ranks(raw, expected):
    assert rules.rank(raw) == expected


@pytest.mark.parametrize("raw", ["0", "1.5", "-1", "abc", "1001", "1e1"])
def test_bad_ranks(raw):
    with pytest.raises(ValidationFailed) as exc:
        rules.rank(raw)
    assert exc.value.code == "rank_invalid", raw


def row(**over) -> dict:
    return {"bid_group": "A组", "credit_code": CREDIT, "enterprise_name": "某企业", "product_name": "支架",
            "specification": "2.5mm", "model": "", "cert_no": "国械注准２０１５３４６０００１", "price": "590.00",
            "rank": "1", "product_ref": "", **over}


def test_a_good_row_is_normalised():
    result, problems = rules.judge_row(2, row(), {"A组", "B组"})
    assert problems == []
    assert result.cert_no == "国械注准20153460001", "full-width digits made half-width"
    assert (result.price, result.rank, result.model, result.product_ref) == ("590.00", 1, None, None)
    assert result.credit_code == CREDIT


def test_a_bad_row_reports_every_column_at_once():
    result, problems = rules.judge_row(3, row(bid_group="Z组", credit_code="91630100MA7B2C3D40", price="abc",
                                              rank="1.5", specification="", model="", product_name=""),
                                       {"A组"})
    assert result is None
    columns = [c for c, _ in problems]
    assert set(columns) == {"bid_group", "credit_code", "price", "rank", "specification", "product_name"}, problems


def test_specification_or_model_is_enough():
    assert rules.judge_row(2, row(specification="", model="M-1"), {"A组"})[0].model == "M-1"


def test_optional_columns_may_be_missing_from_the_file():
    minimal = {k: row()[k] for k in rules.REQUIRED_COLUMNS} | {"specification": "1ml"}
    result, problems = rules.judge_row(2, minimal, {"A组"})
    assert problems == [] and result.cert_no is None and result.enterprise_name is None


def test_the_first_of_repeated_rows_wins_and_order_is_group_then_rank():
    groups = {"A组", "B组"}
    rows = [rules.judge_row(n, r, groups)[0] for n, r in enumerate([
        row(bid_group="B组", rank="2"), row(bid_group="B组", rank="1", product_name="另一支架"),
        row(bid_group="A组", rank="3", product_name="第三"), row(bid_group="B组", rank="9"),
    ], start=2)]
    kept, errors = rules.first_rows_win(rows)
    assert errors == [(5, "product_name", "与第 2 行重复")]
    order = rules.ordered(kept)
    assert [(r.bid_group, r.rank) for r in order] == [("A组", 3), ("B组", 1), ("B组", 2)]
    assert rules.group_ranges(order) == {"A组": [1, 1], "B组": [2, 3]}


def test_import_window():
    rules.check_importable(WINDOWS, False, WINDOWS.declaration_end)  # from the declaration end on
    rules.check_importable(WINDOWS, False, WINDOWS.publication_end - timedelta(microseconds=1))
    for at, published, code in [
        (WINDOWS.declaration_end - timedelta(microseconds=1), False, "declaration_window_open"),
        (WINDOWS.publication_end, False, "publication_window_passed"),
        (WINDOWS.publication_start, True, "results_published"),
    ]:
        with pytest.raises(Conflict) as exc:
            rules.check_importable(WINDOWS, published, at)
        assert exc.value.code == code, (at, published)


def test_publish_rules():
    rules.check_publishable(WINDOWS, 3, False, WINDOWS.declaration_end)
    for rows, published, at, code in [
        (0, False, WINDOWS.publication_start, "no_results"),
        (3, True, WINDOWS.publication_start, "results_published"),
        (3, False, WINDOWS.publication_end, "publication_window_passed"),
    ]:
        with pytest.raises(Conflict) as exc:
            rules.check_publishable(WINDOWS, rows, published, at)
        assert exc.value.code == code


@pytest.mark.parametrize("at, published, center, enterprise, expected", [
    (WINDOWS.declaration_end, False, True, False, rules.ALL),  # the center: unpublished, before the window
    (WINDOWS.publication_end + DAY, True, True, False, rules.ALL),
    (WINDOWS.publication_start, True, False, True, rules.ALL),  # start inclusive
    (WINDOWS.publication_start, True, False, False, rules.ALL),
    (WINDOWS.publication_end, True, False, True, rules.OWN),  # end exclusive: afterwards, own rows
    (WINDOWS.publication_start - timedelta(microseconds=1), True, False, True, "results_not_public"),
    (WINDOWS.publication_start, False, False, True, "results_not_public"),  # not published
    (WINDOWS.publication_end, False, False, True, "results_not_public"),
    (WINDOWS.publication_end, True, False, False, "results_not_public"),  # a hospital after the window
])
def test_visibility(at, published, center, enterprise, expected):
    if expected in (rules.ALL, rules.OWN):
        assert rules.visibility(WINDOWS, published, at, center=center, enterprise=enterprise) == expected
    else:
        with pytest.raises(Conflict) as exc:
            rules.visibility(WINDOWS, published, at, center=center, enterprise=enterprise)
        assert exc.value.code == expected


def test_listing_ids_round_trip_and_refuse_anything_else():
    project = "a" * 32
    assert rules.parse_listing_id(rules.listing_id(project, 7)) == (project, 7)
    for bad in ("0" * 32, f"{project}-7", f"{project}-0000007", f"{'A' * 32}-000007", "", f"{project}-000007/x"):
        assert rules.parse_listing_id(bad) is None, bad


def test_match_changes():
    assert rules.match_change(None, "C1", None) == rules.SET
    assert rules.match_change("C1", "C1", None) is None, "unchanged: a no-op"
    assert rules.match_change("C1", "C2", "注册证变更") == rules.CHANGED
    for reason in (None, "", "   "):
        with pytest.raises(ValidationFailed) as exc:
            rules.match_change("C1", "C2", reason)
        assert exc.value.code == "reason_required" and exc.value.details[0].field == "reason"


def test_certificate_must_agree_when_the_listing_has_one():
    rules.check_certificate(None, "国械注准20153460001")
    rules.check_certificate("国械注准20153460001", "国械注准20153460001")
    with pytest.raises(ValidationFailed) as exc:
        rules.check_certificate("国械注准20153460001", "国械注准20153460002")
    assert exc.value.code == "certificate_mismatch"
