"""The national consumables catalog rules: code formats, certificate numbers,
packaging ratios and specification strings, entrustment documents. Pure."""
from __future__ import annotations

import pytest

from chalicelib.domain import consumables as c
from chalicelib.domain.enums import EntrustmentType
from chalicelib.domain.errors import ValidationFailed

ITEM = "C1401010010000100001"
PRODUCT = ITEM + "0000001"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in text)


def refused(fn, *args, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        result = fn(*args, **kwargs)
        pytest.fail(f"{fn.__name__}{args!r} should be refused but returned {result!r}")
    return caught.value


def codes_and_fields(err: ValidationFailed) -> tuple[str, list[str]]:
    return err.code, [d.field for d in err.details]


# -- codes -------------------------------------------------------------------

@pytest.mark.parametrize("raw", [ITEM, f"  {ITEM}\t", ITEM.lower(), fullwidth(ITEM)])
def test_item_codes_are_normalised(raw):
    assert c.code20(raw) == ITEM


@pytest.mark.parametrize("raw", [PRODUCT, f" {PRODUCT.lower()} ", fullwidth(PRODUCT)])
def test_product_codes_are_normalised(raw):
    assert c.code27(raw) == PRODUCT


@pytest.mark.parametrize("raw", [
    "C140101001000010000",  # 19 characters
    ITEM + "1",  # 21
    "D1401010010000100001",  # wrong letter
    "C14010100100001000O1",  # a letter O for a zero
    "C 1401010010000100001",  # a blank inside
    "C1401010010000100001\u200b",  # a zero-width space
    "C" + fullwidth(ITEM[1:-1]) + "一",  # a CJK character for the last digit
    "14010100100001000011",  # no letter
])
def test_malformed_item_codes_are_refused(raw):
    assert codes_and_fields(refused(c.code20, raw, "data.code20")) == ("malformed", ["data.code20"])


def test_a_product_code_where_an_item_code_is_wanted_says_so():
    err = refused(c.code20, PRODUCT)
    assert "27" in err.details[0].message
    assert "20" in refused(c.code27, ITEM).details[0].message


@pytest.mark.parametrize("raw, code", [(None, "required"), ("", "required"), ("   ", "required"), (12345, "malformed"),
                                       (["C"], "malformed")])
def test_missing_or_non_text_codes(raw, code):
    assert refused(c.code20, raw).code == code
    assert refused(c.code27, raw).code == code


def test_a_product_belongs_to_the_item_its_code_starts_with():
    assert c.item_code_of(PRODUCT) == ITEM
    c.check_product_of_item(PRODUCT, ITEM)
    other = "C1401010010000200001"
    assert codes_and_fields(refused(c.check_product_of_item, PRODUCT, other)) == ("code_mismatch", ["code20"])
    assert refused(c.item_code_of, ITEM).code == "malformed"


# -- certificate numbers, labels, classes -------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("国械注准20193140101", "国械注准20193140101"),
    (" 国械注进20173461234 ", "国械注进20173461234"),
    ("国食药监械（进）字2013第3461234号", "国食药监械(进)字2013第3461234号"),  # full-width brackets made half-width
    ("粤穗械备２０１９０００１号", "粤穗械备20190001号"),
])
def test_certificate_numbers_are_kept_as_written(raw, expected):
    assert c.cert_no(raw) == expected


@pytest.mark.parametrize("raw", ["国械 注准2019", "国械注准#2019", "a/b-2019", "国械%2019", "国械", "x" * 61,
                                 "国械注准\x002019"])
def test_bad_certificate_numbers(raw):
    assert codes_and_fields(refused(c.cert_no, raw, "data.cert_no")) == ("malformed", ["data.cert_no"])


def test_labels_collapse_blanks_and_refuse_control_characters():
    assert c.label("  一次性使用   无菌注射器 ", "name") == "一次性使用 无菌注射器"
    assert c.label("", "model", required=False) is None
    assert refused(c.label, "  ", "name").code == "required"
    assert refused(c.label, "a\x07b", "name").code == "malformed"
    assert refused(c.label, "x" * 201, "name").code == "malformed"


@pytest.mark.parametrize("raw, expected", [("III", "III"), ("iii", "III"), ("Ⅲ", "III"), ("3", "III"),
                                           ("三类", "III"), ("第二类", "II"), ("II类", "II"), ("Ⅰ类", "I"),
                                           ("", None), (None, None)])
def test_device_classes(raw, expected):
    assert c.device_class(raw) == expected


def test_unknown_device_class():
    assert refused(c.device_class, "IV").code == "malformed"


# -- packaging -----------------------------------------------------------------

