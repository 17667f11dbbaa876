"""The one column schema of census spreadsheets: the fast import pipeline, the template, the error
report, the exports and the admin's django-import-export resources all read it from here."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest

from django.utils.translation import gettext_lazy as _

from census.registry.models import Category, Gender


@dataclass(frozen=True)
class Column:
    """A spreadsheet column: the field it fills, its Chinese header, the other headers that mean it."""

    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    width: int = 14
    help: str = ""


PERSON_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("名字", "姓 名", "人员姓名"), required=True, width=10),
    Column("gender", "性别", ("性 别",), width=6, help="男/女；空白时按身份证号码"),
    Column("birth_date", "出生日期", ("出生年月日", "生日", "出生年月"), width=12, help="2001-01-05、2001/1/5 或 2001年1月5日；空白时按身份证号码"),
    Column("id_number", "身份证号码", ("身份证号", "公民身份号码", "证件号码", "身份证", "居民身份证号码"), required=True, width=21, help="18 位，请将单元格设为文本"),
    Column("category", "类别", ("人员类别", "身份类别", "对象类别", "侨务工作对象类别"), required=True, width=12),
    Column("region", "居住地区划代码", ("居住地区划", "居住地", "区划代码", "所在地区", "居住地区", "地区"), required=True, width=16, help="区划代码或全称，如 530423101 或 云南省玉溪市通海县河西镇"),
    Column("unit", "工作单位", ("单位", "工作单位名称", "单位名称"), width=20),
    Column("country", "侨居国(地区)", ("侨居国（地区）", "侨居国", "侨居地", "国家(地区)", "国家（地区）", "国别"), width=12),
    Column("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式"), width=14),
    Column("is_needy", "困难群众", ("困难",), width=8, help="是/否"),
    Column("is_left_behind_child", "留守儿童", (), width=8, help="是/否"),
    Column("is_empty_nest_elderly", "空巢老人", (), width=8, help="是/否"),
    Column("is_high_level_talent", "高层次人才", (), width=8, help="是/否"),
    Column("is_new_overseas", "新侨", (), width=6, help="是/否"),
    Column("notes", "备注", ("说明",), width=20),
)

COLUMN_BY_KEY = {c.key: c for c in PERSON_COLUMNS}
# Longest text kept (the Person columns' max_length; notes are cut at 2,000): the same for both validators.
NAME_LIMIT, COUNTRY_LIMIT, PHONE_LIMIT, NOTES_LIMIT = 64, 64, 24, 2000
FLAG_KEYS = ("is_needy", "is_left_behind_child", "is_empty_nest_elderly", "is_high_level_talent", "is_new_overseas")

CATEGORY_WORDS: dict[str, str] = {
    "归侨": Category.RETURNED,
    "侨眷": Category.RELATIVE,
    "华侨": Category.OVERSEAS,
    "海外侨胞": Category.OVERSEAS,
    "外籍华人": Category.FOREIGN_CHINESE,
    "华人": Category.FOREIGN_CHINESE,
    "留学人员": Category.STUDENT,
    "留学生": Category.STUDENT,
    "留学人员眷属": Category.STUDENT_RELATIVE,
    "留学人员家属": Category.STUDENT_RELATIVE,
    "留学生眷属": Category.STUDENT_RELATIVE,
}
CATEGORY_WORDS.update({value: value for value in Category.values})
CATEGORY_LABELS = {value: str(label) for value, label in Category.choices}
TEMPLATE_CATEGORIES = ("归侨", "侨眷", "华侨", "外籍华人", "留学人员", "留学人员眷属")

GENDER_WORDS = {"男": Gender.MALE, "女": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE, "male": Gender.MALE, "female": Gender.FEMALE}
TRUE_WORDS = frozenset({"是", "1", "y", "yes", "true", "√", "✓", "有"})
FALSE_WORDS = frozenset({"", "否", "0", "n", "no", "false", "无", "×"})


def _header_key(text: str) -> str:
    return "".join(str(text).split()).replace("（", "(").replace("）", ")").lower()


HEADER_LOOKUP: dict[str, str] = {}
for _column in PERSON_COLUMNS:
    for _name in (_column.header, *_column.synonyms, _column.key):
        HEADER_LOOKUP[_header_key(_name)] = _column.key


class HeaderError(ValueError):
    """The header row cannot be mapped to the schema; the message names what is wrong."""


def map_headers(header: Sequence[object]) -> tuple[dict[str, int], list[str]]:
    """Maps schema keys to column positions and lists the headers it ignores; raises HeaderError
    naming missing or repeated headers (and the unknown ones, which are usually the cause)."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        key = HEADER_LOOKUP.get(_header_key(text))
        if key is None:
            unknown.append(text)
        elif key in positions:
            repeated.append(text)
        else:
            positions[key] = index
    missing = [COLUMN_BY_KEY[k].header for k in COLUMN_BY_KEY if COLUMN_BY_KEY[k].required and k not in positions]
    problems = []
    if missing:
        problems.append(str(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)}))
    if repeated:
        problems.append(str(_("列重复：%(cols)s") % {"cols": "、".join(repeated)}))
    if problems:
        if unknown:
            problems.append(str(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)}))
        raise HeaderError("；".join(problems))
    return positions, unknown


