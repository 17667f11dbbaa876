"""Validators and normalisers for the identifiers the census holds (pure: no Django; messages through `orgs.common.messages`).

- Resident ID numbers (居民身份证号码, GB 11643-1999): 18 characters, a plausible region and birth
  date, and the check character over weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 (mod 11 → 1 0 X 9 8 7 6 5 4 3 2).
- Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters from the code alphabet
  (no I, O, Z, S, V), with the check character over weights 3^i mod 31.
"""
from __future__ import annotations

import datetime as dt
import re

from orgs.common.messages import _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Province-level prefixes of GB/T 2260 (11 北京 … 82 澳门); 83 is issued to residents of Taiwan.
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
EARLIEST_BIRTH = dt.date(1880, 1, 1)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

HALF_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
HALF_WIDTH_TABLE[0x3000] = 0x20  # ideographic space


def to_half_width(text: str) -> str:
    """Full-width letters, digits and punctuation (ＡＢＣ１２３，) become their ASCII forms."""
    return text.translate(HALF_WIDTH_TABLE)


class IdentifierError(ValueError):
    """A value that is not a valid identifier; the message says why, in Chinese."""


def normalize_resident_id(raw: str) -> str:
    """Half-width, no spaces or dashes, upper-case X."""
    return re.sub(r"[\s\-]", "", to_half_width(str(raw))).upper()


def resident_id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def resident_id_birth_date(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def validate_resident_id(raw: str, *, today: dt.date | None = None) -> str:
    """Returns the normalised ID, or raises IdentifierError saying what is wrong."""
    number = normalize_resident_id(raw)
    if len(number) != 18:
        raise IdentifierError(_("身份证号码应为 18 位，实为 %(len_number)s 位") % {"len_number": len(number)})
    # ASCII only: str.isdigit() also accepts other scripts' digits (٣, ²) that int() reads or refuses.
    if not ID_SHAPE.fullmatch(number):
        raise IdentifierError(_("身份证号码前 17 位应为数字，末位为数字或 X"))
    if number[:2] not in PROVINCE_PREFIXES:
        raise IdentifierError(_("身份证号码的地区码 %(number_6)s 不存在") % {"number_6": number[:6]})
    try:
        birth = resident_id_birth_date(number)
    except ValueError:
        raise IdentifierError(_("身份证号码中的出生日期 %(number_6_14)s 不是有效日期") % {"number_6_14": number[6:14]}) from None
    if not (EARLIEST_BIRTH <= birth <= (today or dt.date.today())):
        raise IdentifierError(_("身份证号码中的出生日期 %(birth_isoformat)s 不合理") % {"birth_isoformat": birth.isoformat()})
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise IdentifierError(_("身份证号码校验位应为 %(expected)s，实为 %(number_17)s") % {"expected": expected, "number_17": number[17]})
    return number


def resident_id_gender(number: str) -> str:
    """'M' or 'F' from the 17th digit (odd: male)."""
    return "M" if int(number[16]) % 2 else "F"


def mask_middle(value: str, head: int = 6, tail: int = 4) -> str:
    """Shows the first `head` and last `tail` characters; stars between."""
    value = value or ""
    if len(value) <= head + tail:
        return value[:1] + "*" * max(len(value) - 1, 0) if value else ""
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_resident_id(number: str) -> str:
    return mask_middle(number, 6, 4)


def mask_phone(phone: str) -> str:
    """13912345678 → 139****5678; short numbers keep only their last digits."""
    phone = phone or ""
    if len(phone) >= 7:
        return mask_middle(phone, 3, 4)
    return mask_middle(phone, 0, 2) if phone else ""


def normalize_phone(raw: str) -> str:
    phone = re.sub(r"[\s\-()（）]", "", to_half_width(str(raw or "")))
    return phone


def validate_phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if phone and not re.fullmatch(r"\+?[0-9]{5,20}", phone):
        raise IdentifierError(_("联系电话“%(raw)s”格式不正确") % {"raw": raw})
    return phone


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(raw: str) -> str:
    return re.sub(r"\s", "", to_half_width(str(raw))).upper()


def validate_uscc(raw: str) -> str:
    """Returns the normalised credit code, or raises IdentifierError saying what is wrong."""
    code = normalize_uscc(raw)
    if len(code) != 18:
        raise IdentifierError(_("统一社会信用代码应为 18 位，实为 %(len_code)s 位") % {"len_code": len(code)})
    if not USCC_PATTERN.match(code):
        raise IdentifierError(_("统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）或第 3-8 位不是数字"))
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError(_("统一社会信用代码校验位应为 %(expected)s，实为 %(code_17)s") % {"expected": expected, "code_17": code[17]})
    return code
