"""Reading uploaded census files safely: the type is judged by content (not by name), archives are
checked before parsing (zip bombs), workbooks are .xlsx or Excel 97-2003 .xls, CSV may be UTF-8 (with or
without BOM), GBK/GB18030 or UTF-16 (Excel's "Unicode 文本", tab-separated), and large workbooks are streamed
(python-calamine) rather than loaded as objects.

Offices' sheets put a title, the reporting unit and notes above the header: the header is found among the
first rows (`columns.find_header`), and the rows keep the sheet's own numbers. A workbook's sheet is chosen
by name, or else it is the first sheet that has a header. Rows without an ID that are totals or notes under
the table are not people (`skip_reason`).

A column mapping (header text → schema key, chosen by the user) says what headers we do not know mean; when no
header is found even so, the error keeps the likeliest header row's texts and place (`HeaderError.reading`), for
the user to map them."""
from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO, cast

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from census.importing.columns import (
    HEADER_SEARCH_ROWS,
    PERSON_SCHEMA,
    ColumnSchema,
    HeaderError,
    HeaderMapping,
    HeaderMatch,
    find_header,
    header_not_found,
    header_texts,
    likeliest_header,
    recognised_keys,
)

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc


class FileRejected(ValueError):
    """The file as a whole is refused (size, type, encoding, archive); nothing is read or written."""


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class SheetRows:
    """The header and an iterator over the data rows below it (1-based row numbers as in the sheet)."""

    header: Sequence[object]
    rows: Iterator[tuple[int, list[object]]]
    kind: str  # "xlsx", "xls" or "csv"
    encoding: str = ""
    header_row: int = 1  # the sheet's number of the header's (last) row
    sheet: str = ""  # the sheet read, in a workbook
    sheets: tuple[str, ...] = ()  # every sheet of the workbook


def _sniff_kind(head: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ""):
        raise FileRejected(_("不支持的文件类型 %(suffix)s：请上传 .xlsx、.xls 或 .csv") % {"suffix": suffix})
    if head.startswith(OLE_MAGIC):
        if suffix not in (".xls", ""):
            raise FileRejected(_("“%(name)s”的内容是旧版 Office 文件，与扩展名 %(suffix)s 不符") % {"name": name, "suffix": suffix})
        return "xls"
    if head.startswith(XLSX_MAGIC):
        if suffix not in (".xlsx", ".xlsm", ""):
            raise FileRejected(_("“%(name)s”的内容是压缩包（xlsx），与扩展名 %(suffix)s 不符") % {"name": name, "suffix": suffix})
        return "xlsx"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise FileRejected(_("“%(name)s”不是有效的 Excel 文件（内容不是 xlsx 或 xls 格式）") % {"name": name})
    if head.startswith(UTF16_BOMS):
        return "csv"  # Excel's "Unicode 文本": UTF-16 with its byte order mark
    if _binary(head):
        raise FileRejected(_("“%(name)s”不是文本文件（含二进制内容），不能作为 CSV 读取") % {"name": name})
    return "csv"


def _binary(head: bytes) -> bool:
    """Whether the first bytes of a file that is not a workbook are not text. NUL bytes say so, unless they are a
    stray few in UTF-8 text (a name pasted from another system: its row is refused, naming it, not the whole file);
    UTF-16 without its byte order mark is half NULs."""
    nuls = head.count(b"\x00")
    if not nuls:
        return False
    if nuls * 32 > len(head):
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a character cut at the end is no matter
    except UnicodeDecodeError:
        return True
    return False


