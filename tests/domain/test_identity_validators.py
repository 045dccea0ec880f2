"""Identity validators: credit codes, resident IDs, mobiles, accounts,
passwords, dates, names and masks. ``TODAY`` is fixed; nothing reads the clock."""
from __future__ import annotations

import random
from datetime import date, datetime

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.identity import validators as v
from chalicelib.domain.identity.validators import (
    CREDIT_CODE_ALPHABET, MAX_LENGTH, MIN_CLASSES, MIN_LENGTH, PASSWORD_POLICY_TEXT,
    credit_code, credit_code_check_char, date_range, id_number, id_validity, login_key,
    mask_account, mask_id_number, mask_mobile, mobile, org_name, password, person_name,
    resident_id, resident_id_check_digit, unit_account,
)

TODAY = date(2026, 11, 25)

# Real codes whose check character validates. (91350100M000100Y43, often quoted
# as an example, does not: its computed check character is 3, not 4 — left out.)
REAL_CREDIT_CODES = ["91110000600037341L", "9144030071526726XG", "914403001922038216"]
# The worked example of GB 11643-1999.
SAMPLE_ID = "11010519491231002X"


def refused(fn, *args, **kwargs) -> ValidationFailed:
    """Call ``fn`` and return the ValidationFailed it must raise."""
    with pytest.raises(ValidationFailed) as caught:
        result = fn(*args, **kwargs)
        pytest.fail(f"{fn.__name__}{args!r} should be refused but returned {result!r}")
    return caught.value


def assert_refused(fn, *args, code: str, field: str, **kwargs) -> ValidationFailed:
    err = refused(fn, *args, **kwargs)
    assert err.code == code, f"{fn.__name__}{args!r}: expected code {code!r}, got {err.code!r} ({err.message})"
    assert [d.field for d in err.details] == [field], \
        f"{fn.__name__}{args!r}: error should name field {field!r}, got {err.details!r}"
    assert err.message.startswith(f"{field}: "), f"message should lead with the field: {err.message!r}"
    assert err.details[0].message, "the field error needs a human message"
    return err


def make_credit_code(rng: random.Random) -> str:
    body = (rng.choice("123456789ANY") + rng.choice(CREDIT_CODE_ALPHABET)
            + "".join(rng.choice("0123456789") for _ in range(6))
            + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9)))
    return body + credit_code_check_char(body)


def make_resident_id(rng: random.Random) -> str:
    first, last = date(1900, 1, 1).toordinal(), TODAY.toordinal()
    born = date.fromordinal(rng.randint(first, last)).strftime("%Y%m%d")
    province = rng.choice(sorted(v.RESIDENT_ID_PROVINCES))
    body = f"{province}{rng.randrange(10000):04d}{born}{rng.randrange(1000):03d}"
    return body + resident_id_check_digit(body)


# --------------------------------------------------------------------------- credit code

