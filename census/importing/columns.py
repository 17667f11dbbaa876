"""The column schemas of the spreadsheets we read: census persons (the fast import pipeline, the template, the
error report, the exports and the admin's django-import-export resources all read it from here) and the unit
directory (单位名录)."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest

from django.utils.translation import gettext_lazy as _

from census.registry.models import Category, DocumentType, Gender


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
    Column("id_type", "证件类型", ("证件种类", "证件名称", "身份证件类型"), width=14, help="空白为居民身份证；护照须填侨居国(地区)"),
    Column("id_number", "证件号码", ("身份证号码", "身份证号", "公民身份号码", "身份证", "居民身份证号码", "证件号", "护照号码", "身份证件号码"), required=True, width=21, help="请将单元格设为文本；身份证 18 位"),
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

# 证件类型 as offices write it (blank: 居民身份证, as every file before document types said by its 身份证号码).
DOCUMENT_WORDS: dict[str, str] = {
    "居民身份证": DocumentType.RESIDENT_ID, "身份证": DocumentType.RESIDENT_ID, "二代身份证": DocumentType.RESIDENT_ID,
    "中华人民共和国居民身份证": DocumentType.RESIDENT_ID,
    "护照": DocumentType.PASSPORT, "外国护照": DocumentType.PASSPORT, "中国护照": DocumentType.PASSPORT,
    "中华人民共和国护照": DocumentType.PASSPORT, "passport": DocumentType.PASSPORT,
    "港澳居民来往内地通行证": DocumentType.HK_MACAO_PERMIT, "港澳居民往来内地通行证": DocumentType.HK_MACAO_PERMIT,
    "港澳通行证": DocumentType.HK_MACAO_PERMIT, "回乡证": DocumentType.HK_MACAO_PERMIT,
    "台湾居民来往大陆通行证": DocumentType.TAIWAN_PERMIT, "台湾居民往来大陆通行证": DocumentType.TAIWAN_PERMIT,
    "台胞证": DocumentType.TAIWAN_PERMIT,
    "外国人永久居留身份证": DocumentType.FOREIGN_PR, "外国人永久居留证": DocumentType.FOREIGN_PR,
    "永久居留身份证": DocumentType.FOREIGN_PR, "永居证": DocumentType.FOREIGN_PR,
    "港澳台居民居住证": DocumentType.RESIDENCE_PERMIT, "港澳居民居住证": DocumentType.RESIDENCE_PERMIT,
    "台湾居民居住证": DocumentType.RESIDENCE_PERMIT,
    "其他": DocumentType.OTHER, "其它": DocumentType.OTHER, "其他证件": DocumentType.OTHER,
}
DOCUMENT_WORDS.update({value: value for value in DocumentType.values})
TEMPLATE_DOCUMENTS = ("居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证", "港澳台居民居住证", "其他")

GENDER_WORDS = {"男": Gender.MALE, "女": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE, "male": Gender.MALE, "female": Gender.FEMALE}
TRUE_WORDS = frozenset({"是", "1", "y", "yes", "true", "√", "✓", "有"})
FALSE_WORDS = frozenset({"", "否", "0", "n", "no", "false", "无", "×"})


def _header_key(text: str) -> str:
    return "".join(str(text).split()).replace("（", "(").replace("）", ")").lower()


@dataclass(frozen=True, eq=False)
class ColumnSchema:
    """The columns of one kind of spreadsheet (census persons, the unit directory): what finding the header and
    mapping its columns look for. Built by `column_schema`."""

    columns: tuple[Column, ...]
    by_key: dict[str, Column]
    lookup: dict[str, str]  # normalised header text (the header, its synonyms, the key) -> key
    required: frozenset[str]


def column_schema(columns: Sequence[Column]) -> ColumnSchema:
    lookup: dict[str, str] = {}
    for column in columns:
        for name in (column.header, *column.synonyms, column.key):
            lookup[_header_key(name)] = column.key
    return ColumnSchema(tuple(columns), {c.key: c for c in columns}, lookup, frozenset(c.key for c in columns if c.required))


PERSON_SCHEMA = column_schema(PERSON_COLUMNS)

# The unit directory's import (census.importing.units).
UNIT_COLUMNS: tuple[Column, ...] = (
    Column("name", "单位名称", ("名称", "单位", "单位全称", "机构名称", "单位名字", "组织名称"), required=True, width=30),
    Column("kind", "单位类别", ("类别", "单位类型", "类型", "单位性质", "机构类别"), width=16,
           help="机关、学校、高校、科研院所、企业、事业单位、园区、市场、楼宇、非公有制经济组织、社会组织；空白时按名称推断"),
    Column("region", "所在区划", ("所在区划代码", "区划代码", "所在地区", "所在地", "区划", "行政区划", "所在乡镇(街道)", "所属区划"),
           required=True, width=20, help="区划代码或全称，如 530423101 或 云南省玉溪市通海县河西镇"),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一代码", "统一社会信用代码(18位)"), width=22,
           help="18 位（GB 32100），可空；请将单元格设为文本"),
    Column("is_two_new", "两新组织", ("是否两新组织", "两新", "是否属于两新组织"), width=10, help="是/否；空白时按单位类别判断"),
)
UNIT_SCHEMA = column_schema(UNIT_COLUMNS)
HEADER_LOOKUP: dict[str, str] = PERSON_SCHEMA.lookup


# What the user said a file's columns mean: header text -> schema key, or "" to ignore the column. Texts match
# as headers do (spaces and full-width brackets aside); a column the mapping does not name is read as we know it.
HeaderMapping = dict[str, str]
IGNORE_WORDS = frozenset({"", "忽略", "-", "ignore"})


class HeaderError(ValueError):
    """The header row cannot be mapped to the schema; the message names what is wrong. When no header was found,
    `columns` are the texts of the likeliest header row and `index` its place among the rows searched, so that the
    user can say what the columns mean; the reader adds where that row is (`reading`: sheet, header row, columns)."""

    def __init__(self, message: str, *, columns: list[str] | None = None, index: int | None = None) -> None:
        super().__init__(message)
        self.columns: list[str] = columns or []
        self.index = index
        self.reading: dict = {}


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _named(mapping: HeaderMapping | None) -> dict[str, str]:
    """The mapping by normalised header text."""
    return {_header_key(text): key for text, key in (mapping or {}).items()}


def _key_of(text: str, named: dict[str, str], schema: ColumnSchema = PERSON_SCHEMA) -> str | None:
    normalised = _header_key(text)
    if normalised in named:
        return named[normalised] or None
    return schema.lookup.get(normalised)


def column_key(text: str, mapping: HeaderMapping | None = None) -> str:
    """The schema key a column's header names ("" for none): as the mapping says, else as we know it."""
    return _key_of(text, _named(mapping)) or ""


