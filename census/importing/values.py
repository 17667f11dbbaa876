"""Normalising cell values as Chinese offices type them (pure functions, no database)."""
from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from ..identifiers import to_half_width

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class ValueProblem(ValueError):
    """A cell value that cannot be used; the message says why, in the user's language."""


def clean_text(value: object) -> str:
    """Trimmed, half-width text; None and empty cells become ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = to_half_width(str(value)).replace("\u00a0", " ").strip()
    return re.sub(r"\s+", " ", text)


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
    text = clean_text(value).replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _from_serial(float(text))
    text = re.sub(r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2})?$", r"\1", text)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueProblem(_("日期不存在")) from None
    raise ValueProblem(_("无法识别的日期格式（可用 2001-01-05、2001/1/5 或 2001年1月5日）"))


def _from_serial(serial: float) -> dt.date:
    if not (1 <= serial < 2958466):
        raise ValueProblem(_("日期序号超出范围"))
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def cell_as_identifier(value: object) -> str:
    """An ID-like cell as text. A number means Excel already rounded it: refused with the reason."""
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and value > 10**15):
        raise ValueProblem(_("该单元格是数字格式，Excel 已将 18 位号码的末几位变为 0：请将此列设为文本后重新填写"))
    return clean_text(value)