def test_check_char_matches_an_independent_computation_of_the_standard():
    # GB 32100-2015: weights are 3**i mod 31, check char = alphabet[(31 - sum % 31) % 31].
    rng = random.Random(3210)
    for _ in range(500):
        body = "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(17))
        total = sum(CREDIT_CODE_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
        expected = CREDIT_CODE_ALPHABET[-total % 31]
        assert credit_code_check_char(body) == expected, f"check char of {body}"


def test_check_char_value_zero_maps_to_zero_not_31():
    body = next(b for b in (f"9111000060003734{c}" for c in CREDIT_CODE_ALPHABET)
                if credit_code_check_char(b) == "0")
    assert credit_code(body + "0") == body + "0", f"{body}0 has check value 31 -> 0 and must validate"


@pytest.mark.parametrize("bad", ["", "1" * 16, "1" * 18, "I" * 17, "9111000060003734o"])
def test_check_char_helper_rejects_bad_bodies_with_value_error(bad):
    with pytest.raises(ValueError):
        credit_code_check_char(bad)


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_validate(code):
    assert credit_code(code) == code, f"real code {code} must validate"


def test_generated_credit_codes_validate():
    rng = random.Random(1)
    for _ in range(300):
        code = make_credit_code(rng)
        assert credit_code(code) == code, f"generated code {code} must validate"


@pytest.mark.parametrize("raw, expected", [
    ("9144030071526726xg", "9144030071526726XG"),
    ("  91110000600037341l\t", "91110000600037341L"),
    ("\u3000９１１１００００６０００３７３４１Ｌ\u3000", "91110000600037341L"),   # full-width, ideographic space
])
def test_credit_code_is_normalised(raw, expected):
    assert credit_code(raw) == expected, f"{raw!r} should normalise to {expected}"


def test_a_change_at_any_position_is_detected():
    # Substituting any single character by any other of the alphabet changes the
    # mod-31 sum by (d * w) with 0 < d < 31 and w coprime with 31: always detected.
    for code in REAL_CREDIT_CODES:
        for pos in range(18):
            for c in CREDIT_CODE_ALPHABET:
                if c == code[pos]:
                    continue
                changed = code[:pos] + c + code[pos + 1:]
                well_formed = changed[0] in "123456789ANY" and changed[2:8].isdigit()
                err = refused(credit_code, changed)
                expected = "check_character" if well_formed else "malformed"
                assert err.code == expected, \
                    f"{changed} (position {pos + 1} changed): expected {expected}, got {err.code}"


def test_wrong_check_character_message():
    err = assert_refused(credit_code, "91110000600037341M", code="check_character", field="credit_code")
    assert "校验码" in err.details[0].message, f"message should mention the check character: {err.message}"


def test_transposition_of_adjacent_characters_is_detected():
    code = REAL_CREDIT_CODES[0]
    for pos in range(17):
        if code[pos] != code[pos + 1]:
            swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2:]
            assert refused(credit_code, swapped), f"swap at {pos + 1} of {code} undetected"


@pytest.mark.parametrize("raw, code", [
    (None, "required"),
    ("", "required"),
    ("   ", "required"),
    (91110000600037341, "malformed"),                     # a number, not a string
    ("91110000600037341", "malformed"),                    # 17 chars
    ("91110000600037341LL", "malformed"),                  # 19 chars
    ("9111000060003734IL", "malformed"),                   # I not in the alphabet
    ("9111000060003734OL", "malformed"),                   # O
    ("9111000060003734ZL", "malformed"),                   # Z
    ("9111000060003734SL", "malformed"),                   # S
    ("9111000060003734VL", "malformed"),                   # V
    ("91110000-60003734L", "malformed"),
    ("9111 0000 6000 3734 1L", "malformed"),               # inner spaces are not stripped
    ("0" + "1110000600037341L", "malformed"),              # authority 0 does not exist
    ("B" + "1110000600037341L", "malformed"),              # authority B does not exist
    ("911A0000600037341L", "malformed"),                   # region code with a letter
    ("9111000060003734１L".replace("１", "é"), "malformed"),  # non-ASCII
])
def test_bad_credit_codes(raw, code):
    assert_refused(credit_code, raw, code=code, field="credit_code")


def test_credit_code_error_names_the_callers_field():
    assert_refused(credit_code, "bad", "enterprise.credit_code", code="malformed", field="enterprise.credit_code")


@pytest.mark.parametrize("authority", list("123456789ANY"))
def test_every_registration_authority_of_the_standard_is_accepted(authority):
    body = authority + "1110000600037341"
    code = body + credit_code_check_char(body)
    assert credit_code(code) == code, f"authority {authority} must be accepted"


# --------------------------------------------------------------------------- resident ID

def test_sample_id_from_the_standard():
    assert resident_id_check_digit(SAMPLE_ID[:17]) == "X", "GB 11643 example must give X"
    assert resident_id(SAMPLE_ID, "id", TODAY) == SAMPLE_ID


def test_check_digit_matches_iso_7064_mod_11_2():
    # MOD 11-2 closed form: weights 2**(17-i) mod 11, check = (12 - sum % 11) % 11, 10 -> X.
    rng = random.Random(11)
    for _ in range(500):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        value = (12 - sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body)) % 11) % 11
        assert resident_id_check_digit(body) == ("X" if value == 10 else str(value)), body