def header_texts(cells: Sequence[object]) -> list[str]:
    """The texts of a header row's filled cells, in order: the columns a user may map."""
    return [text for cell in cells if (text := _text(cell))]


def headers_key(texts: Sequence[str]) -> str:
    """A digest of a header's texts in order (normalised as headers are matched): files with the same header
    share it, so that a mapping chosen for one is found again for the next."""
    return hashlib.sha256("\x1f".join(_header_key(text) for text in texts).encode()).hexdigest()


def _clash(first: str, second: str, key: str, schema: ColumnSchema = PERSON_SCHEMA) -> str:
    return str(
        _("“%(first)s”和“%(second)s”都对应“%(field)s”，一个字段只能对应一列")
        % {"first": first, "second": second, "field": schema.by_key[key].header}
    )


def validate_mapping(mapping: object) -> HeaderMapping:
    """A column mapping as it is kept: header texts (stripped, not empty) to schema keys or "". Raises HeaderError
    for a field that does not exist, or for one field given to two columns (naming both)."""
    if not isinstance(mapping, dict):
        raise HeaderError(str(_("列的对应关系格式不正确")))
    clean: HeaderMapping = {}
    holder: dict[str, str] = {}
    problems: list[str] = []
    for raw_text, raw_key in mapping.items():
        text, key = _text(raw_text), _text(raw_key)
        if not text:
            continue
        if key and key not in COLUMN_BY_KEY:
            problems.append(str(_("“%(column)s”对应的字段“%(field)s”不存在") % {"column": text, "field": key}))
            continue
        if key in holder:
            problems.append(_clash(holder[key], text, key))
            continue
        if key:
            holder[key] = text
        clean[text] = key
    if problems:
        raise HeaderError("；".join(problems))
    return clean


