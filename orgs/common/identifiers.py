"""Validators and normalisers for the identifiers the census holds (pure: no Django; messages through `orgs.common.messages`).

- Resident ID numbers (居民身份证号码, GB 11643-1999): 18 characters, a plausible region and birth
  date, and the check character over weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 (mod 11 → 1 0 X 9 8 7 6 5 4 3 2).
- Identity documents (证件) of people without a resident ID, each by its own rule (`validate_document`):
  港澳台居民居住证 (GB 11643 with the codes 810000 / 820000 / 830000), 外国人永久居留身份证 (2023: 18 characters
  starting with 9, GB 11643 check; 2017: 3 letters and 12 digits), 港澳居民来往内地通行证 (H/M and 8 or 10
  digits), 台湾居民来往大陆通行证 (8 digits), passports (5 to 20 letters and digits), other documents.
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


# Identity documents (证件类型): the values stored in Person.id_type (census.registry.models.DocumentType).
RESIDENT_ID = "resident_id"  # 居民身份证
PASSPORT = "passport"  # 护照
HK_MACAO_PERMIT = "hk_macao_permit"  # 港澳居民来往内地通行证
TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证
FOREIGN_PR = "foreign_pr"  # 外国人永久居留身份证
RESIDENCE_PERMIT = "residence_permit"  # 港澳台居民居住证
OTHER_DOCUMENT = "other"  # 其他
DOCUMENT_TYPES = (RESIDENT_ID, PASSPORT, HK_MACAO_PERMIT, TAIWAN_PERMIT, FOREIGN_PR, RESIDENCE_PERMIT, OTHER_DOCUMENT)
# Documents whose number carries the birth date and sex (GB 11643 layout): those are taken from it.
NUMBER_GIVES_BIRTH = frozenset({RESIDENT_ID, RESIDENCE_PERMIT})
RESIDENCE_PERMIT_PREFIXES = ("810000", "820000", "830000")

_HK_MACAO = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
_TAIWAN = re.compile(r"[0-9]{8}")
_FOREIGN_PR_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_OTHER = re.compile(r"[A-Z0-9\-]{2,30}")


def _gb11643(number: str, label: str, today: dt.date | None) -> str:
    """The GB 11643 layout shared by resident IDs, residence permits and the 2023 permanent residence ID:
    17 digits, a birth date at 7-14, the check character last."""
    if len(number) != 18:
        raise IdentifierError(_("%(label)s号码应为 18 位，实为 %(n)s 位") % {"label": label, "n": len(number)})
    if not ID_SHAPE.fullmatch(number):
        raise IdentifierError(_("%(label)s号码前 17 位应为数字，末位为数字或 X") % {"label": label})
    try:
        birth = resident_id_birth_date(number)
    except ValueError:
        raise IdentifierError(_("%(label)s号码中的出生日期 %(digits)s 不是有效日期") % {"label": label, "digits": number[6:14]}) from None
    if not (EARLIEST_BIRTH <= birth <= (today or dt.date.today())):
        raise IdentifierError(_("%(label)s号码中的出生日期 %(date)s 不合理") % {"label": label, "date": birth.isoformat()})
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise IdentifierError(_("%(label)s号码校验位应为 %(expected)s，实为 %(given)s") % {"label": label, "expected": expected, "given": number[17]})
    return number


def normalize_document(raw: str) -> str:
    """Half-width, no white space, upper case (dashes kept: 其他 documents may have them)."""
    return re.sub(r"\s", "", to_half_width(str(raw))).upper()


def validate_document(id_type: str, raw: str, *, today: dt.date | None = None) -> str:
    """The normalised number of an identity document of `id_type`, or IdentifierError saying what is wrong."""
    if id_type == RESIDENT_ID:
        number = validate_resident_id(raw, today=today)
        if number.startswith(RESIDENCE_PERMIT_PREFIXES):
            raise IdentifierError(_("以 %(prefix)s 开头的是港澳台居民居住证号码，请将证件类型填为“港澳台居民居住证”") % {"prefix": number[:6]})
        return number
    number = normalize_document(raw)
    if not number:
        raise IdentifierError(_("证件号码为空"))
    if id_type == RESIDENCE_PERMIT:
        if not number.startswith(RESIDENCE_PERMIT_PREFIXES):
            raise IdentifierError(_("港澳台居民居住证号码应以 810000（香港）、820000（澳门）或 830000（台湾）开头"))
        return _gb11643(number, _("港澳台居民居住证"), today)
    if id_type == FOREIGN_PR:
        if _FOREIGN_PR_2017.fullmatch(number):
            return number
        if len(number) == 18 and number.startswith("9"):
            return _gb11643(number, _("外国人永久居留身份证"), today)
        raise IdentifierError(_("外国人永久居留身份证号码应为以 9 开头的 18 位（2023 年版），或 3 个字母加 12 位数字（2017 年版）"))
    if id_type == HK_MACAO_PERMIT:
        if not _HK_MACAO.fullmatch(number):
            raise IdentifierError(_("港澳居民来往内地通行证号码应为 H 或 M 加 8 位或 10 位数字"))
        return number
    if id_type == TAIWAN_PERMIT:
        if not _TAIWAN.fullmatch(number):
            raise IdentifierError(_("台湾居民来往大陆通行证号码应为 8 位数字"))
        return number
    if id_type == PASSPORT:
        if not _PASSPORT.fullmatch(number):
            raise IdentifierError(_("护照号码应为 5 至 20 位字母或数字"))
        return number
    if id_type == OTHER_DOCUMENT:
        if not _OTHER.fullmatch(number):
            raise IdentifierError(_("证件号码应为 2 至 30 位字母、数字或连字符"))
        return number
    raise IdentifierError(_("未知的证件类型“%(type)s”") % {"type": id_type})


def documents_matching(raw: str) -> list[tuple[str, str]]:
    """Every (type, normalised number) that `raw` is a valid number of: to find a person by a number typed
    without its type (a search box)."""
    found = []
    for id_type in DOCUMENT_TYPES:
        try:
            found.append((id_type, validate_document(id_type, raw)))
        except IdentifierError:
            continue
    return found


def document_gives_birth(id_type: str, number: str) -> bool:
    """Whether the number carries the birth date and sex in the GB 11643 layout (digits 7-14, the 17th odd for a
    man): then they are taken from it and checked against what is given. The 2023 permanent residence ID follows
    that standard; the 2017 one (3 letters, 12 digits) and the other documents do not."""
    return id_type in NUMBER_GIVES_BIRTH or (id_type == FOREIGN_PR and len(number) == 18)


def document_key(id_type: str, number: str) -> str:
    """What the keyed lookup hash is computed over: (type, number). A resident ID alone, as before documents had
    types, so that every hash stored then stays valid; other types are prefixed and never collide with it."""
    return number if id_type == RESIDENT_ID else f"{id_type}:{number}"


def mask_document(number: str) -> str:
    """A document number as shown: 18-character numbers keep their first 6 and last 4 characters (as resident
    IDs always did), shorter ones 2 and 2 (E1*****78), the shortest 1 and 1."""
    if len(number) >= 15:
        return mask_middle(number, 6, 4)
    if len(number) >= 8:
        return mask_middle(number, 2, 2)
    return mask_middle(number, 1, 1)


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


# A mainland mobile written with the country code (+86 139…, 0086…, 86…): kept and looked up as its 11 digits.
_MAINLAND_MOBILE_WITH_CODE = re.compile(r"(?:\+86|0086|86)(1[3-9][0-9]{9})")
_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_INTERNATIONAL_MOBILE = re.compile(r"\+[1-9][0-9]{6,14}")  # E.164


def normalize_phone(raw: str) -> str:
    """A phone number without its separators (spaces, dashes, brackets; full-width digits made half-width), a
    mainland mobile without its country code."""
    phone = re.sub(r"[\s\-()（）]", "", to_half_width(str(raw or "")))
    mainland = _MAINLAND_MOBILE_WITH_CODE.fullmatch(phone)
    return mainland.group(1) if mainland else phone


def phone_spellings(phone: str) -> list[str]:
    """The forms a normalized number may have been stored in before mainland mobiles lost their country code (for
    look-ups: each is hashed)."""
    if _MAINLAND_MOBILE.fullmatch(phone):
        return [phone, f"+86{phone}", f"0086{phone}", f"86{phone}"]
    return [phone]


def validate_mobile(raw: str) -> str:
    """A number SMS can reach: a mainland mobile (11 digits from 13…19, a +86 before it dropped) or, with its country
    code, an international one (E.164)."""
    phone = validate_phone(raw)
    if phone and not (_MAINLAND_MOBILE.fullmatch(phone) or _INTERNATIONAL_MOBILE.fullmatch(phone)):
        raise IdentifierError(_("不是手机号码：应为 11 位手机号（如 139 1234 5678），境外手机号须以 + 和国家代码开头"))
    return phone


def validate_phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if phone and not re.fullmatch(r"\+?[0-9]{5,20}", phone):
        # without the value: it may hold a number (two numbers, an extension), and messages are kept and logged
        raise IdentifierError(_("联系电话格式不正确：应为一个 5 至 20 位的号码（可以 + 开头），不能写两个号码或分机号"))
    return phone


_PHONE_LIKE = re.compile(r"\+?\d{7,}")


def is_personal_number(text: str) -> bool:
    """Whether `text` as a whole is someone's mobile (mainland, with or without +86, or international with +) or
    resident ID: what may serve as a login or a platform's user id elsewhere, but is kept here only encrypted. The
    validators of those numbers decide."""
    for validate in (validate_mobile, validate_resident_id):
        try:
            if validate(text):
                return True
        except IdentifierError:
            continue
    return False


def holds_number(text: str) -> bool:
    """Whether `text` holds a phone or document number (seven digits or more once a phone's separators are out)."""
    return bool(_PHONE_LIKE.search(normalize_phone(text)))


def mask_phone_numbers(text: str) -> str:
    """`text` with every run of seven or more digits (perhaps after +) masked as a phone number is, once the phone's
    separators are taken out (139-1234-5678 is one number): for what is kept or shown of a cell that failed as a phone."""
    return _PHONE_LIKE.sub(lambda match: mask_phone(match.group()), normalize_phone(text))


# A number, perhaps written with separators within a line (139 1234 5678, +86 139-1234-5678, (0871) 6512 3456), or
# a document's digits (11010519491231002X): each such span of a text is given to mask_phone_numbers, which takes the
# separators out of all it is given (so it is not given the whole text: its words and lines would run together).
_NUMBER_SPAN = re.compile(r"\+?\d[\d \t\u3000\-()（）]*\d")


def masked_numbers(text: str) -> str:
    """`text` with every phone or document number in it masked (139****5678), the rest as it was: for any error text
    that is kept or logged (the outbox relay's, an SMS provider's)."""
    return _NUMBER_SPAN.sub(lambda match: mask_phone_numbers(match.group()) if holds_number(match.group()) else match.group(), text)


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