@pytest.mark.parametrize("bad", ["", "1" * 16, "1" * 18, "1101051949123100X", "１" * 17])
def test_check_digit_helper_rejects_bad_bodies_with_value_error(bad):
    with pytest.raises(ValueError):
        resident_id_check_digit(bad)


def test_generated_ids_validate():
    rng = random.Random(2)
    for _ in range(300):
        number = make_resident_id(rng)
        assert resident_id(number, "id", TODAY) == number, f"generated id {number} must validate"


@pytest.mark.parametrize("raw", ["11010519491231002x", " 11010519491231002X ", "１１０１０５１９４９１２３１００２ｘ"])
def test_resident_id_normalisation(raw):
    assert resident_id(raw, "id", TODAY) == SAMPLE_ID, f"{raw!r} should normalise to {SAMPLE_ID}"


def with_check(body17: str) -> str:
    return body17 + resident_id_check_digit(body17)


@pytest.mark.parametrize("raw, code", [
    (None, "required"),
    ("", "required"),
    ("\t \u3000", "required"),
    (110105194912310020, "malformed"),                  # int
    ("110105491231002", "malformed"),                   # old 15-digit format
    ("11010519491231002", "malformed"),                 # 17
    ("11010519491231002XX", "malformed"),               # 19
    ("1101051949123100X2", "malformed"),                # X not last
    ("11010519491231002Y", "malformed"),
    ("11010519491231-02X", "malformed"),
    (with_check("00010519491231002"), "malformed"),     # province 00
    (with_check("10010519491231002"), "malformed"),     # province 10
    (with_check("16010519491231002"), "malformed"),     # between 15 and 21
    (with_check("99010519491231002"), "malformed"),
    (with_check("11010519491332002"), "birth_date_invalid"),   # month 13
    (with_check("11010519490230002"), "birth_date_invalid"),   # Feb 30
    (with_check("11010520250229002"), "birth_date_invalid"),   # Feb 29 on a non-leap year
    (with_check("11010519000229002"), "birth_date_invalid"),   # 1900 is not a leap year
    (with_check("11010500000101002"), "birth_date_invalid"),   # year 0
    (with_check("11010518991231002"), "birth_date_invalid"),   # before 1900
    (with_check("11010520261126002"), "birth_date_in_future"),  # tomorrow
    (with_check("11010520990101002"), "birth_date_in_future"),
    ("110105194912310021", "check_digit"),
    ("110105194912310020", "check_digit"),
])
def test_bad_resident_ids(raw, code):
    assert_refused(resident_id, raw, "operator.id_number", TODAY, code=code, field="operator.id_number")


def test_feb_29_on_leap_years_and_today_and_1900_are_valid_birth_dates():
    for body in ("11010520000229002", "11010520240229002", "11010520261125002", "11010519000101002"):
        assert resident_id(with_check(body), "id", TODAY) == with_check(body), f"{body} is a real past date"


def test_any_single_digit_change_is_detected():
    for pos in range(18):
        for c in "0123456789X":
            if c == SAMPLE_ID[pos] or (c == "X" and pos < 17):
                continue
            changed = SAMPLE_ID[:pos] + c + SAMPLE_ID[pos + 1:]
            err = refused(resident_id, changed, "id", TODAY)
            if pos >= 14:  # sequence code and check digit: only the check digit can notice
                assert err.code == "check_digit", f"{changed}: expected check_digit, got {err.code}"


@pytest.mark.parametrize("province", sorted(v.RESIDENT_ID_PROVINCES))
def test_every_province_code_is_accepted(province):
    number = with_check(province + "010519491231002")
    assert resident_id(number, "id", TODAY) == number, f"province {province} must be accepted"


def test_province_set_is_the_documented_one():
    expected = {*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55),
                *range(61, 66), 71, 81, 82, 83, 91}
    assert v.RESIDENT_ID_PROVINCES == {str(n) for n in expected}


@pytest.mark.parametrize("today", [None, "2026-11-25", datetime(2026, 11, 25)])
def test_resident_id_needs_a_real_today(today):
    with pytest.raises(TypeError):
        resident_id(SAMPLE_ID, "id", today)


