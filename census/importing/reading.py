"""Reading uploaded census files safely: the type is judged by content (not by name), archives are
checked before parsing (zip bombs), CSV may be UTF-8, UTF-8 with BOM or GBK, and large workbooks are
streamed (python-calamine) rather than loaded as objects."""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc


class FileRejected(ValueError):
    """The file as a whole is refused (size, type, encoding, archive); nothing is read or written."""


@dataclass
class SheetRows:
    """The header row and an iterator over the data rows (1-based row numbers as in the sheet)."""

    header: Sequence[object]
    rows: Iterator[tuple[int, list[object]]]
    kind: str  # "xlsx" or "csv"
    encoding: str = ""


def _sniff_kind(head: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if head.startswith(OLE_MAGIC):
        raise FileRejected(_("“%(name)s”是旧版 Excel（.xls）或其他 Office 文件：请在 Excel 中另存为 .xlsx 后上传") % {"name": name})
    if head.startswith(XLSX_MAGIC):
        if suffix not in (".xlsx", ".xlsm", ""):
            raise FileRejected(_("“%(name)s”的内容是压缩包（xlsx），与扩展名 %(suffix)s 不符") % {"name": name, "suffix": suffix})
        return "xlsx"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise FileRejected(_("“%(name)s”不是有效的 Excel 文件（内容不是 xlsx 格式）") % {"name": name})
    if suffix not in (".csv", ".txt", ""):
        raise FileRejected(_("不支持的文件类型 %(suffix)s：请上传 .xlsx 或 .csv") % {"suffix": suffix})
    if b"\x00" in head:
        raise FileRejected(_("“%(name)s”不是文本文件（含二进制内容），不能作为 CSV 读取") % {"name": name})
    return "csv"


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
        check_xlsx_archive(handle)
        handle.seek(0)


def check_xlsx_archive(path: Path | BinaryIO) -> None:
    """Refuses archives that would expand too far or hold too many entries, before any XML is parsed."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        raise FileRejected(_("Excel 文件已损坏，无法打开")) from None
    if len(entries) > settings.CENSUS_XLSX_MAX_ENTRIES:
        raise FileRejected(_("Excel 文件包含 %(n)d 个内部文件，超过上限，疑似恶意文件") % {"n": len(entries)})
    expanded = sum(entry.file_size for entry in entries)
    if expanded > settings.CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(
            _("Excel 文件解压后达 %(size)s，超过上限 %(limit)s，疑似压缩炸弹")
            % {"size": filesizeformat(expanded), "limit": filesizeformat(settings.CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES)}
        )
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        raise FileRejected(_("压缩包不是 Excel 工作簿（缺少工作表）"))


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        raise FileRejected(_("无法识别 CSV 文件的编码：请使用 UTF-8 或 GBK")) from None


def _csv_problem(error: csv.Error, line: int) -> FileRejected:
    """A CSV the parser gives up on (a cell over the field limit: usually a quote never closed)."""
    if "field larger than field limit" in str(error):
        reason = _("单元格超过 %(n)d 个字符（常见原因：引号未闭合）") % {"n": csv.field_size_limit()}
    else:
        reason = str(error)
    return FileRejected(_("CSV 文件格式错误（第 %(line)d 行）：%(reason)s") % {"line": line, "reason": reason})


def _csv_rows(text: str) -> SheetRows:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected(_("文件没有表头行")) from None
    except csv.Error as error:
        raise _csv_problem(error, reader.line_num) from None

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            yield from enumerate(reader, start=2)
        except csv.Error as error:
            raise _csv_problem(error, reader.line_num) from None

    return SheetRows(header=header, rows=rows(), kind="csv")


def _xlsx_rows(path: Path) -> SheetRows:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        # Each row a new list of cell values, handed on as the pipeline's list[object].
        iterator = cast("Iterator[list[object]]", iter(sheet.iter_rows()))
        header = next(iterator, None)
    except CalamineError as error:
        raise FileRejected(_("无法读取 Excel 文件：%(error)s") % {"error": error}) from None
    if header is None:
        raise FileRejected(_("工作表是空的"))
    first_row = sheet.start[0] + 1 if sheet.start else 1

    def rows() -> Iterator[tuple[int, list[object]]]:
        for offset, row in enumerate(iterator, start=1):
            yield first_row + offset, row

    return SheetRows(header=list(header), rows=rows(), kind="xlsx")


def open_census_file(path: Path, name: str) -> SheetRows:
    """Opens a stored upload for reading, refusing what is not what it claims to be."""
    size = path.stat().st_size
    check_size(size)
    with path.open("rb") as handle:
        head = handle.read(4096)
    kind = _sniff_kind(head, name)
    if kind == "xlsx":
        check_xlsx_archive(path)
        return _xlsx_rows(path)
    text, encoding = _decode(path.read_bytes())
    sheet = _csv_rows(text)
    sheet.encoding = encoding
    return sheet
