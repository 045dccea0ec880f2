"""Format validators for identity data: credit codes, resident IDs, mobiles,
login names, passwords, names, ID validity dates, and display masks.

Every validator takes the raw value and the ``field`` name the caller wants in
the error (so nested fields read ``operator.id_number``), returns the
normalised value, and raises ``ValidationFailed.on(field, 中文说明, code=...)``
for bad input. Stdlib only; time-dependent rules take ``today`` explicitly.

Codes: ``required`` (None / empty), ``malformed`` (wrong shape or type), and
rule-specific codes documented on each function.
"""
from __future__ import annotations

import re
import string
import unicodedata
from datetime import date, datetime
from typing import Iterable

from chalicelib.domain.errors import ValidationFailed

# Patterns are kept as strings and compiled by ``re`` on first use (its cache keeps them): compiling them
# all at import cost ~2.5 ms of a cold start (docs/benchmarks.md).

# --------------------------------------------------------------------------- helpers

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _halfwidth(text: str) -> str:
    """Map full-width ASCII (``１２ＡＢ－``) and the ideographic space to ASCII."""
    return text.translate(_FULLWIDTH)


def _text(value: object, field: str) -> str:
    """A present, non-blank string, half-width normalised and stripped."""
    if value is None:
        raise ValidationFailed.on(field, "不能为空", code="required")
    if not isinstance(value, str):
        raise ValidationFailed.on(field, "须为字符串", code="malformed")
    text = _halfwidth(value).strip()
    if not text:
        raise ValidationFailed.on(field, "不能为空", code="required")
    return text


def _ascii_upper(value: object, field: str) -> str:
    text = _text(value, field)
    if not text.isascii():
        raise ValidationFailed.on(field, "含有非法字符", code="malformed")
    return text.upper()


def _check_today(today: object) -> date:
    if not isinstance(today, date) or isinstance(today, datetime):
        raise TypeError(f"today must be a datetime.date, got {today!r}")
    return today


# --------------------------------------------------------------------------- credit code

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
CREDIT_CODE_AUTHORITIES = "123456789ANY"  # GB 32100-2015 登记管理部门代码
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_ALPHABET)}


def credit_code_check_char(first17: str) -> str:
    """Check character of a unified social credit code (GB 32100-2015, mod 31)."""
    if len(first17) != 17 or any(c not in _CREDIT_VALUE for c in first17):
        raise ValueError(f"need 17 characters of {CREDIT_CODE_ALPHABET}, got {first17!r}")
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code(value: object, field: str = "credit_code") -> str:
    """统一社会信用代码 (GB 32100-2015): 18 characters, upper-cased.

    Codes: ``malformed``, ``check_character``.
    """
    code = _ascii_upper(value, field)
    if len(code) != 18:
        raise ValidationFailed.on(field, "统一社会信用代码须为 18 位", code="malformed")
    bad = [c for c in code if c not in _CREDIT_VALUE]
    if bad:
        raise ValidationFailed.on(
            field, f"统一社会信用代码含有非法字符 {bad[0]}（不使用 I、O、Z、S、V）", code="malformed")
    if code[0] not in CREDIT_CODE_AUTHORITIES:
        raise ValidationFailed.on(field, "统一社会信用代码第 1 位（登记管理部门代码）无效", code="malformed")
    if not code[2:8].isdigit():
        raise ValidationFailed.on(field, "统一社会信用代码第 3–8 位（行政区划代码）须为数字", code="malformed")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationFailed.on(field, "统一社会信用代码校验码错误，请核对", code="check_character")
    return code


# --------------------------------------------------------------------------- resident ID

RESIDENT_ID_PROVINCES = frozenset(
    [str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
                      *range(50, 55), *range(61, 66), 71, 81, 82, 83, 91)])
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_MAP = "10X98765432"
_ID_SHAPE = r"[0-9]{17}[0-9X]"
_EARLIEST_BIRTH = date(1900, 1, 1)