# --------------------------------------------------------------------------- mobile

@pytest.mark.parametrize("raw", [
    "13812345678", " 13812345678 ", "+8613812345678", "8613812345678", "+86 138 1234 5678",
    "138-1234-5678", "+86-138-1234-5678", "１３８１２３４５６７８", "\u300013812345678",
])
def test_mobiles_are_normalised_to_11_digits(raw):
    assert mobile(raw) == "13812345678", f"{raw!r} should normalise to 13812345678"


@pytest.mark.parametrize("prefix", list("3456789"))
def test_all_mobile_prefixes_13_to_19(prefix):
    assert mobile(f"1{prefix}012345678") == f"1{prefix}012345678"


@pytest.mark.parametrize("raw, code", [
    (None, "required"),
    ("", "required"),
    ("  ", "required"),
    (13812345678, "malformed"),
    ("12812345678", "malformed"),       # 12 is not a mobile prefix
    ("10812345678", "malformed"),
    ("23812345678", "malformed"),
    ("1381234567", "malformed"),        # 10 digits
    ("138123456789", "malformed"),      # 12 digits
    ("+861381234567", "malformed"),     # +86 + 10 digits
    ("+85213812345678", "malformed"),   # Hong Kong prefix
    ("008613812345678", "malformed"),
    ("86138123456", "malformed"),       # 11 digits starting 86: not stripped, not a mobile
    ("1381234567a", "malformed"),
    ("138.1234.5678", "malformed"),
    ("138\n12345678", "malformed"),
    ("１３８１２３４５６７٨", "malformed"),  # Arabic-Indic digit
    (" - ", "malformed"),
])
def test_bad_mobiles(raw, code):
    assert_refused(mobile, raw, code=code, field="mobile")


def test_mobile_uses_the_callers_field():
    assert_refused(mobile, "1", "operator.mobile", code="malformed", field="operator.mobile")


# --------------------------------------------------------------------------- unit account

@pytest.mark.parametrize("raw, expected", [
    ("abcd", "abcd"), ("Hospital_01", "Hospital_01"), ("  MedCo  ", "MedCo"),
    ("a" * 32, "a" * 32), ("Ｍｅｄ＿ｃｏ", "Med_co"),
    ("Y" + "0" * 17, "Y" + "0" * 17),  # 18 chars starting Y but not a valid credit code
])
def test_good_unit_accounts_are_returned_as_given(raw, expected):
    assert unit_account(raw) == expected, f"{raw!r} should be accepted as {expected!r}"


@pytest.mark.parametrize("raw, code", [
    (None, "required"), ("", "required"), (1234, "malformed"),
    ("abc", "malformed"), ("a" * 33, "malformed"), ("1abcd", "malformed"), ("_abcd", "malformed"),
    ("13812345678", "malformed"), ("ab cd", "malformed"), ("ab-cd", "malformed"), ("ab.cd", "malformed"),
    ("医院账号", "malformed"), ("abcdé", "malformed"), ("ab\ncd", "malformed"),
])
def test_bad_unit_accounts(raw, code):
    assert_refused(unit_account, raw, code=code, field="unit_account")


def test_unit_account_refuses_anything_that_passes_as_a_credit_code():
    for authority in "ANY":
        body = authority + "1110000600037341"
        code = body + credit_code_check_char(body)
        for candidate in (code, code.lower()):
            assert_refused(unit_account, candidate, code="looks_like_credit_code", field="unit_account")


def test_login_key_is_case_insensitive_canonical_form():
    assert login_key("  MedCo_01 ") == "medco_01"
    assert login_key("MEDCO_01") == login_key("medco_01") == login_key("ＭｅｄＣｏ＿０１"), \
        "all spellings of one name must share a key"


# --------------------------------------------------------------------------- password

GOOD_PASSWORD = "Tr0ub4dor&3x"


