"""Resident ID (GB 11643), unified social credit code (GB 32100) and phone: validation, normalisation,
masking. Pure functions: no database. The check characters are recomputed here from the standards'
tables, independently of the module under test."""
from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orgs.common.identifiers import (
    IdentifierError,
    mask_phone,
    mask_resident_id,
    normalize_resident_id,
    resident_id_birth_date,
    resident_id_check_char,
    resident_id_gender,
    uscc_check_char,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)

TODAY = dt.date(2026, 3, 1)

# GB 11643-1999: weights 2^(17-i) mod 11, check character by remainder.
GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = {0: "1", 1: "0", 2: "X", 3: "9", 4: "8", 5: "7", 6: "6", 7: "5", 8: "4", 9: "3", 10: "2"}
# GB 32100-2015: the 31-character alphabet (no I O Z S V) and weights 3^i mod 31.
GB32100_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def reference_id_check(first17: str) -> str:
    return GB11643_CHECK[sum(int(d) * w for d, w in zip(first17, GB11643_WEIGHTS, strict=True)) % 11]


def reference_uscc_check(first17: str) -> str:
    total = sum(GB32100_ALPHABET.index(c) * w for c, w in zip(first17, GB32100_WEIGHTS, strict=True))
    return GB32100_ALPHABET[(31 - total % 31) % 31]


# ---------------------------------------------------------------- resident ID: known values

KNOWN_GOOD_IDS = [
    "11010519491231002X",  # the standard's own example (北京市朝阳区, 1949-12-31, female)
    "530423198807150015",  # 通海县
    "440524198001010013",
    "530424200002291239",  # 华宁县, born on a leap day
    "35010219700101283X",
    "110101199003077571",
]


def test_reference_tables_agree_with_the_module():
    assert GB32100_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert reference_id_check("11010519491231002") == "X"


@pytest.mark.parametrize("number", KNOWN_GOOD_IDS)
def test_known_good_ids_validate(number):
    assert reference_id_check(number[:17]) == number[17]  # hand-checked against the standard
    assert validate_resident_id(number, today=TODAY) == number


def test_birth_date_and_gender_come_from_the_number():
    assert resident_id_birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert resident_id_gender("11010519491231002X") == "F"  # 17th digit 2: even
    assert resident_id_gender("530423198807150015") == "M"  # 17th digit 1: odd


@pytest.mark.parametrize(
    "number, reason",
    [
        ("110105194912310021", "身份证号码校验位应为 X，实为 1"),
        ("530423198807150016", "身份证号码校验位应为 5，实为 6"),
        ("11010519990230002" + "X", "身份证号码中的出生日期 19990230 不是有效日期"),
        ("11010519991301002" + "X", "身份证号码中的出生日期 19991301 不是有效日期"),
        ("11010518791231002" + "X", "身份证号码中的出生日期 1879-12-31 不合理"),
        ("99010519491231002X", "身份证号码的地区码 990105 不存在"),
        ("00010519491231002X", "身份证号码的地区码 000105 不存在"),
        ("11010519491231002", "身份证号码应为 18 位，实为 17 位"),
        ("11010519491231002XX", "身份证号码应为 18 位，实为 19 位"),
        ("", "身份证号码应为 18 位，实为 0 位"),
        ("1101051949123100AX", "身份证号码前 17 位应为数字，末位为数字或 X"),
        ("11010519491231002Y", "身份证号码前 17 位应为数字，末位为数字或 X"),
        ("ABCDEFGHIJKLMNOPQR", "身份证号码前 17 位应为数字，末位为数字或 X"),
    ],
)
def test_known_bad_ids_say_why(number, reason):
    with pytest.raises(IdentifierError) as caught:
        validate_resident_id(number, today=TODAY)
    assert str(caught.value) == reason


def test_future_birth_date_is_refused():
    tomorrow = TODAY + dt.timedelta(days=1)
    first17 = f"530423{tomorrow:%Y%m%d}001"
    number = first17 + reference_id_check(first17)
    with pytest.raises(IdentifierError, match="不合理"):
        validate_resident_id(number, today=TODAY)
    first17 = f"530423{TODAY:%Y%m%d}001"  # born today is plausible
    assert validate_resident_id(first17 + reference_id_check(first17), today=TODAY)


@pytest.mark.parametrize(
    "raw",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and X
        "11010519491231002x",  # lower-case x
        " 110105 19491231 002X ",  # spaces
        "110105-19491231-002X",  # dashes
        "110105\u300019491231\t002x",  # ideographic space, tab
        "１１０１０５－１９４９１２３１－００２ｘ",  # full-width dashes and x
    ],
)
def test_normalisation(raw):
    assert normalize_resident_id(raw) == "11010519491231002X"
    assert validate_resident_id(raw, today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        "11٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits after an ASCII province code
        "11０105１9491231002X".replace("０", "٠"),
        "1101051949123100²X",  # a superscript: str.isdigit() says digit, int() refuses
        "110105194912310０²",
        "11010519491231002" + "³",
    ],
)
def test_non_ascii_digits_are_refused_cleanly(raw):
    """Only ASCII (or full-width, normalised to ASCII) digits are digits: other Unicode digits must be
    refused with the format message, not crash (ValueError) or pass as a second spelling of an ID."""
    with pytest.raises(IdentifierError):
        validate_resident_id(raw, today=TODAY)


def test_masking_keeps_first_six_and_last_four():
    assert mask_resident_id("11010519491231002X") == "110105********002X"
    assert len(mask_resident_id("530423198807150015")) == 18
    assert mask_resident_id("") == ""


# ---------------------------------------------------------------- resident ID: properties