def test_package_specifications():
    assert c.package_spec(10, "支", "盒") == "10支/盒"
    assert c.package_spec(20, "盒", "箱") == "20盒/箱"
    assert c.package_spec(1, " 片 ", "板") == "1片/板"
    names = {"U001": "支", "U016": "盒", "U017": "箱"}
    assert c.Packaging("U001", "U016", 10, "U017", 20).specs(names) == ("10支/盒", "20盒/箱")
    assert c.Packaging("U001", "U016", 10).specs(names) == ("10支/盒", None)
    with pytest.raises(ValueError):
        c.package_spec(10, "", "盒")


@pytest.mark.parametrize("value", [0, -1, 2.5, 10.0, "10", True, None, c.MAX_RATIO + 1])
def test_a_ratio_is_a_positive_integer(value):
    assert codes_and_fields(refused(c.ratio, value, "data.min_package_ratio")) == \
        ("ratio_invalid", ["data.min_package_ratio"])
    assert refused(c.package_spec, value, "支", "盒").code == "ratio_invalid"


def test_packaging_rules():
    c.check_packaging(c.Packaging("U001", "U016", 10))
    c.check_packaging(c.Packaging("U001", "U016", 10, "U017", 20))
    cases = [
        (c.Packaging("U001", "U016", 0), "ratio_invalid", ["data.min_package_ratio"]),
        (c.Packaging("U001", "U016", 10, "U017", -2), "ratio_invalid", ["data.middle_package_ratio"]),
        (c.Packaging("U001", "U016", 10, "U017", None), "middle_package_incomplete", ["data.middle_package_ratio"]),
        (c.Packaging("U001", "U016", 10, None, 20), "middle_package_incomplete", ["data.middle_package_unit"]),
        (c.Packaging("U016", "U016", 10), "units_identical", ["data.min_package_unit"]),
        (c.Packaging("U001", "U016", 10, "U016", 2), "units_identical", ["data.middle_package_unit"]),
    ]
    for packaging, code, fields in cases:
        assert codes_and_fields(refused(c.check_packaging, packaging, "data.")) == (code, fields), packaging


def test_every_packaging_error_is_reported_at_once():
    err = refused(c.check_packaging, c.Packaging("U001", "U001", 0, None, 5), "data.")
    assert err.code == "validation_failed"  # several codes
    assert sorted(d.field for d in err.details) == ["data.middle_package_unit", "data.min_package_ratio",
                                                   "data.min_package_unit"]


# -- entrustments ----------------------------------------------------------------

FILES = {"authorization_letter_file_id": "f1", "agreement_file_id": "f2", "production_licence_file_id": "f3",
         "product_registration_file_id": "f4", "authorization_letter_en_file_id": "f5",
         "authorization_letter_zh_file_id": "f6"}


@pytest.mark.parametrize("kind", list(EntrustmentType))
def test_each_type_needs_its_documents_and_no_others(kind):
    wanted = c.DOCUMENT_FIELDS[kind]
    c.check_entrustment_documents(kind, {name: FILES[name] for name in wanted})
    for name in wanted:
        missing = {n: FILES[n] for n in wanted if n != name}
        assert codes_and_fields(refused(c.check_entrustment_documents, kind, missing, "data.")) == \
            ("file_required", [f"data.{name}"])
    for name in set(FILES) - set(wanted):
        extra = {**{n: FILES[n] for n in wanted}, name: "x"}
        assert codes_and_fields(refused(c.check_entrustment_documents, kind, extra, "data.")) == \
            ("document_not_for_type", [f"data.{name}"])


def test_an_overseas_agent_may_give_the_same_file_twice():
    c.check_entrustment_documents(EntrustmentType.OVERSEAS_AGENT, {"authorization_letter_en_file_id": "same",
                                                                   "authorization_letter_zh_file_id": "same"})


def test_certificate_lists():
    assert c.check_certificate_list([" 国械注准20193140101", "青械注准20202140002"]) == \
        ["国械注准20193140101", "青械注准20202140002"]
    err = refused(c.check_certificate_list, ["国械注准20193140101", "国械注准20193140101 "], "data.certificate_nos")
    assert codes_and_fields(err) == ("duplicate_certificate", ["data.certificate_nos.1"])
    assert refused(c.check_certificate_list, []).code == "required"
    too_many = [f"国械注准2019314{n:04d}" for n in range(c.MAX_CERTIFICATES_PER_ENTRUSTMENT + 1)]
    assert refused(c.check_certificate_list, too_many).code == "too_many"
    assert codes_and_fields(refused(c.check_certificate_list, ["ok-12345", "a b"], "x")) == ("malformed", ["x.1"])