@pytest.mark.parametrize("pw", [
    GOOD_PASSWORD, "Kx9#mVq2", "kx9#mvq2", "KX9#MVQ2", "Kx9mVq2z", "Kx#mVq!z", "x" * 4 + "Y7" + "!" * 4,
    "Aa1!" * 8,  # exactly MAX_LENGTH
])
def test_good_passwords_are_returned_unchanged(pw):
    assert password(pw) == pw, f"{pw!r} meets the policy"


@pytest.mark.parametrize("pw, rule", [
    ("Kx9#mV2", "长度"),                 # 7
    ("Aa1!" * 8 + "x", "长度"),          # 33
    ("Kx9# mVq2", "空格"),
    ("Kx9#\tmVq2", "空格"),
    ("Kx9#\x00mVq2", "控制"),
    ("Kx9#mVq2\u200b", "控制"),          # zero-width space is not printable
    ("Kx9#mVq2！", "全角"),              # full-width exclamation mark is not normalised
    ("Kx9#mVq2密码", "中文"),
    ("kx9mvq2zz", "至少"),               # lower + digit only
    ("KXMVQ!!#$", "至少"),               # upper + symbol only
    ("12345678", "至少"),
    ("Kx9#aaaaa", "连续"),               # run of 5
    ("Kx9#11111", "连续"),
    ("Kx9#!!!!!", "连续"),
])
def test_weak_passwords_say_which_rule_failed(pw, rule):
    err = assert_refused(password, pw, code="weak_password", field="password")
    assert rule in err.details[0].message, f"{pw!r}: message should mention {rule!r}: {err.message}"


def test_a_run_of_four_is_allowed_and_case_matters():
    assert password("Kx9#aaaa") == "Kx9#aaaa", "4 identical in a row is allowed"
    assert password("Kx9#aAaAa") == "Kx9#aAaAa", "alternating case is not a run"


@pytest.mark.parametrize("pw", ["Passw0rd!", "PASSW0RD!", "password1!", "Admin@123", "abc@123456", "Qwer1234!",
                                "p@ssw0rd", "1qaz@wsx", "1QAZ@WSX", "Aa123456!", "Aa123456", "aA123456"])
def test_common_passwords_are_refused_case_insensitively(pw):
    err = assert_refused(password, pw, code="weak_password", field="password")
    assert "常见" in err.details[0].message, f"{pw!r}: message should say it is a common password"


@pytest.mark.parametrize("identifiers", [("MedCo01",), ("medco01",), ("x", "13812345678")])
def test_password_must_not_contain_identifiers(identifiers):
    pw = "Xy#MedCo01!" if identifiers[0] != "x" else "Q#13812345678"
    err = assert_refused(password, pw, "new_password", identifiers=identifiers,
                         code="weak_password", field="new_password")
    assert "个人信息" in err.details[0].message, err.message


def test_short_and_odd_identifiers_are_ignored():
    assert password("Kx9#abcVq2", identifiers=("abc", "", None, 123, "   ")) == "Kx9#abcVq2", \
        "identifiers shorter than 4 characters (or not strings) must not count"


@pytest.mark.parametrize("raw, code", [(None, "required"), ("", "required"), (12345678, "malformed"),
                                       (b"Kx9#mVq2", "malformed")])
def test_missing_or_non_string_password(raw, code):
    assert_refused(password, raw, code=code, field="password")


def test_password_is_not_stripped():
    assert_refused(password, " Kx9#mVq2 ", code="weak_password", field="password")


def test_policy_constants_and_text():
    assert (MIN_LENGTH, MAX_LENGTH, MIN_CLASSES) == (8, 32, 3)
    for fragment in (str(MIN_LENGTH), str(MAX_LENGTH), str(MIN_CLASSES)):
        assert fragment in PASSWORD_POLICY_TEXT, f"policy text should mention {fragment}"
    assert PASSWORD_POLICY_TEXT.endswith("。") and PASSWORD_POLICY_TEXT.count("。") == 1, "one sentence"


def test_common_password_list_entries_would_otherwise_pass():
    # Guards the list against entries the other rules already reject (dead weight).
    for pw in ("Aa123456", "P@ssw0rd", "Admin@123"):
        assert pw.lower() in v.COMMON_PASSWORDS