def check_size(size: int) -> None:
    limit = settings.CENSUS_UPLOAD_MAX_BYTES
    if size > limit:
        raise FileRejected(
            _("文件大小 %(size)s 超过上限 %(limit)s") % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if size == 0:
        raise FileRejected(_("文件是空的"))


def check_upload(handle: BinaryIO, name: str, size: int) -> None:
    """The checks that refuse a file as a whole without reading its rows, run on an upload before it is
    stored: its size, whether its content is what its name says, and for a workbook its archive
    (entries, expanded size, a worksheet). What only reading finds (the encoding of a CSV, a broken
    sheet, the headers) is reported by the preview."""
    check_size(size)
    handle.seek(0)
    head = handle.read(4096)
    handle.seek(0)
    if _sniff_kind(head, name) == "xlsx":
        check_xlsx_archive(handle, deep=True)
        handle.seek(0)


# Markup no workbook written by Excel, WPS or LibreOffice holds: a document type declaration is how XML external
# entities (XXE) and entity expansion (billion laughs) come in. Looked for in the prolog, in UTF-8 and UTF-16.
XML_DECLARATIONS = tuple(
    token.encode(encoding) for token in ("<!DOCTYPE", "<!doctype", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
XML_PROLOG_BYTES = 64 * 1024


def _check_entries(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], *, whole: bool) -> None:
    """Searches the XML parts' prologs for document type declarations. `whole`: decompresses every entry to its end,
    without keeping it: zipfile stops each at its declared size and checks its CRC, so a directory that lies about
    sizes is found here, before a reader trusts it."""
    for entry in entries:
        is_xml = entry.filename.lower().endswith((".xml", ".rels", ".vml"))
        if not (whole or is_xml):
            continue
        try:
            with archive.open(entry) as member:
                prolog = member.read(XML_PROLOG_BYTES)
                while whole and member.read(1 << 20):
                    pass
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError, ValueError):
            raise FileRejected(
                _("Excel 文件中“%(entry)s”的实际内容与压缩包目录记载的大小或校验值不符，疑似恶意文件") % {"entry": entry.filename}
            ) from None
        if is_xml and any(token in prolog for token in XML_DECLARATIONS):
            raise FileRejected(
                _("Excel 文件中“%(entry)s”含有 XML 文档类型或实体声明（DOCTYPE/ENTITY），疑似恶意文件（外部实体或实体膨胀攻击）")
                % {"entry": entry.filename}
            )


def check_xlsx_archive(path: Path | BinaryIO, *, deep: bool = False) -> None:
    """Refuses archives that would expand too far or hold too many entries, or whose XML declares a document type,
    before any XML is parsed. `deep` (on upload) also decompresses every entry to check the sizes the directory
    declares (stored files are sealed and authenticated afterwards: they cannot change)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            _check_archive_directory(entries)
            _check_entries(archive, entries, whole=deep)
    except zipfile.BadZipFile:
        raise FileRejected(_("Excel 文件已损坏，无法打开")) from None


def _check_archive_directory(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > settings.CENSUS_XLSX_MAX_ENTRIES:
        raise FileRejected(_("Excel 文件包含 %(n)d 个内部文件，超过上限，疑似恶意文件") % {"n": len(entries)})
    expanded = sum(entry.file_size for entry in entries)
    if expanded > settings.CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(
            _("Excel 文件解压后达 %(size)s，超过上限 %(limit)s：行数过多（请拆分为几个文件分别导入），或疑似压缩炸弹")
            % {"size": filesizeformat(expanded), "limit": filesizeformat(settings.CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES)}
        )
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        raise FileRejected(_("压缩包不是 Excel 工作簿（缺少工作表）"))


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    if raw.startswith(UTF16_BOMS):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise FileRejected(_("无法读取 UTF-16 编码的文本文件：内容不完整")) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        raise FileRejected(_("无法识别 CSV 文件的编码：请使用 UTF-8、GBK 或 UTF-16")) from None


def _csv_problem(error: csv.Error, line: int) -> FileRejected:
    """A CSV the parser gives up on (a cell over the field limit: usually a quote never closed)."""
    if "field larger than field limit" in str(error):
        reason = _("单元格超过 %(n)d 个字符（常见原因：引号未闭合）") % {"n": csv.field_size_limit()}
    else:
        reason = str(error)
    return FileRejected(_("CSV 文件格式错误（第 %(line)d 行）：%(reason)s") % {"line": line, "reason": reason})


Numbered = list[tuple[int, list[object]]]


def _with_header(
    numbered: Iterator[tuple[int, list[object]]], mapping: HeaderMapping | None = None, schema: ColumnSchema = PERSON_SCHEMA
) -> tuple[HeaderMatch, int, Iterator[tuple[int, list[object]]]] | Numbered:
    """Finds the header among the first rows: (the match, its sheet row number, the rows below it), or the
    leading rows read, numbered, when there is none (for the error)."""
    leading: Numbered = []
    for numbered_row in numbered:
        leading.append(numbered_row)
        if len(leading) >= HEADER_SEARCH_ROWS:
            break
    match = find_header([cells for _number, cells in leading], mapping, schema=schema)
    if match is None:
        return leading
    below = leading[match.index + 1:]
    return match, leading[match.index][0], chain(below, numbered)


def _not_found(
    leading: Numbered, mapping: HeaderMapping | None, *, sheet: str = "", sheets: tuple[str, ...] = (),
    schema: ColumnSchema = PERSON_SCHEMA,
) -> HeaderError:
    """The error of a sheet without a header, with where its likeliest header row is (for the user to map it)."""
    error = header_not_found([cells for _number, cells in leading], mapping, schema=schema)
    if error.index is not None:
        error.reading = {
            "sheet": sheet, "sheets": list(sheets), "header_row": leading[error.index][0], "columns": error.columns,
        }
    return error


def _header_likelihood(leading: Numbered, mapping: HeaderMapping | None, schema: ColumnSchema = PERSON_SCHEMA) -> tuple[int, int]:
    """How much the likeliest header row of a sheet without a header looks like one: the columns it names, its
    filled cells (to tell which sheet of a workbook to offer for mapping)."""
    rows = [cells for _number, cells in leading]
    if not rows:
        return (0, 0)
    best = rows[likeliest_header(rows, mapping, schema=schema)]
    return (len(recognised_keys(best, mapping, schema=schema)), sum(1 for cell in best if _filled(cell)))


def _csv_rows(text: str, mapping: HeaderMapping | None = None, schema: ColumnSchema = PERSON_SCHEMA) -> SheetRows:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list[object]]]:
        try:
            yield from enumerate(cast("Iterator[list[object]]", reader), start=1)
        except csv.Error as error:
            raise _csv_problem(error, reader.line_num) from None

    found = _with_header(numbered(), mapping, schema)
    if isinstance(found, list):
        if not any(any(_filled(c) for c in row) for _number, row in found):
            raise FileRejected(_("文件没有表头行"))
        raise _not_found(found, mapping, schema=schema)
    match, header_row, rows = found
    return SheetRows(header=match.cells, rows=rows, kind="csv", header_row=header_row)


def _filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


def _workbook_rows(
    path: Path, kind: str, sheet_name: str | None, mapping: HeaderMapping | None = None, schema: ColumnSchema = PERSON_SCHEMA
) -> SheetRows:
    from python_calamine import CalamineError, CalamineWorkbook  # lazy: only workbooks need it

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = tuple(workbook.sheet_names)
        if sheet_name is not None and sheet_name not in names:
            raise FileRejected(_("工作簿中没有名为“%(sheet)s”的工作表（有：%(names)s）") % {"sheet": sheet_name, "names": "、".join(names)})
        # the sheet without a header whose likeliest header row looks most like one (the first of equals)
        failure: Numbered | None = None
        failed_sheet = ""
        likelihood = (-1, -1)
        for name in (sheet_name,) if sheet_name is not None else names:
            sheet = workbook.get_sheet_by_name(name)
            first_row = sheet.start[0] + 1 if sheet.start else 1
            # Each row a new list of cell values, handed on as the pipeline's list[object].
            cells = cast("Iterator[list[object]]", iter(sheet.iter_rows()))
            found = _with_header(enumerate(cells, start=first_row), mapping, schema)
            if not isinstance(found, list):
                match, header_row, rows = found
                return SheetRows(header=match.cells, rows=rows, kind=kind, header_row=header_row, sheet=name, sheets=names)
            if (this := _header_likelihood(found, mapping, schema)) > likelihood:
                failure, failed_sheet, likelihood = found, name, this
    except CalamineError as error:
        raise FileRejected(_("无法读取 Excel 文件：%(error)s") % {"error": error}) from None
    if not failure or not any(any(_filled(c) for c in row) for _number, row in failure):
        raise FileRejected(_("工作表是空的"))
    raise _not_found(failure, mapping, sheet=failed_sheet, sheets=names, schema=schema)


def open_census_file(
    path: Path, name: str, *, sheet: str | None = None, mapping: HeaderMapping | None = None, schema: ColumnSchema = PERSON_SCHEMA
) -> SheetRows:
    """Opens a stored upload for reading, refusing what is not what it claims to be; finds the header (and,
    in a workbook without a `sheet` named, the first sheet that has one), reading headers we do not know as the
    column `mapping` says. `schema` names the columns looked for (census persons unless told: the unit directory's
    import reads its own)."""
    size = path.stat().st_size
    check_size(size)
    with path.open("rb") as handle:
        head = handle.read(4096)
    kind = _sniff_kind(head, name)
    if kind == "xlsx":
        check_xlsx_archive(path)
    if kind in ("xlsx", "xls"):
        return _workbook_rows(path, kind, sheet or None, mapping, schema)
    text, encoding = _decode(path.read_bytes())
    try:
        rows = _csv_rows(text, mapping, schema)
    except HeaderError as error:
        if error.reading:
            error.reading["encoding"] = encoding
        raise
    rows.encoding = encoding
    return rows


def header_columns(path: Path, name: str, *, sheet: str | None = None) -> list[str]:
    """The texts of the header a file is read with as we know headers (of its likeliest header row when none is
    found), its rows not read: what a mapping remembered for the same header is looked up by."""
    try:
        opened = open_census_file(path, name, sheet=sheet)
    except HeaderError as error:
        return error.columns
    return header_texts(opened.header)


# Rows that are not people (checked only for rows without an ID): totals, and notes under the table.
SKIP_REASONS = {"total": gettext_lazy("合计行"), "note": gettext_lazy("说明行")}
TOTAL_WORDS = frozenset({"合计", "小计", "总计", "共计", "累计", "总数", "合计人数"})
NOTE_PREFIXES = ("填表说明", "说明", "备注", "注：", "注:", "注释", "填表人", "填报人", "制表人", "审核人", "负责人",
                 "联系人", "统计人", "填表日期", "制表日期", "填报日期")


def skip_reason(cells: list[object]) -> str | None:
    """"total" for a 合计 / 小计 / 总计 row, "note" for a 填表说明 / 备注 line, None for anything else."""
    texts = [text for text in ("".join(str(cell).split()) for cell in cells[:8] if cell is not None) if text]
    if not texts:
        return None
    if any(text.rstrip("：:") in TOTAL_WORDS for text in texts[:3]):
        return "total"
    if texts[0].startswith(NOTE_PREFIXES):
        return "note"
    return None