# How far down a sheet the header may stand: title, 填报单位 and note rows come first in offices' sheets.
HEADER_SEARCH_ROWS = 15
REQUIRED_KEYS = frozenset(c.key for c in PERSON_COLUMNS if c.required)


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def recognised_keys(row: Sequence[object]) -> set[str]:
    """The schema keys the cells of a row name (a header row names the required ones at least)."""
    return {key for cell in row if (text := _text(cell)) and (key := HEADER_LOOKUP.get(_header_key(text)))}


def _looks_like_header(row: Sequence[object]) -> bool:
    """A second header row (sub-headers under merged group cells), not a person: at least half of its cells
    are headers we know."""
    filled = sum(1 for cell in row if _text(cell))
    return filled > 0 and 2 * len(recognised_keys(row)) >= filled


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header stands among a sheet's first rows: `index` of its (last) row, and its cells (two rows
    read as one where the header has merged group cells above its sub-headers)."""

    index: int
    cells: list[object]
    rows: int  # 1 or 2


def find_header(leading: Sequence[Sequence[object]]) -> HeaderMatch | None:
    """The first row (of the first HEADER_SEARCH_ROWS) whose cells name at least the required columns. A header
    of two rows (group cells merged across the columns above, or cells merged down over both rows) is read as
    one: a column's header is its lower cell, else its upper one."""
    rows = [list(row) for row in leading[:HEADER_SEARCH_ROWS]]
    for index, row in enumerate(rows):
        keys = recognised_keys(row)
        if index + 1 < len(rows) and _looks_like_header(rows[index + 1]):
            below = rows[index + 1]
            combined = [lower if _text(lower) else upper for upper, lower in zip_longest(row, below)]
            both = recognised_keys(combined)
            if REQUIRED_KEYS <= both and both > keys and both > recognised_keys(below):
                return HeaderMatch(index + 1, combined, 2)
        if REQUIRED_KEYS <= keys:
            return HeaderMatch(index, row, 1)
    return None


def header_not_found(leading: Sequence[Sequence[object]]) -> HeaderError:
    """Why no header was found, said of the likeliest row (the one naming the most columns; when none names any,
    the first row, as a header is usually there): the required columns it lacks and the headers it does not
    know, which are usually the cause."""
    rows = [list(row) for row in leading[:HEADER_SEARCH_ROWS]]
    if not any(_text(cell) for row in rows for cell in row):
        return HeaderError(str(_("文件没有表头行")))
    best = max(rows, key=lambda row: len(recognised_keys(row)))  # the first of the best: row 1 when none names any
    try:
        map_headers(best)
    except HeaderError as error:
        return error
    return HeaderError(str(_("无法识别表头")))