# --------------------------------------------------------------------------- dates

D1, D2 = date(2020, 1, 1), date(2030, 1, 1)


def test_date_range_accepts_ordered_and_equal_dates():
    assert date_range(D1, D2, "a", "b") == (D1, D2)
    assert date_range(D1, D1, "a", "b") == (D1, D1), "a one-day range is valid"
    assert date_range(D1, None, "a", "b", allow_open_end=True) == (D1, None), "open end when allowed"


@pytest.mark.parametrize("start, end, kw, code, field", [
    (D2, D1, {}, "dates_out_of_order", "b"),
    (D2, D1, {"allow_open_end": True}, "dates_out_of_order", "b"),
    (D1, None, {}, "required", "b"),
    (None, D2, {}, "required", "a"),
    (None, None, {"allow_open_end": True}, "required", "a"),
    ("2020-01-01", D2, {}, "malformed", "a"),
    (D1, "2030-01-01", {}, "malformed", "b"),
    (datetime(2020, 1, 1), D2, {}, "malformed", "a"),
    (D1, 20300101, {}, "malformed", "b"),
])
def test_bad_date_ranges(start, end, kw, code, field):
    assert_refused(date_range, start, end, "a", "b", code=code, field=field, **kw)


def test_id_validity_accepts_current_and_long_term_ids():
    assert id_validity(D1, D2, TODAY, "operator.id_valid") == (D1, D2)
    assert id_validity(D1, None, TODAY, "operator.id_valid") == (D1, None), "None means 长期"
    assert id_validity(TODAY, TODAY, TODAY, "id_valid") == (TODAY, TODAY), "valid from today, last day today"


@pytest.mark.parametrize("start, end, code, field", [
    (D1, date(2026, 11, 24), "id_expired", "operator.id_valid_end"),
    (date(2026, 11, 26), D2, "id_not_yet_valid", "operator.id_valid_start"),
    (date(2026, 11, 26), None, "id_not_yet_valid", "operator.id_valid_start"),
    (D2, D1, "dates_out_of_order", "operator.id_valid_end"),
    (None, D2, "required", "operator.id_valid_start"),
    ("2020-01-01", None, "malformed", "operator.id_valid_start"),
])
def test_bad_id_validity(start, end, code, field):
    assert_refused(id_validity, start, end, TODAY, "operator.id_valid", code=code, field=field)


def test_id_validity_needs_a_real_today():
    with pytest.raises(TypeError):
        id_validity(D1, D2, None, "id_valid")


# --------------------------------------------------------------------------- names

@pytest.mark.parametrize("raw, expected", [
    ("张三", "张三"), ("  李四 ", "李四"), ("阿卜杜拉·买买提", "阿卜杜拉·买买提"),
    ("阿卜杜拉・买买提", "阿卜杜拉·买买提"),   # katakana middle dot
    ("阿卜杜拉•买买提", "阿卜杜拉·买买提"),    # bullet
    ("阿卜杜拉 · 买买提", "阿卜杜拉·买买提"),
    ("John Smith", "John Smith"), ("John   Smith", "John Smith"), ("Ｊｏｈｎ\u3000Ｓｍｉｔｈ", "John Smith"),
    ("José Núñez", "José Núñez"), ("王〇", "王〇"), ("𠈌明", "𠈌明"), ("Li 小明", "Li 小明"),
    ("张" * 30, "张" * 30),
])
def test_good_person_names(raw, expected):
    assert person_name(raw, "operator.name") == expected, f"{raw!r} should give {expected!r}"


@pytest.mark.parametrize("raw, code", [
    (None, "required"), ("", "required"), ("   ", "required"), (12, "malformed"),
    ("张", "malformed"), ("张" * 31, "malformed"),
    ("张三1", "malformed"), ("张三!", "malformed"), ("O'Brien", "malformed"), ("Mary-Jane", "malformed"),
    ("·张三", "malformed"), ("张三·", "malformed"), ("张··三", "malformed"),
    ("张\t三", "malformed"), ("张\n三", "malformed"), ("张\u200b三", "malformed"),
    ("Иван", "malformed"), ("김철수", "malformed"), ("😀😀", "malformed"),
])
def test_bad_person_names(raw, code):
    assert_refused(person_name, raw, "operator.name", code=code, field="operator.name")