def mapping_from_text(text: str) -> HeaderMapping:
    """The command line's `--map "户籍所在地=region,人员身份=类别"`: each entry a column's header, "=", and the field
    as its key (region), its Chinese header (居住地区划代码) or a name we know for it; 忽略 (or nothing) ignores the
    column. Raises HeaderError naming the entry that is wrong."""
    mapping: dict[str, str] = {}
    for entry in re.split(r"[,，]", text.replace("＝", "=")):
        if not entry.strip():
            continue
        column, equals, field_name = (part.strip() for part in entry.partition("="))
        if not equals or not column:
            raise HeaderError(str(_("“%(entry)s”应写成“列名=字段”") % {"entry": entry.strip()}))
        if field_name.lower() in IGNORE_WORDS:
            mapping[column] = ""
            continue
        key = HEADER_LOOKUP.get(_header_key(field_name))
        if key is None:
            raise HeaderError(str(_("“%(entry)s”：没有名为“%(field)s”的字段") % {"entry": entry.strip(), "field": field_name}))
        mapping[column] = key
    return validate_mapping(mapping)


def map_headers(
    header: Sequence[object], mapping: HeaderMapping | None = None, *, schema: ColumnSchema = PERSON_SCHEMA
) -> tuple[dict[str, int], list[str]]:
    """Maps schema keys to column positions and lists the headers it ignores (unknown, or ignored by the
    `mapping`, which says what a header text means); raises HeaderError naming missing or repeated headers (and
    the unknown ones, which are usually the cause)."""
    named = _named(mapping)
    positions: dict[str, int] = {}
    holder: dict[str, str] = {}
    ignored: list[str] = []
    unknown: list[str] = []
    repeated: list[str] = []
    clashes: list[str] = []
    for index, cell in enumerate(header):
        text = _text(cell)
        if not text:
            continue
        key = _key_of(text, named, schema)
        if key is None:
            ignored.append(text)
            if _header_key(text) not in named:
                unknown.append(text)
        elif key in positions:
            if _header_key(text) in named or _header_key(holder[key]) in named:
                clashes.append(_clash(holder[key], text, key, schema))
            else:
                repeated.append(text)
        else:
            positions[key] = index
            holder[key] = text
    missing = [c.header for c in schema.columns if c.required and c.key not in positions]
    problems = []
    if missing:
        problems.append(str(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)}))
    if repeated:
        problems.append(str(_("列重复：%(cols)s") % {"cols": "、".join(repeated)}))
    problems.extend(clashes)
    if problems:
        if unknown:
            problems.append(str(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)}))
        raise HeaderError("；".join(problems), columns=header_texts(header))
    return positions, ignored


# How far down a sheet the header may stand: title, 填报单位 and note rows come first in offices' sheets.
HEADER_SEARCH_ROWS = 15
REQUIRED_KEYS = PERSON_SCHEMA.required


def recognised_keys(row: Sequence[object], mapping: HeaderMapping | None = None, *, schema: ColumnSchema = PERSON_SCHEMA) -> set[str]:
    """The schema keys the cells of a row name (a header row names the required ones at least)."""
    return _recognised(row, _named(mapping), schema)


