"""Builders of census files for the import tests: good sheets, bad sheets and hostile files, all in a
directory the test owns (tmp_path). No database access here: callers pass the IDs they want."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import struct
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook

from census.importing.columns import PERSON_COLUMNS
from census.importing.excel_layout import excel_text, write_excel_xlsx  # noqa: F401 (the tests' builders)
from census.importing.synthetic import resident_id

HEADERS = [c.header for c in PERSON_COLUMNS]
# A small header: the required columns and a few optional ones.
SHORT_HEADERS = ["姓名", "性别", "出生日期", "身份证号码", "类别", "居住地区划代码", "工作单位", "联系电话", "备注"]

# The first bytes of files that are not spreadsheets.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF_BYTES = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # a legacy .xls starts like this


def ids(county_code: str, n: int, seed: int = 1) -> list[str]:
    """`n` distinct valid resident IDs issued in `county_code` (deterministic)."""
    rng, taken = random.Random(seed), set()
    return [resident_id(rng, county_code, taken)[0] for _ in range(n)]


def id_born(county_code: str, birth: dt.date, sequence: int = 123) -> str:
    """A valid resident ID with a given birth date (odd sequence: male)."""
    from orgs.common.identifiers import resident_id_check_char

    first17 = f"{county_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def row(header: Sequence[str] = SHORT_HEADERS, **values) -> list[object]:
    """A row in `header` order from column headers given as keyword arguments (missing cells empty)."""
    return [values.get(h, "") for h in header]


def write_xlsx(path: Path, header: Sequence[object], rows: Iterable[Sequence[object]], *, text_cells: bool = True) -> Path:
    """An .xlsx with one sheet. Strings are written as text cells, never as formulas (openpyxl would
    otherwise turn "=..." into a formula); other values (numbers, dates) keep their type."""
    book = Workbook()
    sheet = book.active
    sheet.title = "侨情登记"
    for r, values in enumerate([header, *rows], start=1):
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if text_cells and isinstance(value, str):
                cell.data_type = "s"
    book.save(path)
    return path


def write_csv(path: Path, header: Sequence[object], rows: Iterable[Sequence[object]], *, encoding: str = "utf-8") -> Path:
    """A CSV in `encoding` ("utf-8", "utf-8-sig" for the BOM Excel writes, "gbk" as Chinese Excel saves)."""
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def write_junk(path: Path, size: int, seed: int = 20) -> Path:
    """`size` random bytes (a junk file under whatever name the caller gives it)."""
    rng = random.Random(seed)
    with open(path, "wb") as handle:
        remaining = size
        while remaining:
            n = min(remaining, 1 << 20)
            handle.write(rng.randbytes(n))
            remaining -= n
    return path


def write_sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that costs no disk (zeros): for size limits only."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


def write_zip_bomb(path: Path, expanded_mib: int = 420) -> Path:
    """A zip that looks like an .xlsx ([Content_Types].xml, xl/worksheets/sheet1.xml) whose sheet
    expands to `expanded_mib` MiB of zeros from about 1/1000 of that on disk."""
    chunk = b"\x00" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            for _ in range(expanded_mib):
                handle.write(chunk)
    return path


def write_many_entries_zip(path: Path, entries: int) -> Path:
    """A zip that looks like an .xlsx but holds `entries` tiny files."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
        for i in range(entries - 2):
            archive.writestr(f"xl/media/x{i}.bin", b"")
    return path


def write_lying_zip(path: Path, valid_xlsx: Path, padding: int = 4 << 20) -> Path:
    """A real workbook whose sheet is padded with `padding` blanks but whose zip headers declare it
    at 1,000 bytes: passes the declared-size check, so the reader itself must stop at the lie."""
    source = zipfile.ZipFile(valid_xlsx)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                at = text.index("<sheetData")
                data = (text[:at] + " " * padding + text[at:]).encode()
            out.writestr(info.filename, data)
    raw = bytearray(buffer.getvalue())
    target = b"xl/worksheets/sheet1.xml"
    for info in zipfile.ZipFile(io.BytesIO(bytes(raw))).infolist():
        if info.filename == target.decode():
            struct.pack_into("<I", raw, info.header_offset + 22, 1000)  # local header: uncompressed size
    at = 0
    while (at := raw.find(b"PK\x01\x02", at)) >= 0:  # central directory entries
        name_length = struct.unpack_from("<H", raw, at + 28)[0]
        if bytes(raw[at + 46 : at + 46 + name_length]) == target:
            struct.pack_into("<I", raw, at + 24, 1000)
        at += 4
    path.write_bytes(bytes(raw))
    return path


def write_docx_like(path: Path) -> Path:
    """A zip with [Content_Types].xml but no worksheet (a .docx renamed .xlsx)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return path


def write_corrupt_sheet_xlsx(path: Path) -> Path:
    """A zip shaped like an .xlsx whose XML is garbage."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "not xml at all <<<")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row>")
    return path


def file_size(path: Path) -> int:
    return os.path.getsize(path)


def write_xlsx_with_doctype(path: Path, valid_xlsx: Path, part: str, doctype: str) -> Path:
    """A real workbook whose `part` starts with a document type declaration (XXE, billion laughs)."""
    source = zipfile.ZipFile(valid_xlsx)
    assert part in source.namelist()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                text = data.decode()
                at = text.index("?>") + 2 if text.startswith("<?xml") else 0
                data = (text[:at] + doctype + text[at:]).encode()
            out.writestr(info.filename, data)
    return path


XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