@pytest.mark.parametrize("raw, expected", [
    ("国药控股（上海）有限公司", "国药控股（上海）有限公司"),   # full-width brackets kept
    ("  Sinopharm   Group\u3000Co., Ltd. ", "Sinopharm Group Co., Ltd."),
    ("AB", "AB"), ("院" * 100, "院" * 100),
])
def test_good_org_names(raw, expected):
    assert org_name(raw, "name") == expected, f"{raw!r} should give {expected!r}"


@pytest.mark.parametrize("raw, code", [
    (None, "required"), ("", "required"), (" \u3000 ", "required"), (["x"], "malformed"),
    ("院", "malformed"), ("院" * 101, "malformed"),
    ("国药\n控股", "malformed"), ("国药\t控股", "malformed"), ("国药\x07控股", "malformed"),
    ("国药\u200b控股", "malformed"), ("国药\u202e控股", "malformed"),   # zero-width, bidi override
])
def test_bad_org_names(raw, code):
    assert_refused(org_name, raw, "enterprise.name", code=code, field="enterprise.name")


# --------------------------------------------------------------------------- id_number

def test_id_number_delegates_resident_ids():
    assert id_number("resident_id", "11010519491231002x", "op.id", TODAY) == SAMPLE_ID
    assert_refused(id_number, "resident_id", "110105194912310021", "op.id", TODAY,
                   code="check_digit", field="op.id")


@pytest.mark.parametrize("id_type, raw, expected", [
    ("passport", "e12345678", "E12345678"),
    ("hk_macao_pass", " H1234567890 ", "H1234567890"),
    ("taiwan_pass", "12345678", "12345678"),
    ("foreign_permanent_resident", "USA123456789012", "USA123456789012"),
    ("passport", "ＡＢ－１２３", "AB-123"),
    ("passport", "A" * 30, "A" * 30),
])
def test_other_id_numbers(id_type, raw, expected):
    assert id_number(id_type, raw, "op.id", TODAY) == expected


@pytest.mark.parametrize("raw, code", [
    (None, "required"), ("", "required"), (123456, "malformed"),
    ("E123", "malformed"), ("E" * 31, "malformed"), ("E1234 5678", "malformed"),
    ("E1234_5678", "malformed"), ("E1234/5678", "malformed"), ("护照12345", "malformed"),
])
def test_bad_other_id_numbers(raw, code):
    assert_refused(id_number, "passport", raw, "op.id", TODAY, code=code, field="op.id")


def test_a_resident_id_shaped_passport_is_not_checked_as_resident_id():
    assert id_number("passport", "110105194912310021", "op.id", TODAY) == "110105194912310021"


# --------------------------------------------------------------------------- masks

@pytest.mark.parametrize("raw, expected", [
    ("13812345678", "138****5678"), ("", ""), (None, ""), ("1234", "****"),
])
def test_mask_mobile(raw, expected):
    assert mask_mobile(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("medco_hospital", "me**********al"), ("abcde", "ab***de"), ("abcdefg", "ab***fg"),
    ("abcdefgh", "ab****gh"), ("abcd", "a***"), ("ab", "a***"), ("a", "a***"), ("", ""), (None, ""),
])
def test_mask_account(raw, expected):
    assert mask_account(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (SAMPLE_ID, "1101**********002X"), ("USA123456789012", "USA1*******9012"),
    ("E12345678", "E*******8"), ("AB", "**"), ("", ""), (None, ""),
])
def test_mask_id_number(raw, expected):
    assert mask_id_number(raw) == expected


def test_masks_never_reveal_the_middle():
    for raw in ("13812345678", SAMPLE_ID, "medco_hospital"):
        for masked in (mask_mobile(raw), mask_id_number(raw), mask_account(raw)):
            assert raw[5:9] not in masked, f"{masked!r} leaks the middle of {raw!r}"