def resident_id_check_digit(first17: str) -> str:
    """Check digit of a resident ID (GB 11643-1999, ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need 17 ASCII digits, got {first17!r}")
    return _ID_CHECK_MAP[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def resident_id(value: object, field: str, today: date) -> str:
    """居民身份证号码 (GB 11643-1999): 18 characters, trailing ``x`` upper-cased.

    Codes: ``malformed``, ``birth_date_invalid``, ``birth_date_in_future``,
    ``check_digit``.
    """
    today = _check_today(today)
    number = _ascii_upper(value, field)
    if not re.fullmatch(_ID_SHAPE, number):
        raise ValidationFailed.on(field, "身份证号码须为 18 位，前 17 位为数字，最后一位为数字或 X",
                                  code="malformed")
    if number[:2] not in RESIDENT_ID_PROVINCES:
        raise ValidationFailed.on(field, "身份证号码的地址码无效", code="malformed")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationFailed.on(field, "身份证号码中的出生日期不是有效日期",
                                  code="birth_date_invalid") from None
    if born < _EARLIEST_BIRTH:
        raise ValidationFailed.on(field, "身份证号码中的出生日期早于 1900 年", code="birth_date_invalid")
    if born > today:
        raise ValidationFailed.on(field, "身份证号码中的出生日期晚于今天", code="birth_date_in_future")
    if resident_id_check_digit(number[:17]) != number[17]:
        raise ValidationFailed.on(field, "身份证号码校验码错误，请核对", code="check_digit")
    return number


# --------------------------------------------------------------------------- mobile

_MOBILE = r"1[3-9][0-9]{9}"


def mobile(value: object, field: str = "mobile") -> str:
    """中国大陆手机号: 11 digits; ``+86``/``86``, spaces and dashes are dropped.

    Codes: ``malformed``.
    """
    number = re.sub(r"[ \-]", "", _text(value, field))
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if not re.fullmatch(_MOBILE, number):
        raise ValidationFailed.on(field, "手机号须为 11 位中国大陆手机号码", code="malformed")
    return number


# --------------------------------------------------------------------------- unit account

_ACCOUNT = r"[A-Za-z][A-Za-z0-9_]{3,31}"


def unit_account(value: object, field: str = "unit_account") -> str:
    """单位账号 (self-chosen login name): 4–32 characters, a letter first, then
    letters, digits or ``_``; never shaped like a credit code. Returned as given
    (stripped); compare with :func:`login_key`.

    Codes: ``malformed``, ``looks_like_credit_code``.
    """
    name = _text(value, field)
    if not (name.isascii() and re.fullmatch(_ACCOUNT, name)):
        raise ValidationFailed.on(field, "账号须为 4 到 32 位，以字母开头，只能包含字母、数字和下划线",
                                  code="malformed")
    if len(name) == 18:
        try:
            credit_code(name, field)
        except ValidationFailed:
            pass
        else:
            raise ValidationFailed.on(field, "账号不能使用统一社会信用代码的格式",
                                      code="looks_like_credit_code")
    return name


def login_key(value: str) -> str:
    """The case-insensitive canonical form of a login name (for uniqueness and lookup)."""
    return _halfwidth(value).strip().lower()


# --------------------------------------------------------------------------- password

MIN_LENGTH = 8
MAX_LENGTH = 32
MIN_CLASSES = 3
MAX_REPEAT = 4  # at most this many identical characters in a row
MIN_IDENTIFIER_LENGTH = 4
PASSWORD_SYMBOLS = string.punctuation
PASSWORD_POLICY_TEXT = (
    f"密码长度为 {MIN_LENGTH} 到 {MAX_LENGTH} 位，须包含大写字母、小写字母、数字、英文符号中的至少 "
    f"{MIN_CLASSES} 类，不能含空格、中文或全角字符，不能包含账号或手机号，同一字符不能连续出现 "
    f"{MAX_REPEAT + 1} 次及以上，也不能使用常见弱密码。"
)
COMMON_PASSWORDS = frozenset(p.lower() for p in (
    "Passw0rd!", "Passw0rd", "P@ssw0rd", "P@ssw0rd1", "P@ssword1", "P@55w0rd",
    "Password1", "Password1!", "Password123", "Password@123", "Password123!",
    "Admin@123", "Admin123!", "Admin@1234", "Admin@123456", "Admin#123",
    "Root@123", "Test@123", "Test1234!", "Welcome1!", "Welcome@123",
    "Abc@123456", "Abc123456!", "Abc@1234", "Abcd@1234", "Abcd1234!", "Abcd@123456",
    "Qwer1234!", "Qwer@1234", "Qwe123!@#", "Qwerty123!", "Zxcv1234!",
    "1qaz@WSX", "1qaz!QAZ", "1qaz2wsx#EDC", "1qaz@WSX3edc",
    "Aa123456", "Aa123456!", "Aa@123456", "Aa123456789", "Aa111111", "Aa12345678",
    "Woaini1314!", "Huawei@123",
))
_REPEAT = r"(.)\1{%d}" % MAX_REPEAT


def _weak(field: str, rule: str) -> ValidationFailed:
    return ValidationFailed.on(field, f"密码强度不足：{rule}", code="weak_password")


def password(value: object, field: str = "password", *, identifiers: Iterable[object] = ()) -> str:
    """Password policy (see :data:`PASSWORD_POLICY_TEXT`). The value is returned
    unchanged — never stripped or normalised.

    Codes: ``required``, ``malformed`` (not a string), ``weak_password``.
    """
    if value is None or value == "":
        raise ValidationFailed.on(field, "不能为空", code="required")
    if not isinstance(value, str):
        raise ValidationFailed.on(field, "须为字符串", code="malformed")
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH:
        raise _weak(field, f"长度须为 {MIN_LENGTH} 到 {MAX_LENGTH} 位")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise _weak(field, "不能包含空格或控制字符")
    if not value.isascii():
        raise _weak(field, "只能使用英文字母、数字和英文符号，不能含中文或全角字符")
    classes = sum((any(c.isupper() for c in value), any(c.islower() for c in value),
                   any(c.isdigit() for c in value), any(c in PASSWORD_SYMBOLS for c in value)))
    if classes < MIN_CLASSES:
        raise _weak(field, f"须包含大写字母、小写字母、数字、符号中的至少 {MIN_CLASSES} 类")
    if re.search(_REPEAT, value, re.DOTALL):
        raise _weak(field, f"同一字符不能连续出现 {MAX_REPEAT + 1} 次及以上")
    lowered = value.lower()
    for ident in identifiers:
        if isinstance(ident, str) and len(ident.strip()) >= MIN_IDENTIFIER_LENGTH \
                and ident.strip().lower() in lowered:
            raise _weak(field, "不能包含账号、手机号等个人信息")
    if lowered in COMMON_PASSWORDS:
        raise _weak(field, "这是常见弱密码，请换一个")
    return value


# --------------------------------------------------------------------------- dates

def _date(value: object, field: str) -> date:
    if value is None:
        raise ValidationFailed.on(field, "不能为空", code="required")
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationFailed.on(field, "须为日期", code="malformed")
    return value


def date_range(start: object, end: object, field_start: str, field_end: str, *,
               allow_open_end: bool = False) -> tuple[date, date | None]:
    """A start and end date with ``end >= start``; ``end`` may be ``None`` (长期)
    only when ``allow_open_end``.

    Codes: ``required``, ``malformed``, ``dates_out_of_order`` (on ``field_end``).
    """
    start = _date(start, field_start)
    if end is None and allow_open_end:
        return start, None
    end = _date(end, field_end)
    if end < start:
        raise ValidationFailed.on(field_end, "结束日期不能早于开始日期", code="dates_out_of_order")
    return start, end


def id_validity(start: object, end: object, today: date,
                field_prefix: str) -> tuple[date, date | None]:
    """证件有效期: fields ``{field_prefix}_start`` / ``{field_prefix}_end``;
    ``end=None`` means 长期. The ID must already be valid and not yet expired
    (the last day counts as valid).

    Codes: those of :func:`date_range`, ``id_not_yet_valid``, ``id_expired``.
    """
    today = _check_today(today)
    field_start, field_end = f"{field_prefix}_start", f"{field_prefix}_end"
    start, end = date_range(start, end, field_start, field_end, allow_open_end=True)
    if start > today:
        raise ValidationFailed.on(field_start, "证件有效期开始日期不能晚于今天", code="id_not_yet_valid")
    if end is not None and end < today:
        raise ValidationFailed.on(field_end, "证件已过期", code="id_expired")
    return start, end


# --------------------------------------------------------------------------- names and ID numbers

_DOTS = str.maketrans({"\u2022": "·", "\u2027": "·", "\u30fb": "·", "\uff65": "·"})
_NAME_CHAR = (
    r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"          # Latin letters
    r"\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"           # 〇, CJK, ext. A, compat.
    r"\U00020000-\U0003134f"                                   # CJK ext. B–G (rare name characters)
)
_PERSON_NAME = rf"[{_NAME_CHAR}]+(?:[· ][{_NAME_CHAR}]+)*"
_CONTROL_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn")


def person_name(value: object, field: str) -> str:
    """A person's name: 2–30 characters of Chinese characters, letters, middle
    dot ``·`` (e.g. 阿卜杜拉·买买提) and single spaces (e.g. John Smith).
    Look-alike dots become ``·``, spaces around it go, runs of spaces
    collapse to one; a name cannot start or end with ``·`` or have two in a row.

    Codes: ``malformed``.
    """
    name = re.sub(r" ?· ?", "·", re.sub(r" {2,}", " ", _text(value, field).translate(_DOTS)))
    if not 2 <= len(name) <= 30:
        raise ValidationFailed.on(field, "姓名须为 2 到 30 个字符", code="malformed")
    if not re.fullmatch(_PERSON_NAME, name):
        raise ValidationFailed.on(field, "姓名只能包含汉字、字母、间隔号“·”和空格", code="malformed")
    return name


def org_name(value: object, field: str) -> str:
    """An organisation name: 2–100 printable characters, stripped, inner
    whitespace collapsed to one space. Kept as written otherwise (full-width
    brackets in 有限公司 names stay full-width).

    Codes: ``required``, ``malformed``.
    """
    if value is None:
        raise ValidationFailed.on(field, "不能为空", code="required")
    if not isinstance(value, str):
        raise ValidationFailed.on(field, "须为字符串", code="malformed")
    if any(unicodedata.category(c) in _CONTROL_CATEGORIES for c in value):
        raise ValidationFailed.on(field, "名称不能包含控制字符或不可见字符", code="malformed")
    name = " ".join(value.split())
    if not name:
        raise ValidationFailed.on(field, "不能为空", code="required")
    if not 2 <= len(name) <= 100:
        raise ValidationFailed.on(field, "名称须为 2 到 100 个字符", code="malformed")
    return name


_OTHER_ID = r"[A-Z0-9-]{5,30}"


def id_number(id_type: str, value: object, field: str, today: date) -> str:
    """An ID document number: a resident ID (GB 11643-1999) when ``id_type`` is
    ``resident_id``; otherwise (passports, HK/Macao/Taiwan passes, foreign
    permanent resident IDs) 5–30 letters, digits or ``-``, upper-cased.

    Codes: those of :func:`resident_id`, or ``malformed``.
    """
    if id_type == "resident_id":
        return resident_id(value, field, today)
    number = _ascii_upper(value, field)
    if not re.fullmatch(_OTHER_ID, number):
        raise ValidationFailed.on(field, "证件号码须为 5 到 30 位字母、数字或“-”", code="malformed")
    return number


# --------------------------------------------------------------------------- masks (display only)

def mask_mobile(value: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    text = value or ""
    if len(text) < 8:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_account(value: str | None) -> str:
    """Keep the first 2 and last 2 characters with at least 3 stars between;
    names of 4 characters or fewer show only their first character + ``***``."""
    text = value or ""
    if not text:
        return ""
    if len(text) <= 4:
        return text[0] + "***"
    return text[:2] + "*" * max(3, len(text) - 4) + text[-2:]


def mask_id_number(value: str | None) -> str:
    """First 4 + stars + last 4 (``1101**********002X``). Numbers shorter than
    12 keep only their first and last character so that most stays hidden."""
    text = value or ""
    if len(text) >= 12:
        return text[:4] + "*" * (len(text) - 8) + text[-4:]
    if len(text) >= 3:
        return text[0] + "*" * (len(text) - 2) + text[-1]
    return "*" * len(text)