province = st.sampled_from(["11", "31", "44", "53", "65", "81", "82", "83"])
county_tail = st.text(alphabet=string.digits, min_size=4, max_size=4)
birth = st.dates(min_value=dt.date(1880, 1, 1), max_value=TODAY)
sequence = st.text(alphabet=string.digits, min_size=3, max_size=3)


@st.composite
def id_bodies(draw) -> str:
    return f"{draw(province)}{draw(county_tail)}{draw(birth):%Y%m%d}{draw(sequence)}"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(body=id_bodies())
def test_computed_check_char_validates(body):
    check = reference_id_check(body)
    assert resident_id_check_char(body) == check
    number = body + check
    assert validate_resident_id(number, today=TODAY) == number
    assert validate_resident_id(number.lower(), today=TODAY) == number
    masked = mask_resident_id(number)
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:] and masked[6:14] == "*" * 8


@settings(max_examples=300)
@given(body=id_bodies(), wrong=st.sampled_from(list("0123456789X")))
def test_any_other_check_char_fails(body, wrong):
    assume(wrong != reference_id_check(body))
    with pytest.raises(IdentifierError, match="校验位"):
        validate_resident_id(body + wrong, today=TODAY)


@settings(max_examples=300)
@given(body=id_bodies(), position=st.integers(0, 16), digit=st.sampled_from(string.digits))
def test_a_single_changed_digit_is_caught(body, position, digit):
    """The GB 11643 weights are all non-zero mod 11: any one-digit change alters the check."""
    number = body + reference_id_check(body)
    assume(number[position] != digit)
    tampered = number[:position] + digit + number[position + 1 :]
    with pytest.raises(IdentifierError):
        validate_resident_id(tampered, today=TODAY)


@settings(max_examples=300)
@given(raw=st.text(max_size=24))
def test_validation_never_crashes(raw):
    """Anything typed into a cell either validates to 18 ASCII characters or raises IdentifierError."""
    try:
        number = validate_resident_id(raw, today=TODAY)
    except IdentifierError:
        return
    assert len(number) == 18 and number.isascii() and number[:17].isdigit()


# ---------------------------------------------------------------- credit codes

KNOWN_GOOD_USCC = [
    "91350100M000100Y43",  # the example of GB 32100-2015
    "914403001922038216",
    "9144030071526726XG",
    "91330100716105852F",
    "91110108551385082Q",
]


@pytest.mark.parametrize("code", KNOWN_GOOD_USCC)
def test_known_good_credit_codes(code):
    assert reference_uscc_check(code[:17]) == code[17]
    assert uscc_check_char(code[:17]) == code[17]
    assert validate_uscc(code) == code


def test_credit_code_normalisation():
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert validate_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "code, reason",
    [
        ("91350100M000100Y44", "统一社会信用代码校验位应为 3，实为 4"),
        ("91350100M000100Y4", "统一社会信用代码应为 18 位，实为 17 位"),
        ("91350100M000100Y433", "统一社会信用代码应为 18 位，实为 19 位"),
    ],
)
def test_bad_credit_codes_say_why(code, reason):
    with pytest.raises(IdentifierError) as caught:
        validate_uscc(code)
    assert str(caught.value) == reason


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_forbidden_letters_are_refused(letter):
    body = "91350100M000100Y4"
    code = body[:10] + letter + body[11:]
    with pytest.raises(IdentifierError, match="不使用 I、O、Z、S、V"):
        validate_uscc(code + "3")


def test_registration_area_must_be_digits():
    with pytest.raises(IdentifierError, match="第 3-8 位不是数字"):
        validate_uscc("91A50100M000100Y43")


@pytest.mark.parametrize("code", ["91٣50100M000100Y43", "91350100M000100Y4٣", "9135010０M000100Y43".replace("０", "١")])
def test_credit_code_with_non_ascii_digits_is_refused_cleanly(code):
    with pytest.raises(IdentifierError):
        validate_uscc(code)


uscc_char = st.sampled_from(GB32100_ALPHABET)


@st.composite
def uscc_bodies(draw) -> str:
    head = draw(st.text(alphabet=GB32100_ALPHABET, min_size=2, max_size=2))
    area = draw(st.text(alphabet=string.digits, min_size=6, max_size=6))
    tail = draw(st.text(alphabet=GB32100_ALPHABET, min_size=9, max_size=9))
    return head + area + tail


@settings(max_examples=300)
@given(body=uscc_bodies())
def test_uscc_round_trip(body):
    code = body + uscc_check_char(body)
    assert code[17] == reference_uscc_check(body)
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code


@settings(max_examples=300)
@given(body=uscc_bodies(), wrong=uscc_char)
def test_uscc_other_check_char_fails(body, wrong):
    assume(wrong != reference_uscc_check(body))
    with pytest.raises(IdentifierError, match="校验位"):
        validate_uscc(body + wrong)


@settings(max_examples=300)
@given(raw=st.text(max_size=22))
def test_uscc_validation_never_crashes(raw):
    try:
        code = validate_uscc(raw)
    except IdentifierError:
        return
    assert len(code) == 18 and all(c in GB32100_ALPHABET for c in code)


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("13912345678", "139****5678"),
        ("+8613912345678", "+86*******5678"),
        ("0877-1234567", "087*****4567"),
        ("1234567", "1******"),  # too short to show both ends: first digit only
        ("12345", "***45"),
        ("", ""),
    ],
)
def test_phone_masking(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("139 1234 5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("(0877)123-4567", "08771234567"),
        ("（0877）1234567", "08771234567"),
        ("", ""),
    ],
)
def test_phone_normalisation(raw, normal):
    assert validate_phone(raw) == normal


@pytest.mark.parametrize("raw", ["电话号码", "1391234567a", "123", "١٣٩١٢٣٤٥٦٧٨"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(IdentifierError, match="联系电话"):
        validate_phone(raw)
