"""Normalising cell values as Chinese offices type them (pure functions, no database)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from orgs.common.exports import unescape_cell
from orgs.common.identifiers import HALF_WIDTH_TABLE
from orgs.common.messages import _

EXCEL_EPOCH = dt.date(1899, 12, 30)
# A time of day after a date ("2001-01-05 00:00:00", "2001/1/5 0:00", "2001-01-05T00:00"): dropped.
_TIME_OF_DAY = re.compile(r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


@dataclass(frozen=True)
class BirthMonth:
    """A birth date written to the month only (出生年月: 1965.03, 196503, 1965年3月)."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class ValueProblem(ValueError):
    """A cell value that cannot be used; the message says why, in the user's language."""


# One translate() pass: full-width → half-width, no-break space → space, and control characters
# (not text anyone typed; refused by PostgreSQL (NUL) and by .xlsx writers) dropped. The imports refuse a row
# whose cells read hold one (pipeline.control_character_errors) before any value of it is kept: this is only
# what a value compared or shown (a header, a doubted cell's error) is cleaned with.
_CLEAN_TABLE = {**HALF_WIDTH_TABLE, 0xA0: 0x20, **dict.fromkeys((*range(9), 11, 12, *range(14, 32), 127))}
_RUNS_OF_SPACE = re.compile(r"\s{2,}|[\t\n\r\f\v]")


def clean_text(value: object) -> str:
    """Trimmed, half-width text without control characters, inner white space folded to one
    space, without the apostrophe our exports put before a formula-like text; None and empty cells
    become "". Called for every cell of an import: kept cheap."""
    if value is None:
        return ""
    if value.__class__ is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    text = value.translate(_CLEAN_TABLE).strip()
    if _RUNS_OF_SPACE.search(text):
        text = re.sub(r"\s+", " ", text)
    if text[:1] == "'":  # "'=…" as our exports write "=…" (escape_cell): the value is "=…"
        text = unescape_cell(text)
    return text


def parse_date(value: object) -> dt.date | None:
    """Dates from Excel cells (date objects, serial numbers) and text (2001/1/5, 2001-01-05, 2001年1月5日)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = _TIME_OF_DAY.sub("", clean_text(value)).replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _from_serial(float(text))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueProblem(_("日期不存在")) from None
    raise ValueProblem(_("无法识别的日期格式（可用 2001-01-05、2001/1/5 或 2001年1月5日）"))


def parse_birth(value: object) -> dt.date | BirthMonth | None:
    """A birth date as offices write it: a whole date (as `parse_date`), or the month only — 1965.03, 1965.3,
    196503, 1965年3月, and the number 1965.03 that Excel keeps of "1965.03" typed into a cell (no serial date
    falls in 1900-2099: those are the days of 1905-1909)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1900 <= value < 2100:
            return _month_of(repr(float(value)).rstrip("0").rstrip("."))
        if float(value).is_integer() and 190001 <= value <= 209912:
            return _month_of(str(int(value)))
        if float(value).is_integer() and 19000101 <= value <= 20991231:
            return parse_date(str(int(value)))
    try:
        return parse_date(value)
    except ValueProblem as error:
        text = _TIME_OF_DAY.sub("", clean_text(value)).replace(" ", "")
        if any(pattern.match(text) for pattern in _MONTH_PATTERNS):
            return _month_of(text)
        if any(pattern.match(text) for pattern in _DATE_PATTERNS):
            raise  # a date in a known form that does not exist (2001/2/30): that is the reason
        raise ValueProblem(_("无法识别的出生日期（可用 2001-01-05、2001/1/5、2001年1月5日，或只写年月：2001.01、2001年1月）")) from error


def _month_of(text: str) -> BirthMonth:
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if not 1 <= month <= 12:
                raise ValueProblem(_("月份不存在"))
            return BirthMonth(year, month)
    raise ValueProblem(_("无法识别的出生年月"))


def _from_serial(serial: float) -> dt.date:
    if not (1 <= serial < 2958466):
        raise ValueProblem(_("日期序号超出范围"))
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def cell_as_identifier(value: object) -> str:
    """An ID-like cell as text. A number means Excel already rounded it: refused with the reason."""
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and value > 10**15):
        raise ValueProblem(_("该单元格是数字格式，Excel 已将 18 位号码的末几位变为 0：请将此列设为文本后重新填写"))
    return clean_text(value)