def _recognised(row: Sequence[object], named: dict[str, str], schema: ColumnSchema = PERSON_SCHEMA) -> set[str]:
    return {key for cell in row if (text := _text(cell)) and (key := _key_of(text, named, schema))}


def _filled(row: Sequence[object]) -> int:
    return sum(1 for cell in row if _text(cell))


def _looks_like_header(row: Sequence[object], named: dict[str, str], schema: ColumnSchema = PERSON_SCHEMA) -> bool:
    """A second header row (sub-headers under merged group cells), not a person: at least half of its cells
    are headers we know."""
    filled = _filled(row)
    return filled > 0 and 2 * len(_recognised(row, named, schema)) >= filled


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header stands among a sheet's first rows: `index` of its (last) row, and its cells (two rows
    read as one where the header has merged group cells above its sub-headers)."""

    index: int
    cells: list[object]
    rows: int  # 1 or 2


def find_header(
    leading: Sequence[Sequence[object]], mapping: HeaderMapping | None = None, *, schema: ColumnSchema = PERSON_SCHEMA
) -> HeaderMatch | None:
    """The first row (of the first HEADER_SEARCH_ROWS) whose cells name at least the required columns, as we know
    them or as the `mapping` names them. A header of two rows (group cells merged across the columns above, or
    cells merged down over both rows) is read as one: a column's header is its lower cell, else its upper one."""
    named = _named(mapping)
    rows = [list(row) for row in leading[:HEADER_SEARCH_ROWS]]
    for index, row in enumerate(rows):
        keys = _recognised(row, named, schema)
        if index + 1 < len(rows) and _looks_like_header(rows[index + 1], named, schema):
            below = rows[index + 1]
            combined = [lower if _text(lower) else upper for upper, lower in zip_longest(row, below)]
            both = _recognised(combined, named, schema)
            if schema.required <= both and both > keys and both > _recognised(below, named, schema):
                return HeaderMatch(index + 1, combined, 2)
        if schema.required <= keys:
            return HeaderMatch(index, row, 1)
    return None


def likeliest_header(
    leading: Sequence[Sequence[object]], mapping: HeaderMapping | None = None, *, schema: ColumnSchema = PERSON_SCHEMA
) -> int:
    """Where the header most likely stands among the first HEADER_SEARCH_ROWS rows when none names the required
    columns: the first row naming the most columns we know; when none names any, the row with the most filled
    cells (not a title or 填报单位 line above the header), or the first row with one cell fewer (a header may
    leave a cell blank that the rows below it fill)."""
    named = _named(mapping)
    rows = [list(row) for row in leading[:HEADER_SEARCH_ROWS]]
    known = [len(_recognised(row, named, schema)) for row in rows]
    if not rows:
        return 0
    if max(known) > 0:
        return known.index(max(known))
    filled = [_filled(row) for row in rows]
    fullest = max(filled)
    return next((index for index, count in enumerate(filled) if count >= fullest - 1 and count > 0), 0)


def header_not_found(
    leading: Sequence[Sequence[object]], mapping: HeaderMapping | None = None, *, schema: ColumnSchema = PERSON_SCHEMA
) -> HeaderError:
    """Why no header was found, said of the likeliest row (`likeliest_header`): the required columns it lacks and
    the headers it does not know, which are usually the cause. The error keeps that row's texts (`columns`) and
    place (`index`), for the user to say what the columns mean."""
    rows = [list(row) for row in leading[:HEADER_SEARCH_ROWS]]
    if not any(_text(cell) for row in rows for cell in row):
        return HeaderError(str(_("文件没有表头行")))
    index = likeliest_header(rows, mapping, schema=schema)
    columns = header_texts(rows[index])
    try:
        map_headers(rows[index], mapping, schema=schema)
    except HeaderError as error:
        return HeaderError(str(error), columns=columns, index=index)
    return HeaderError(str(_("无法识别表头")), columns=columns, index=index)
